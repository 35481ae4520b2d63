"""Statistics for higher authorities: every sheet of the workbook against figures computed here,
independently, with plain SQL and pandas over the same small city.

The city is a synthetic one with a few things planted in the third quarter of 2026: a second
name for one code in a subjects file (重码), a penalty with a malformed code and one with a
code failing its check character (错码), a licence of the quarter's last days published in
October, an inspection carried out for a stored plan, and objections and repairs filed,
decided, left overdue or decided late through the workflows.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from credit_scoring.errors import InvalidInput
from credit_scoring.grading import Grader
from credit_scoring.policies import GRADES, load_sampling_policy
from credit_scoring.records.contract import table as contract_table
from credit_scoring.records.ingestion import ingest_directory, ingest_file
from credit_scoring.records.store import Store
from credit_scoring.statistics import (
    SHEETS,
    Statistics,
    last_ended_quarter,
    parse_period,
    period_statistics,
    statistics_xlsx_bytes,
)
from credit_scoring.supervision import create_plan
from credit_scoring.synth import generate_city
from credit_scoring.workflows import (
    Workspace,
    apply_for_repair,
    connect,
    decide_objection,
    decide_repair,
    file_objection,
)

START, END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
OPENING = dt.date(2026, 6, 30)
AUTHORITY = "宁波市海曙区综合行政执法局"
MALFORMED = "91330203MA2CX8Y0OO"  # O is not in the alphabet
SECOND_NAME = '=HYPERLINK("http://x")分店'  # a second name for one code; looks like a formula
RANKS = {g: i for i, g in enumerate(GRADES)}


@dataclass
class City:
    store: Store
    engine: Any
    grader: Grader
    stats: Statistics
    book: openpyxl.Workbook
    renamed: str  # the code given a second name
    plan_id: str


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("statistics")
    made = generate_city(folder / "files", n_subjects=1000, seed=11, end=END)
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, made.out_dir)
        renamed = _plant_codes(store, folder)
        _plant_late_publication(store, folder, renamed)
        grader = Grader.rules_only()
        engine = connect(f"sqlite:///{folder / 'workflow.db'}")
        _file_cases(Workspace(engine, store, grader))
        plan = create_plan(store, as_of=dt.date(2026, 8, 31), seed=3, rate=0.2, grader=grader)
        _plant_planned_inspection(store, folder, plan.plan_id)
        stats = period_statistics(store, engine, period="2026Q3", grader=grader)
        book = openpyxl.load_workbook(io.BytesIO(statistics_xlsx_bytes(stats)))
        yield City(store, engine, grader, stats, book, renamed, plan.plan_id)
        engine.dispose()


def _write(folder: Path, name: str, rows: list[dict[str, str]]) -> Path:
    path = folder / f"{name}.csv"
    pd.DataFrame(rows, dtype=str).to_csv(path, index=False)
    return path


def _plant_codes(store: Store, folder: Path) -> str:
    """A subjects file naming one code twice (the second row is rejected: 重码), and penalties
    of the quarter: one for that code, one with a malformed code (rejected), one for the
    subject whose code fails its check character (flagged)."""
    subject = store.con.execute(
        """SELECT uscc, name, subject_type, region_code, industry_code,
                  strftime(registered_date, '%Y-%m-%d'), status, array_to_string(domains, ';'),
                  legal_rep_name, legal_rep_id, address
           FROM subjects WHERE _flags IS NULL AND status = 'active' ORDER BY uscc LIMIT 1"""
    ).fetchone()
    first = dict(zip(contract_table("subjects").column_names, subject, strict=True))
    first = {k: v or "" for k, v in first.items()}
    second = {**first, "name": SECOND_NAME}
    ingest_file(store, "subjects", _write(folder, "more-subjects", [first, second]))
    flagged = store.con.execute(
        "SELECT uscc FROM subjects WHERE list_contains(_flags, 'ID_CHECKSUM_MISMATCH') LIMIT 1"
    ).fetchone()[0]
    penalty = {"decision_no": "罚〔2026〕9号", "violation_type": "占道经营",
               "penalty_types": "fine", "severity": "general", "fine_amount": "200",
               "authority": AUTHORITY, "published_date": "2026-08-20"}  # fmt: skip
    rows = [
        {**penalty, "record_id": "T-DUP", "uscc": first["uscc"], "decision_date": "2026-08-10"},
        {**penalty, "record_id": "T-BAD", "uscc": MALFORMED, "decision_date": "2026-08-11"},
        {**penalty, "record_id": "T-FLAG", "uscc": flagged, "decision_date": "2026-08-12"},
    ]  # fmt: skip
    ingest_file(store, "penalties", _write(folder, "more-penalties", rows))
    return first["uscc"]


def _plant_late_publication(store: Store, folder: Path, uscc: str) -> None:
    """A licence decided on the quarter's last Monday, published on time in October."""
    row = {"record_id": "T-XK", "uscc": uscc, "licence_name": "占道经营许可",
           "decision_no": "许〔2026〕9号", "decision_date": "2026-09-28", "authority": AUTHORITY,
           "published_date": "2026-10-09"}  # fmt: skip
    ingest_file(store, "licences", _write(folder, "more-licences", [row]))


