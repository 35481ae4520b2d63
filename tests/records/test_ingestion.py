"""Ingestion: every table in every format, each class of bad input, idempotency, atomicity."""

import csv
import datetime as dt
import json

import pytest

from credit_scoring.errors import FileRejected
from credit_scoring.records import ingestion
from credit_scoring.records.ingestion import ingest_directory, ingest_file

TODAY = dt.date(2026, 11, 29)
UNKNOWN_BUT_VALID = "913502000728319549"


def _ingest_city(store, folder, **options):
    return {r.table: r for r in ingest_directory(store, folder, today=TODAY, **options)}


def _snapshot(store):
    tables = [row[0] for row in store.con.execute("SHOW TABLES").fetchall()]
    return {t: store.con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}


@pytest.mark.parametrize(
    ("suffix", "encoding"),
    [
        (".csv", "utf-8"),
        (".csv", "utf-8-sig"),
        (".csv", "gb18030"),
        (".xlsx", None),
        (".parquet", None),
    ],
)
def test_every_table_ingests_in_every_format(store, tmp_path, tiny, write, suffix, encoding):
    for name, rows in tiny.items():
        write(rows, tmp_path / f"{name}{suffix}", encoding=encoding or "utf-8")
    results = _ingest_city(store, tmp_path)
    assert set(results) == set(tiny)
    for name, rows in tiny.items():
        assert results[name].accepted == len(rows), name
        assert results[name].rejected == 0, name
        assert store.count(name) == len(rows)
    # The subject whose USCC fails only its check character is kept, flagged, in every table.
    assert {n: r.flagged for n, r in results.items() if r.flagged} == {
        "subjects": 1,
        "penalties": 1,
        "inspections": 1,
        "list_entries": 1,
    }
    if suffix == ".csv":
        assert results["subjects"].encoding == encoding
    fine, types, decided = store.con.execute(
        "SELECT fine_amount, penalty_types, decision_date FROM penalties WHERE record_id = 'CF1'"
    ).fetchone()
    assert (fine, types, decided) == (500.0, ["fine", "warning"], dt.date(2025, 3, 3))


def _ingest_penalties(store, tmp_path, tiny, write, rows, **options):
    _ingest_city(store, _only(tmp_path, tiny, write, "subjects"))
    path = write(rows, tmp_path / "penalties.csv")
    return ingest_file(store, "penalties", path, today=TODAY, **options)


def _only(tmp_path, tiny, write, name):
    folder = tmp_path / f"only-{name}"
    folder.mkdir(exist_ok=True)
    write(tiny[name], folder / f"{name}.csv")
    return folder


def _rejections(store):
    return [issue for issue in _issues(store) if issue[-1] == "rejected"]


def _issues(store):
    return store.con.execute(
        "SELECT row_number, column_name, reason_code, reason_en, action FROM ingest_issues"
    ).fetchall()


@pytest.mark.parametrize(
    ("column", "value", "code", "reason"),
    [
        (
            "severity",
            "catastrophic",
            "UNKNOWN_CODE",
            "'catastrophic' is not a severity code; expected one of minor, general, serious",
        ),
        ("decision_no", "", "MISSING_REQUIRED", "required field decision_no is empty"),
        (
            "decision_date",
            "2099-01-01",
            "FUTURE_DATE",
            "decision_date 2099-01-01 is after the ingest date 2026-11-29",
        ),
        (
            "decision_date",
            "2025-02-30",
            "INVALID_DATE",
            "'2025-02-30' is not a valid date (YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日)",
        ),
        (
            "uscc",
            "9135020077604965IA",
            "INVALID_USCC",
            "'9135020077604965IA' is not a unified social credit code "
            "(18 characters from 0-9A-HJ-NPQRTUWXY)",
        ),
        (
            "uscc",
            UNKNOWN_BUT_VALID,
            "UNKNOWN_SUBJECT",
            f"subject {UNKNOWN_BUT_VALID} is not in the subjects table; ingest subjects first",
        ),
        (
            "published_date",
            "2025-03-01",
            "DATE_ORDER",
            "published_date 2025-03-01 precedes decision_date",
        ),
        ("fine_amount", "-5", "INVALID_AMOUNT", "'-5' is not an amount (a number ≥ 0)"),
        ("penalty_types", "fine;flogging", "UNKNOWN_CODE", None),
    ],
)
def test_a_bad_value_rejects_its_row_with_the_exact_reason(
    store, tmp_path, tiny, write, column, value, code, reason
):
    rows = tiny["penalties"]
    rows[1][column] = value  # row 3 of the file: the header is row 1
    result = _ingest_penalties(store, tmp_path, tiny, write, rows)
    assert (result.accepted, result.rejected) == (1, 1)
    [(row, issue_column, issue_code, reason_en, action)] = _rejections(store)
    assert (row, issue_column, issue_code, action) == (3, column, code, "rejected")
    if reason:
        assert reason_en == reason
    with open(result.rejects_file, encoding="utf-8-sig") as handle:
        [listed] = [r for r in csv.DictReader(handle) if r["action"] == "rejected"]
    assert listed["row"] == "3" and listed["reason_code"] == code
    assert json.loads(listed["raw_row"])["record_id"] == "CF2"  # the rejected row is kept whole
    assert store.con.execute("SELECT record_id FROM penalties").fetchall() == [("CF1",)]


