"""List identification: who the criteria propose, notice and objection deadlines in working days,
the decision that writes an entry like an ingested one, exits, and the audit — on a hand-made
city where each subject is there for one rule (SQLite and PostgreSQL)."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect

from credit_scoring.errors import AlreadyDecided, Conflict, WorkflowItemNotFound
from credit_scoring.grading import Grader
from credit_scoring.records.codes import uscc_check_char
from credit_scoring.records.ingestion import ingest_directory, ingest_file
from credit_scoring.records.store import Store
from credit_scoring.workflows import (
    Workspace,
    apply_for_repair,
    audit_entries,
    connect,
    decide_repair,
    load_regrades,
)
from credit_scoring.workflows.chain import verify_chain
from credit_scoring.workflows.identification import identify
from credit_scoring.workflows.listing import (
    decide_listing,
    decide_notice_objection,
    list_listings,
    object_to_notice,
    propose,
    serve_notice,
    sweep_exits,
)
from credit_scoring.workflows.sanctions import list_tasks

AS_OF = dt.date(2026, 9, 30)
DAY = dt.date(2026, 10, 9)  # a Friday; Saturday 10 October 2026 is a make-up working day
PERIOD_OVER = dt.date(2026, 10, 19)  # after the five working days 10, 12, 13, 14, 15 October


def _uscc(n: int) -> str:
    first = f"91330203MA{n:07d}"
    return first + uscc_check_char(first)


BLACK, WINDOW, REVOKED, KEY, BREACH, RED, YOUNG, LISTED, DEBTOR, OLD = (
    _uscc(i) for i in range(1, 11)
)
NAMES = {BLACK: "甲渣土运输公司", WINDOW: "乙商店", REVOKED: "丙餐馆", KEY: "丁便利店",
         BREACH: "戊建筑公司", RED: "己花店", YOUNG: "庚茶社", LISTED: "辛广告公司",
         DEBTOR: "壬物流公司", OLD: "癸旧货店"}  # fmt: skip
BUREAU = "宁波市海曙区综合行政执法局"


def _penalty(rid, uscc, day, severity="serious"):
    return {"record_id": rid, "uscc": uscc, "decision_no": f"罚{rid}", "violation_type": "违规",
            "penalty_types": "fine", "decision_date": day, "severity": severity,
            "fine_amount": "1000", "authority": BUREAU}  # fmt: skip


def _inspection(rid, uscc, day):
    return {"record_id": rid, "uscc": uscc, "inspection_date": day, "result": "compliant",
            "department": "一中队"}  # fmt: skip


# One record per line, as the table it is.
# fmt: off
def _city() -> dict[str, list[dict[str, str]]]:
    return {
        "subjects": [
            {"uscc": u, "name": n, "subject_type": "enterprise", "region_code": "330203",
             "registered_date": "2025-01-01" if u == YOUNG else "2015-01-01", "status": "active"}
            for u, n in NAMES.items()
        ],
        "penalties": [
            _penalty("CF01", BLACK, "2026-03-01"),  # two serious ones within a year: B1
            _penalty("CF02", BLACK, "2026-08-01"),
            _penalty("CF03", WINDOW, "2025-09-01"),  # 394 days before AS_OF: out of the window
            _penalty("CF04", WINDOW, "2026-09-02"),
            _penalty("CF05", REVOKED, "2026-02-01"),
            _penalty("CF06", REVOKED, "2026-04-01"),  # revoked below: one serious left
            _penalty("CF07", KEY, "2026-01-05", "general"),  # three general ones: K1
            _penalty("CF08", KEY, "2026-04-05", "general"),
            _penalty("CF09", KEY, "2026-07-05", "general"),
            _penalty("CF10", LISTED, "2026-05-01"),  # B1 met, but on the black list already
            _penalty("CF11", LISTED, "2026-06-01"),
        ],
        "commitments": [
            {"record_id": "CN1", "uscc": BREACH, "commitment_type": "voluntary",
             "signed_date": "2026-01-10", "due_date": "2026-05-01", "fulfilment": "breached",
             "verified_date": "2026-06-01"},  # K2
        ],
        "inspections": [
            _inspection("JC1", RED, "2025-03-01"),  # two compliant, nothing adverse: red
            _inspection("JC2", RED, "2026-03-01"),
            _inspection("JC3", YOUNG, "2025-03-01"),  # in business under three years
            _inspection("JC4", YOUNG, "2026-03-01"),
            _inspection("JC5", OLD, "2025-03-01"),  # clean for years, but still black-listed
            _inspection("JC6", OLD, "2026-03-01"),
        ],
        "list_entries": [
            {"record_id": "MD1", "uscc": LISTED, "list_type": "black",
             "entered_date": "2026-09-01", "authority": BUREAU},
            {"record_id": "MD2", "uscc": DEBTOR, "list_type": "judgment_debtor",
             "entered_date": "2026-02-01", "authority": "宁波市海曙区人民法院"},  # B3
            {"record_id": "MD3", "uscc": OLD, "list_type": "black",
             "entered_date": "2020-01-01", "authority": BUREAU},  # never removed
        ],
        "record_events": [
            {"record_id": "CF06", "table": "penalties", "event_type": "revoked",
             "event_date": "2026-09-01", "actor": "复议机关"},
        ],
    }
# fmt: on


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("listing-city")
    for name, rows in _city().items():
        pd.DataFrame(rows, dtype=str).to_csv(folder / f"{name}.csv", index=False)
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, folder, today=DAY)
    return folder / "credit.duckdb"


@pytest.fixture
def space(template, tmp_path, workflow_url):
    (tmp_path / "credit.duckdb").write_bytes(template.read_bytes())
    store = Store(tmp_path / "credit.duckdb")
    engine = connect(workflow_url)
    yield Workspace(engine, store, Grader.rules_only())
    store.close()
    engine.dispose()


def _by_list(candidates):
    return {(c.list_type, c.uscc): c for c in candidates}


def test_each_list_proposes_exactly_the_subjects_its_criteria_select(template):
    with Store(template, read_only=True) as store:
        found = _by_list(identify(store, as_of=AS_OF))
    assert set(found) == {("black", BLACK), ("black", DEBTOR), ("key_attention", KEY),
                          ("key_attention", BREACH), ("red", RED)}  # fmt: skip
    black = found["black", BLACK]
    assert [(m.code, m.count, m.record_ids) for m in black.met] == [("B1", 2, ("CF02", "CF01"))]
    assert black.department == BUREAU  # the authority of its newest penalty
    assert found["black", DEBTOR].department == "宁波市社会信用体系建设领导小组办公室"
    assert found["black", DEBTOR].record_ids == ("MD2",)
    assert found["key_attention", BREACH].met[0].code == "K2"
    red = found["red", RED]
    assert [m.code for m in red.met] == ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]
    assert red.record_ids == ("JC2", "JC1")  # absences cite nothing; R8 cites the inspections


def test_nothing_after_as_of_counts_and_one_subject_can_be_asked_alone(template):
    with Store(template, read_only=True) as store:
        # On 1 July the second of BLACK's penalties was not decided yet.
        early = _by_list(identify(store, as_of=dt.date(2026, 7, 1), list_types=["black"]))
        alone = identify(store, as_of=AS_OF, subjects=[KEY])
    assert ("black", BLACK) not in early and ("black", DEBTOR) in early
    assert [(c.list_type, c.uscc) for c in alone] == [("key_attention", KEY)]


def test_a_notice_counts_its_objection_period_in_working_days(space):
    case = serve_notice(space, uscc=BLACK, list_type="black", actor="执法局", today=DAY)
    assert (case.status, case.objection_due) == ("noticed", dt.date(2026, 10, 15))
    assert case.record_ids == "CF02;CF01" and case.department == BUREAU
    with pytest.raises(Conflict, match="already proposes"):
        serve_notice(space, uscc=BLACK, list_type="black", actor="执法局", today=DAY)
    with pytest.raises(Conflict, match="does not meet"):
        serve_notice(space, uscc=WINDOW, list_type="black", actor="执法局", today=DAY)
    with pytest.raises(Conflict, match=r"objection period .* ended on 2026-10-15"):
        object_to_notice(space.engine, case.id, reason="迟到", filed_by="甲", today=PERIOD_OVER)
    assert [c.uscc for c in propose(space.store, space.engine, as_of=AS_OF,
                                    list_types=["black"])] == [DEBTOR]  # fmt: skip


def test_an_upheld_objection_to_a_notice_cancels_it_and_leaves_no_entry(space):
    case = serve_notice(space, uscc=KEY, list_type="key_attention", actor="执法局", today=DAY)
    case = object_to_notice(space.engine, case.id, reason="处罚正在复议", filed_by="丁", today=DAY)
    assert (case.status, case.objection_decide_due) == ("objected", dt.date(2026, 10, 15))
    with pytest.raises(Conflict, match="objection pending"):
        decide_listing(space, case.id, confirm=True, actor="执法局", today=PERIOD_OVER)
    case = decide_notice_objection(space.engine, case.id, upheld=True, reviewer="审核员",
                                   note="异议成立", today=DAY)  # fmt: skip
    assert case.status == "cancelled"
    with pytest.raises(AlreadyDecided):
        decide_listing(space, case.id, confirm=True, actor="执法局", today=PERIOD_OVER)
    assert space.store.con.execute(
        "SELECT count(*) FROM list_entries WHERE uscc = ?", [KEY]).fetchone() == (0,)  # fmt: skip
    # The same records do not propose it again; the audit holds every step.
    assert ("key_attention", KEY) not in _by_list(propose(space.store, space.engine, as_of=AS_OF))
    actions = [e["action"] for e in audit_entries(space.engine, KEY)]
    assert actions == ["listing_noticed", "listing_objection_filed", "listing_objection_upheld"]


def test_a_confirmed_notice_writes_an_entry_an_ingest_sees_as_its_own(space, tmp_path):
    case = serve_notice(space, uscc=BLACK, list_type="black", actor="执法局", today=DAY)
    with pytest.raises(Conflict, match="after its objection period, which ends on 2026-10-15"):
        decide_listing(space, case.id, confirm=True, actor="执法局", today=DAY)
    case, regraded = decide_listing(space, case.id, confirm=True, actor="执法局",
                                    note="依法列入", today=PERIOD_OVER)  # fmt: skip
    assert (case.status, case.entry_record_id) == ("listed", f"LIST-{case.id:06d}")
    assert case.term_until == dt.date(2029, 10, 19)  # 36 months
    assert regraded.explanation["grade"] == "D"  # on the black list: D whatever the score
    assert [r.uscc for r in load_regrades(space.engine)] == [BLACK]
    row = space.store.con.execute(
        "SELECT record_id, uscc, list_type, entered_date, removed_date, reason, authority "
        "FROM list_entries WHERE uscc = ?", [BLACK]).fetchone()  # fmt: skip
    assert row[1:4] == (BLACK, "black", PERIOD_OVER) and row[6] == BUREAU
    # Exported and ingested back, the row is a duplicate: the same record, the same hash.
    exported = pd.DataFrame([row], columns=["record_id", "uscc", "list_type", "entered_date",
                                            "removed_date", "reason", "authority"])  # fmt: skip
    exported.to_csv(tmp_path / "list_entries.csv", index=False)
    again = ingest_file(space.store, "list_entries", tmp_path / "list_entries.csv",
                        today=PERIOD_OVER)  # fmt: skip
    assert (again.accepted, again.updated, again.duplicate) == (0, 0, 1)
    # No longer a candidate: it is on the list.
    assert ("black", BLACK) not in _by_list(identify(space.store, as_of=PERIOD_OVER))


def test_a_confirmation_issues_a_task_for_each_department_of_each_measure(space):
    case = serve_notice(space, uscc=DEBTOR, list_type="black", actor="信用办", today=DAY)
    case = object_to_notice(space.engine, case.id, reason="已履行", filed_by="壬", today=DAY)
    decide_notice_objection(space.engine, case.id, upheld=False, reviewer="审核员",
                            note="尚未履行", today=DAY)  # fmt: skip
    case, _ = decide_listing(space, case.id, confirm=True, actor="信用办", today=DAY)  # rejected
    tasks = list_tasks(space.engine, uscc=DEBTOR)
    assert {(t.measure_code, t.department) for t in tasks} == {
        ("P01", "approval"), ("P01", "city_management"), ("P03", "finance"),
        ("P03", "public_resources"), ("P04", "public_resources"), ("P04", "housing"),
        ("P05", "finance"), ("P05", "development_reform"), ("P07", "civilisation"),
    }  # fmt: skip
    assert {t.record_ids for t in tasks} == {case.entry_record_id}
    # 5 and 20 working days from Friday 9 October, Saturday 10 October a make-up working day.
    assert {(t.respond_due, t.feedback_due) for t in tasks} == {
        (dt.date(2026, 10, 15), dt.date(2026, 11, 5))}  # fmt: skip


def test_a_withdrawn_notice_proposes_the_subject_again(space):
    case = serve_notice(space, uscc=RED, list_type="red", actor="信用办", today=DAY)
    assert case.objection_due == dt.date(2026, 10, 19)  # seven working days for the red list
    decide_listing(space, case.id, confirm=False, actor="信用办", note="材料待补", today=DAY)
    assert ("red", RED) in _by_list(propose(space.store, space.engine, as_of=AS_OF))
    with pytest.raises(WorkflowItemNotFound):
        decide_listing(space, 999, confirm=False, actor="信用办", today=DAY)


def test_an_entry_exits_at_the_end_of_its_term_or_on_an_approved_repair(space):
    listed = {}
    for uscc, kind in ((BREACH, "key_attention"), (KEY, "key_attention")):
        case = serve_notice(space, uscc=uscc, list_type=kind, actor="执法局", today=DAY)
        listed[uscc], _ = decide_listing(space, case.id, confirm=True, actor="执法局",
                                         today=PERIOD_OVER)  # fmt: skip
    assert sweep_exits(space, today=PERIOD_OVER) == []
    # KEY repairs its entry on 2 November; BREACH's year ends on 19 October 2027.
    entry = listed[KEY].entry_record_id
    repair = apply_for_repair(space, uscc=KEY, table="list_entries", record_id=entry,
                              applicant="丁", fine_paid=True, behaviour_corrected=True,
                              commitment_signed=True, today=dt.date(2026, 10, 26))  # fmt: skip
    decide_repair(space, repair.id, approve=True, reviewer="审核员", note="已整改",
                  today=dt.date(2026, 11, 2))  # fmt: skip
    late = dt.date(2027, 11, 1)
    done = sweep_exits(space, today=late)
    exits = {c.uscc: (c.status, c.exited_on, c.exit_reason) for c, _ in done}
    assert exits == {KEY: ("exited", dt.date(2026, 11, 2), "repair_approved"),
                     BREACH: ("exited", dt.date(2027, 10, 19), "term_ended")}  # fmt: skip
    rows = space.store.con.execute(
        "SELECT uscc, removed_date, _version FROM list_entries WHERE record_id LIKE 'LIST-%' "
        "ORDER BY uscc").fetchall()  # fmt: skip
    assert sorted(rows) == sorted([(KEY, dt.date(2026, 11, 2), 2),
                                   (BREACH, dt.date(2027, 10, 19), 2)])  # fmt: skip
    history = space.store.con.execute(
        "SELECT count(*) FROM list_entries_history WHERE record_id LIKE 'LIST-%' "
        "AND removed_date IS NULL").fetchone()  # fmt: skip
    assert history == (2,)  # the versions before the exit, kept
    assert sweep_exits(space, today=late) == []
    assert [c.status for c in list_listings(space.engine, status="exited")] == ["exited"] * 2
    assert verify_chain(space.engine).ok  # every step chained onto the audit log


def test_the_tables_are_created_by_connect_alone(workflow_url):
    connect(workflow_url).dispose()
    engine = create_engine(workflow_url)
    assert {"listing_cases", "sanction_tasks"} <= set(inspect(engine).get_table_names())
    engine.dispose()
