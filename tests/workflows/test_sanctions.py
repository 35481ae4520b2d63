"""Joint measures' tasks: one per measure and implementing department, deadlines in working days,
the responses each state allows, overdue tasks, and response and feedback rates per department
(SQLite and PostgreSQL)."""

import datetime as dt

import pytest

from credit_scoring.errors import AlreadyDecided, InvalidInput, WorkflowItemNotFound
from credit_scoring.grading import GradeInForce
from credit_scoring.measures import credit_check
from credit_scoring.policies import load_measures
from credit_scoring.workflows import audit_entries, connect
from credit_scoring.workflows.chain import verify_chain
from credit_scoring.workflows.sanctions import (
    issue_check_tasks,
    list_tasks,
    respond,
    task_statistics,
)

DAY = dt.date(2026, 10, 9)  # a Friday; Saturday 10 October 2026 is a make-up working day
USCC = "91350200776049653A"
ENTRY = {"record_table": "list_entries", "record_id": "LIST-000001", "kind": "black",
         "title": "一年内两次严重失信行政处罚", "decision_no": None, "authority": "执法局",
         "start": dt.date(2026, 9, 1), "until": None, "withdrawn_on": None,
         "public": True}  # fmt: skip


@pytest.fixture
def engine(workflow_url):
    engine = connect(workflow_url)
    yield engine
    engine.dispose()


def _check(scenario="honours", grade="D"):
    """A black-listed subject graded D: P07 (civilisation) and G02 (city management)."""
    graded = GradeInForce(grade, dt.date(2026, 9, 30), "rules")
    return credit_check(load_measures(), [ENTRY], scenario, DAY, graded)


def test_a_check_issues_one_task_per_measure_and_department_once(engine):
    check = _check()
    assert [m.code for m in check.measures] == ["P07", "G02"]
    tasks = issue_check_tasks(engine, check, uscc=USCC, actor="财政局", today=DAY)
    assert [(t.measure_code, t.department, t.status) for t in tasks] == [
        ("P07", "civilisation", "issued"), ("G02", "city_management", "issued")]  # fmt: skip
    assert tasks[0].record_ids == "LIST-000001" and tasks[1].record_ids == "grade:D"
    # Five working days to respond, twenty to report the outcome (10 October is worked).
    assert (tasks[0].respond_due, tasks[0].feedback_due) == (
        dt.date(2026, 10, 15), dt.date(2026, 11, 5))  # fmt: skip
    again = issue_check_tasks(engine, check, uscc=USCC, actor="财政局", today=DAY)
    assert [t.id for t in again] == [t.id for t in tasks]
    other = issue_check_tasks(engine, check, uscc=USCC, actor="财政局", today=DAY,
                              reference="评优-2026-07")  # fmt: skip
    assert len(list_tasks(engine, uscc=USCC)) == 4 and {t.source_ref for t in other} == {
        "评优-2026-07"}  # fmt: skip


def test_a_department_acknowledges_applies_and_reports_or_declines_with_a_reason(engine):
    first, second = issue_check_tasks(engine, _check(), uscc=USCC, actor="信用办", today=DAY)
    task = respond(engine, first.id, action="acknowledge", actor="文明办", today=DAY)
    assert (task.status, task.responded_on) == ("acknowledged", DAY)
    with pytest.raises(AlreadyDecided, match="acknowledged: it cannot be acknowledged"):
        respond(engine, first.id, action="acknowledge", actor="文明办", today=DAY)
    with pytest.raises(AlreadyDecided, match="only an applied measure's outcome"):
        respond(engine, first.id, action="report", actor="文明办", note="已取消", today=DAY)
    later = dt.date(2026, 10, 20)
    task = respond(engine, first.id, action="apply", actor="文明办", today=later)
    assert (task.status, task.responded_on, task.feedback_on) == ("applied", DAY, None)
    task = respond(engine, first.id, action="report", actor="文明办", note="取消评选资格",
                   today=later)  # fmt: skip
    assert (task.outcome, task.feedback_on) == ("取消评选资格", later)
    with pytest.raises(InvalidInput, match="decline needs a note"):
        respond(engine, second.id, action="decline", actor="执法局", today=DAY)
    task = respond(engine, second.id, action="decline", actor="执法局", note="已在重点监管",
                   today=DAY)  # fmt: skip
    assert (task.status, task.decline_reason, task.feedback_on) == ("declined", "已在重点监管", DAY)
    with pytest.raises(WorkflowItemNotFound):
        respond(engine, 999, action="apply", actor="执法局", today=DAY)
    actions = [e["action"] for e in audit_entries(engine, USCC)]
    assert actions == ["sanction_issued", "sanction_issued", "sanction_acknowledge",
                       "sanction_apply", "sanction_report", "sanction_decline"]  # fmt: skip
    assert verify_chain(engine).ok


def test_one_response_of_two_is_a_fifty_percent_response_rate(engine):
    answered, ignored = issue_check_tasks(engine, _check(), uscc=USCC, actor="信用办", today=DAY)
    respond(engine, answered.id, action="apply", actor="文明办", note="取消资格",
            today=dt.date(2026, 10, 12))  # fmt: skip
    late = dt.date(2026, 10, 16)  # the day after the response deadline
    assert [t.id for t in list_tasks(engine, overdue_on=late)] == [ignored.id]
    assert list_tasks(engine, overdue_on=DAY) == []
    assert [t.id for t in list_tasks(engine, department="city_management")] == [ignored.id]
    rows = {r.department: r for r in task_statistics(engine, day=late)}
    assert rows["*"].response_rate == 0.5 and rows["*"].feedback_rate == 0.5
    assert (rows["civilisation"].responded_on_time, rows["civilisation"].overdue) == (1, 0)
    assert (rows["city_management"].response_rate, rows["city_management"].overdue) == (0.0, 1)
    assert rows["city_management"].name == "宁波市综合行政执法局"
    # As they stood on 9 October: nothing answered yet, nothing late.
    before = {r.department: r for r in task_statistics(engine, day=DAY)}["*"]
    assert (before.issued, before.responded, before.overdue) == (2, 0, 0)
    assert task_statistics(engine, day=late, source="list_decision")[-1].issued == 0


def test_unknown_choices_are_refused_naming_the_field(engine):
    with pytest.raises(InvalidInput, match="source must be one of"):
        task_statistics(engine, day=DAY, source="court")
    with pytest.raises(InvalidInput, match="status must be one of"):
        list_tasks(engine, status="done")
    with pytest.raises(InvalidInput, match="department must be one of"):
        load_measures().department("税务局")
    assert load_measures().department("宁波市财政局") == "finance"
