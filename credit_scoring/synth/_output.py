"""Render the world's frames into the record files, plant bad rows, and write the manifest.

Tables are built, written and dropped one at a time, so memory holds one rendered table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from credit_scoring.records.contract import TABLES
from credit_scoring.synth import _tables
from credit_scoring.synth._bad import ID_CHECKSUM_MISMATCH, SpareCodes, plant
from credit_scoring.synth._common import stream
from credit_scoring.synth._ids import ascii_strings
from credit_scoring.synth._inspectors import inspectors_table
from credit_scoring.synth._simulation import World
from credit_scoring.synth._subjects import subjects_table
from credit_scoring.synth._writers import FORMATS, render, write_csv

_WRITING_STARTS = 0.42


def write_outputs(
    world: World, out_dir: Path, *, bad_rows: bool, report: Callable[[str, float], None]
) -> tuple[dict[str, Path], dict[str, int], dict[str, dict[str, int]]]:
    """Write ``<table>.csv`` for every contract table and ``manifest.json``."""
    uscc = ascii_strings(world.subjects.uscc)
    spare = SpareCodes(ascii_strings(world.subjects.spare_uscc))
    rng = stream(world.seed, "bad rows")
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    planted: dict[str, dict[str, int]] = {}
    sizes: dict[str, int] = {}
    for i, name in enumerate(TABLES):
        rendered = render(name, _english_table(name, world, uscc), FORMATS[name])
        counts = _flagged(rendered, world.mismatched) if bad_rows else {}
        if bad_rows:
            eligible, protected = _template_masks(name, rendered, world)
            rendered, bad = plant(rng, name, rendered, FORMATS[name], spare, eligible, protected)
            counts.update(bad)
        files[name] = out_dir / f"{name}.csv"
        sizes[name] = write_csv(name, rendered, FORMATS[name], files[name])
        rows[name], planted[name] = rendered.num_rows, counts
        report(f"wrote {name}.csv", _WRITING_STARTS + (1 - _WRITING_STARTS) * (i + 1) / len(TABLES))
    _write_manifest(world, out_dir, files, rows, planted, sizes, bad_rows=bad_rows)
    return files, rows, planted


def _english_table(name: str, world: World, uscc: pa.Array) -> pa.Table:
    """The typed table with English codes, from the world's frames."""
    if name == "subjects":
        return subjects_table(world.seed, world.subjects)
    if name == "inspectors":
        return inspectors_table(
            world.seed, world.roster, world.subjects, _inspected_pairs(world), world.mismatched
        )
    if name == "record_events":
        return _tables.record_events(world.events, world.penalties)
    if name == "inspections":
        return _tables.inspections(world.inspections, uscc, world.roster, world.timeline.labels)
    if name == "list_entries":
        return _tables.list_entries(world.lists, uscc, world.subjects.department)
    frame = {
        "licences": world.licences,
        "penalties": world.penalties,
        "commitments": world.commitments,
        "complaints": world.complaints,
    }[name]
    builder: Callable[[dict[str, np.ndarray], pa.Array], pa.Table] = getattr(_tables, name)
    return builder(frame, uscc)


def _inspected_pairs(world: World) -> np.ndarray:
    n = world.subjects.n
    frame = world.inspections
    return np.concatenate(
        [frame["inspector_a"] * n + frame["subject"], frame["inspector_b"] * n + frame["subject"]]
    )


def _flagged(table: pa.Table, mismatched: np.ndarray) -> dict[str, int]:
    """Rows naming a subject whose USCC fails its check: flagged and kept by ingestion."""
    if "subject" not in table.column_names:
        return {}
    count = int(np.isin(table["subject"].to_numpy(), mismatched).sum())
    return {ID_CHECKSUM_MISMATCH: count} if count else {}


def _template_masks(name: str, table: pa.Table, world: World) -> tuple[np.ndarray, np.ndarray]:
    """Rows that may be copied into bad rows, and rows that must not be duplicated."""
    n = table.num_rows
    eligible = np.ones(n, dtype=bool)
    if "subject" in table.column_names:
        eligible = ~np.isin(table["subject"].to_numpy(), world.mismatched)
    protected = np.zeros(n, dtype=bool)
    if name == "penalties":
        protected[world.events["record"]] = True
    return eligible, protected


def _write_manifest(
    world: World,
    out_dir: Path,
    files: dict[str, Path],
    rows: dict[str, int],
    planted: dict[str, dict[str, int]],
    sizes: dict[str, int],
    *,
    bad_rows: bool,
) -> None:
    """``manifest.json``: arguments, files with their formats, planted rows, truth layout.

    Paths are relative to ``out_dir`` so the manifest of a seed is the same wherever written.
    """
    timeline = world.timeline
    manifest = {
        "generator": "credit_scoring.synth",
        "seed": world.seed,
        "n_subjects": world.subjects.n,
        "start": timeline.start.isoformat(),
        "end": timeline.end.isoformat(),
        "bad_rows": bad_rows,
        # Subjects and inspectors first, record events last: later files refer to earlier ones.
        "ingest_order": [
            "subjects",
            "inspectors",
            *(name for name in files if name not in {"subjects", "inspectors", "record_events"}),
            "record_events",
        ],
        "files": {
            name: {
                "path": path.name,
                "rows": rows[name],
                "bytes": sizes[name],
                **FORMATS[name].manifest(),
                "planted": planted[name],
            }
            for name, path in files.items()
        },
        "row_counts": rows,
        "planted": planted,
        "expected_rejects": sum(
            count
            for reasons in planted.values()
            for reason, count in reasons.items()
            if reason != ID_CHECKSUM_MISMATCH
        ),
        "truth": {
            "path": "truth/latent.parquet",
            "quarters": list(timeline.labels),
            "columns": "uscc, registered_date, exit_date, risk_<quarter> (expected violations "
            "in the quarter, NaN when not active), violations_<year> (true violations)",
        },
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2)
    (out_dir / "manifest.json").write_text(text + "\n", encoding="utf-8")
