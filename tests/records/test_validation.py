"""Validation's fast paths give what the per-value paths gave (issue 17): amounts read in bulk,
flags placed by position, rejected rows left out in SQL before keys are compared."""

import datetime as dt
import random

import numpy as np
import pyarrow as pa
import pytest

from credit_scoring.records.contract import table
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.validation import _parse_numbers

TODAY = dt.date(2026, 11, 29)
FLAGGED = "91350203M0001QAY9B"  # fails only its check character


def _plain_numbers(count, seed=0):
    """Numbers as programs write them: fixed, long, exponent, signed, leading zeros."""
    rng = random.Random(seed)
    digits = "0123456789"

    def long_run(most):
        return "".join(rng.choice(digits) for _ in range(rng.randint(1, most)))

    makers = [
        lambda: f"{rng.uniform(0, 1e6):.{rng.randint(0, 8)}f}",
        lambda: f"{long_run(20)}.{long_run(20)}",
        lambda: f"{rng.randint(1, 9)}.{long_run(8)}e{rng.randint(-12, 12)}",
        lambda: f"{rng.choice(['+', '-', ''])}{long_run(13)}",
        lambda: f"{rng.choice(['', '0', '00'])}.{long_run(18)}",
    ]
    return [rng.choice(makers)() for _ in range(count)]


@pytest.mark.parametrize(("name", "factor"), [("fine_amount", 1.0), ("fine_amount", 1e4)])
def test_plain_numbers_read_in_bulk_equal_the_per_text_reading(name, factor):
    """Arrow's bulk reading is correctly rounded, as Python's float() is. (pandas 2.2's own
    parser, the per-text path, is not: it differs in the last bit for some long numbers, which
    is why the reference here is float(), on every pandas the project supports.)"""
    # given numbers that Arrow reads in bulk, and Python one by one
    texts = _plain_numbers(50_000)
    column = table("penalties").column(name)
    # when both read them
    bulk, errors = _parse_numbers(column, pa.array(texts), factor)
    with np.errstate(all="ignore"):
        one_by_one = np.array([float(text) for text in texts]) * factor
        ok = np.isfinite(one_by_one) & (one_by_one >= 0) & (one_by_one <= 1e12)
        expected = np.where(ok, np.round(one_by_one, 6), np.nan)
    # then every value is the same to the last bit, and every rejection the same
    got = bulk.to_numpy(zero_copy_only=False)
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(errors != 0, ~ok)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("1,000", 1000.0),  # written by clerks: the per-text path
        ("500元", 500.0),
        ("1.5元", 1.5),
        ("1_000", 1000.0),  # Python's float reads it, so it always was an amount
        ("１２", 12.0),  # full-width digits, too
        ("+3", 3.0),  # plain numbers: the bulk path
        (".5", 0.5),
        ("5.", 5.0),
        ("00012", 12.0),
        ("2.5e3", 2500.0),
        ("0.1234565", 0.123456),  # kept to 6 decimals
        ("1e-7", 0.0),
        ("1000000000000", 1e12),  # a trillion yuan is the limit
        ("", None),
        ("1000000000001", "INVALID_AMOUNT"),
        ("1e305", "INVALID_AMOUNT"),
        ("-5", "INVALID_AMOUNT"),
        ("inf", "INVALID_AMOUNT"),
        ("nan", "INVALID_AMOUNT"),
        ("5%", "INVALID_AMOUNT"),  # a percentage is a probability, not an amount
        ("abc", "INVALID_AMOUNT"),
    ],
)
def test_each_way_of_writing_an_amount_is_stored_or_rejected_as_before(
    store, tmp_path, tiny, write, text, stored
):
    ingest_file(store, "subjects", write(tiny["subjects"], tmp_path / "subjects.csv"))
    rows = [dict(tiny["penalties"][0], fine_amount=text)]
    ingest_file(store, "penalties", write(rows, tmp_path / "penalties.csv"), today=TODAY)
    fines = store.con.execute("SELECT fine_amount FROM penalties").fetchall()
    codes = store.con.execute(
        "SELECT reason_code FROM ingest_issues WHERE table_name = 'penalties'"
    ).fetchall()
    assert (fines[0][0] if fines else codes[0][0]) == stored


def test_flags_stay_on_their_own_rows_around_rejected_ones(store, tmp_path, tiny, write):
    ingest_file(store, "subjects", write(tiny["subjects"], tmp_path / "subjects.csv"))
    base = tiny["penalties"][0]
    rows = [
        dict(base, record_id="CF1"),  # row 2: clean
        dict(base, record_id="CF2", uscc=FLAGGED),  # row 3: flagged
        dict(base, record_id="CF3", uscc=FLAGGED, severity="bogus"),  # row 4: flagged, rejected
        dict(base, record_id="CF4"),  # row 5: clean
        dict(base, record_id="CF5", uscc=FLAGGED),  # row 6: flagged
    ]
    result = ingest_file(store, "penalties", write(rows, tmp_path / "penalties.csv"), today=TODAY)
    assert (result.accepted, result.rejected, result.flagged) == (4, 1, 2)
    assert store.con.execute("SELECT _row, _flags FROM penalties ORDER BY _row").fetchall() == [
        (2, None),
        (3, ["ID_CHECKSUM_MISMATCH"]),
        (5, None),
        (6, ["ID_CHECKSUM_MISMATCH"]),
    ]


def test_a_rejected_row_is_not_the_first_of_a_repeated_key(store, tmp_path, tiny, write):
    # Row 2 is rejected for its severity; row 3 has the same key and is the record, not a
    # DUPLICATE_KEY of a row that was never kept. Row 4 repeats row 3 with other content.
    ingest_file(store, "subjects", write(tiny["subjects"], tmp_path / "subjects.csv"))
    base = dict(tiny["penalties"][0], record_id="CF1")
    rows = [dict(base, severity="bogus"), base, dict(base, fine_amount="9")]
    result = ingest_file(store, "penalties", write(rows, tmp_path / "penalties.csv"), today=TODAY)
    assert (result.accepted, result.duplicate, result.rejected) == (1, 0, 2)
    assert store.con.execute(
        "SELECT row_number, reason_code, reason_en FROM ingest_issues "
        "WHERE table_name = 'penalties' ORDER BY row_number"
    ).fetchall() == [
        (
            2,
            "UNKNOWN_CODE",
            "'bogus' is not a severity code; expected one of minor, general, serious",
        ),
        (4, "DUPLICATE_KEY", "same key as row 3 of this file but different content"),
    ]
