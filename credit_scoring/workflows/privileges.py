"""On PostgreSQL the service's database role may append to the audit log, never change it.

The triggers refuse an UPDATE, DELETE or TRUNCATE of ``audit_log``, but a table's owner may drop
its triggers and grant itself anything. So the workflow tables belong to one role, the owner,
which creates and upgrades them (``connect`` once after each upgrade of this program) and runs
:func:`lock_down`; the service connects as another. That role may read and append to the log and
advance its chain head; on the log it has no UPDATE, DELETE, TRUNCATE, TRIGGER or REFERENCES, and
on every other workflow table it may read and write rows. SQLite has no roles: its file's
permissions decide, and the hash chain shows what they let through.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from credit_scoring.errors import InvalidInput
from credit_scoring.workflows.database import AuditChainHead, AuditEntry, Base

__all__ = ["REWRITING", "lock_down", "log_privilege_warnings", "log_privileges"]

REWRITING = ("UPDATE", "DELETE", "TRUNCATE")  # what the service's role must not hold on the log
_LOG, _HEAD = AuditEntry.__tablename__, AuditChainHead.__tablename__


def lock_down(engine: Engine, role: str) -> dict[str, bool]:
    """Grant ``role`` what the service needs and take from it (and from PUBLIC) every right to
    rewrite the audit log; run as the tables' owner. Returns :func:`log_privileges` of ``role``.

    Examples
    --------
    >>> from credit_scoring.workflows import connect
    >>> lock_down(connect("sqlite:///:memory:"), "credit_service")
    Traceback (most recent call last):
    ...
    credit_scoring.errors.InvalidInput: audit lock-down is for PostgreSQL; a SQLite workflow database is protected by its file's permissions
    """  # noqa: E501
    if engine.dialect.name != "postgresql":
        raise InvalidInput(
            "audit lock-down is for PostgreSQL; a SQLite workflow database is protected by its "
            "file's permissions",
            field="--workflow-db",
        )
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
            raise InvalidInput(f"no PostgreSQL role {role!r}; create it first", field="--role")
        schema, who = quote(str(connection.scalar(text("SELECT current_schema()")))), quote(role)
        others = [t.name for t in Base.metadata.sorted_tables if t.name not in (_LOG, _HEAD)]
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            f"REVOKE ALL ON {_LOG}, {_HEAD} FROM PUBLIC",
            f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {_LOG} FROM {who}",
            f"GRANT SELECT, INSERT ON {_LOG} TO {who}",
            f"REVOKE DELETE, TRUNCATE, TRIGGER, REFERENCES ON {_HEAD} FROM {who}",
            f"GRANT SELECT, UPDATE ON {_HEAD} TO {who}",
            *(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {quote(t)} TO {who}" for t in others),
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        ):
            connection.execute(text(statement))
        return log_privileges(connection, role)


def log_privileges(connection: Connection, role: str) -> dict[str, bool]:
    """Which rights to rewrite the audit log ``role`` holds, and whether it owns the log (an
    owner can drop the triggers and grant itself the rest back)."""
    held = {
        right: bool(connection.scalar(text("SELECT has_table_privilege(:role, :table, :right)"),
                                      {"role": role, "table": _LOG, "right": right}))
        for right in REWRITING
    }  # fmt: skip
    owner = connection.scalar(
        text("""SELECT pg_has_role(:role, tableowner, 'USAGE') FROM pg_tables
                WHERE tablename = :table AND schemaname = current_schema()"""),
        {"role": role, "table": _LOG},
    )
    return {**held, "owner": bool(owner)}


def log_privilege_warnings(connection: Connection) -> list[str]:
    """What the connected role could do to the audit log that the service's must not (empty on
    SQLite, or for a role locked down)."""
    if connection.dialect.name != "postgresql":
        return []
    role = str(connection.scalar(text("SELECT current_user")))
    found = log_privileges(connection, role)
    warnings = []
    rights = [right for right in REWRITING if found[right]]
    if rights:
        warnings.append(f"role {role} may {', '.join(rights)} the audit log: run `credit-scoring "
                        f"audit lock-down --role {role}` as the tables' owner")  # fmt: skip
    if found["owner"]:
        warnings.append(f"role {role} owns the audit log, so it can drop its triggers: run the "
                        "service as a role that does not")  # fmt: skip
    return warnings
