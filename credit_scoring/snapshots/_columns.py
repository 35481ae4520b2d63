"""Reading one value of a column by row number, in well under a microsecond, without copying it.

An Arrow scalar (``array[i].as_py()``) costs about 1 µs, most of a grade lookup once a dozen
columns are read. Each column gets a reader made once at load instead, by kind:

- a *category* (a grade, a scorer's name, a version, a date — values from a short list by
  construction): written dictionary-encoded by the snapshot's writer, so the reader keeps the
  distinct values as Python objects and reads the row's index where it lies (a memory-mapped
  file: nothing is decoded or copied at load). A plain column declared a category (a format-1
  snapshot) is encoded at load, a pass over every row, as before;
- numbers and booleans: a NumPy view of the Arrow buffer, and the validity bitmap read bit by
  bit where there are nulls (no copy, no mask array);
- text: the Arrow offsets and data buffer, sliced and decoded (no copy of the text).

None of them depends on how often values repeat, except categories, which are declared by the
caller (:data:`CATEGORIES`), never inferred from the data: a synthetic snapshot that repeats its
rows must not read faster than a real one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CATEGORIES", "Reader", "column_reader", "dictionary_encoded"]

Reader = Callable[[int], Any]
_MAX_CATEGORIES = 65_536  # more distinct values than this are no category: read as a column
# Columns whose values come from a short list by construction, never judged from the data: grades,
# scorers, versions, override codes, the date, kinds of subject, regions, domains. The writer
# stores them dictionary-encoded; the reader reads their indices.
CATEGORIES: dict[str, frozenset[str]] = {
    "grades": frozenset({"grade", "score_grade", "rules_grade", "source", "overrides",
                         "policy_version", "model_version"}),
    "explanations": frozenset({"as_of", "grade", "source", "policy_version", "model_version"}),
    "subjects": frozenset({"subject_type", "region_code", "status", "domains"}),
}  # fmt: skip


def dictionary_encoded(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``array`` as one dictionary array with int32 indices and values in order of first
    appearance: the same rows give the same bytes, however they were chunked or encoded."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return pc.dictionary_encode(array)  # nulls in the indices' validity, never in the values


def column_reader(array: pa.Array, *, category: bool = False) -> Reader:
    """A function of the row number that returns what ``array[i].as_py()`` would."""
    kind = array.type
    if len(array) == 0:  # no buffers to view: any row is out of range, as for a scalar
        return lambda i: array[i].as_py()
    if pa.types.is_dictionary(kind):
        return _dictionary_reader(array)
    if category:
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        if len(encoded.dictionary) <= _MAX_CATEGORIES:
            values = encoded.dictionary.to_pylist()
            codes = encoded.indices.to_numpy().astype(np.min_scalar_type(len(values)))
            return lambda i: values[codes[i]]
    if pa.types.is_boolean(kind):
        return _boolean_reader(array)
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        numbers = np.frombuffer(array.buffers()[1], kind.to_pandas_dtype())
        numbers = numbers[array.offset : array.offset + len(array)]
        return _masked(numbers.item, array)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text_reader(array)
    return lambda i: array[i].as_py()


def _dictionary_reader(array: pa.DictionaryArray) -> Reader:
    values = array.dictionary.to_pylist()  # a short list by construction
    indices = array.indices
    codes = np.frombuffer(indices.buffers()[1], indices.type.to_pandas_dtype())
    codes = codes[indices.offset : indices.offset + len(indices)]
    if array.null_count == 0:
        return lambda i: values[codes.item(i)]
    return _masked(lambda i: values[codes.item(i)], array)


def _boolean_reader(array: pa.Array) -> Reader:
    data = np.frombuffer(array.buffers()[1], np.uint8)
    start = array.offset
    return _masked(lambda i: bool(data[(start + i) >> 3] >> ((start + i) & 7) & 1), array)


def _masked(read: Reader, array: pa.Array) -> Reader:
    """``read`` where the validity bitmap says the row has a value, None where it is null."""
    if array.null_count == 0:
        return read
    bits = np.frombuffer(array.buffers()[0], np.uint8)  # read in place: no mask array is made
    start = array.offset

    def masked(i: int) -> Any:
        j = start + i
        return read(i) if bits.item(j >> 3) >> (j & 7) & 1 else None

    return masked


def _text_reader(array: pa.Array) -> Reader:
    _, offsets_buffer, data_buffer = array.buffers()
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, width)[array.offset : array.offset + len(array) + 1]
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    return _masked(lambda i: str(data[offsets.item(i) : offsets.item(i + 1)], "utf-8"), array)
