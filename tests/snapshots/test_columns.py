"""Column readers return exactly what an Arrow scalar would, for every kind of column."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from credit_scoring.snapshots._columns import _MAX_CATEGORIES, column_reader

ARRAYS = {
    "text": pa.array(["甲便利店", "", None, "乙餐馆"]),
    "large text": pa.array(["A", None, "B", "A"], pa.large_string()),
    "sliced text": pa.array(["skip", "甲", None, "乙"]).slice(1),  # an offset into the buffers
    "floats with nulls": pa.array([0.5, None, float("nan"), 2.0]),
    "floats": pa.array([0.5, 1.5, 2.5, 3.5]),
    "integers with nulls": pa.array([1, None, 3, 4], pa.int64()),
    "booleans": pa.array([True, False, None, True]),
    "dates": pa.array([dt.date(2026, 9, 30), None, dt.date(2026, 1, 1), dt.date(2026, 9, 30)]),
    "timestamps": pa.array([dt.datetime(2026, 9, 30, 12), None, None, None]),
}


def _same(a, b):
    return a == b or (a != a and b != b)  # NaN reads as NaN, not as a null


@pytest.mark.parametrize("category", [False, True], ids=["column", "category"])
@pytest.mark.parametrize("name", ARRAYS)
def test_every_row_reads_as_its_arrow_scalar(name, category):
    array = ARRAYS[name]
    read = column_reader(array, category=category)
    for i in range(len(array)):
        assert _same(read(i), array[i].as_py()), (name, i)
        assert type(read(i)) is type(array[i].as_py())


def test_a_category_with_too_many_values_is_read_as_a_column():
    array = pa.array([f"v{i}" for i in range(_MAX_CATEGORIES + 1)])
    read = column_reader(array, category=True)
    assert read(_MAX_CATEGORIES) == f"v{_MAX_CATEGORIES}"
