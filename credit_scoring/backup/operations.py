"""Back up the four parts of an installation together, and restore them into empty places.

A backup holds the records store, the workflow database (objections, repairs, keys, the audit
log), the published snapshots and the MLflow registry the store grades with, under one folder
with a manifest of every file's SHA-256. It is safe while the service runs: the store is copied
while it is open read-only, which keeps every writer out for the seconds the copy takes (the
service answers a decision in that window with 503 and Retry-After, as it does during an
ingest), and the workflow database is copied inside that same window, so a decision — which
writes both — is in both copies or in neither. A store that fails verification is not backed
up. The folder is built under a hidden name and renamed into place when complete.

A restore checks every file against the manifest first and refuses a damaged backup; it writes
only into empty places (no store file, a workflow database without rows, empty snapshot and
registry folders) and then verifies what it wrote: the store, and the audit chain up to the
head the backup recorded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url

import credit_scoring
from credit_scoring.backup.copies import (
    copy_registry,
    copy_snapshots,
    copy_store,
    dump_workflow,
    load_workflow,
    relocate_registry,
    workflow_rows,
)
from credit_scoring.backup.manifest import (
    FORMAT_VERSION,
    AuditHead,
    BackupManifest,
    hash_files,
    read_backup,
    write_manifest,
)
from credit_scoring.errors import StoreBusy, StoreDamaged, TargetNotEmpty
from credit_scoring.records.integrity import StoreCheck, verify_store
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings
from credit_scoring.workflows.chain import ChainReport, verify_chain
from credit_scoring.workflows.database import connect

__all__ = ["Restored", "make_backup", "restore_backup"]

STORE, WORKFLOW, SNAPSHOTS, REGISTRY = "store", "workflow", "snapshots", "registry"
_STORE_FILE, _WORKFLOW_FILE = "credit.duckdb", "workflow.db"


def make_backup(settings: Settings, out: Path, *, wait_seconds: float = 60.0) -> BackupManifest:
    """Copy the store, the workflow database, the snapshots and the registry into ``out`` (a new
    or empty folder). Waits up to ``wait_seconds`` for a writer (an ingest) to release the store.

    Raises :class:`~credit_scoring.errors.StoreDamaged` for a store that fails verification.
    """
    out = Path(out)
    if out.exists() and not _empty_folder(out):
        raise TargetNotEmpty(f"{out}: not empty; a backup goes into a new or empty folder")
    staging = out.parent / f".{out.name}.partial-{secrets.token_hex(3)}"
    staging.mkdir(parents=True)
    try:
        manifest = _fill(settings, staging, wait_seconds)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _fill(settings: Settings, folder: Path, wait_seconds: float) -> BackupManifest:
    with _open_read_only(settings.db_path, wait_seconds) as store:
        registry = settings.mlruns or store.registry
        copy_store(store, folder / STORE / _STORE_FILE)
        # Inside the store's window: a decision writes the store and this database together.
        dump_workflow(settings.workflow_db_url, folder / WORKFLOW / _WORKFLOW_FILE)
    check = verify_store(folder / STORE / _STORE_FILE)
    if not check.ok:
        raise StoreDamaged(f"{settings.db_path}: not backed up, the store fails verification "
                           f"({check.problems[0]}); run `credit-scoring store verify` and "
                           "restore it from an earlier backup")  # fmt: skip
    chain = _chain_of(folder / WORKFLOW / _WORKFLOW_FILE)
    current = None
    if settings.snapshot_dir.is_dir():
        current = copy_snapshots(settings.snapshot_dir, folder / SNAPSHOTS)
    if registry is not None and (registry / "mlflow.db").is_file():
        copy_registry(registry, folder / REGISTRY)
    else:
        registry = None
    manifest = BackupManifest(
        format_version=FORMAT_VERSION, created_at=_now(),
        program_version=credit_scoring.__version__,
        sources={STORE: str(settings.db_path.resolve()), WORKFLOW: _shown(settings.workflow_db_url),
                 SNAPSHOTS: str(settings.snapshot_dir.resolve()),
                 REGISTRY: str(registry.resolve()) if registry else None},
        store_schema_version=check.schema_version, store_rows=check.tables,
        workflow_dialect=make_url(settings.workflow_db_url).get_backend_name(),
        audit=AuditHead(entries=chain.entries, head_id=chain.head_id,
                        head_sha256=chain.head_sha256, problems=len(chain.problems)),
        current_snapshot=current, files=hash_files(folder),
    )  # fmt: skip
    write_manifest(folder, manifest)
    return manifest


@dataclass(frozen=True)
class Restored:
    """What a restore wrote and what verifying it found."""

    manifest: BackupManifest
    store: StoreCheck
    chain: ChainReport
    workflow_url: str  # password hidden
    snapshot_dir: Path
    registry: Path | None


def restore_backup(backup: Path, settings: Settings) -> Restored:
    """Restore the backup in ``backup`` into the places ``settings`` names, all of them empty.
    The registry goes to ``settings.mlruns`` (else ``settings.new_registry``) and the restored
    store remembers it there.

    Raises :class:`~credit_scoring.errors.BackupDamaged` (a file missing, added or changed) and
    :class:`~credit_scoring.errors.TargetNotEmpty`, both before anything is written.
    """
    backup = Path(backup)
    manifest = read_backup(backup)
    was = manifest.sources[REGISTRY]  # where the registry was backed up from
    registry = (settings.mlruns or settings.new_registry) if was else None
    _require_empty(settings, registry)
    for suffix in ("", ".wal"):  # the store, and a write-ahead log copied with it
        if (backup / STORE / (_STORE_FILE + suffix)).is_file():
            _place(backup / STORE / (_STORE_FILE + suffix), _with_suffix(settings.db_path, suffix))
    if (backup / SNAPSHOTS).is_dir():
        _place(backup / SNAPSHOTS, settings.snapshot_dir)
    if registry is not None and was is not None:
        _place(backup / REGISTRY, registry)
        relocate_registry(registry, was)
        with Store(settings.db_path) as store:
            store.remember_registry(registry)
    load_workflow(backup / WORKFLOW / _WORKFLOW_FILE, settings.workflow_db_url)
    engine = connect(settings.workflow_db_url)
    try:
        chain = verify_chain(engine, through=manifest.audit.head_sha256)
    finally:
        engine.dispose()
    return Restored(manifest, verify_store(settings.db_path), chain,
                    _shown(settings.workflow_db_url), settings.snapshot_dir, registry)  # fmt: skip


def _require_empty(settings: Settings, registry: Path | None) -> None:
    taken = []
    for path in (settings.db_path, _with_suffix(settings.db_path, ".wal")):
        if path.exists():
            taken.append(f"{path} exists")
    rows = workflow_rows(settings.workflow_db_url)
    if rows:
        url = _shown(settings.workflow_db_url)
        taken.append(f"the workflow database {url} holds {rows:,} rows")
    for folder in (settings.snapshot_dir, registry):
        if folder is not None and folder.exists() and not _empty_folder(folder):
            taken.append(f"{folder} is not empty")
    if taken:
        raise TargetNotEmpty("restore writes only into empty places: " + "; ".join(taken))


def _place(source: Path, target: Path) -> None:
    """Copy a file or folder to ``target`` under a temporary name, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.restoring-{secrets.token_hex(3)}")
    if source.is_dir():
        shutil.copytree(source, temporary)
        if target.exists():
            target.rmdir()  # empty, as checked
    else:
        shutil.copyfile(source, temporary)
    temporary.rename(target)


@contextlib.contextmanager
def _open_read_only(path: Path, wait_seconds: float) -> Iterator[Store]:
    """The store opened read-only, once no writer holds it (waiting up to ``wait_seconds``)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            store = Store(path, read_only=True)
            break
        except StoreBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.25)
    with store:
        yield store


def _empty_folder(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _with_suffix(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _chain_of(dump: Path) -> ChainReport:
    engine = create_engine(f"sqlite:///{dump}")
    try:
        return verify_chain(engine)
    finally:
        engine.dispose()


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
