"""Random catalogs: valid features over every source, aggregation, filter column and window.

They check that the engine and the reference agree on *any* catalog, not only on the 57 features
of ``features/*.yaml``: filters on derived columns (``status``, ``overdue``, ``state``, ``active``),
several values and several columns at once, odd windows and half-lives, caps.

The draw includes what once found engine bugs, each also pinned by a test of its own in
``test_differential.py``: a boolean filter listing both values, ``overdue: ["false"]``, a cap on
``days_since`` or ``share``, a fractional cap on an int feature. Only names stay simple
(``x0_count``); names equal to columns of the subjects relation have their own test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from credit_scoring.features.catalog import BOOLEAN, SOURCES, Catalog, Feature
from credit_scoring.records.codes import CodeList

from .cities import VIOLATIONS

_PER_RECORD = ("count", "sum", "max", "min", "days_since", "share", "decayed_count", "exists")
_NUMBERS = {"penalties": ("fine_amount", "confiscated_amount")}
_FLOAT = {"sum", "max", "min", "days_since", "share", "decayed_count", "age"}
_TEXT = {"violation_type": VIOLATIONS}
_BOTH = ("true", "false")


def _filter_values(column: str, kind: CodeList | str) -> st.SearchStrategy[tuple[str, ...]]:
    if kind is BOOLEAN:
        return st.sampled_from([("true",), ("false",), _BOTH])
    values = kind.codes if isinstance(kind, CodeList) else _TEXT[column]
    return st.lists(st.sampled_from(values), min_size=1, unique=True).map(tuple)


@st.composite
def _filters(draw: st.DrawFn, source: str) -> dict[str, tuple[str, ...]]:
    usable = {c: k for c, k in SOURCES[source].items() if isinstance(k, CodeList) or c in _TEXT}
    columns = draw(st.lists(st.sampled_from(sorted(usable)), max_size=2, unique=True))
    return {c: draw(_filter_values(c, usable[c])) for c in columns}


@st.composite
def _features(draw: st.DrawFn, index: int) -> Feature:
    source = draw(st.sampled_from(sorted(SOURCES)))
    spec: dict[str, Any] = {"source": source}
    if source == "subjects":
        aggregation = draw(st.sampled_from(["attribute", "age"]))
        column = "registered_date" if aggregation == "age" else None
        spec["column"] = column or draw(st.sampled_from(sorted(SOURCES["subjects"])))
    else:
        choices = [a for a in _PER_RECORD if a not in {"sum", "max", "min"} or source in _NUMBERS]
        aggregation = draw(st.sampled_from(choices + ["duration"] * (source == "list_entries")))
        if aggregation in {"sum", "max", "min"}:
            spec["column"] = draw(st.sampled_from(_NUMBERS[source]))
        spec["filter"] = draw(_filters(source))
        if aggregation == "share":
            spec["denominator"] = draw(_filters(source))
        if aggregation == "decayed_count":
            spec["half_life"] = f"{draw(st.integers(1, 1000))}d"
        days = st.sampled_from([1, 30, 90, 365, 1095]) | st.integers(1, 2000)
        spec["window"] = draw(st.just("all") | days.map(lambda n: f"{n}d"))
    dtype = {"attribute": "category"}.get(aggregation, "float" if aggregation in _FLOAT else "int")
    if dtype != "category" and draw(st.booleans()):
        spec["cap"] = draw(st.integers(1, 5) | st.floats(0.1, 5000))
    text = {"zh": "随机", "en": "random"}
    return Feature.model_validate(
        {
            **spec,
            "name": f"x{index}_{aggregation}",
            "aggregation": aggregation,
            "dtype": dtype,
            "direction": draw(st.sampled_from(["risk", "safe", "none"])),
            "description": text,
            "reason": text,
        }
    )


@st.composite
def random_catalogs(draw: st.DrawFn, most: int = 12) -> Catalog:
    """One to ``most`` random, valid features."""
    n = draw(st.integers(1, most))
    features = [draw(_features(i)) for i in range(n)]
    return Catalog(features, {f.name: Path("random.yaml") for f in features})


def describe(catalog: Catalog) -> str:
    """The features as YAML-like lines, for a failing example's report."""
    keep = {"name", "source", "aggregation", "column", "filter", "denominator", "window"}
    keep |= {"half_life", "cap", "dtype"}
    return "\n".join(
        str(f.model_dump(include=keep, exclude_none=True, exclude_defaults=True)) for f in catalog
    )