def _file_cases(space: Workspace) -> None:
    """Objections: A filed and upheld in time, B left overdue, C filed in June and decided late
    in July, D filed after the quarter. Repairs: E refused at once, F approved late."""
    store = space.store
    penalties = store.con.execute(
        """SELECT uscc, any_value(record_id ORDER BY record_id) FROM penalties
           WHERE decision_date < DATE '2026-06-01' GROUP BY uscc ORDER BY uscc LIMIT 4"""
    ).fetchall()
    complaints = store.con.execute(
        """SELECT uscc, any_value(record_id ORDER BY record_id) FROM complaints
           WHERE received_date < DATE '2026-06-01' GROUP BY uscc ORDER BY uscc LIMIT 2"""
    ).fetchall()

    def objection(k: int, day: dt.date):
        uscc, record = penalties[k]
        return file_objection(space, uscc=uscc, table="penalties", record_id=record,
                              reason=f"异议{k}", filed_by="当事人", today=day)  # fmt: skip

    a = objection(0, dt.date(2026, 7, 6))
    decide_objection(
        space, a.id, upheld=True, reviewer="复核员", note="", today=dt.date(2026, 7, 8)
    )
    objection(1, dt.date(2026, 9, 21))  # due within 5 working days: overdue on 30 September
    c = objection(2, dt.date(2026, 6, 15))
    decide_objection(
        space, c.id, upheld=False, reviewer="复核员", note="", today=dt.date(2026, 7, 2)
    )
    objection(3, dt.date(2026, 10, 12))

    def repair(k: int, day: dt.date, corrected: bool):
        uscc, record = complaints[k]
        return apply_for_repair(space, uscc=uscc, table="complaints", record_id=record,
                                applicant="当事人", fine_paid=True, behaviour_corrected=corrected,
                                commitment_signed=True, today=day)  # fmt: skip

    refused = repair(0, dt.date(2026, 8, 3), corrected=False)
    assert refused.status == "ineligible"
    late = repair(1, dt.date(2026, 8, 10), corrected=True)
    decide_repair(space, late.id, approve=True, reviewer="复核员", note="", today=END)


def _plant_planned_inspection(store: Store, folder: Path, plan_id: str) -> None:
    uscc = store.con.execute(
        "SELECT uscc FROM plan_items WHERE plan_id = ? ORDER BY uscc LIMIT 1", [plan_id]
    ).fetchone()[0]
    row = {"record_id": "T-JC", "uscc": uscc, "inspection_date": "2026-09-10",
           "result": "violation", "plan_id": plan_id}  # fmt: skip
    ingest_file(store, "inspections", _write(folder, "more-inspections", [row]))


# --- what the test computes itself ---------------------------------------------------------


