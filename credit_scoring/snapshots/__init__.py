"""Published snapshots: grades, reasons and standing records as immutable Arrow files written in
parts (one per hash shard), served memory-mapped."""

from credit_scoring.snapshots.build import SnapshotTables, build_snapshot, public_subjects, publish
from credit_scoring.snapshots.publish import (
    Manifest,
    PartFile,
    Staging,
    TableFile,
    commit_snapshot,
    current_snapshot_id,
    prune_snapshots,
    publish_snapshot,
    published_snapshots,
    read_manifest,
    start_snapshot,
    write_part,
)
from credit_scoring.snapshots.serving import (
    Served,
    ServedGrade,
    Snapshot,
    SnapshotHolder,
    plain,
    verify_snapshot,
)
from credit_scoring.snapshots.standing import STANDING_COLUMNS, in_force, standing_records

__all__ = [
    "STANDING_COLUMNS",
    "Manifest",
    "PartFile",
    "Served",
    "ServedGrade",
    "Snapshot",
    "SnapshotHolder",
    "SnapshotTables",
    "Staging",
    "TableFile",
    "build_snapshot",
    "commit_snapshot",
    "current_snapshot_id",
    "in_force",
    "plain",
    "prune_snapshots",
    "public_subjects",
    "publish",
    "publish_snapshot",
    "published_snapshots",
    "read_manifest",
    "standing_records",
    "start_snapshot",
    "verify_snapshot",
    "write_part",
]
