"""A warning interview past its rectification deadline (issue 16.4): the subject is in the next
plan of the department that interviewed it, with certainty, sealed in the plan's commitment,
and the plan verifies; rectified, or inspected since the deadline, it is drawn like any other."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_scoring.grading import GradeInForce
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.supervision import create_plan, verify_plan
from credit_scoring.supervision.frame import overdue_rectifications, supervising_departments
from credit_scoring.workflows import Workspace, connect
from credit_scoring.workflows.interviews import (
    record_interview,
    record_rectification,
    schedule_interview,
)

from .conftest import AS_OF

HELD = dt.date(2026, 5, 11)  # a Monday; 20 working days later is 8 June 2026
DEADLINE = dt.date(2026, 6, 8)


@pytest.fixture
def space(store, tmp_path):
    return Workspace(connect(f"sqlite:///{tmp_path / 'workflow.db'}"), store)


def _gap_excluded_subject(store, city_grades):
    """A street shop of a listed department inspected between the interview and its deadline:
    the minimum gap would keep it out of a plan on AS_OF, and no mandated frequency binds it."""
    subjects = store.con.execute(
        """SELECT s.uscc, s.region_code, s.domains[1] AS primary_domain FROM subjects s
           JOIN inspections i USING (uscc)
           WHERE s.domains[1] = 'street_shop' AND coalesce(s.status, 'active') = 'active'
           GROUP BY ALL HAVING max(i.inspection_date) BETWEEN ? AND ?
           ORDER BY s.uscc""",
        [HELD, DEADLINE],
    ).df()
    subjects["department"] = supervising_departments(subjects, load_sampling_policy())
    graded = subjects[subjects["department"].notna()].merge(city_grades[["uscc"]], on="uscc")
    return graded.iloc[0]


def _interview(space, uscc, department):
    scheduled = schedule_interview(
        space,
        uscc=uscc,
        interview_type="warning",
        meet_on=HELD,
        scheduled_by="科员甲",
        department=department,
        today=dt.date(2026, 5, 6),
        in_force=GradeInForce("D", dt.date(2026, 4, 30), "rules test"),
    )
    return record_interview(
        space,
        scheduled.id,
        held_on=HELD,
        rectification="清理店外堆放物品",
        interviewers="执法人员甲;执法人员乙",
        recorded_by="科员甲",
        today=HELD,
    )


def test_an_interview_past_its_deadline_puts_the_subject_in_the_next_plan_with_certainty(
    store, city_grades, space
):
    subject = _gap_excluded_subject(store, city_grades)
    department = subject["department"]
    before = create_plan(
        store, as_of=AS_OF, budget=30, seed=1, grades=city_grades, department=department, save=False
    )
    assert subject["uscc"] not in set(before.frame["uscc"])  # the minimum gap keeps it out
    assert "rectification_due" not in before.parameters  # a plan without keeps its inputs

    held = _interview(space, subject["uscc"], department)
    assert held.rectify_by == DEADLINE
    plan = create_plan(
        store, as_of=AS_OF, budget=30, seed=1, grades=city_grades, department=department
    )

    item = plan.items.set_index("uscc").loc[subject["uscc"]]
    assert (item["stratum"], item["inclusion_prob"], item["due_by"]) == ("due", 1.0, DEADLINE)
    assert item["department"] == department and not item["random_sample"]
    assert plan.parameters["rectification_due"] == [
        {
            "uscc": subject["uscc"],
            "interview": held.record_id,
            "department": department,
            "rectify_by": DEADLINE.isoformat(),
        }
    ]
    assert plan.budget == before.budget  # on top of the random draw, as mandated ones
    result = verify_plan(store, plan.plan_id)
    assert result.ok, result.problems


def test_the_interviewing_department_takes_it_into_its_own_plan_and_no_other(
    store, city_grades, space
):
    subject = _gap_excluded_subject(store, city_grades)
    other = next(
        d.name for d in load_sampling_policy().departments if d.name != subject["department"]
    )
    _interview(space, subject["uscc"], other)
    theirs = create_plan(
        store, as_of=AS_OF, budget=30, seed=2, grades=city_grades, department=other, save=False
    )
    assert theirs.items.set_index("uscc").at[subject["uscc"], "stratum"] == "due"
    own = create_plan(
        store,
        as_of=AS_OF,
        budget=30,
        seed=2,
        grades=city_grades,
        department=subject["department"],
        save=False,
    )
    assert subject["uscc"] not in set(own.frame["uscc"])


def test_a_rectified_or_not_yet_late_subject_is_not_taken(store, city_grades, space):
    subject = _gap_excluded_subject(store, city_grades)
    held = _interview(space, subject["uscc"], subject["department"])
    # On its deadline it is not late yet.
    assert overdue_rectifications(store, DEADLINE).empty
    assert list(overdue_rectifications(store, DEADLINE + dt.timedelta(days=1))["uscc"]) == [
        subject["uscc"]
    ]
    record_rectification(
        space,
        held.id,
        rectified_on=dt.date(2026, 6, 20),
        recorded_by="科员乙",
        today=dt.date(2026, 6, 22),
    )
    # Rectified on 20 June: overdue between the deadline and then, no longer after.
    assert not overdue_rectifications(store, dt.date(2026, 6, 15)).empty
    assert overdue_rectifications(store, AS_OF).empty
    plan = create_plan(
        store,
        as_of=AS_OF,
        budget=30,
        seed=1,
        grades=city_grades,
        department=subject["department"],
        save=False,
    )
    assert subject["uscc"] not in set(plan.frame["uscc"])


def test_an_inspection_after_the_deadline_settles_it(store, city_grades, space):
    subject = _gap_excluded_subject(store, city_grades)
    _interview(space, subject["uscc"], subject["department"])
    store.con.execute(
        "INSERT INTO inspections (record_id, uscc, inspection_date, result) VALUES (?, ?, ?, ?)",
        ["JC_AFTER", subject["uscc"], dt.date(2026, 6, 10), "violation"],
    )
    assert overdue_rectifications(store, AS_OF).empty
