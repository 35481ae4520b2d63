"""Summaries of a feature table for people: coverage and the features that carry values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from credit_scoring.features.catalog import Catalog
from credit_scoring.spreadsheets import csv_bytes

__all__ = ["share_with_records", "write_table"]


def share_with_records(frame: pd.DataFrame, catalog: Catalog) -> float:
    """The share of subjects with at least one record counted by some feature at ``as_of``."""
    names = [f.name for f in catalog if f.source != "subjects" and f.name in frame]
    if frame.empty or not names:
        return 0.0
    values = frame[names].fillna(0)
    return float((values != 0).any(axis=1).mean())


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Parquet, or CSV (UTF-8 with BOM, for Excel) when the name ends in ``.csv``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        path.write_bytes(csv_bytes(frame))
    else:
        frame.to_parquet(path, index=False)
    return path
