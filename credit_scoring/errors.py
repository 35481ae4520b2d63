"""One exception hierarchy for the library; each error knows the HTTP status it maps to.

A user's mistake raises one of these, never a bare ``ValueError`` or ``KeyError``: the command
line shows it as one line, the HTTP service as RFC 9457 problem details with that status. The
status lives on four bases — invalid input (422), not found (404), conflict (409), unavailable
(503) — and the concrete errors only say what happened.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AlreadyDecided",
    "BackupDamaged",
    "ConfigError",
    "Conflict",
    "CreditScoringError",
    "FileRejected",
    "InfeasiblePlan",
    "InvalidInput",
    "KeyNotFound",
    "NotFound",
    "PlanNotFound",
    "RecordNotFound",
    "ReportNotFound",
    "SchemaVersionError",
    "SnapshotNotFound",
    "StoreBusy",
    "StoreDamaged",
    "StoreNotFound",
    "SubjectNotFound",
    "TargetNotEmpty",
    "Unavailable",
    "WorkflowItemNotFound",
]


class CreditScoringError(Exception):
    """Base of every error the library raises on purpose."""

    http_status = 500


class InvalidInput(CreditScoringError, ValueError):
    """A value a user gave cannot be used; ``field`` names it (an option, a field, a key).

    A ``ValueError`` too, so code that validated with ``ValueError`` before still catches it.
    """

    http_status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CreditScoringError):
    """What was asked for does not exist."""

    http_status = 404


class Conflict(CreditScoringError):
    """The request contradicts the state it would change."""

    http_status = 409


class Unavailable(CreditScoringError):
    """What the request needs is not there yet or is busy; retrying later may succeed."""

    http_status = 503


class ConfigError(CreditScoringError):
    """A policy or catalog file is invalid; the message names the file and the key."""


class SchemaVersionError(CreditScoringError):
    """The store was written by a newer version of this program."""


class FileRejected(CreditScoringError):
    """A whole input file cannot be ingested (unreadable, empty, required columns missing).

    The store is left untouched; the message names the file and says why, in English and Chinese.
    """

    http_status = 422

    def __init__(self, path: Path, reason_en: str, reason_zh: str) -> None:
        self.path = Path(path)
        self.reason_en = reason_en
        self.reason_zh = reason_zh
        super().__init__(f"{self.path}: {reason_en} / {reason_zh}")


class InfeasiblePlan(InvalidInput):
    """An inspection plan cannot be drawn or staffed without breaking a rule; says which."""


class SubjectNotFound(NotFound):
    """No subject with that USCC existed at the date asked about."""


class PlanNotFound(NotFound):
    """No stored inspection plan has that id."""


class RecordNotFound(NotFound):
    """The record an objection or a repair names does not exist for that subject."""


class ReportNotFound(NotFound):
    """No credit report of that number, or with that file digest, was issued here."""


class KeyNotFound(NotFound):
    """No API key has that id."""


class WorkflowItemNotFound(NotFound, KeyError):
    """No objection or repair application with that id (a ``KeyError`` too, as it was)."""

    def __str__(self) -> str:  # KeyError's own would quote the message
        return str(self.args[0])


class AlreadyDecided(Conflict):
    """The case was decided before; a decision is final."""


class StoreNotFound(Unavailable):
    """No records store at the path given (a read needs one; ingesting creates it)."""

    public_detail = "the records store is not available; retry later"


class StoreBusy(Unavailable):
    """Another process holds the records store's write lock (DuckDB: one writer per file).

    Its message names the file and the other process for the operator; a caller of the service
    gets :attr:`public_detail` only.
    """

    public_detail = "the records store is busy with a batch job; retry in a few seconds"


class SnapshotNotFound(Unavailable):
    """No snapshot has been published under that root, or its files are damaged."""


class StoreDamaged(Unavailable):
    """The records store's file is damaged: cut short, or a block fails its checksum. Its
    message names the file and says what to do (verify it, restore it from a backup)."""

    public_detail = "the records store is not available; retry later"


class BackupDamaged(InvalidInput):
    """A backup without its manifest, or whose files no longer match the manifest's SHA-256s."""


class TargetNotEmpty(Conflict):
    """A restore would overwrite something: it only writes into empty locations."""
