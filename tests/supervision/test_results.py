"""Exports, results coming back through ingestion, evaluation from them, the frequency list."""

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.supervision import (
    create_plan,
    evaluate_plans,
    frequencies_csv_bytes,
    frequencies_xlsx_bytes,
    inspection_frequencies,
    plan_csv_bytes,
    plan_xlsx_bytes,
)
from credit_scoring.synth.plan_truth import simulate_results, truth_comparison

from .conftest import AS_OF

TODAY = dt.date(2026, 11, 29)


def test_the_csv_export_opens_in_excel_and_carries_the_contract_headers(store, city_grades):
    plan = create_plan(store, as_of=AS_OF, rate=0.05, seed=1, grades=city_grades)
    data = plan_csv_bytes(plan)
    assert data.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    for header in ("记录编号", "抽查计划编号", "统一社会信用代码", "信用等级", "入样概率",
                   "随机抽取", "检查人员", "检查日期", "检查结果"):  # fmt: skip
        assert header in table.columns
    assert sorted(table["统一社会信用代码"]) == sorted(plan.items["uscc"])
    # Percentages to four significant digits, no float noise: "5.089%".
    assert table["入样概率"].str.fullmatch(r"\d+(\.\d+)?%").all()
    shown = table["入样概率"].str.rstrip("%").astype(float).to_numpy() / 100
    assert np.allclose(np.sort(shown), np.sort(plan.items["inclusion_prob"]), rtol=5e-4)


def test_the_xlsx_export_has_a_summary_and_one_sheet_per_department(store, city_grades):
    plan = create_plan(store, as_of=AS_OF, rate=0.05, seed=1, grades=city_grades)
    book = pd.read_excel(io.BytesIO(plan_xlsx_bytes(plan)), sheet_name=None, dtype=str)
    assert next(iter(book)) == "计划说明"
    assert set(book) - {"计划说明", "抽查事项清单"} == set(plan.items["department"])
    inspections = [
        sheet for name, sheet in book.items() if name not in {"计划说明", "抽查事项清单"}
    ]
    assert sum(len(sheet) for sheet in inspections) == len(plan.items)
    assert plan.commitment in book["计划说明"]["内容"].tolist()


def test_filled_in_results_are_ingested_as_they_are_and_evaluated(store, city_grades, tmp_path):
    # given the exported form with dates and results filled in, ingested as inspections
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=2, grades=city_grades)
    form = pd.read_csv(io.BytesIO(plan_csv_bytes(plan)), encoding="utf-8-sig", dtype=str)
    rng = np.random.default_rng(0)
    form["检查日期"] = "2026年8月3日"
    form["检查结果"] = np.where(rng.random(len(form)) < 0.2, "发现违法违规", "未发现问题")
    form.loc[:9, "检查结果"] = np.nan  # ten not inspected yet
    path = tmp_path / "results.csv"
    form.to_csv(path, index=False, encoding="utf-8-sig")
    result = ingest_file(store, "inspections", path, today=TODAY)
    assert result.accepted == len(form) - 10 and result.rejected == 10  # result is required
    stored = store.con.execute(
        "SELECT count(*), bool_and(inclusion_prob > 0), count(DISTINCT plan_id) FROM inspections "
        "WHERE plan_id = ?", [plan.plan_id]).fetchone()  # fmt: skip
    assert stored == (len(form) - 10, True, 1)
    evaluation = evaluate_plans(store, [plan.plan_id], replicates=200)
    assert evaluation.inspections == len(form) - 10 and evaluation.awaiting == 10
    uniform = evaluation.policies.set_index("policy").loc["uniform"]
    # results were drawn at 20% whatever the grade: every estimate is near 20%
    assert uniform["hajek_low"] < 0.2 < uniform["hajek_high"]
    assert set(evaluation.by_grade["grade"]) == {"A", "B", "C", "D"}


def test_simulated_results_against_the_truth_show_the_plan_finds_more(
    store, city_grades, truth, tmp_path
):
    # The random draw alone (no domain mandating a minimum): mandated inspections, taken
    # whatever the risk, would dilute what the graded draw finds.
    random_only = load_sampling_policy().model_copy(update={"mandated_frequency": {}})
    plan = create_plan(store, as_of=AS_OF, rate=0.1, seed=3, grades=city_grades, design="pps",
                       policy=random_only)  # fmt: skip
    comparison = truth_comparison(plan, truth)
    lifts = {row["policy"]: row["lift"] for row in comparison["policies"]}
    assert lifts["uniform"] == pytest.approx(1.0)
    assert lifts["plan"] > 1.2  # even the rule scorecard's grades find more than uniform
    results = simulate_results(plan, truth, seed=1)
    path = tmp_path / "simulated.csv"
    results.to_csv(path, index=False)
    assert ingest_file(store, "inspections", path, today=TODAY).accepted == len(results)
    evaluation = evaluate_plans(store, [plan.plan_id], replicates=200)
    estimate = evaluation.policies.set_index("policy").loc["uniform"]
    assert estimate["ht_low"] < comparison["true_rate"] < estimate["ht_high"]


def test_the_frequency_list_flags_overdue_subjects(store, city_grades):
    table = inspection_frequencies(store, as_of=AS_OF, grades=city_grades)
    assert table["uscc"].is_unique and len(table) > 5000
    # A minimum frequency binds only the domains whose rules mandate it (food safety: catering,
    # markets); elsewhere no subject is overdue, whatever its inspections.
    food = table["mandated_by"].notna()
    assert 0 < food.sum() < len(table)
    assert (
        not table.loc[~food, "overdue"].any() and table.loc[~food, "minimum_frequency"].isna().all()
    )
    assert table.loc[food, "mandated_by"].str.contains("catering|market").all()
    bound = table[food & table["grade"].notna()]
    # Due one interval after the last inspection, or after registration for the never inspected.
    interval = pd.to_timedelta(np.round(365 / bound["minimum_frequency"]), unit="D")
    registered = store.con.execute("SELECT uscc, registered_date FROM subjects").df()
    registered = bound[["uscc"]].merge(registered, on="uscc", how="left")["registered_date"]
    since = pd.to_datetime(bound["last_inspection"]).fillna(
        pd.to_datetime(registered).set_axis(bound.index)
    )
    due = since + interval
    assert (pd.to_datetime(bound["due_by"]) == due).all()
    assert (bound["overdue"] == (due < pd.Timestamp(AS_OF))).all()
    never = bound["last_inspection"].isna()
    assert bound.loc[never, "overdue"].any() and not bound.loc[never, "overdue"].all()
    assert bound.loc[bound["grade"] == "A", "minimum_frequency"].eq(0.5).all()
    # Far fewer than the 80–94% of the whole city that used to be "overdue".
    assert table["overdue"].mean() < 0.5
    ordered = table.dropna(subset=["department"])
    assert list(ordered["department"]) == sorted(ordered["department"])
    assert frequencies_csv_bytes(table).startswith(b"\xef\xbb\xbf")
    book = pd.read_excel(io.BytesIO(frequencies_xlsx_bytes(table)), sheet_name=None)
    assert len(book["全部"]) == len(table) and "是否逾期" in book["全部"].columns
