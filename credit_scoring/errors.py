"""One exception hierarchy for the library; each error knows the HTTP status it maps to."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "CreditScoringError",
    "FileRejected",
    "InfeasiblePlan",
    "InvalidInput",
    "PlanNotFound",
    "SchemaVersionError",
    "StoreBusy",
    "StoreNotFound",
    "SubjectNotFound",
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


class SchemaVersionError(CreditScoringError):
    """The store was written by a newer version of this program."""

    http_status = 500


class StoreNotFound(CreditScoringError):
    """No records store at the path given (a read needs one; ingesting creates it)."""

    http_status = 503


class StoreBusy(CreditScoringError):
    """Another process holds the records store's write lock (DuckDB: one writer per file)."""

    http_status = 503


class ConfigError(CreditScoringError):
    """A policy or catalog file is invalid; the message names the file and the key."""

    http_status = 500


class SubjectNotFound(CreditScoringError):
    """No subject with that USCC existed at the date asked about."""

    http_status = 404


class InfeasiblePlan(CreditScoringError):
    """An inspection plan cannot be drawn or staffed without breaking a rule; says which."""

    http_status = 422


class PlanNotFound(CreditScoringError):
    """No stored inspection plan has that id."""

    http_status = 404
