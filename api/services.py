"""What the service holds while it runs: the snapshot, the workflow database, the keys, the
store, and the background loop that picks up new snapshots and other workers' re-grades."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine

from api.auth import KeyRing
from api.ratelimit import FilingLimit
from credit_scoring.errors import CreditScoringError
from credit_scoring.grading import Grader
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings
from credit_scoring.snapshots import SnapshotHolder
from credit_scoring.workflows import Workspace, connect, load_regrades

__all__ = ["Services", "StoreAccess"]

log = logging.getLogger("credit_scoring.api")


class StoreAccess:
    """The DuckDB records store, opened per operation and closed after it.

    DuckDB lets one process write a file, or many read it, not both. The service holds no
    connection between requests, so batch jobs (ingest, publish) can open the store between
    them; inside the service one lock serialises the openings (DuckDB also refuses two
    configurations of one file in one process). If another process holds the file, the request
    fails with 503 and Retry-After instead of waiting.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def open(self, *, write: bool) -> Iterator[Store]:
        # StoreBusy (503) if another holds it; StoreDamaged (503) if a read finds it damaged.
        with self._lock, Store(self.path, read_only=not write) as store:
            yield store


@dataclass
class Services:
    settings: Settings
    engine: Engine
    holder: SnapshotHolder
    keys: KeyRing
    store: StoreAccess
    filings: FilingLimit
    # The grading service, loaded on the first re-grade and again after a new snapshot is served
    # (a new snapshot usually follows a new champion): (snapshot id it was loaded under, grader).
    _grader: tuple[str | None, Grader] | None = field(default=None, repr=False)
    _grader_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls, settings: Settings) -> Services:
        engine = connect(settings.workflow_db_url)
        holder = SnapshotHolder(settings.snapshot_dir, verify=settings.verify_snapshots,
                                resident_mb=settings.snapshot_resident_mb)  # fmt: skip
        services = cls(settings, engine, holder, KeyRing(engine, settings.key_cache_seconds),
                       StoreAccess(str(settings.db_path)),
                       FilingLimit(settings.public_filings_per_hour))  # fmt: skip
        services.poll()
        return services

    def today(self) -> dt.date:
        return self.settings.today or dt.date.today()

    def poll(self) -> None:
        """Serve a newly published snapshot and re-grades made by other workers; reload keys."""
        self.keys.refresh_if_stale()
        try:
            self.holder.refresh()
        except CreditScoringError as error:  # a damaged snapshot: keep serving the old one
            log.error("snapshot not loaded: %s", error)
        self.holder.add_regrades(load_regrades(self.engine, after_id=self.holder.last_regrade_id))

    async def poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.poll_seconds)
            try:
                await asyncio.to_thread(self.poll)
            except Exception:  # the loop must outlive a database hiccup
                log.exception("polling for snapshots and re-grades failed")

    def grader(self, store: Store) -> Grader:
        """The grading service decisions and re-grades use, loaded once per served snapshot."""
        served = self.holder.state
        snapshot = served.snapshot_id if served is not None else None
        with self._grader_lock:
            if self._grader is None or self._grader[0] != snapshot:
                self._grader = (snapshot, Grader.load(store, self.settings))
            return self._grader[1]

    @contextlib.contextmanager
    def workspace(self, *, write: bool) -> Iterator[Workspace]:
        """A workflow workspace: over a writable store with the grader to file and decide, else
        read-only."""
        with self.store.open(write=write) as store:
            yield Workspace(self.engine, store, self.grader(store) if write else None)

    def close(self) -> None:
        self.engine.dispose()
