"""Reading one value of a loaded column by row number, in well under a microsecond.

An Arrow scalar (``array[i].as_py()``) costs about 1 µs, most of a grade lookup once a dozen
columns are read. Each column gets a reader made once at load instead, by kind:

- a *category* (a grade, a scorer's name, a version, a date — values from a short list by
  construction): the distinct values as Python objects and a small integer code per row;
- numbers and booleans: a NumPy view (a copy only when there are nulls, plus a validity mask);
- text: the Arrow offsets and data buffer, sliced and decoded (no copy of the text).

None of them depends on how often values repeat, except categories, which are declared by the
caller, never inferred from the data: a synthetic snapshot that repeats its rows must not read
faster than a real one. Extra memory: a byte or two per row per category, the null masks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Reader", "column_reader"]

Reader = Callable[[int], Any]
_MAX_CATEGORIES = 65_536  # more distinct values than this are no category: read as a column


def column_reader(array: pa.Array, *, category: bool = False) -> Reader:
    """A function of the row number that returns what ``array[i].as_py()`` would."""
    kind = array.type
    if category:
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        if len(encoded.dictionary) <= _MAX_CATEGORIES:
            values = encoded.dictionary.to_pylist()
            codes = encoded.indices.to_numpy().astype(np.min_scalar_type(len(values)))
            return lambda i: values[codes[i]]
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        if array.null_count == 0:
            return array.to_numpy(zero_copy_only=False).item
        # Filled first: NumPy would turn integers with nulls into floats with NaN.
        zero = pa.scalar(False if pa.types.is_boolean(kind) else 0, kind)
        numbers = array.fill_null(zero).to_numpy(zero_copy_only=False)
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        return lambda i: numbers.item(i) if valid[i] else None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text_reader(array)
    return lambda i: array[i].as_py()


def _text_reader(array: pa.Array) -> Reader:
    _, offsets_buffer, data_buffer = array.buffers()
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, width)[array.offset : array.offset + len(array) + 1]
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    if array.null_count == 0:
        return lambda i: str(data[offsets.item(i) : offsets.item(i + 1)], "utf-8")
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    return lambda i: str(data[offsets.item(i) : offsets.item(i + 1)], "utf-8") if valid[i] else None
