"""The statistics of a period for higher authorities, assembled from the figures modules."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from credit_scoring.grading import Grader
from credit_scoring.policies import SamplingPolicy, load_measures, load_sampling_policy
from credit_scoring.records.store import Store
from credit_scoring.statistics._activity import (
    case_figures,
    commitment_figures,
    inspection_figures,
)
from credit_scoring.statistics._disclosure import disclosure_kpis
from credit_scoring.statistics._grades import grade_distribution, grade_migrations, movements
from credit_scoring.statistics._measures import measures_in_force
from credit_scoring.statistics._period import parse_period
from credit_scoring.statistics._units import subject_units

__all__ = ["TABLES", "Statistics", "period_statistics"]

# The figures, in the order the workbook and the JSON give them.
TABLES = ("grades", "migrations", "disclosure", "duplicate_codes", "commitments", "cases",
          "inspections", "measures")  # fmt: skip


@dataclass(frozen=True)
class Statistics:
    """A period's figures, each a DataFrame (see :func:`period_statistics` for what they count),
    with the period, the department they are limited to and who decided the grades."""

    period: str
    start: dt.date
    end: dt.date
    reported_on: dt.date  # publications of the period's decisions are counted up to this day
    department: str | None
    grading: dict[str, Any]  # Grader.describe() of the grader used
    grades: pd.DataFrame
    migrations: pd.DataFrame
    disclosure: pd.DataFrame
    duplicate_codes: pd.DataFrame
    commitments: pd.DataFrame
    cases: pd.DataFrame
    inspections: pd.DataFrame
    measures: pd.DataFrame

    @property
    def opening(self) -> dt.date:
        """The day the opening grades are as of: the day before the period's first."""
        return self.start - dt.timedelta(days=1)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The figures by name, in :data:`TABLES` order."""
        return {name: getattr(self, name) for name in TABLES}

    def to_json(self) -> dict[str, Any]:
        """The period and every table as JSON-ready lists of rows (empty rates as None)."""
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "opening": self.opening.isoformat(),
            "reported_on": self.reported_on.isoformat(),
            "department": self.department,
            "grading": self.grading,
            **{name: _rows(frame) for name, frame in self.tables().items()},
        }


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    # pandas' own JSON writer turns NaN into null and numpy numbers into plain ones.
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", force_ascii=False))
    return rows


def period_statistics(
    store: Store,
    engine: Engine,
    *,
    period: str,
    department: str | None = None,
    grader: Grader | None = None,
    policy: SamplingPolicy | None = None,
    reported_on: dt.date | None = None,
) -> Statistics:
    """The statistics of ``period`` (``2026Q3``, ``2026-07``, ``2026``; see
    :func:`parse_period`) over the records ``store`` and the workflow database ``engine``.

    Figures are per unit — the subject's supervising department under ``policy`` (the sampling
    policy) and its region — with the total first; ``department`` limits them to one.

    - ``grades``: subjects per closing grade (graded on the period's last day) and their
      shares, and how many moved up or down from their opening grade (graded the day before
      the period's first day);
    - ``migrations``: the migration matrix, opening grade × closing grade;
    - ``disclosure``: the 双公示 reporting, compliance, timeliness and USCC error rates of the
      licences and penalties decided in the period, per table and deciding authority, with
      publications counted up to ``reported_on`` (default, and at the earliest, the period's
      last day: a report made later sees its last decisions published on time);
      ``duplicate_codes``: the codes among them used under several names;
    - ``commitments``: signed, due, fulfilled and breached in the period;
    - ``cases``: objections and repair applications filed, decided, overdue;
    - ``inspections``: planned, done and violations found, per grade;
    - ``measures``: per measure and scenario, the subjects it applies to at the period's end.

    Examples
    --------
    >>> stats = period_statistics(store, connect(url), period="2026Q3")  # doctest: +SKIP
    >>> stats.grades.iloc[0][["A", "B", "C", "D"]]  # doctest: +SKIP
    """
    start, end = parse_period(period)
    reported_on = max(end, reported_on or end)
    policy = policy or load_sampling_policy()
    units = subject_units(store, policy, department)  # an unknown department fails before grading
    grader = grader or Grader.load(store)
    opening = grader.grade_store(store, as_of=start - dt.timedelta(days=1))
    closing = grader.grade_store(store, as_of=end)
    moved = movements(opening, closing)
    disclosure, duplicates = disclosure_kpis(store, start, end, reported_on, department)
    described = grader.describe()
    scorer = f"{described['source']} {described['model_version']}"
    return Statistics(
        period=period.strip().upper(),
        start=start,
        end=end,
        reported_on=reported_on,
        department=department,
        grading=described,
        grades=grade_distribution(units, moved),
        migrations=grade_migrations(units, moved),
        disclosure=disclosure,
        duplicate_codes=duplicates,
        commitments=commitment_figures(store, units, start, end),
        cases=case_figures(store, engine, units, start, end),
        inspections=inspection_figures(store, units, start, end, opening, policy.violation_results),
        measures=measures_in_force(store, closing, units, end, load_measures(), scorer),
    )
