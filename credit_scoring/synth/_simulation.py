"""Run the generative model end to end: register, latent risk, violations, channels, truth.

Returns a :class:`World` of frames that ``_output`` renders and writes. The truth file is written
here, while the latent risk is still in memory, and the risk is then dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from credit_scoring.synth._admin import commitment_frame, licence_frame
from credit_scoring.synth._common import Frame, Timeline, concat_frames, stream
from credit_scoring.synth._enforcement import (
    complaint_frame,
    inspect,
    patrol_penalty_days,
    random_inspection_frame,
    targeted_inspection_frame,
)
from credit_scoring.synth._events import penalty_events
from credit_scoring.synth._ids import ascii_strings, break_uscc_check
from credit_scoring.synth._inspectors import Roster, draw_roster
from credit_scoring.synth._latent import draw_violations, simulate_risk, truth_table
from credit_scoring.synth._lists import list_frame
from credit_scoring.synth._penalties import penalty_frame
from credit_scoring.synth._subjects import Subjects, draw_subjects

_CHECKSUM_SHARE = 0.0005  # subjects whose USCC fails only its check character


@dataclass
class World:
    """Everything the record files are rendered from."""

    seed: int
    timeline: Timeline
    subjects: Subjects
    roster: Roster
    mismatched: np.ndarray  # subjects whose USCC has a wrong check character (flagged rows)
    complaints: Frame
    inspections: Frame
    penalties: Frame
    events: Frame
    licences: Frame
    commitments: Frame
    lists: Frame


def simulate(
    seed: int,
    n_subjects: int,
    start: dt.date,
    end: dt.date,
    truth_path: Path,
    *,
    bad_rows: bool,
    report: Callable[[str, float], None],
) -> World:
    """Draw the city and write its truth file."""
    timeline = Timeline.build(start, end)
    subjects = draw_subjects(seed, n_subjects, timeline)
    report("subjects", 0.03)
    x, exposure = simulate_risk(seed, subjects, timeline)
    violations = draw_violations(seed, subjects, x, exposure, timeline)
    del exposure
    report("latent risk and violations", 0.15)
    roster = draw_roster(seed, subjects)
    complaints = complaint_frame(seed, subjects, violations, timeline)
    drawn = concat_frames(
        random_inspection_frame(seed, subjects, timeline),
        targeted_inspection_frame(seed, subjects, complaints, timeline),
    )
    inspections = inspect(seed, subjects, violations, roster, drawn, timeline)
    report("complaints and inspections", 0.25)
    patrols = patrol_penalty_days(seed, violations, timeline)
    penalties = penalty_frame(seed, subjects, violations, patrols, inspections, timeline)
    events, repairs = penalty_events(seed, penalties, subjects.last_active(timeline), timeline)
    report("penalties and record events", 0.32)
    licences = licence_frame(seed, subjects, timeline)
    commitments = commitment_frame(seed, subjects, violations, licences, repairs, timeline)
    lists = list_frame(seed, subjects, penalties, complaints, inspections, timeline)
    report("licences, commitments and lists", 0.38)
    mismatched = _break_checksums(seed, subjects, penalties) if bad_rows else np.zeros(0, np.int64)
    truth = truth_table(ascii_strings(subjects.uscc), subjects, x, violations, timeline)
    pq.write_table(truth, truth_path, compression="zstd")
    report("truth", 0.42)
    return World(
        seed, timeline, subjects, roster, mismatched, complaints, inspections, penalties, events,
        licences, commitments, lists,
    )  # fmt: skip


def _break_checksums(seed: int, subjects: Subjects, penalties: Frame) -> np.ndarray:
    """Give a few penalised subjects a wrong check character, in every table that names them.

    Real registries hold such codes; ingestion flags and keeps them, so their records must
    carry the same code everywhere for the flagged rows to be countable.
    """
    rng = stream(seed, "checksums")
    k = max(1, round(_CHECKSUM_SHARE * subjects.n))
    candidates = np.unique(penalties["subject"])
    if len(candidates) < k:
        candidates = np.arange(subjects.n)
    chosen = np.sort(rng.choice(candidates, size=min(k, len(candidates)), replace=False))
    subjects.uscc[chosen] = break_uscc_check(rng, subjects.uscc[chosen])
    return chosen
