"""The audit chain: each entry carries the hash of the entry before it and of the row it decided.

Triggers refuse an UPDATE or DELETE of the audit log, but whoever can write the database file
(SQLite) or owns its tables (PostgreSQL) can drop them, and the rows the log speaks of are
ordinary rows. So every entry is also hashed with the hash of the one before it
(``prev_sha256`` → ``entry_sha256``), and an entry that writes a row the chain vouches for
(:data:`SEALED`: objections, repairs, API keys, listing cases, sanction tasks, warning
interviews, commitment verifications, re-grades and issued reports) carries the hash of that row
as it was then (``state_sha256``). :func:`verify_chain` recomputes it all: an entry edited,
replaced, inserted or deleted breaks a link; a row changed afterwards (a case's status, an issued
report's digest) no longer matches the hash its last entry recorded; a row with no entry at all
was written around the library, and a recorded row that is gone was deleted.

Appending locks the one-row head (``audit_chain_head``) for its transaction, so two workers
never chain onto the same entry: on PostgreSQL the row lock of its UPDATE, on SQLite the
database's write lock, which that UPDATE takes. The head also remembers the newest entry, so a
log cut short at its end is noticed, and the tables whose rows the chain vouches for. A database
from before the chain is upgraded once, on connecting: its entries are hashed in order into the
first chained entry (``audit_chain_started``), and every existing row of :data:`SEALED` gets an
``audit_state_sealed`` entry, both by ``system:upgrade``. A table the chain came to vouch for
later is sealed the same way, once, on the first connection that knows it.

What a chain cannot show is a rewrite from some entry onwards by someone who recomputes every
hash after it and the head. Against that, keep the head's hash somewhere the database's writers
cannot reach (every backup's manifest records it) and check the chain still passes through it:
``credit-scoring audit verify --through HASH``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, Table, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credit_scoring.workflows.database import AuditChainHead, AuditEntry, Base

__all__ = ["GENESIS", "SEALED", "ChainReport", "append", "start_chain", "verify_chain"]

GENESIS = "0" * 64  # what the first entry follows
SYSTEM = "system:upgrade"
# The tables whose rows the chain vouches for, each with the audit target that names a row: the
# target the workflow writing the table gives its entries. By name, not model: the workflows'
# modules define most of these models and build on this one.
SEALED: dict[str, Callable[[Mapping[Any, Any]], str]] = {
    "objections": lambda row: f"objection:{row['id']}",
    "repairs": lambda row: f"repair:{row['id']}",
    "api_keys": lambda row: f"key:{row['key_id']}",
    "listing_cases": lambda row: f"listing:{row['id']}",
    "sanction_tasks": lambda row: f"sanction:{row['id']}",
    "warning_interviews": lambda row: f"interview:{row['id']}",
    "commitment_verifications": lambda row: f"commitment:{row['record_id']}",
    "regrades": lambda row: f"regrade:{row['id']}",
    "issued_reports": lambda row: str(row["report_no"]),
}
# What a head from before it named its sealed tables vouches for: the chain's first three.
FIRST_SEALED = frozenset({"objections", "repairs", "api_keys"})


def entry_sha256(prev: str, entry: Any) -> str:
    """The hash of ``entry`` (an :class:`AuditEntry` or a row of ``audit_log``) after ``prev``."""
    fields = [prev, entry.id, entry.at.isoformat(sep=" ", timespec="microseconds"), entry.actor,
              entry.action, entry.uscc, entry.target, entry.before, entry.after,
              entry.state_sha256]  # fmt: skip
    return _sha256(fields)


def state_sha256(row: Mapping[Any, Any]) -> str:
    """The hash of one row's values, by column name (dates as ISO text)."""
    return _sha256({name: _plain(value) for name, value in row.items()})


def append(session: Session, entry: AuditEntry, row: object | None = None) -> None:
    """Chain ``entry`` after the newest one; ``row``, the row of :data:`SEALED` it wrote, is
    hashed as the database now holds it. Commits with the session, or not at all."""
    session.flush()  # the change the entry records is written first, so its row is as decided
    newest = _newest(session)
    _write(session, entry, newest, _row_state(session, row) if row is not None else None)


def _newest(session: Session) -> tuple[int, str]:
    """The newest entry's id and hash, the head locked until the session ends."""
    claimed = _claim_head(session)
    if claimed is None:  # the head was deleted behind the library's back: rebuilt, on record
        _rebuild_head(session)
        claimed = _claim_head(session)
        assert claimed is not None
    return claimed


