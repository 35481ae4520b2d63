"""Reading the synthetic city's latent truth, for evaluation only (never ingested).

The truth file holds each subject's expected number of violations per quarter
(``risk_<YYYY>Q<k>``). Summed over a label window it is the best any model could know about that
window from the past, so its AUC is the ceiling for a model's AUC.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from credit_scoring.errors import InvalidInput

__all__ = ["expected_violations"]


def expected_violations(truth: Path, start: dt.date, end: dt.date) -> pd.Series:
    """Each subject's expected violations over the quarters that overlap ``(start, end]``."""
    frame = pd.read_parquet(truth)
    columns = [c for c in frame.columns if c.startswith("risk_") and _overlaps(c, start, end)]
    if not columns:
        raise InvalidInput(f"the truth file has no quarter inside ({start}, {end}]", field="truth")
    return frame.set_index("uscc")[columns].fillna(0).sum(axis=1).rename("expected_violations")


def _overlaps(column: str, start: dt.date, end: dt.date) -> bool:
    year, quarter = int(column[5:9]), int(column[-1])
    first = dt.date(year, 3 * quarter - 2, 1)
    last = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return first <= end and last > start
