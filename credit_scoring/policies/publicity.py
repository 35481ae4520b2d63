"""The publicity policy (``models/publicity.yaml``): how long a penalty counts, by its regime.

A penalty is judged by the regime in force on its decision date, never by today's: a decision of
2024 keeps the period of the rule of 2024 after the 2026 rule takes over. Its tier is the heavier
of its stated severity and the tier of each penalty type it imposes.

Examples
--------
>>> policy = load_publicity_policy()
>>> policy.regime_on(dt.date(2024, 6, 1)).name
'国家发展改革委令第58号'
>>> policy.tier("general", ["fine", "licence_revocation"])
'serious'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from credit_scoring.policies._base import Strict, load_yaml_model, policy_path
from credit_scoring.records import codes

__all__ = ["TIERS", "Period", "PublicityPolicy", "Regime", "load_publicity_policy"]

TIERS = ("minor", "general", "serious")  # lightest first
Tier = Literal["minor", "general", "serious"]


class Period(Strict):
    min_months: int = Field(ge=0, le=120)
    max_months: int = Field(ge=0, le=120)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.min_months > self.max_months:
            raise ValueError(f"min_months {self.min_months} exceeds max_months {self.max_months}")
        return self


class Regime(Strict):
    name: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    periods: dict[Tier, Period]

    @model_validator(mode="after")
    def _complete(self) -> Regime:
        missing = set(TIERS) - set(self.periods)
        if missing:
            raise ValueError(f"periods lack the tier(s) {sorted(missing)}")
        return self


class PublicityPolicy(Strict):
    version: str
    tier_of_penalty_type: dict[str, Tier]
    regimes: tuple[Regime, ...]
    removing_events: dict[str, tuple[str, ...]]

    @model_validator(mode="after")
    def _consistent(self) -> PublicityPolicy:
        unknown = set(self.tier_of_penalty_type) ^ set(codes.PENALTY_TYPES.codes)
        if unknown:
            raise ValueError(f"tier_of_penalty_type must list every penalty type; check {unknown}")
        for earlier, later in zip(self.regimes, self.regimes[1:], strict=False):
            if earlier.effective_to is None or (
                earlier.effective_to + dt.timedelta(days=1) != later.effective_from
            ):
                raise ValueError(
                    f"regime {later.name!r} must start the day after {earlier.name!r} ends"
                )
        if self.regimes[-1].effective_to is not None:
            raise ValueError("the last regime must have no effective_to: it is in force today")
        for table, events in self.removing_events.items():
            if table != "default" and table not in codes.RECORD_TABLES:
                raise ValueError(f"removing_events: {table!r} is not a record table")
            for event in events:
                if event not in codes.EVENT_TYPES:
                    raise ValueError(f"removing_events.{table}: {event!r} is not an event type")
        return self

    def regime_on(self, day: dt.date) -> Regime:
        """The regime in force on ``day``; decisions before the first fall under the first."""
        for regime in reversed(self.regimes):
            if regime.effective_from <= day:
                return regime
        return self.regimes[0]

    def tier(self, severity: str, penalty_types: Iterable[str]) -> str:
        """The heavier of the stated severity and the tier of each penalty type."""
        tiers = [severity, *(self.tier_of_penalty_type[t] for t in penalty_types)]
        return max(tiers, key=TIERS.index)

    def removing(self, table: str) -> tuple[str, ...]:
        return self.removing_events.get(table, self.removing_events["default"])


def load_publicity_policy(path: Path | None = None) -> PublicityPolicy:
    """Load and check ``models/publicity.yaml`` (or ``path``); errors name the file and key."""
    return load_yaml_model(path or policy_path("publicity.yaml"), PublicityPolicy)
