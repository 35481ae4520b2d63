"""A backup's manifest: what was copied from where, and the SHA-256 of every file.

``manifest.json`` is written last, so a backup folder without one was never finished. A restore
reads it first and refuses the backup if any file is missing, added, or no longer has its
recorded size and SHA-256.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from credit_scoring.errors import BackupDamaged
from credit_scoring.policies import file_sha256

__all__ = ["MANIFEST", "BackupManifest", "FileEntry", "hash_files", "read_backup"]

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
_SHOWN = 5  # problems named in the refusal; the rest counted


class FileEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    bytes: int
    sha256: str


class AuditHead(BaseModel):
    """The audit chain when the backup was taken: ``audit verify --through SHA256`` later
    shows whether the live chain still passes through it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    entries: int
    head_id: int | None
    head_sha256: str | None
    problems: int  # what audit verify found in the copy (kept as evidence, not refused)


class BackupManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    format_version: int
    created_at: dt.datetime  # UTC, when the backup finished
    program_version: str
    sources: dict[str, str | None]  # store, workflow (URL, password hidden), snapshots, registry
    store_schema_version: int
    store_rows: dict[str, int]
    workflow_dialect: str
    audit: AuditHead
    current_snapshot: str | None
    files: dict[str, FileEntry]  # path inside the backup (POSIX) → size and SHA-256


def hash_files(folder: Path) -> dict[str, FileEntry]:
    """Every file under ``folder`` but the manifest, with its size and SHA-256."""
    return {
        path.relative_to(folder).as_posix(): FileEntry(bytes=path.stat().st_size,
                                                       sha256=file_sha256(path))
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST
    }  # fmt: skip


def write_manifest(folder: Path, manifest: BackupManifest) -> None:
    with open(folder / MANIFEST, "wb") as handle:
        handle.write(manifest.model_dump_json(indent=2).encode())
        handle.flush()
        os.fsync(handle.fileno())


def read_backup(folder: Path) -> BackupManifest:
    """The manifest of the backup in ``folder``, once every file matches it.

    Raises :class:`~credit_scoring.errors.BackupDamaged` naming what does not.
    """
    folder = Path(folder)
    try:
        manifest = BackupManifest.model_validate_json((folder / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise BackupDamaged(f"{folder}: no {MANIFEST}; not a finished backup") from None
    except ValueError as error:
        raise BackupDamaged(f"{folder / MANIFEST}: unreadable ({error})") from None
    if manifest.format_version > FORMAT_VERSION:
        raise BackupDamaged(f"{folder}: backup format {manifest.format_version} is newer than "
                            "this program's; upgrade credit-scoring")  # fmt: skip
    problems = _mismatches(folder, manifest)
    if problems:
        more = f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        raise BackupDamaged(f"{folder}: the backup is damaged, restore refused: "
                            f"{'; '.join(problems[:_SHOWN])}{more}")  # fmt: skip
    return manifest


def _mismatches(folder: Path, manifest: BackupManifest) -> list[str]:
    present = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    present.pop(MANIFEST, None)
    problems = [f"{name} is missing" for name in manifest.files if name not in present]
    problems += [f"{name} is not in the manifest" for name in present if name not in manifest.files]
    for name, entry in manifest.files.items():
        path = present.get(name)
        if path is None:
            continue
        if path.stat().st_size != entry.bytes:
            problems.append(f"{name} has {path.stat().st_size:,} bytes, not {entry.bytes:,}")
        elif file_sha256(path) != entry.sha256:
            problems.append(f"{name} does not match its SHA-256")
    return problems
