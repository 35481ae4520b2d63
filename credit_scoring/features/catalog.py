"""The feature catalog: ``features/*.yaml`` loaded once into strict, frozen definitions.

Each YAML file declares the features of one *source* (a record table as the engine sees it at an
``as_of`` date, with derived columns such as a penalty's effective ``tier`` or a commitment's
``status`` as known then). A feature names an aggregation, a filter on the source's columns, a
window, its dtype and direction, and its reason text in Chinese and English. Filters are data,
never SQL: every column and value is checked against the source and the code lists here, so a
typo fails at load time with the file, the feature and the key named.

Examples
--------
>>> catalog = load_catalog()
>>> catalog["penalty_serious_count_1095d"].direction
'risk'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from credit_scoring.errors import ConfigError
from credit_scoring.policies._base import catalog_dir, format_location, read_yaml
from credit_scoring.records import codes
from credit_scoring.records.codes import CodeList

__all__ = ["BOOLEAN", "LIST_COLUMNS", "SOURCES", "Catalog", "Feature", "load_catalog"]

BOOLEAN = CodeList("boolean", {"true": "是", "false": "否"})
_LICENCE_STATES = CodeList(
    "licence state",
    {"active": "有效", "expired": "已过期", "revoked": "已撤销", "not_yet_valid": "未生效"},
)
_NUMBER = "number"
_TEXT = "text"
_DATE = "date"

# The columns each source offers to filters and aggregations, with their code list or kind.
SOURCES: dict[str, dict[str, CodeList | str]] = {
    "penalties": {
        "tier": codes.SEVERITIES,  # heavier of severity and penalty types (publicity policy)
        "severity": codes.SEVERITIES,
        "penalty_types": codes.PENALTY_TYPES,  # a list: a filter matches any of its values
        "fine_amount": _NUMBER,
        "confiscated_amount": _NUMBER,
        "violation_type": _TEXT,
    },
    "commitments": {
        "commitment_type": codes.COMMITMENT_TYPES,
        "status": codes.FULFILMENTS,  # as known at as_of: pending until verified
        "overdue": BOOLEAN,  # due before as_of and still pending then
        "domain": codes.DOMAINS,
    },
    "complaints": {
        "outcome": codes.COMPLAINT_OUTCOMES,  # as known at as_of: pending until closed
        "channel": codes.COMPLAINT_CHANNELS,
    },
    "inspections": {"result": codes.INSPECTION_RESULTS, "random_sample": BOOLEAN},
    "list_entries": {"list_type": codes.LIST_TYPES, "active": BOOLEAN},
    "licences": {"state": _LICENCE_STATES},
    "subjects": {
        "registered_date": _DATE,
        "subject_type": codes.SUBJECT_TYPES,
        "status": codes.SUBJECT_STATUSES,
        "region_code": _TEXT,
        "industry_code": _TEXT,
        # The first of the subject's domains (``domains[1]``): the class it is supervised in.
        "primary_domain": codes.DOMAINS,
    },
}
LIST_COLUMNS = frozenset({"penalty_types"})

Aggregation = Literal[
    "count", "sum", "max", "min", "days_since", "share", "decayed_count", "exists", "duration",
    "attribute", "age",
]  # fmt: skip
_NEEDS_COLUMN = {"sum": _NUMBER, "max": _NUMBER, "min": _NUMBER, "attribute": None, "age": _DATE}
_SUBJECT_ONLY = {"attribute", "age"}
_WINDOW = re.compile(r"^(\d+)d$")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


SUM_DECIMALS = 9


class Feature(_Strict):
    """One feature: how it is computed at ``as_of`` and how it reads to a reviewer."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    source: str
    aggregation: Aggregation
    column: str | None = None
    filter: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    denominator: dict[str, tuple[str, ...]] | None = None  # share: the records it is a share of
    window: str = "all"  # "365d": records of the last 365 days up to as_of; "all": no limit
    half_life: str | None = None  # decayed_count: a record's weight halves every half_life
    cap: float | None = Field(default=None, gt=0)
    dtype: Literal["int", "float", "category"]
    direction: Literal["risk", "safe", "none"]  # higher value = riskier, safer, or neither
    use_for_risk: bool = True  # False for attributes a subject must not be graded on
    # A class the grade policy may treat apart (per-domain cut-offs and calibration) and the
    # validation reports break down by; never a column a scorer ranks on.
    segment: bool = False
    policy: str | None = None  # the policy file the value depends on, e.g. publicity.yaml
    description: Text
    reason: Text

    @field_validator("window", "half_life")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and value != "all" and not _WINDOW.match(value):
            raise ValueError(f"{value!r} is not a duration like '365d' (or 'all' for a window)")
        return value

    @model_validator(mode="after")
    def _fits_its_source(self) -> Feature:
        columns = SOURCES.get(self.source)
        if columns is None:
            raise ValueError(f"source {self.source!r} is not one of {sorted(SOURCES)}")
        for key in ("filter", "denominator"):
            for column, values in (getattr(self, key) or {}).items():
                _check_filter(self.source, key, column, values)
        _check_aggregation(self, columns)
        if self.segment and (self.dtype != "category" or not self.use_for_risk):
            raise ValueError("a segment is a category the grade uses: dtype category, use_for_risk")
        return self

    @property
    def rounds_sum(self) -> bool:
        """Whether the value is a sum of floats, kept to :data:`SUM_DECIMALS` decimals.

        Such a sum differs in its last bits with the order its terms are added in, which neither
        DuckDB's threads nor the one-subject path share; rounded, it is the same however computed.
        """
        return self.dtype == "float" and self.aggregation in ("sum", "decayed_count")

    @property
    def window_days(self) -> int | None:
        match = _WINDOW.match(self.window)
        return int(match.group(1)) if match else None

    @property
    def half_life_days(self) -> int | None:
        match = _WINDOW.match(self.half_life or "")
        return int(match.group(1)) if match else None


