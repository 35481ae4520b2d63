"""Vectorised identifiers for the synthetic city: USCCs, resident IDs and record ids.

``codes.generate_usccs`` builds one code per Python iteration, which takes tens of seconds for a
million subjects; these functions build the same codes (same GB 32100 / GB 11714 / GB 11643
arithmetic) as ``(n, 18)`` arrays of ASCII bytes, and turn them into Arrow strings without a
Python loop. Their validity is checked against ``codes.uscc_statuses`` in the tests.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.records import codes

_ALPHABET = np.frombuffer(codes.USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
_VALUE_OF_CHAR = {c: v for v, c in enumerate(codes.USCC_ALPHABET)}
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
# GB 11714 values the body characters 0-9 then A=10 ... Z=35 (the USCC alphabet skips letters).
_ORG_VALUE = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in codes.USCC_ALPHABET])
# Positions 1-2 (registering authority, category) by subject type, GB 32100 Annex; the order is
# that of ``codes.SUBJECT_TYPES.codes``.
_TYPE_PREFIX = {
    "enterprise": "91",
    "individual_business": "92",
    "social_org": "51",
    "public_institution": "12",
}
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def uscc_matrix(
    rng: np.random.Generator, type_idx: np.ndarray, region_idx: np.ndarray, regions: tuple[str, ...]
) -> np.ndarray:
    """Distinct valid USCCs as an ``(n, 18)`` uint8 array of ASCII codes.

    Parameters
    ----------
    rng : numpy.random.Generator
    type_idx : ndarray of int
        Index into ``codes.SUBJECT_TYPES.codes`` per code.
    region_idx : ndarray of int
        Index into ``regions`` per code.
    regions : tuple of str
        Six-digit region codes.
    """
    n = len(type_idx)
    prefixes = np.array(
        [[_VALUE_OF_CHAR[c] for c in _TYPE_PREFIX[t]] for t in codes.SUBJECT_TYPES.codes]
    )
    region_values = np.array([[int(c) for c in r] for r in regions])
    body = _distinct_bodies(rng, np.asarray(type_idx) * len(regions) + np.asarray(region_idx))
    org_check = 11 - (_ORG_VALUE[body] @ _ORG_WEIGHTS) % 11
    # 10 is written X and 11 is written 0 (GB 11714); both lie inside the USCC alphabet.
    org_check = np.where(
        org_check == 10, _VALUE_OF_CHAR["X"], np.where(org_check == 11, 0, org_check)
    )
    values = np.empty((n, 18), dtype=np.int64)
    values[:, 0:2] = prefixes[type_idx]
    values[:, 2:8] = region_values[region_idx]
    values[:, 8:16] = body
    values[:, 16] = org_check
    values[:, 17] = (31 - (values[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    return _ALPHABET[values]


def _distinct_bodies(rng: np.random.Generator, stratum: np.ndarray) -> np.ndarray:
    """Random 8-character bodies (values 0-30), redrawn until (stratum, body) is unique."""
    n = len(stratum)
    body = rng.integers(0, 31, size=(n, 8))
    place = 31 ** np.arange(7, -1, -1, dtype=np.int64)
    while True:
        key = body @ place + stratum.astype(np.int64) * 31**8
        _, first = np.unique(key, return_index=True)
        duplicate = np.ones(n, dtype=bool)
        duplicate[first] = False
        if not duplicate.any():
            return body
        body[duplicate] = rng.integers(0, 31, size=(int(duplicate.sum()), 8))


def break_uscc_check(rng: np.random.Generator, matrix: np.ndarray) -> np.ndarray:
    """Copies of the codes whose check character is replaced by a different, valid symbol."""
    values = np.searchsorted(_ALPHABET, matrix[:, 17])  # _ALPHABET is sorted ASCII
    wrong = (values + rng.integers(1, 31, size=len(matrix))) % 31
    out = matrix.copy()
    out[:, 17] = _ALPHABET[wrong]
    return out


def resident_id_matrix(
    rng: np.random.Generator, region_codes: tuple[str, ...], weights: np.ndarray, born: np.ndarray
) -> np.ndarray:
    """Valid 18-character resident IDs (GB 11643) for birth days ``born`` (datetime64[D])."""
    n = len(born)
    region = rng.choice(len(region_codes), size=n, p=weights)
    region_digits = np.array([[int(c) for c in r] for r in region_codes])
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = born.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (born - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    sequence = rng.integers(0, 1000, size=n)
    digits = np.empty((n, 17), dtype=np.int64)
    digits[:, :6] = region_digits[region]
    digits[:, 6:10] = _digits(year, 4)
    digits[:, 10:12] = _digits(month, 2)
    digits[:, 12:14] = _digits(day, 2)
    digits[:, 14:17] = _digits(sequence, 3)
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :17] = digits + ord("0")
    out[:, 17] = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11]
    return out


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    powers = 10 ** np.arange(width - 1, -1, -1)
    return (values[:, None] // powers) % 10


def ascii_strings(matrix: np.ndarray) -> pa.StringArray:
    """Fixed-width ASCII rows of a uint8 matrix as an Arrow string array, without copying rows."""
    n, width = matrix.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), n, buffers)


def record_ids(prefix: str, years: np.ndarray, sequence: np.ndarray, width: int) -> pa.Array:
    """Readable record ids such as ``CF2024-000123``: prefix, decision year, sequence number."""
    if len(years) == 0:
        return pa.array([], type=pa.string())
    low = int(years.min())
    heads = pa.array([f"{prefix}{y}-" for y in range(low, int(years.max()) + 1)])
    numbers = pc.utf8_lpad(pc.cast(pa.array(sequence), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(heads.take(pa.array(years - low)), numbers, "")


def take_text(vocabulary: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """``vocabulary[index]`` as an Arrow string array (index -1 gives null)."""
    indices = pa.array(index, mask=np.asarray(index) < 0, type=pa.int32())
    return pa.array(list(vocabulary), type=pa.string()).take(indices)


def join_text(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")