def test_checksum_mismatch_is_rejected_when_strict(store, tmp_path, tiny, write):
    path = write(tiny["subjects"], tmp_path / "subjects.csv")
    result = ingest_file(store, "subjects", path, today=TODAY, strict=True)
    assert (result.accepted, result.rejected, result.flagged) == (2, 1, 0)
    assert _issues(store)[0][2:] == (
        "ID_CHECKSUM_MISMATCH",
        "'91350203M0001QAY9B' fails its check character; kept and flagged",
        "rejected",
    )


def test_a_conflicting_duplicate_key_is_rejected_and_an_identical_one_counted(
    store, tmp_path, tiny, write
):
    rows = tiny["penalties"]
    rows += [dict(rows[0]), {**rows[0], "fine_amount": "800"}]  # rows 4 and 5 repeat row 2
    result = _ingest_penalties(store, tmp_path, tiny, write, rows)
    assert (result.accepted, result.duplicate, result.rejected) == (2, 1, 1)
    assert _issues(store)[-1][:3] == (5, "record_id", "DUPLICATE_KEY")
    assert _issues(store)[-1][3] == "same key as row 2 of this file but different content"


def test_a_truncated_file_keeps_every_complete_row(store, tmp_path, tiny, write):
    path = write(tiny["penalties"], tmp_path / "penalties.csv")
    content = path.read_bytes()
    path.write_bytes(content[: content.rindex(b",")])  # the last row loses its last field
    _ingest_city(store, _only(tmp_path, tiny, write, "subjects"))
    result = ingest_file(store, "penalties", path, today=TODAY)
    assert (result.rows_read, result.accepted, result.rejected) == (2, 1, 1)
    assert _issues(store)[-1][2:4] == (
        "MALFORMED_ROW",
        "malformed row (11 fields where the header has 12); truncated file?",
    )


def test_a_row_in_another_encoding_is_rejected_and_the_rest_kept(store, tmp_path, tiny, write):
    path = write(tiny["subjects"], tmp_path / "subjects.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_bytes(
        "\n".join(lines[:2]).encode()
        + b"\n"
        + lines[2].encode("gb18030")
        + b"\n"
        + lines[3].encode()
        + b"\n"
    )
    result = ingest_file(store, "subjects", path, today=TODAY)
    assert (result.accepted, result.rejected, result.encoding) == (2, 1, "utf-8")
    assert _issues(store)[0][:3] == (3, "", "ENCODING")


def test_unreadable_files_are_refused_whole_and_store_nothing(store, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileRejected, match="file is empty"):
        ingest_file(store, "subjects", empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"uscc,name\n\x80\xff\x80\xff,x\n")
    with pytest.raises(FileRejected, match="not readable as UTF-8 or GB18030"):
        ingest_file(store, "subjects", binary)
    assert store.count("subjects") == 0 and store.count("ingest_runs") == 0


def test_a_missing_required_column_refuses_the_file_naming_it(store, tmp_path, tiny, write):
    rows = [{k: v for k, v in row.items() if k != "severity"} for row in tiny["penalties"]]
    path = write(rows, tmp_path / "penalties.csv")
    with pytest.raises(FileRejected, match=r"required column\(s\) missing .*severity \(失信程度\)"):
        ingest_file(store, "penalties", path, today=TODAY)


def test_national_standard_headers_and_fines_in_ten_thousand_yuan(store, tmp_path, tiny, write):
    rows = [
        {
            "CF_XDR_SHXYM": "91350200776049653A",
            "CF_WSH": "罚1",
            "CF_WFXW": "占道经营",
            "CF_CFLB": "罚款；警告",
            "CF_JDRQ": "2025年3月3日",
            "失信程度": "一般",
            "CF_NR_FK": "0.05",
            "记录编号": "CF9",
            "CF_SY": "facts the contract does not keep",
        },
    ]
    result = _ingest_penalties(store, tmp_path, tiny, write, rows)
    assert (result.accepted, result.unknown_columns) == (1, ["CF_SY"])
    assert store.con.execute(
        "SELECT fine_amount, penalty_types, severity, decision_date FROM penalties"
    ).fetchone() == (500.0, ["fine", "warning"], "general", dt.date(2025, 3, 3))


def test_ingesting_the_same_files_twice_adds_nothing(store, city_dir):
    first = _ingest_city(store, city_dir)
    before = {name: store.count(name) for name in first}
    second = _ingest_city(store, city_dir)
    for name, result in second.items():
        assert (result.accepted, result.updated) == (0, 0)
        assert result.duplicate == first[name].accepted
        assert store.count(name) == before[name]
        assert store.count(f"{name}_history") == 0