def _check_filter(source: str, key: str, column: str, values: tuple[str, ...]) -> None:
    kind = SOURCES[source].get(column)
    if kind is None:
        raise ValueError(
            f"{key}: {source} has no column {column!r}; it has {sorted(SOURCES[source])}"
        )
    if not values:
        raise ValueError(f"{key}.{column}: give at least one value")
    if isinstance(kind, CodeList):
        for value in values:
            if value not in kind:
                raise ValueError(f"{key}.{column}: {value!r} is not one of {list(kind.codes)}")


def _check_aggregation(feature: Feature, columns: dict[str, CodeList | str]) -> None:
    aggregation = feature.aggregation
    if (aggregation in _SUBJECT_ONLY) != (feature.source == "subjects"):
        raise ValueError(f"aggregation {aggregation!r} does not apply to source {feature.source!r}")
    if aggregation in _NEEDS_COLUMN:
        expected = _NEEDS_COLUMN[aggregation]
        kind = columns.get(feature.column or "")
        if kind is None or (expected and kind != expected):
            raise ValueError(f"{aggregation} needs a {expected or ''} column of {feature.source}")
    elif feature.column is not None:
        raise ValueError(f"aggregation {aggregation!r} takes no column")
    if (aggregation == "share") != (feature.denominator is not None):
        raise ValueError("share needs a denominator filter, and only share takes one")
    if (aggregation == "decayed_count") != (feature.half_life is not None):
        raise ValueError("decayed_count needs a half_life, and only decayed_count takes one")
    if aggregation == "duration" and feature.source != "list_entries":
        raise ValueError("duration applies to list_entries only")
    if feature.dtype == "category" and aggregation != "attribute":
        raise ValueError("only an attribute can have dtype category")


class Catalog:
    """The loaded features, in file order, looked up by name."""

    def __init__(self, features: list[Feature], files: dict[str, Path]) -> None:
        self.features = tuple(features)
        self.files = files  # feature name -> the YAML file it came from
        self._by_name = {f.name: f for f in features}

    def __getitem__(self, name: str) -> Feature:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no feature named {name!r} in the catalog") from None

    def __iter__(self) -> Iterator[Feature]:
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def risk_features(self) -> Catalog:
        """The features a grade may use: attributes like region or industry left out."""
        kept = [f for f in self.features if f.use_for_risk]
        return Catalog(kept, {f.name: self.files[f.name] for f in kept})

    @property
    def segments(self) -> list[str]:
        """The segment features (the primary domain): grades may be cut and calibrated per
        segment and reports break down by them, but no scorer ranks on them."""
        return [f.name for f in self.features if f.segment]

    def by_source(self, source: str) -> list[Feature]:
        return [f for f in self.features if f.source == source]


class _File(_Strict):
    source: str
    policy: str | None = None
    features: list[dict[str, object]] = Field(min_length=1)


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load every ``*.yaml`` of the catalog folder; any mistake raises :class:`ConfigError`."""
    directory = directory or catalog_dir()
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ConfigError(f"{directory}: no feature files (*.yaml)")
    features: list[Feature] = []
    files: dict[str, Path] = {}
    for path in paths:
        for feature in _load_file(path):
            if feature.name in files:
                raise ConfigError(
                    f"{path}: {feature.name}: already defined in {files[feature.name]}"
                )
            features.append(feature)
            files[feature.name] = path
    return Catalog(features, files)


def _load_file(path: Path) -> list[Feature]:
    data = read_yaml(path)
    try:
        header = _File.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {format_location(error, data)}") from None
    features = []
    for raw in header.features:
        item = {"source": header.source, "policy": header.policy, **raw}
        try:
            features.append(Feature.model_validate(item))
        except ValidationError as error:
            name = raw.get("name", f"feature {len(features) + 1}")
            separator = "." if error.errors()[0]["loc"] else ": "
            located = format_location(error, item)
            raise ConfigError(f"{path}: {name}{separator}{located}") from None
    return features
