"""一公开 (issue 16.5): a plan's results published with what may be published only, and the
plans whose results are late, on the official calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_scoring.errors import PlanNotFound
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.workdays import WorkdayCalendar
from credit_scoring.supervision import create_plan
from credit_scoring.supervision.publicity import (
    announcements,
    plan_publication,
    result_deadlines,
    results_due,
)
from tests.conftest import write_table

from .conftest import AS_OF

CALENDAR = WorkdayCalendar(dt.date(2026, 1, 1), dt.date(2027, 6, 30))
INSPECTED = dt.date(2026, 7, 6)  # a Monday: results due 20 working days later, 3 August
REPORT_DAY = dt.date(2026, 9, 30)


def _result(record_id, uscc, plan_id, published, inspectors="ZF9901;ZF9902"):
    return {
        "record_id": record_id,
        "uscc": uscc,
        "inspection_date": INSPECTED.isoformat(),
        "result": "violation" if record_id.endswith("1") else "compliant",
        "plan_id": plan_id,
        "department": "宁波市鄞州区综合行政执法局",
        "inspectors": inspectors,
        "random_sample": "true",
        "inclusion_prob": "",
        "published_date": published,
    }


@pytest.fixture
def published(store, city_grades, tmp_path):
    """A plan drawn on AS_OF; of its first six subjects, results: on time, late, recorded
    without a publication date (so published on recording, after REPORT_DAY), withdrawn by a
    revocation, and none for the others; plus a late result of a plan drawn elsewhere."""
    plan = create_plan(store, as_of=AS_OF, budget=20, seed=5, grades=city_grades)
    usccs = list(plan.items["uscc"][:6])
    # The first subject is an individual business named after its operator.
    store.con.execute(
        "UPDATE subjects SET subject_type = 'individual_business', legal_rep_name = '欧阳娜娜', "
        "name = '欧阳娜娜小吃店' WHERE uscc = ?",
        [usccs[0]],
    )
    rows = [
        _result("R1", usccs[0], plan.plan_id, "2026-07-20"),  # on time
        _result("R2", usccs[1], plan.plan_id, "2026-09-01"),  # late: due by 3 August
        _result("R3", usccs[2], plan.plan_id, ""),  # published when recorded (today)
        _result("R4", usccs[3], plan.plan_id, "2026-07-10"),  # revoked on 1 August
        _result("X1", usccs[4], "SSJ-2026Q3-EXT", "2026-08-20"),  # elsewhere, late
    ]
    path = write_table(rows, tmp_path / "results.csv")
    assert ingest_file(store, "inspections", path).accepted == 5
    events = [
        {
            "record_id": "R4",
            "table": "inspections",
            "event_type": "revoked",
            "event_date": "2026-08-01",
            "actor": "复核",
            "note": "检查程序违法",
        }
    ]
    ingest_file(store, "record_events", write_table(events, tmp_path / "events.csv"))
    return plan, usccs


def test_a_result_is_judged_against_20_working_days_on_the_official_calendar(store, published):
    plan, _ = published
    deadline = CALENDAR.add(INSPECTED, 20)
    assert deadline == dt.date(2026, 8, 3)
    rows = result_deadlines(store, as_of=REPORT_DAY).set_index("record_id")
    status = rows["status"].to_dict()
    assert (status["R1"], status["R2"], status["R3"], status["X1"]) == (
        "on_time",
        "published_late",
        "overdue",
        "published_late",
    )
    assert rows.at["R1", "deadline"] == deadline
    # A planned inspection with no result is due from the end of the plan's period (91 days),
    # plus 20 working days across the National Day holidays.
    waiting = result_deadlines(store, as_of=REPORT_DAY)
    waiting = waiting[waiting["record_id"].isna() & (waiting["plan_id"] == plan.plan_id)]
    end = AS_OF + dt.timedelta(days=91)
    assert set(waiting["deadline"]) == {CALENDAR.add(end, 20)}
    assert set(waiting["status"]) == {"pending"}
    assert len(waiting) == len(plan.items) - 4


def test_the_deadline_report_lists_the_plans_whose_results_are_late(store, published):
    plan, _ = published
    late = results_due(store, as_of=REPORT_DAY).set_index("plan_id")
    # (the synthetic city's own plans, drawn elsewhere, published some results late too)
    assert {plan.plan_id, "SSJ-2026Q3-EXT"} <= set(late.index)
    assert late["late"].all() and (late["overdue"] + late["published_late"] > 0).all()
    every = results_due(store, as_of=REPORT_DAY, late_only=False)
    assert len(every) > len(late) and not every["late"].all()
    mine = late.loc[plan.plan_id]
    assert (mine["stored"], mine["planned"], mine["results"]) == (True, len(plan.items), 4)
    assert (mine["published"], mine["published_late"], mine["overdue"]) == (3, 1, 1)
    assert mine["first_missed"] == dt.date(2026, 8, 3)
    external = late.loc["SSJ-2026Q3-EXT"]
    assert (external["stored"], external["planned"]) == (False, None)
    # Months later every planned inspection without a result is overdue too (and R3 still).
    later = results_due(store, as_of=dt.date(2026, 11, 30)).set_index("plan_id")
    assert later.at[plan.plan_id, "overdue"] == len(plan.items) - 4 + 1


def test_the_public_page_shows_the_announcement_and_only_publishable_results(store, published):
    plan, usccs = published
    page = plan_publication(store, plan.plan_id, day=REPORT_DAY)
    assert page.announcement.commitment == plan.commitment
    assert page.announcement.period_end == dt.date(2026, 9, 29)  # 91 days: a quarter
    assert page.announcement.seed == plan.seed  # revealed once the period is over
    during = plan_publication(store, plan.plan_id, day=dt.date(2026, 9, 1))
    assert during.announcement.seed is None
    # R1 and R2 are published; R3 was recorded after REPORT_DAY; R4 was revoked; X1 belongs to
    # a plan drawn elsewhere.
    assert [r.uscc for r in page.results] == [usccs[0], usccs[1]]
    assert page.results[0].name == "欧***小吃店"  # the operator's name masked, as on the snapshot
    assert page.results[0].result_label == "发现违法违规"
    text = repr(page)
    assert "欧阳娜娜" not in text and "ZF99" not in text  # no operator, no inspector
    assert page.checklist and {"domain", "item", "basis", "method"} <= set(page.checklist[0])
    today = plan_publication(store, plan.plan_id, day=dt.date.today())
    assert usccs[2] in {r.uscc for r in today.results}
    assert [a.plan_id for a in announcements(store, day=REPORT_DAY)] == [plan.plan_id]


def test_a_plan_not_drawn_here_or_not_yet_drawn_has_no_page(store, published):
    plan, _ = published
    with pytest.raises(PlanNotFound):
        plan_publication(store, "SSJ-2026Q3-EXT", day=REPORT_DAY)
    with pytest.raises(PlanNotFound):
        plan_publication(store, plan.plan_id, day=AS_OF - dt.timedelta(days=1))
    assert announcements(store, day=AS_OF - dt.timedelta(days=1)) == []