def _sheet(city: City, title: str) -> list[dict[str, Any]]:
    rows = list(city.book[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _units(city: City) -> dict[str, tuple[str, str]]:
    """Each subject's (department, region): the first department of the policy holding its
    region and first domain."""
    policy = load_sampling_policy()
    units = {}
    for uscc, region, domains in city.store.con.execute(
        "SELECT uscc, region_code, domains FROM subjects"
    ).fetchall():
        primary = domains[0] if domains else None
        holding = [
            d.name for d in policy.departments if region in d.regions and primary in d.domains
        ]
        department = holding[0] if holding else "未归属部门"
        units[uscc] = (department, region)
    return units


def _by_unit(city: City, counted: collections.Counter) -> dict[tuple[str, str], dict[str, int]]:
    """``counted`` holds (uscc, column) pairs; the sums per unit and in total ("全部")."""
    units = _units(city)
    table: dict[tuple[str, str], dict[str, int]] = collections.defaultdict(collections.Counter)
    for (uscc, column), n in counted.items():
        table[units[uscc]][column] += n
        table[("全部", "全部")][column] += n
    return table


def _grades(city: City, day: dt.date) -> dict[str, str]:
    graded = city.grader.grade_store(city.store, as_of=day)
    return dict(zip(graded["uscc"], graded["grade"], strict=True))


def _sql(city: City, query: str, *params) -> list[tuple]:
    return city.store.con.execute(query, list(params)).fetchall()


def _check_units(sheet: list[dict], expected: dict, headers: dict[str, str]) -> None:
    """Every row of a sheet by unit equals the expected counts (zero where none)."""
    for row in sheet:
        counts = expected.get((row["部门"], row["行政区划代码"]), {})
        for column, header in headers.items():
            assert row[header] == counts.get(column, 0), (row["统计单元"], header)


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026Q3", (dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
        ("2026-q4", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("2024M02", (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("2026-07", (dt.date(2026, 7, 1), dt.date(2026, 7, 31))),
        (" 2025 ", (dt.date(2025, 1, 1), dt.date(2025, 12, 31))),
    ],
)
def test_a_period_is_a_quarter_a_month_or_a_year(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2026Q5", "2026-13", "2026/07", "Q3 2026", "26Q3", ""])
def test_anything_else_is_refused_naming_the_accepted_forms(text):
    with pytest.raises(InvalidInput, match=r"quarter .*2026Q3.* month .* year") as error:
        parse_period(text)
    assert error.value.field == "period"


def test_a_year_far_from_the_records_is_refused():
    with pytest.raises(InvalidInput, match="period year 9999 lies outside 1949–2100"):
        parse_period("9999Q4")


def test_without_a_period_the_api_takes_the_last_quarter_that_ended():
    assert last_ended_quarter(dt.date(2026, 10, 9)) == "2026Q3"
    assert last_ended_quarter(dt.date(2026, 3, 31)) == "2025Q4"


def test_the_workbook_explains_then_charts_every_table(city):
    assert city.book.sheetnames == list(SHEETS)
    notes = {row["项目"]: row["内容"] for row in _sheet(city, "说明")}
    assert notes["统计期间"] == "2026Q3" and notes["起止日期"] == "2026-07-01 至 2026-09-30"
    assert notes["期初评级日"] == "2026-06-30" and notes["统计范围"] == "全部部门"
    for title in SHEETS[1:]:
        charts = city.book[title]._charts
        assert len(charts) == (0 if title == "重码明细" else 1), title


def test_rates_are_numbers_shown_as_percentages(city):
    sheet = city.book["双公示"]
    header = [c.value for c in sheet[1]]
    column = header.index("报送率") + 1
    cell = sheet.cell(row=2, column=column)
    assert isinstance(cell.value, float) and 0 <= cell.value <= 1
    assert cell.number_format == "0.0%"


def test_grade_sheet_counts_closing_grades_and_moves_by_unit(city):
    closing, opening = _grades(city, END), _grades(city, OPENING)
    counted = collections.Counter()
    for uscc, grade in closing.items():
        counted[(uscc, grade)] += 1
        if uscc in opening and RANKS[grade] != RANKS[opening[uscc]]:
            counted[(uscc, "up" if RANKS[grade] < RANKS[opening[uscc]] else "down")] += 1
    expected = _by_unit(city, counted)
    sheet = _sheet(city, "信用等级分布")
    headers = {**{g: f"{g}级主体数" for g in GRADES}, "up": "等级上调", "down": "等级下调"}
    _check_units(sheet, expected, headers)
    total = sheet[0]
    assert total["统计单元"] == "全部" and total["期末评级主体数"] == len(closing)
    assert total["A级占比（信用风险低）"] == pytest.approx(
        expected[("全部", "全部")]["A"] / len(closing), abs=1e-4
    )
    assert len(sheet) == len(set(_units(city).values())) + 1


def test_migration_sheet_is_the_opening_by_closing_matrix(city):
    closing, opening = _grades(city, END), _grades(city, OPENING)
    matrix = collections.Counter((opening.get(u, "未评级"), g) for u, g in closing.items())
    assert matrix[("未评级", "B")] + matrix[("未评级", "A")] > 0  # subjects new in the quarter
    total = [r for r in _sheet(city, "等级迁移矩阵") if r["部门"] == "全部"]
    assert [r["期初等级"] for r in total] == [*GRADES, "未评级"]
    for row in total:
        assert [row[f"期末{g}级"] for g in GRADES] == [matrix[(row["期初等级"], g)] for g in GRADES]
        assert row["合计"] == sum(matrix[(row["期初等级"], g)] for g in GRADES)


def test_disclosure_sheet_adds_wrong_and_duplicated_codes(city):
    rows = {(r["类别"], r["决定机关"]): r for r in _sheet(city, "双公示")}
    total = rows[("行政处罚", "(全部机关)")]
    decided = _sql(
        city,
        """SELECT count(*), count(*) FILTER (WHERE published_date <= ?),
                  count(*) FILTER (WHERE list_contains(_flags, 'ID_CHECKSUM_MISMATCH')),
                  count(*) FILTER (WHERE uscc = ?)
           FROM penalties WHERE decision_date BETWEEN ? AND ? AND severity <> 'minor'""",
        END, city.renamed, START, END,
    )[0]  # fmt: skip
    decisions, published, flagged, duplicated = decided
    malformed = _rejected_in_quarter(city, "penalties", "INVALID_USCC")
    assert malformed >= 1 and flagged >= 1 and duplicated >= 1  # the planted ones at least
    assert (total["决定数"], total["已公示数"]) == (decisions, published)
    assert total["报送率"] == pytest.approx(published / decisions, abs=1e-4)
    assert (total["错码数"], total["重码数"]) == (flagged + malformed, duplicated)
    assert total["重错码数"] == flagged + malformed + duplicated
    submitted = total["决定数"] + total["入库拒收数"]
    assert total["重错码率"] == pytest.approx(total["重错码数"] / submitted, abs=1e-4)
    assert rows[("行政处罚", AUTHORITY)]["重码数"] >= 1


def test_publications_after_the_period_count_when_reported_later(city):
    later = dt.date(2026, 10, 31)
    stats = period_statistics(city.store, city.engine, period="2026Q3", grader=city.grader,
                              reported_on=later)  # fmt: skip
    published = _sql(city, """SELECT count(*) FILTER (WHERE published_date <= ?),
                                     count(*) FILTER (WHERE published_date <= ?)
                              FROM licences WHERE decision_date BETWEEN ? AND ?""",
                     END, later, START, END)[0]  # fmt: skip
    assert published[1] > published[0]  # T-XK at least
    assert city.stats.disclosure.iloc[0]["published"] == published[0]
    assert stats.disclosure.iloc[0]["published"] == published[1]
    assert stats.disclosure.iloc[0]["decisions"] == city.stats.disclosure.iloc[0]["decisions"]


def _rejected_in_quarter(city: City, table: str, reason: str) -> int:
    headers = contract_table(table).header_map()
    count = 0
    for (raw,) in _sql(city, "SELECT DISTINCT raw_row FROM ingest_issues WHERE table_name = ? "
                             "AND reason_code = ?", table, reason):  # fmt: skip
        fields = {
            headers[h.lower()][0]: v for h, v in json.loads(raw).items() if h.lower() in headers
        }
        count += START.isoformat() <= fields["decision_date"] <= END.isoformat()
    return count


def test_a_code_under_two_names_is_listed_with_both_names_neutralised(city):
    (row,) = _sheet(city, "重码明细")
    name = _sql(city, "SELECT name FROM subjects WHERE uscc = ?", city.renamed)[0][0]
    assert row["统一社会信用代码"] == city.renamed
    assert row["对应名称"] == "'" + "；".join(sorted([name, SECOND_NAME]))  # text, never a formula
    decided = _sql(city, """SELECT count(*) FROM penalties WHERE uscc = ?
                            AND severity <> 'minor' AND decision_date BETWEEN ? AND ?""",
                   city.renamed, START, END)  # fmt: skip
    licensed = _sql(city, "SELECT count(*) FROM licences WHERE uscc = ? AND decision_date "
                          "BETWEEN ? AND ?", city.renamed, START, END)  # fmt: skip
    assert row["本期决定数"] == decided[0][0] + licensed[0][0]


def test_commitment_sheet_counts_signed_due_and_verified_by_unit(city):
    counted = collections.Counter()
    for uscc, signed, due, fulfilment, verified in _sql(
        city, "SELECT uscc, signed_date, due_date, fulfilment, verified_date FROM commitments"
    ):
        counted[(uscc, "signed")] += START <= signed <= END
        counted[(uscc, "due")] += due is not None and START <= due <= END
        checked = verified or due
        if fulfilment in ("fulfilled", "breached") and checked and START <= checked <= END:
            counted[(uscc, fulfilment)] += 1
    expected = _by_unit(city, counted)
    headers = {
        "signed": "签署承诺",
        "due": "到期承诺",
        "fulfilled": "核查履约",
        "breached": "核查违约",
    }
    sheet = _sheet(city, "信用承诺")
    _check_units(sheet, expected, headers)
    total = expected[("全部", "全部")]
    assert sheet[0]["履约率"] == pytest.approx(
        total["fulfilled"] / (total["fulfilled"] + total["breached"]), abs=1e-4
    )


def test_case_sheet_counts_deadlines_here_and_imported_events_apart(city):
    total = _sheet(city, "异议与修复")[0]
    # A and B filed in the quarter; A (in time) and C (late) decided in it; B overdue at its end.
    assert (total["异议受理"], total["异议办结"], total["其中异议成立"]) == (2, 2, 1)
    assert (total["逾期未办结异议"], total["超期办结异议"]) == (1, 1)
    # E refused at once (not overdue, not a reviewer's decision); F approved after its deadline.
    assert (total["修复申请"], total["不符合条件退回"], total["修复办结"]) == (2, 1, 1)
    assert (total["其中修复通过"], total["逾期未办结修复"], total["超期办结修复"]) == (1, 0, 1)
    imported = dict(_sql(city, """SELECT event_type, count(*) FROM record_events
                                 WHERE _source <> 'workflow' AND event_date BETWEEN ? AND ?
                                 GROUP BY event_type""", START, END))  # fmt: skip
    assert total["外部异议受理（导入）"] == imported.get("objection_filed", 0)
    assert total["外部异议办结（导入）"] == (
        imported.get("objection_upheld", 0) + imported.get("objection_rejected", 0)
    )
    assert total["外部修复通过（导入）"] == imported.get("repair_approved", 0)
    # The workflows' own events in the store are not counted a second time.
    assert _sql(city, "SELECT count(*) FROM record_events WHERE _source = 'workflow'")[0][0] >= 4


def test_inspection_sheet_counts_plans_and_results_by_the_grade_drawn_with(city):
    opening = _grades(city, OPENING)
    violations = set(load_sampling_policy().violation_results)
    counted = collections.Counter()
    for uscc, grade in _sql(
        city,
        """SELECT i.uscc, i.grade FROM plan_items i JOIN plans p
                                    USING (plan_id) WHERE p.as_of BETWEEN ? AND ?""",
        START,
        END,
    ):
        counted[(uscc, f"{grade}:planned")] += 1
    for uscc, result, plan_grade in _sql(
        city, """SELECT n.uscc, n.result, i.grade FROM inspections n LEFT JOIN plan_items i
                 ON i.plan_id = n.plan_id AND i.uscc = n.uscc
                 WHERE n.inspection_date BETWEEN ? AND ?""", START, END):  # fmt: skip
        grade = plan_grade or opening.get(uscc, "未评级")
        counted[(uscc, f"{grade}:done")] += 1
        counted[(uscc, f"{grade}:violations")] += result in violations
    expected = _by_unit(city, counted)
    sheet = _sheet(city, "双随机检查")
    for row in sheet:
        counts = expected.get((row["部门"], row["行政区划代码"]), {})
        grade = row["信用等级"]
        for column, header in (
            ("planned", "计划检查"),
            ("done", "已检查"),
            ("violations", "发现问题"),
        ):
            assert row[header] == counts.get(f"{grade}:{column}", 0), (row["部门"], grade, header)
    assert sum(v for k, v in expected[("全部", "全部")].items() if k.endswith(":planned")) > 0


def test_measures_sheet_counts_the_subjects_each_measure_applies_to_at_the_end(city):
    closing = _grades(city, END)
    listed = _sql(city, """SELECT DISTINCT l.list_type, l.uscc FROM list_entries l
                           WHERE l.entered_date <= ?
                             AND (l.removed_date IS NULL OR l.removed_date > ?)
                             AND NOT EXISTS (SELECT 1 FROM record_events e
                                 WHERE e."table" = 'list_entries' AND e.record_id = l.record_id
                                   AND e.event_type IN ('objection_upheld', 'revoked',
                                                        'repair_approved', 'publicity_ended')
                                   AND e.event_date <= ?)""", END, END, END)  # fmt: skip
    on = collections.defaultdict(set)
    for list_type, uscc in listed:
        on[list_type].add(uscc)
    dishonest = on["black"] | on["key_attention"] | on["judgment_debtor"]
    rows = {(r["措施代码"], r["应用场景"]): r["适用主体数"] for r in _sheet(city, "期末适用措施")}
    assert rows[("P01", "行政许可")] == len(on["black"] & set(closing))
    assert rows[("G02", "政府采购")] == sum(g == "D" for g in closing.values())
    assert rows[("G04", "行政许可")] == sum(
        g == "A" and u not in dishonest for u, g in closing.items()
    )


def test_a_department_limits_every_table_to_its_units_and_its_decisions(city):
    stats = period_statistics(city.store, city.engine, period="2026Q3", department=AUTHORITY,
                              grader=city.grader)  # fmt: skip
    for name in ("grades", "migrations", "commitments", "cases", "inspections"):
        assert set(stats.tables()[name]["department"]) == {"全部", AUTHORITY}, name
    assert set(stats.disclosure["authority"]) == {AUTHORITY}
    whole = city.stats.grades.set_index(["department", "region_code"])
    mine = stats.grades[stats.grades["department"] == AUTHORITY]
    assert stats.grades.iloc[0]["subjects"] == mine["subjects"].sum()
    for _, row in mine.iterrows():
        assert row["subjects"] == whole.loc[(AUTHORITY, row["region_code"]), "subjects"]


def test_an_unknown_department_is_refused(city):
    with pytest.raises(InvalidInput, match="not in the sampling policy"):
        period_statistics(city.store, city.engine, period="2026Q3", department="不存在的局",
                          grader=city.grader)  # fmt: skip


def test_the_json_has_the_workbooks_figures(city):
    payload = city.stats.to_json()
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False)  # empty rates are null
    assert json.loads(text)["period"] == "2026Q3"
    assert len(payload["grades"]) == len(_sheet(city, "信用等级分布"))
    assert payload["grades"][0]["A"] == _sheet(city, "信用等级分布")[0]["A级主体数"]
    assert payload["disclosure"][0]["uscc_error_rate"] == _sheet(city, "双公示")[0]["重错码率"]
    assert SECOND_NAME in payload["duplicate_codes"][0]["names"]