def _write(session: Session, entry: AuditEntry, newest: tuple[int, str], state: str | None) -> None:
    """Write ``entry`` after ``newest`` with the hash ``state`` of its row; the head names it."""
    entry.id, entry.prev_sha256, entry.state_sha256 = newest[0] + 1, newest[1], state
    entry.entry_sha256 = entry_sha256(newest[1], entry)
    session.add(entry)
    session.flush()
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_id=entry.id, last_sha256=entry.entry_sha256)
        .execution_options(synchronize_session=False)
    )


def _claim_head(session: Session) -> tuple[int, str] | None:
    # An UPDATE, not a SELECT: it takes the lock before reading (PostgreSQL's row lock, SQLite's
    # write lock), and under READ COMMITTED a worker that waited reads the head the other left.
    found = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(entries=AuditChainHead.entries + 1)
        .returning(AuditChainHead.last_id, AuditChainHead.last_sha256)
        .execution_options(synchronize_session=False)
    ).first()
    return (int(found[0]), str(found[1])) if found else None


def start_chain(engine: Engine) -> None:
    """Give the database its chain head, once (a database from before the chain is sealed), and
    seal, once, the rows of tables the chain came to vouch for after it started."""
    _start_head(engine)
    _seal_new_tables(engine)


def _start_head(engine: Engine) -> None:
    with Session(engine) as session:
        if session.get(AuditChainHead, 1) is not None:
            return
        try:
            if session.scalar(select(func.count()).where(AuditEntry.entry_sha256.is_not(None))):
                _rebuild_head(session)
            else:
                _seal_unchained(session)
            session.commit()
        except IntegrityError:  # another worker started it at the same moment
            session.rollback()


def _seal_unchained(session: Session) -> None:
    """Start the chain: fold the entries written before it into the first chained entry and
    record every existing row of :data:`SEALED` as it stands."""
    prev, count, last_id = GENESIS, 0, 0
    query = select(AuditEntry.__table__).order_by(AuditEntry.id)
    for old in session.execute(query.execution_options(yield_per=2000)):
        prev, count, last_id = entry_sha256(prev, old), count + 1, old.id
    session.add(AuditChainHead(id=1, entries=0, last_id=last_id, last_sha256=prev,
                               started_at=_now(), sealed_tables=_listed(SEALED)))  # fmt: skip
    session.flush()
    if count or any(session.scalar(select(select(_table(name)).exists())) for name in SEALED):
        sealed = {"sealed_entries": count, "through_id": last_id}
        append(session, _system_entry("audit_chain_started", "audit_log", sealed))
    _seal_rows(session, SEALED)


def _seal_new_tables(engine: Engine) -> None:
    """Seal every row of the tables of :data:`SEALED` the head does not name yet (its chain
    started before the chain vouched for them), then name them: in one transaction, once."""
    with Session(engine) as session:
        if not _unsealed(session.scalar(select(AuditChainHead.sealed_tables))):
            return
        locked = _lock_head(session)  # read again under the lock: a worker that waited for it
        if locked is None or not (missing := _unsealed(locked.sealed_tables)):  # finds it done
            return
        _seal_rows(session, missing)
        session.execute(
            update(AuditChainHead)
            .where(AuditChainHead.id == 1)
            .values(sealed_tables=_listed(SEALED))
            .execution_options(synchronize_session=False)
        )
        session.commit()


def _lock_head(session: Session) -> Row[str | None] | None:
    """The head's sealed tables, read by an UPDATE that takes its lock as :func:`_claim_head`
    does, so the tables are sealed by one worker at a time."""
    return session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(sealed_tables=AuditChainHead.sealed_tables)
        .returning(AuditChainHead.sealed_tables)
        .execution_options(synchronize_session=False)
    ).first()


def _unsealed(listed: str | None) -> list[str]:
    """The tables of :data:`SEALED` a head's ``sealed_tables`` leaves out (None: a head from
    before it named them, which vouches for the chain's first tables)."""
    sealed = FIRST_SEALED if listed is None else set(listed.split(";"))
    return [name for name in SEALED if name not in sealed]


def _listed(tables: Iterable[str]) -> str:
    return ";".join(sorted(tables))


def _seal_rows(session: Session, tables: Iterable[str]) -> None:
    """Record every row of ``tables`` as it stands, each in an ``audit_state_sealed`` entry."""
    for name in tables:
        for row in session.execute(_in_order(name)).mappings().all():
            entry = _system_entry("audit_state_sealed", SEALED[name](row), None, row.get("uscc"))
            _write(session, entry, _newest(session), state_sha256(row))


