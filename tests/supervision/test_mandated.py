"""Mandated inspections (issue 13): a plan takes every subject of a mandated domain that falls
due in its period before the random draw, so a year of quarterly plans leaves none overdue."""

import datetime as dt
import io

import pandas as pd

from credit_scoring.grading import Grader
from credit_scoring.policies import load_grading_policy
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.supervision import create_plan, inspection_frequencies, plan_xlsx_bytes
from credit_scoring.synth.plan_truth import simulate_results

YEAR_START = dt.date(2025, 9, 30)  # four quarters later is the city's last day
TODAY = dt.date(2026, 11, 29)


def _hire(store, per_department: int) -> None:
    """Inspectors enough for the mandated duty: the synthetic city has two per department,
    and recusing last time's pair would leave a quarterly inspection without officers."""
    departments = [d.name for d in load_sampling_policy().departments]
    rows = [
        {"inspector_id": f"NEW{i:02d}{k:02d}", "name": f"新增执法人员{i}-{k}", "department": name,
         "region": None, "conflicts": None, "active": True}
        for i, name in enumerate(departments) for k in range(per_department)
    ]  # fmt: skip
    store.con.register("_hired", pd.DataFrame(rows))
    store.con.execute(
        "INSERT INTO inspectors BY NAME SELECT inspector_id, name, department, region, "
        "CAST(NULL AS VARCHAR[]) AS conflicts, active FROM _hired"
    )


def _grades(store, as_of):
    rules = load_grading_policy().model_copy(update={"authoritative": "rules"})
    return Grader.rules_only(policy=rules).grade_store(store, as_of=as_of)


def test_a_year_of_quarterly_plans_leaves_no_mandated_subject_overdue(store, truth, tmp_path):
    period = load_sampling_policy().period_days
    year_end = YEAR_START + dt.timedelta(days=4 * period)
    before = inspection_frequencies(store, as_of=year_end, grades=_grades(store, year_end))
    assert before["overdue"].sum() > 100  # the city's own inspections leave many overdue
    _hire(store, per_department=6)
    plans = []
    for quarter in range(4):
        as_of = YEAR_START + dt.timedelta(days=quarter * period)
        plan = create_plan(store, as_of=as_of, budget=50, seed=quarter,
                           grades=_grades(store, as_of))  # fmt: skip
        due = plan.items["stratum"] == "due"
        assert due.any() and (plan.items.loc[due, "assignment"] == "assigned").all()
        assert (plan.items.loc[due, "inclusion_prob"] == 1).all()
        assert not plan.items.loc[due, "random_sample"].any()
        assert (pd.to_datetime(plan.items.loc[due, "due_by"]) <= pd.Timestamp(
            as_of + dt.timedelta(days=period))).all()  # fmt: skip
        results = simulate_results(plan, truth, seed=quarter)
        path = tmp_path / f"results-{quarter}.csv"
        results.to_csv(path, index=False)
        assert ingest_file(store, "inspections", path, today=TODAY).accepted == len(results)
        plans.append(plan)
    grades = _grades(store, year_end)
    after = inspection_frequencies(store, as_of=year_end, grades=grades)
    mandated = after["minimum_frequency"].notna()
    assert mandated.sum() > 500
    # None is overdue but where the grade worsened after the last plan (its interval shrank);
    # the plan drawn that day takes each of them.
    overdue = after[after["overdue"]]
    rank = {g: i for i, g in enumerate("ABCD")}
    last_grade = _grades(store, plans[-1].as_of).set_index("uscc")["grade"]
    assert (overdue["grade"].map(rank) > overdue["uscc"].map(last_grade).map(rank)).all()
    assert len(overdue) < 0.01 * mandated.sum()
    following = create_plan(store, as_of=year_end, budget=50, seed=4, grades=grades, save=False)
    taken = following.items.loc[following.items["stratum"] == "due", "uscc"]
    assert set(overdue["uscc"]) <= set(taken)
    # The list names, for each subject a plan took as due, the latest plan that took it.
    latest = {}
    for plan in plans:
        for uscc in plan.items.loc[plan.items["stratum"] == "due", "uscc"]:
            latest[uscc] = plan.plan_id
    named = after.set_index("uscc")["planned_in"]
    assert named.dropna().to_dict() == latest
    assert after.loc[after["planned_in"].notna(), "minimum_frequency"].notna().all()


def test_the_plan_export_names_inspectors_addresses_and_the_checklist(store, city_grades):
    plan = create_plan(store, as_of=dt.date(2026, 6, 30), budget=40, seed=3, grades=city_grades)
    book = pd.read_excel(io.BytesIO(plan_xlsx_bytes(plan)), sheet_name=None, dtype=str)
    rows = pd.concat([s for n, s in book.items() if n not in {"计划说明", "抽查事项清单"}])
    rows = rows.set_index("统一社会信用代码")
    subjects = store.con.execute("SELECT uscc, address FROM subjects").df().set_index("uscc")
    assert (rows["地址"] == subjects["address"].reindex(rows.index)).all()
    pool = store.con.execute("SELECT inspector_id, name FROM inspectors").df()
    name_of = dict(zip(pool["inspector_id"], pool["name"], strict=True))
    assigned = rows["检查人员"].notna()
    assert assigned.sum() > 40
    for ids, names in zip(rows.loc[assigned, "检查人员"], rows.loc[assigned, "检查人员姓名"],
                          strict=True):  # fmt: skip
        assert names.split(";") == [name_of[i] for i in ids.split(";")]
    catering = rows["监管领域"].str.contains("餐饮", na=False)
    assert catering.any()
    assert rows.loc[catering, "抽查事项"].str.contains("食品经营许可证持证及公示").all()
    due = rows["抽样层"] == "法定频次到期"
    assert due.any() and rows.loc[due, "法定检查期限"].notna().all()
    checklist = book["抽查事项清单"]
    assert list(checklist.columns) == ["监管领域", "抽查事项", "检查依据", "检查方式"]
    shown = {d for text in rows["监管领域"].dropna() for d in text.split("、")}
    assert set(checklist["监管领域"]) == shown
    assert checklist.notna().all().all()
