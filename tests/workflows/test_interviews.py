"""Warning interviews (issue 16.4): who may be called, the record that joins the credit record,
the rectification and its deadline in working days, the state machine and its audit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from credit_scoring.errors import AlreadyDecided, Conflict, InvalidInput
from credit_scoring.grading import GradeInForce
from credit_scoring.records.dossier import subject_dossier
from credit_scoring.records.store import Store
from credit_scoring.workflows import Workspace, audit_entries, connect
from credit_scoring.workflows.chain import verify_chain
from credit_scoring.workflows.interviews import (
    NotEligible,
    interview_candidates,
    list_interviews,
    record_interview,
    record_rectification,
    schedule_interview,
)
from tests.workflows.closed_loop_city import (
    HAISHU,
    MARKET,
    SHOP,
    STALL,
    TODAY,
    YINZHOU,
    build_store,
)

GRADED_D = GradeInForce("D", dt.date(2026, 9, 30), "rules test")
GRADED_B = GradeInForce("B", dt.date(2026, 9, 30), "rules test")
MEET = dt.date(2026, 10, 12)  # the Monday after TODAY


@pytest.fixture
def space(tmp_path, workflow_url):
    with Store(build_store(tmp_path)) as store:
        yield Workspace(connect(workflow_url), store)


def _held(space, uscc=STALL, **record):
    scheduled = schedule_interview(
        space,
        uscc=uscc,
        interview_type="warning",
        meet_on=MEET,
        scheduled_by="科员甲",
        today=TODAY,
        in_force=GRADED_D,
    )
    return record_interview(
        space,
        scheduled.id,
        held_on=MEET,
        rectification="清理店外堆放物品",
        interviewers="执法人员甲;执法人员乙",
        recorded_by="科员甲",
        today=MEET,
        **record,
    )


def test_only_subjects_graded_c_or_d_or_newly_listed_may_be_called(space):
    # Graded B, on no list: refused, saying why and where the rule lives.
    with pytest.raises(NotEligible, match=r"graded B \(2026-09-30\).*workflows.yaml") as error:
        schedule_interview(
            space,
            uscc=SHOP,
            interview_type="prompt",
            meet_on=MEET,
            scheduled_by="科员甲",
            today=TODAY,
            in_force=GRADED_B,
        )
    assert error.value.field == "uscc"
    # Graded B but entered the key-attention list 38 days ago: may be called, by the department
    # supervising it (鄞州, its region and domain), the entry cited.
    called = schedule_interview(
        space,
        uscc=MARKET,
        interview_type="提示约谈",
        meet_on=MEET,
        scheduled_by="科员甲",
        today=TODAY,
        in_force=GRADED_B,
    )
    assert (called.interview_type, called.department, called.status) == (
        "prompt",
        YINZHOU,
        "scheduled",
    )
    assert "新列入重点关注名单（MD_NEW，2026-09-01）" in called.grounds
    # The same list entry 100 days on is no longer new.
    later = dt.date(2026, 12, 10)
    with pytest.raises(NotEligible):
        schedule_interview(
            space,
            uscc=MARKET,
            interview_type="prompt",
            meet_on=later,
            department=HAISHU,
            scheduled_by="x",
            in_force=GRADED_B,
            today=later,
        )


def test_candidates_are_the_graded_c_d_and_the_newly_listed_without_an_open_interview(space):
    grades = pd.DataFrame({"uscc": [STALL, SHOP, MARKET], "grade": ["D", "B", "B"]})
    found = interview_candidates(space.store, grades, space.engine, as_of=TODAY)
    assert list(found["uscc"]) == [STALL, MARKET]  # the graver first
    assert list(found["department"]) == [YINZHOU, YINZHOU]
    _held(space)
    after = interview_candidates(space.store, grades, space.engine, as_of=TODAY)
    assert list(after["uscc"]) == [MARKET]


def test_an_interview_held_joins_the_credit_record_with_its_deadline_in_working_days(space):
    held = _held(space)
    # 20 working days from Monday 12 October 2026 (no holiday in between): 9 November.
    assert (held.status, held.rectify_by) == ("held", dt.date(2026, 11, 9))
    record = subject_dossier(space.store, STALL)["records"]["interviews"]
    assert [
        (
            r["record_id"],
            r["interview_type"],
            r["interview_date"],
            r["rectify_by"],
            r["rectified_date"],
        )
        for r in record
    ] == [(held.record_id, "warning", MEET, dt.date(2026, 11, 9), None)]
    assert record[0]["department"] == YINZHOU and "信用等级 D" in record[0]["reason"]
    overdue = list_interviews(space.engine, overdue_on=dt.date(2026, 11, 10))
    assert [i.id for i in overdue] == [held.id]
    assert not list_interviews(space.engine, overdue_on=dt.date(2026, 11, 9))

    done = record_rectification(
        space,
        held.id,
        rectified_on=dt.date(2026, 11, 12),
        recorded_by="科员乙",
        note="复查已整改",
        today=dt.date(2026, 11, 13),
    )
    assert done.status == "rectified"
    versions = space.store.con.execute(
        "SELECT rectified_date, _version FROM interviews WHERE record_id = ? UNION ALL "
        "SELECT rectified_date, _version FROM interviews_history WHERE record_id = ? "
        "ORDER BY _version",
        [held.record_id, held.record_id],
    ).fetchall()
    assert versions == [(None, 1), (dt.date(2026, 11, 12), 2)]
    actions = [e["action"] for e in audit_entries(space.engine, STALL)]
    assert actions == ["interview_scheduled", "interview_held", "interview_rectified"]
    assert verify_chain(space.engine).ok  # every step chained, none a row the chain misses
    assert audit_entries(space.engine, STALL)[-1]["after"]["late"] is True  # after 9 November


def test_the_steps_come_in_order_and_a_wrong_one_is_refused_naming_what_is_wrong(space):
    held = _held(space, rectify_by=dt.date(2026, 10, 30))
    assert held.rectify_by == dt.date(2026, 10, 30)
    with pytest.raises(AlreadyDecided, match=f"interview {held.id} is held, not scheduled"):
        record_interview(
            space,
            held.id,
            held_on=MEET,
            rectification="x",
            interviewers="x",
            recorded_by="x",
            today=MEET,
        )
    with pytest.raises(InvalidInput, match="between the interview") as error:
        record_rectification(
            space, held.id, rectified_on=dt.date(2026, 10, 1), recorded_by="x", today=MEET
        )
    assert error.value.field == "rectified_on"
    with pytest.raises(Conflict, match="is held; record it"):
        schedule_interview(
            space,
            uscc=STALL,
            interview_type="prompt",
            meet_on=MEET,
            scheduled_by="x",
            today=TODAY,
            in_force=GRADED_D,
        )
    with pytest.raises(InvalidInput, match=r"not listed in models/sampling\.yaml"):
        schedule_interview(
            space,
            uscc=SHOP,
            interview_type="prompt",
            meet_on=MEET,
            department="某某局",
            scheduled_by="x",
            today=TODAY,
            in_force=GRADED_D,
        )
    with pytest.raises(InvalidInput, match="interview type must be one of"):
        schedule_interview(
            space,
            uscc=SHOP,
            interview_type="chat",
            meet_on=MEET,
            scheduled_by="x",
            today=TODAY,
            in_force=GRADED_D,
        )
    scheduled = schedule_interview(
        space,
        uscc=SHOP,
        interview_type="prompt",
        meet_on=MEET,
        scheduled_by="x",
        today=TODAY,
        in_force=GRADED_D,
    )
    assert scheduled.department == HAISHU
    with pytest.raises(InvalidInput, match="must come after the interview"):
        record_interview(
            space,
            scheduled.id,
            held_on=MEET,
            rectification="x",
            interviewers="x",
            rectify_by=MEET,
            recorded_by="x",
            today=MEET,
        )