def _rebuild_head(session: Session) -> None:
    """A head found deleted is rebuilt from the newest chained entry, and that is recorded
    (``audit verify`` warns of it ever after)."""
    newest = session.execute(
        select(AuditEntry.id, AuditEntry.entry_sha256)
        .where(AuditEntry.entry_sha256.is_not(None))
        .order_by(AuditEntry.id.desc())
    ).first()
    last_id, last_sha256 = (int(newest[0]), str(newest[1])) if newest else (0, GENESIS)
    chained = session.scalar(select(func.count()).where(AuditEntry.entry_sha256.is_not(None)))
    # Which tables the lost head had sealed is unknown: the next connection seals the later
    # ones again, which is harmless for a row unchanged since its last entry (see _Walk).
    session.add(AuditChainHead(id=1, entries=int(chained or 0), last_id=last_id,
                               last_sha256=last_sha256, started_at=_now(),
                               sealed_tables=None))  # fmt: skip
    session.flush()
    append(session, _system_entry("audit_chain_head_rebuilt", "audit_chain_head",
                                  {"from_entry": last_id}))  # fmt: skip


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found. ``problems`` empty: nothing was changed outside the
    library; ``warnings`` say what could be (a PostgreSQL role allowed to rewrite the log)."""

    entries: int
    sealed_entries: int  # written before the chain and sealed by its first entry
    head_id: int | None
    head_sha256: str | None
    rows: int  # rows of the tables of SEALED checked against their last entry
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(engine: Engine, *, through: str | None = None) -> ChainReport:
    """Recompute the chain, the head and the hash of every row of :data:`SEALED`, in one read
    snapshot.

    ``through`` is a head hash recorded earlier (a backup's manifest, yesterday's report): the
    chain must still pass through it, or it was rewritten from some entry on.

    Examples
    --------
    >>> from credit_scoring.workflows import connect
    >>> verify_chain(connect("sqlite:///:memory:")).ok
    True
    """
    from credit_scoring.workflows.privileges import log_privilege_warnings

    with _snapshot(engine) as connection:
        walk = _Walk()
        head = connection.execute(select(AuditChainHead.__table__)).first()
        query = select(AuditEntry.__table__).order_by(AuditEntry.id)
        for entry in connection.execution_options(yield_per=2000).execute(query):
            walk.step(entry)
        rows = _check_rows(connection, walk)
        walk.check_head(head, through)
        warnings = walk.warnings + log_privilege_warnings(connection)
    return ChainReport(walk.entries, walk.sealed, head.last_id if head else None,
                       head.last_sha256 if head else None, rows, walk.problems,
                       warnings)  # fmt: skip


class _Walk:
    """The state of one pass over the log, oldest entry first."""

    def __init__(self) -> None:
        self.prev, self.entries, self.sealed, self.chained = GENESIS, 0, 0, 0
        self.unchained: list[int] = []  # before the first chained entry
        self.fold = GENESIS  # those, hashed in order as the chain's first entry seals them
        self.last: Any = None
        self.hashes: set[str] = set()
        self.states: dict[str, tuple[str, int]] = {}  # target → (state hash, entry id)
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def step(self, entry: Any) -> None:
        self.entries += 1
        if entry.entry_sha256 is None:
            if self.chained:
                self._not_chained([entry.id])
            else:
                self.unchained.append(entry.id)
                self.fold = entry_sha256(self.fold, entry)
            return
        if not self.chained:
            self._start(entry)
        self.chained += 1
        if entry.prev_sha256 != self.prev:
            self.problems.append(_broken_link(entry, self.sealed, self.last))
        if entry_sha256(entry.prev_sha256, entry) != entry.entry_sha256:
            self.problems.append(f"entry {entry.id}: changed after it was written (its hash "
                                 "no longer matches its content)")  # fmt: skip
        if entry.state_sha256 is not None:
            self._check_sealed_again(entry)
            self.states[entry.target] = (entry.state_sha256, entry.id)
        if entry.action == "audit_chain_head_rebuilt":
            self.warnings.append(f"entry {entry.id}: the chain's head row was found deleted and "
                                 f"was rebuilt on {entry.at:%Y-%m-%d %H:%M} UTC")  # fmt: skip
        self.prev, self.last = entry.entry_sha256, entry
        self.hashes.add(entry.entry_sha256)

    def _check_sealed_again(self, entry: Any) -> None:
        """A row the chain vouches for already is sealed again only when the head forgot its
        sealed tables (rebuilt, or ``sealed_tables`` reset): harmless if the row is as its last
        entry recorded it; otherwise an edit made outside the library was sealed."""
        known = self.states.get(entry.target)
        if entry.action == "audit_state_sealed" and known and known[0] != entry.state_sha256:
            self.problems.append(f"{entry.target}: sealed again by entry {entry.id} as changed "
                                 f"since entry {known[1]} recorded it (edited outside the "
                                 "library, then sealed on connecting)")  # fmt: skip

    def _start(self, first: Any) -> None:
        """Entries before the first chained one are those it sealed when it started the chain on
        an older database; before any other first entry there may be none."""
        if first.action == "audit_chain_started":
            self.sealed, self.prev = len(self.unchained), self.fold
        else:
            self._not_chained(self.unchained)

    def _not_chained(self, ids: list[int]) -> None:
        self.problems += [f"entry {i}: not chained; it was inserted or replaced outside the "
                          "library" for i in ids]  # fmt: skip

    def check_head(self, head: Any, through: str | None) -> None:
        if self.last is None:
            self._not_chained(self.unchained)
        newest = (self.last.id, self.last.entry_sha256) if self.last is not None else (0, GENESIS)
        if head is None:
            if self.entries:
                self.problems.append("the chain's head row is missing (deleted)")
        elif (head.last_id, head.last_sha256) != newest:
            self.problems.append(
                f"the log's newest chained entry is {newest[0]} but its head records entry "
                f"{head.last_id}: entries were removed from its end or added around the library"
            )
        elif head.entries != self.chained:
            self.problems.append(f"the head counts {head.entries} chained entries; the log holds "
                                 f"{self.chained}")  # fmt: skip
        if through and through not in self.hashes:
            self.problems.append(f"the chain no longer passes through {through[:16]}…, recorded "
                                 "earlier: it was rewritten since")  # fmt: skip


def _broken_link(entry: Any, sealed: int, last: Any) -> str:
    if last is None and entry.action == "audit_chain_started":
        return (f"entry {entry.id} ({entry.action}): the entries it sealed when the chain "
                f"started were changed, removed or added to since ({sealed} found)")  # fmt: skip
    after = f"entry {last.id}" if last is not None else "the start of the chain"
    return (f"entry {entry.id}: does not follow {after}; an entry between them was removed, "
            "inserted or replaced")  # fmt: skip


def _check_rows(connection: Connection, walk: _Walk) -> int:
    checked = 0
    for name, target_of in SEALED.items():
        for row in connection.execute(_in_order(name)).mappings():
            checked += 1
            target = target_of(row)
            recorded = walk.states.pop(target, None)
            if recorded is None:
                walk.problems.append(f"{target}: no audit entry records it; it was written "
                                     "outside the library")  # fmt: skip
            elif state_sha256(row) != recorded[0]:
                walk.problems.append(f"{target}: changed since entry {recorded[1]} recorded it "
                                     "(status, reviewer or another field edited outside the "
                                     "library)")  # fmt: skip
    for target, (_, entry_id) in walk.states.items():  # recorded, never found above
        walk.problems.append(f"{target}: recorded by entry {entry_id} but no longer in the "
                             "database (deleted)")  # fmt: skip
    return checked


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent read of the whole database (a decision commits its case and its entry
    together, so reading them at two moments could see one without the other)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # pysqlite opens no transaction for a SELECT; BEGIN holds one read snapshot.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                connection.exec_driver_sql("ROLLBACK")
        else:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection


def _row_state(session: Session, row: object) -> str:
    state = inspect(row)
    table = state.mapper.local_table
    keys = zip(state.mapper.primary_key, state.identity or (), strict=True)
    found = session.execute(select(table).where(*(column == value for column, value in keys)))
    return state_sha256(found.mappings().one())


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _in_order(name: str) -> Select[Any]:
    """Every row of the table, by primary key: PostgreSQL returns an updated row last, and a
    report should list problems in the same order on every database."""
    table = _table(name)
    return select(table).order_by(*table.primary_key.columns)


def _system_entry(
    action: str, target: str, after: dict[str, Any] | None, uscc: str | None = None
) -> AuditEntry:
    return AuditEntry(at=_now(), actor=SYSTEM, action=action, uscc=uscc, target=target,
                      before=None, after=None if after is None else json.dumps(after))  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _sha256(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
