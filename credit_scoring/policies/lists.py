"""The list identification policy (``models/lists.yaml``): for the black, key-attention and red
lists, the criteria over the records that propose a subject, the identifying department, the
notice period in working days, the term and the events that end an entry early.

A criterion counts records of one of the feature engine's sources with the catalog's filters
(:data:`credit_scoring.features.catalog.SOURCES`), so a column or a code is checked at load time
and a typo fails naming the file, the list and the criterion.

Examples
--------
>>> policy = load_list_policy()
>>> [c.code for c in policy.lists["black"].criteria]
['B1', 'B2', 'B3']
>>> policy.lists["black"].exit.term_months
36
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from credit_scoring.policies._base import Strict, Text, load_yaml_model, policy_path
from credit_scoring.records.codes import EVENT_TYPES, CodeList

__all__ = [
    "IDENTIFIED_LISTS",
    "Criterion",
    "ListExit",
    "ListPolicy",
    "ListRule",
    "load_list_policy",
]

IDENTIFIED_LISTS = ("black", "key_attention", "red")  # the court keeps the judgment debtors
_WINDOW = re.compile(r"^(\d+)d$")


class Criterion(Strict):
    """One condition over a subject's records (or, for ``subjects``, its time in business)."""

    code: str = Field(pattern=r"^[A-Z]\d+$")
    text: Text
    basis: str
    source: Literal["penalties", "commitments", "complaints", "inspections", "list_entries",
                    "subjects"]  # fmt: skip
    filter: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    window: str = "all"
    at_least: int | None = Field(default=None, ge=1)
    at_most: int | None = Field(default=None, ge=0)
    min_days_registered: int | None = Field(default=None, ge=1)

    @field_validator("window")
    @classmethod
    def _duration(cls, value: str) -> str:
        if value != "all" and not _WINDOW.match(value):
            raise ValueError(f"{value!r} is not a window like '365d' (or 'all')")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Criterion:
        if self.source == "subjects":
            if self.min_days_registered is None or self.filter or self.at_least or self.at_most:
                raise ValueError(f"{self.code}: a subjects criterion takes min_days_registered "
                                 "and nothing else")  # fmt: skip
            return self
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(f"{self.code}: give exactly one of at_least and at_most")
        if self.min_days_registered is not None:
            raise ValueError(f"{self.code}: min_days_registered is for the subjects source")
        # Imported here: the feature catalog reads this package's base at import time, so a
        # module-level import would be circular; by the time a file is validated both are loaded.
        from credit_scoring.features.catalog import SOURCES

        for column, values in self.filter.items():
            kind = SOURCES[self.source].get(column)
            if kind is None:
                raise ValueError(f"{self.code}.filter: {self.source} has no column {column!r}; "
                                 f"it has {sorted(SOURCES[self.source])}")  # fmt: skip
            if not isinstance(kind, CodeList):
                raise ValueError(f"{self.code}.filter: {column!r} is not a coded column")
            unknown = [v for v in values if v not in kind]
            if unknown or not values:
                raise ValueError(f"{self.code}.filter.{column}: give values among "
                                 f"{list(kind.codes)}; got {list(values)}")  # fmt: skip
        return self

    @property
    def window_days(self) -> int | None:
        match = _WINDOW.match(self.window)
        return int(match.group(1)) if match else None

    @property
    def evidence(self) -> bool:
        """Whether meeting it rests on records (at least some) rather than on their absence."""
        return self.at_least is not None


class ListExit(Strict):
    term_months: int = Field(ge=1, le=120)
    early_on: tuple[str, ...] = ()

    @field_validator("early_on")
    @classmethod
    def _events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [e for e in value if e not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"{unknown} are not event types: {list(EVENT_TYPES.codes)}")
        return value


class ListRule(Strict):
    basis: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    department: str = Field(min_length=1)
    department_from_penalties: bool = False
    notice_working_days: int = Field(ge=1, le=60)
    match: Literal["any", "all"]
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    exit: ListExit

    @model_validator(mode="after")
    def _proposable(self) -> ListRule:
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise ValueError(f"criterion codes must be unique: {codes}")
        if self.match == "any" and not all(c.evidence for c in self.criteria):
            raise ValueError("match: any needs at_least criteria (an absence alone proposes all)")
        if not any(c.evidence for c in self.criteria):
            raise ValueError("give at least one at_least criterion: a proposal cites records")
        return self

    def in_force(self, day: dt.date) -> bool:
        ended = self.effective_to is not None and day > self.effective_to
        return self.effective_from <= day and not ended


class ListPolicy(Strict):
    version: str
    lists: dict[Literal["black", "key_attention", "red"], ListRule]


def load_list_policy(path: Path | None = None) -> ListPolicy:
    """Load and check ``models/lists.yaml`` (or ``path``); an error names the file and the key."""
    return load_yaml_model(path or policy_path("lists.yaml"), ListPolicy)
