"""Mandated minimum inspection frequencies: who is bound by one, and when it falls due.

A minimum belongs to the domains whose own rules mandate it (``mandated_frequency`` in
``models/sampling.yaml``: food safety in catering and markets). A subject bound by one is due
``365 / minimum`` days after its last inspection, or after its registration when it was never
inspected (at once when neither is known). The frequency
list reports it; a plan takes every subject falling due in its period before the random draw.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from credit_scoring.policies.sampling import SamplingPolicy

__all__ = ["due_dates", "mandated_minimum"]


def mandated_minimum(
    domains: pd.Series, grades: pd.Series, policy: SamplingPolicy
) -> tuple[list[str | None], np.ndarray]:
    """Per subject, its domains whose rules mandate a minimum (``;``-joined) and the highest
    such minimum for its grade, inspections a year (NaN where none applies: never due)."""
    mandated = policy.mandated_frequency
    binding_domains, minimum = [], np.full(len(domains), np.nan)
    for i, (own, grade) in enumerate(zip(domains, grades, strict=True)):
        binding = [d for d in (own if own is not None else ()) if d in mandated]
        binding_domains.append(";".join(binding) or None)
        if binding and isinstance(grade, str):
            minimum[i] = max(mandated[d][grade] for d in binding)  # type: ignore[index]
    return binding_domains, minimum


def due_dates(
    last_inspection: pd.Series, registered: pd.Series, minimum: np.ndarray, as_of: dt.date
) -> pd.Series:
    """The day each subject's next mandated inspection is due: its last inspection (else its
    registration) plus ``round(365 / minimum)`` days; ``as_of`` when neither date is known;
    NaT without a minimum."""
    since = pd.to_datetime(last_inspection).fillna(pd.to_datetime(registered))
    interval = pd.to_timedelta(np.round(365 / minimum), unit="D")
    due = (since + interval).fillna(pd.Timestamp(as_of))
    return due.where(~np.isnan(minimum))
