"""Published snapshots: grades, reasons and standing records as immutable Parquet, served whole."""

from credit_scoring.snapshots.build import SnapshotTables, build_snapshot, public_subjects, publish
from credit_scoring.snapshots.publish import (
    Manifest,
    current_snapshot_id,
    prune_snapshots,
    publish_snapshot,
    published_snapshots,
    read_manifest,
)
from credit_scoring.snapshots.serving import Served, ServedGrade, Snapshot, SnapshotHolder
from credit_scoring.snapshots.standing import STANDING_COLUMNS, in_force, standing_records

__all__ = [
    "STANDING_COLUMNS",
    "Manifest",
    "Served",
    "ServedGrade",
    "Snapshot",
    "SnapshotHolder",
    "SnapshotTables",
    "build_snapshot",
    "current_snapshot_id",
    "in_force",
    "prune_snapshots",
    "public_subjects",
    "publish",
    "publish_snapshot",
    "published_snapshots",
    "read_manifest",
    "standing_records",
]
