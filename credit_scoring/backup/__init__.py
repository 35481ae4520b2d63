"""Backups of an installation — records store, workflow database, snapshots, MLflow registry —
and their restore into empty places (``credit-scoring backup`` / ``restore``)."""

from credit_scoring.backup.manifest import BackupManifest, read_backup
from credit_scoring.backup.operations import Restored, make_backup, restore_backup

__all__ = ["BackupManifest", "Restored", "make_backup", "read_backup", "restore_backup"]
