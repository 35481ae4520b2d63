"""The synthetic city: determinism, formats, planted defects, and a model worth learning from.

Cities of 2,000 subjects take a fraction of a second; three are generated once per module.
Files are read back independently of the ingestion code, with pandas and the contract's headers.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from credit_scoring.records import codes
from credit_scoring.records.contract import TABLES, Kind, normalise_header
from credit_scoring.records.workdays import WorkdayCalendar
from credit_scoring.synth import CityFiles, generate_city
from credit_scoring.synth import _vocab as vocab

N = 2_000
START, END = dt.date(2020, 1, 1), dt.date(2026, 9, 30)
_INVALID = -1  # parsed "date" of a text that is not a date


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    return generate_city(tmp_path_factory.mktemp("a"), n_subjects=N, seed=7)


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    return generate_city(tmp_path_factory.mktemp("b"), n_subjects=N, seed=7)


@pytest.fixture(scope="module")
def tables(city: CityFiles) -> dict[str, pd.DataFrame]:
    return _read(city)


def _read(city: CityFiles) -> dict[str, pd.DataFrame]:
    """Every file read back as text, with contract column names."""
    manifest = json.loads(city.manifest.read_text(encoding="utf-8"))
    out = {}
    for name, path in city.files.items():
        encoding = manifest["files"][name]["encoding"]
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        headers = TABLES[name].header_map()
        out[name] = frame.rename(columns={h: headers[normalise_header(str(h))][0] for h in frame})
    return out


def _days(values: pd.Series) -> pd.Series:
    """Day numbers of dates in any accepted spelling; blank is NaN, not a date is -1."""
    text = values.str.replace(r"[年月/]", "-", regex=True).str.replace("日", "", regex=False)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    days = (parsed - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    return days.where(parsed.notna() | (values == ""), _INVALID).where(values != "")


def _day(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _subject_registration(tables: dict[str, pd.DataFrame]) -> pd.Series:
    subjects = tables["subjects"]
    return pd.Series(_days(subjects["registered_date"]).to_numpy(), index=subjects["uscc"])


def test_same_seed_gives_byte_identical_files(city: CityFiles, twin: CityFiles) -> None:
    for name, path in city.files.items():
        assert path.read_bytes() == twin.files[name].read_bytes(), name
    assert city.truth.read_bytes() == twin.truth.read_bytes()
    assert city.manifest.read_bytes() == twin.manifest.read_bytes()


def test_different_seeds_give_different_files(city: CityFiles, tmp_path: Path) -> None:
    other = generate_city(tmp_path, n_subjects=N, seed=8)
    for name, path in city.files.items():
        assert path.read_bytes() != other.files[name].read_bytes(), name


def test_every_contract_table_has_a_file_and_the_manifest_agrees(
    city: CityFiles, tables: dict[str, pd.DataFrame]
) -> None:
    assert list(city.files) == list(TABLES)
    manifest = json.loads(city.manifest.read_text(encoding="utf-8"))
    assert manifest["planted"] == city.planted
    assert manifest["row_counts"] == city.row_counts
    assert manifest["ingest_order"][:2] == ["subjects", "inspectors"]
    assert manifest["ingest_order"][-1] == "record_events"
    for name, frame in tables.items():
        assert len(frame) == city.row_counts[name]
        assert set(frame.columns) == set(TABLES[name].column_names)


def test_files_come_in_the_formats_of_real_exports(city: CityFiles) -> None:
    subjects = city.files["subjects"].read_bytes()
    assert subjects.startswith('"统一社会信用代码"'.encode("gb18030"))
    assert "个体工商户".encode("gb18030") in subjects
    assert city.files["licences"].read_bytes().startswith(b"\xef\xbb\xbf")
    penalties = city.files["penalties"].read_text(encoding="utf-8").splitlines()[0]
    assert "CF_XDR_SHXYM" in penalties and "CF_NR_FK" in penalties and "失信程度" in penalties
    complaints = city.files["complaints"].read_bytes().decode("gb18030")
    assert "属实" in complaints and "年" in complaints.splitlines()[1]
    assert "/" in city.files["commitments"].read_text(encoding="utf-8").splitlines()[1]


def test_planted_counts_match_the_defects_found_in_the_files(
    city: CityFiles, tables: dict[str, pd.DataFrame]
) -> None:
    known = set(tables["subjects"]["uscc"])
    for name, frame in tables.items():
        found = _defects(name, frame, known)
        assert found == city.planted[name], name
        if N >= 1000:  # every applicable reason at least once
            assert {"MISSING_REQUIRED", "DUPLICATE_KEY"} <= set(found), name


def _defects(name: str, frame: pd.DataFrame, known_usccs: set[str]) -> dict[str, int]:
    """Count each kind of defect by looking at the text, as an ingester would."""
    table = TABLES[name]
    counts: dict[str, int] = {}

    def add(reason: str, rows: pd.Series) -> None:
        if int(rows.sum()):
            counts[reason] = int(rows.sum())

    required = [c.name for c in table.columns if c.required]
    add("MISSING_REQUIRED", (frame[required] == "").any(axis=1))
    unknown = pd.Series(False, index=frame.index)
    for column in table.columns:
        if column.kind is Kind.CODE and column.code_list is not None:
            spellings = set(column.code_list.lookup()) | {""}
            unknown |= ~frame[column.name].isin(spellings)
    add("UNKNOWN_CODE", unknown)
    event_dates = [c.name for c in table.columns if c.kind is Kind.EVENT_DATE]
    parsed = pd.DataFrame({c: _days(frame[c]) for c in event_dates}, index=frame.index)
    add("INVALID_DATE", (parsed == _INVALID).any(axis=1))
    add("FUTURE_DATE", (parsed > _day(dt.date(2090, 1, 1))).any(axis=1))
    if "uscc" in frame:
        status = pd.Series(codes.uscc_statuses(frame["uscc"]), index=frame.index)
        add("INVALID_USCC", status == codes.IdStatus.MALFORMED)
        add("ID_CHECKSUM_MISMATCH", status == codes.IdStatus.CHECKSUM_MISMATCH)
        if name != "subjects":
            add(
                "UNKNOWN_SUBJECT",
                (status == codes.IdStatus.VALID) & ~frame["uscc"].isin(known_usccs),
            )
    add("DUPLICATE_KEY", frame.duplicated(list(table.key), keep="first"))
    return counts


def test_generated_usccs_are_valid_and_distinct(
    city: CityFiles, tables: dict[str, pd.DataFrame]
) -> None:
    subjects = tables["subjects"]
    status = codes.uscc_statuses(subjects["uscc"])
    planted = city.planted["subjects"]
    valid = status == codes.IdStatus.VALID
    assert (~valid).sum() == planted["INVALID_USCC"] + planted["ID_CHECKSUM_MISMATCH"]
    assert subjects["uscc"].duplicated().sum() == planted["DUPLICATE_KEY"]
    ids = subjects["legal_rep_id"][subjects["legal_rep_id"] != ""]
    assert all(codes.resident_id_status(i) is codes.IdStatus.VALID for i in ids)


def test_event_dates_lie_inside_the_window(tables: dict[str, pd.DataFrame]) -> None:
    _assert_inside(tables, START, END)


def test_an_odd_window_keeps_every_date_inside_it(tmp_path: Path) -> None:
    start, end = dt.date(2023, 2, 15), dt.date(2025, 10, 2)  # ends in the National Day holiday
    city = generate_city(tmp_path, n_subjects=1_000, seed=11, start=start, end=end)
    _assert_inside(_read(city), start, end)


def _assert_inside(tables: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> None:
    """Event dates of records (planted 2099 and impossible dates aside) lie in the window."""
    for name, frame in tables.items():
        if name == "subjects":
            continue
        for column in TABLES[name].columns:
            if column.kind is Kind.EVENT_DATE:
                days = _days(frame[column.name]).dropna()
                days = days[(days != _INVALID) & (days < _day(dt.date(2090, 1, 1)))]
                assert days.between(_day(start), _day(end)).all(), (name, column.name)


def test_records_never_precede_the_subjects_registration(tables: dict[str, pd.DataFrame]) -> None:
    registered = _subject_registration(tables)
    registered = registered[~registered.index.duplicated()]
    for name, frame in tables.items():
        if name in {"subjects", "inspectors", "record_events"}:
            continue
        known = frame[frame["uscc"].isin(registered.index)]
        since = registered.reindex(known["uscc"]).to_numpy()
        for column in TABLES[name].columns:
            if column.kind is Kind.EVENT_DATE:
                days = _days(known[column.name]).to_numpy()
                ok = np.isnan(days) | (days == _INVALID) | np.isnan(since) | (days >= since)
                assert ok.all(), (name, column.name)


def test_dates_of_a_record_come_in_order(tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        for earlier, later in TABLES[name].date_order:
            first, second = _days(frame[earlier]), _days(frame[later])
            both = first.notna() & second.notna() & (first != _INVALID) & (second != _INVALID)
            assert (second[both] >= first[both]).all(), (name, earlier, later)


def test_penalties_rise_with_latent_risk(city: CityFiles, tables: dict[str, pd.DataFrame]) -> None:
    truth = pq.read_table(city.truth).to_pandas()
    risk = truth.filter(like="risk_").mean(axis=1).to_numpy()
    per_subject = tables["penalties"].groupby("uscc").size()
    penalties = per_subject.reindex(truth["uscc"]).fillna(0).to_numpy()
    order = np.argsort(risk)
    top_decile = penalties[order[-len(order) // 10 :]].mean()
    bottom_half = penalties[order[: len(order) // 2]].mean()
    assert top_decile > 4 * bottom_half


def test_truth_has_one_row_per_subject_and_is_not_a_record_file(
    city: CityFiles, tables: dict[str, pd.DataFrame]
) -> None:
    assert city.truth not in city.files.values()
    assert city.truth.parent.name == "truth"
    truth = pq.read_table(city.truth).to_pandas()
    subjects = set(tables["subjects"]["uscc"])
    assert len(truth) == N and set(truth["uscc"]) <= subjects
    assert truth.filter(like="violations_").to_numpy().sum() > 0


def test_random_inspections_record_inclusion_probabilities(tables: dict[str, pd.DataFrame]) -> None:
    inspections = tables["inspections"]
    drawn = inspections[inspections["random_sample"] == "true"]
    targeted = inspections[inspections["random_sample"] == "false"]
    probability = drawn["inclusion_prob"].astype(float)
    assert len(drawn) and len(targeted)
    assert ((probability > 0) & (probability <= 1)).all()
    assert (targeted["inclusion_prob"] == "").all()
    per_year = len(drawn) / N / ((END - START).days / 365.25)
    assert 0.02 < per_year < 0.06  # about 4% of subjects a year
    pairs = inspections["inspectors"].str.split(";", expand=True)
    assert pairs.shape[1] == 2 and (pairs[0] != pairs[1]).all()


def test_publication_is_sometimes_late_and_sometimes_missing(
    tables: dict[str, pd.DataFrame],
) -> None:
    calendar = WorkdayCalendar(START, END)
    for name in ("licences", "penalties"):
        frame = tables[name]
        decided, published = _days(frame["decision_date"]), _days(frame["published_date"])
        usable = decided.between(_day(START), _day(END)) & published.notna()
        delay = calendar.count_between(
            decided[usable].to_numpy().astype("datetime64[D]"),
            published[usable].to_numpy().astype("datetime64[D]"),
        )
        assert (delay >= 1).all(), name
        assert 0.03 < (delay > 7).mean() < 0.3, name
        assert (delay > 20).any(), name
        assert (frame["published_date"] == "").any(), name


def test_fines_are_written_in_ten_thousand_yuan(tables: dict[str, pd.DataFrame]) -> None:
    fines = tables["penalties"]["fine_amount"]
    yuan = fines[fines != ""].astype(float) * 10_000
    assert len(yuan) and np.allclose(yuan, np.round(yuan / 50) * 50)


def test_record_events_refer_to_good_penalties(
    city: CityFiles, tables: dict[str, pd.DataFrame]
) -> None:
    penalties = tables["penalties"]
    planted_ids = penalties["record_id"][penalties.duplicated("record_id", keep=False)]
    events = tables["record_events"]
    assert events["record_id"].isin(penalties["record_id"]).all()
    assert not events["record_id"].isin(planted_ids).any()
    kinds = set(events["event_type"])
    assert {"objection_filed", "objection_upheld", "repair_approved"} <= kinds


def test_inspectors_avoid_their_conflicts(tables: dict[str, pd.DataFrame]) -> None:
    inspectors = tables["inspectors"].drop_duplicates("inspector_id")
    inspectors = inspectors[inspectors["name"] != ""]
    active = inspectors[inspectors["active"] == "true"]
    assert active.groupby("department").size().min() >= 2
    conflicts = inspectors.assign(uscc=inspectors["conflicts"].str.split(";")).explode("uscc")
    conflicts = conflicts[conflicts["uscc"] != ""]
    assert len(conflicts) and conflicts["uscc"].isin(tables["subjects"]["uscc"]).all()
    inspections = tables["inspections"].assign(
        inspector_id=tables["inspections"]["inspectors"].str.split(";")
    )
    seen = inspections.explode("inspector_id")[["inspector_id", "uscc"]]
    clash = seen.merge(conflicts[["inspector_id", "uscc"]], on=["inspector_id", "uscc"])
    assert clash.empty


def test_small_city_without_bad_rows_is_clean(tmp_path: Path) -> None:
    stages: list[tuple[str, float]] = []
    city = generate_city(
        tmp_path, n_subjects=30, seed=3, bad_rows=False, progress=lambda s, f: stages.append((s, f))
    )
    assert all(not reasons for reasons in city.planted.values())
    fractions = [fraction for _, fraction in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    subjects = pd.read_csv(city.files["subjects"], dtype=str, encoding="gb18030")
    assert (codes.uscc_statuses(subjects.iloc[:, 0]) == codes.IdStatus.VALID).all()


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_subjects"):
        generate_city(tmp_path, n_subjects=0)
    with pytest.raises(ValueError, match="window"):
        generate_city(tmp_path, start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 1))


def test_per_domain_vocabularies_line_up_with_the_domain_code_list() -> None:
    for row in vocab.PER_DOMAIN_TABLES:
        assert len(row) == len(codes.DOMAINS.codes)