def test_a_changed_row_is_an_update_that_keeps_the_old_version(store, city_dir, tiny, write):
    _ingest_city(store, city_dir)
    rows = tiny["penalties"]
    rows[0]["fine_amount"] = "800"
    result = ingest_file(store, "penalties", write(rows, city_dir / "penalties.csv"), today=TODAY)
    assert (result.accepted, result.updated, result.duplicate) == (0, 1, 1)
    assert store.con.execute(
        "SELECT fine_amount, _version FROM penalties WHERE record_id = 'CF1'"
    ).fetchone() == (800.0, 2)
    assert store.con.execute(
        "SELECT fine_amount, _version, _superseded_by_run FROM penalties_history"
    ).fetchone() == (500.0, 1, result.run_id)


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failure_mid_file_leaves_the_store_as_before(
    store, city_dir, tiny, write, monkeypatch, failure
):
    _ingest_city(store, city_dir)
    before = _snapshot(store)
    rows = tiny["penalties"]
    rows[0]["fine_amount"] = "800"  # an update: moves a row to history and replaces it
    rows.append({**rows[1], "record_id": "CF3"})  # and a new record
    rows.append({**rows[1], "record_id": "CF4", "severity": "bogus"})  # and a rejected row

    def fail(*args, **kwargs):  # runs after the records were written, before the commit
        raise failure

    monkeypatch.setattr(ingestion, "_record_issues", fail)
    with pytest.raises(type(failure)):
        ingest_file(store, "penalties", write(rows, city_dir / "penalties.csv"), today=TODAY)
    assert _snapshot(store) == before


def test_record_events_must_point_at_a_stored_record(store, city_dir, tiny, write):
    _ingest_city(store, city_dir)
    events = tiny["record_events"] + [
        {
            "record_id": "CF404",
            "table": "penalties",
            "event_type": "revoked",
            "event_date": "2025-05-01",
            "actor": "",
            "note": "",
        }
    ]
    result = ingest_file(
        store, "record_events", write(events, city_dir / "record_events.csv"), today=TODAY
    )
    assert (result.duplicate, result.rejected) == (2, 1)
    assert _issues(store)[-1][2:4] == (
        "UNKNOWN_RECORD",
        "there is no record 'CF404' in table penalties",
    )


def test_counts_always_add_up(store, city_dir):
    for result in _ingest_city(store, city_dir).values():
        assert result.rows_read == (
            result.accepted + result.updated + result.duplicate + result.rejected
        )


def test_written_amounts_are_read_and_one_bad_amount_rejects_only_its_row(
    store, tmp_path, tiny, write
):
    # "1,000" and "500元" are amounts as clerks write them; with pandas 3 one such text failed
    # the whole file ("assignment destination is read-only").
    write(tiny["subjects"], tmp_path / "subjects.csv")
    ingest_file(store, "subjects", tmp_path / "subjects.csv")
    rows = [dict(tiny["penalties"][0], record_id=f"CF{k}", fine_amount=amount)
            for k, amount in enumerate(["1,000", "500元", "abc"])]  # fmt: skip
    result = ingest_file(store, "penalties", write(rows, tmp_path / "penalties.csv"))
    assert (result.accepted, result.rejected) == (2, 1)
    fines = store.con.execute("SELECT fine_amount FROM penalties ORDER BY record_id").fetchall()
    assert fines == [(1000.0,), (500.0,)]
    [reason] = store.con.execute("SELECT reason_code FROM ingest_issues WHERE action = 'rejected'"
                                 ).fetchall()  # fmt: skip
    assert reason == ("INVALID_AMOUNT",)


def test_an_inclusion_probability_written_as_a_percentage_is_read(store, tmp_path, tiny, write):
    write(tiny["subjects"], tmp_path / "subjects.csv")
    ingest_file(store, "subjects", tmp_path / "subjects.csv")
    rows = [dict(tiny["inspections"][0], inclusion_prob="5.089%")]
    ingest_file(store, "inspections", write(rows, tmp_path / "inspections.csv"))
    [(probability,)] = store.con.execute("SELECT inclusion_prob FROM inspections").fetchall()
    assert probability == pytest.approx(0.05089)


def test_an_amount_beyond_range_after_conversion_is_rejected(store, tmp_path, tiny, write):
    # CF_NR_FK is in 10,000 yuan: 1e305 of them overflowed to inf and was stored as such.
    write(tiny["subjects"], tmp_path / "subjects.csv")
    ingest_file(store, "subjects", tmp_path / "subjects.csv")
    penalty = tiny["penalties"][0]
    rows = [{"CF_XDR_SHXYM": penalty["uscc"], "CF_WSH": f"罚{k}", "CF_WFXW": "占道经营",
             "CF_CFLB": "罚款", "CF_JDRQ": "2025-03-03", "severity": "general",
             "record_id": f"CF{k}", "CF_NR_FK": amount}
            for k, amount in enumerate(["1e305", "2e8", "0.05"])]  # fmt: skip
    result = ingest_file(store, "penalties", write(rows, tmp_path / "penalties.csv"))
    assert (result.accepted, result.rejected) == (1, 2)
    assert store.con.execute("SELECT fine_amount FROM penalties").fetchall() == [(500.0,)]
