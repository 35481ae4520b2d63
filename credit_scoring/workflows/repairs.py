"""Credit repair (信用修复): an application is checked, then approved or refused.

Eligibility (DOMAIN.md, repair conditions): the record's minimum publicity period under the
regime in force on its decision date has been served; the fine, if any, is paid; the behaviour
is corrected; a public credit commitment is signed (declared, or a ``repair`` commitment in the
store). An application failing a check is refused at once with every failing check named. An
approved repair stops the record being published and used from the decision date
(``repair_approved``); either decision re-grades the subject once
(:mod:`credit_scoring.workflows.cases`).
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine

from credit_scoring.grading import GradeInForce
from credit_scoring.policies import load_publicity_policy
from credit_scoring.workflows.cases import decide_case, file_case, list_cases
from credit_scoring.workflows.database import RepairApplication
from credit_scoring.workflows.regrades import Regraded
from credit_scoring.workflows.workspace import Workspace

__all__ = ["CHECKS", "apply_for_repair", "decide_repair", "list_repairs", "repair_checks"]

DECIDE_WITHIN = 10  # working days, answered overall (2025 plan)
CHECKS = {
    "MIN_PERIOD_NOT_SERVED": "最短公示期未满 / the minimum publicity period is not yet served",
    "FINE_UNPAID": "罚款未缴清 / the fine is not paid",
    "NOT_CORRECTED": "失信行为未纠正 / the behaviour is not corrected",
    "NO_COMMITMENT": "未作出信用修复承诺 / no credit-repair commitment signed",
}


def repair_checks(
    space: Workspace, record: dict[str, object], table: str, *, today: dt.date,
    fine_paid: bool, behaviour_corrected: bool, commitment_signed: bool,
) -> list[str]:  # fmt: skip
    """The codes of the checks the application fails (empty: eligible)."""
    failed = []
    if table == "penalties":
        policy = load_publicity_policy()
        decided = record["decision_date"]
        assert isinstance(decided, dt.date)
        types = record["penalty_types"] or []
        tier = policy.tier(str(record["severity"]), types)  # type: ignore[arg-type]
        months = policy.regime_on(decided).periods[tier].min_months  # type: ignore[index]
        if decided + relativedelta(months=months) > today:
            failed.append("MIN_PERIOD_NOT_SERVED")
        if (record.get("fine_amount") or 0) > 0 and not fine_paid:  # type: ignore[operator]
            failed.append("FINE_UNPAID")
    if not behaviour_corrected:
        failed.append("NOT_CORRECTED")
    if not (commitment_signed or _repair_commitment(space, str(record["uscc"]), today)):
        failed.append("NO_COMMITMENT")
    return failed


def _repair_commitment(space: Workspace, uscc: str, today: dt.date) -> bool:
    row = space.store.con.execute(
        "SELECT count(*) FROM commitments WHERE uscc = ? AND commitment_type = 'repair' "
        "AND signed_date <= ?",
        [uscc, today],
    ).fetchone()
    return bool(row and row[0])


def apply_for_repair(
    space: Workspace, *, uscc: str, table: str, record_id: str, applicant: str,
    fine_paid: bool, behaviour_corrected: bool, commitment_signed: bool,
    today: dt.date | None = None, in_force: GradeInForce | None = None,
) -> RepairApplication:  # fmt: skip
    """Record an application and check it; an ineligible one is refused with the failing checks."""
    today = today or dt.date.today()
    record = space.record(uscc, table, record_id)
    failed = repair_checks(
        space, record, table, today=today, fine_paid=fine_paid,
        behaviour_corrected=behaviour_corrected, commitment_signed=commitment_signed,
    )  # fmt: skip
    application = RepairApplication(
        uscc=uscc, record_table=table, record_id=record_id, applicant=applicant,
        applied_on=today, decide_due=space.add_working_days(today, DECIDE_WITHIN),
        fine_paid=fine_paid, behaviour_corrected=behaviour_corrected,
        commitment_signed=commitment_signed, failed_checks=";".join(failed),
        status="ineligible" if failed else "pending",
    )  # fmt: skip
    return file_case(
        space, application, day=today, actor=applicant, action="repair_applied",
        details={"record": record_id, "failed_checks": failed}, in_force=in_force,
    )  # fmt: skip


def decide_repair(
    space: Workspace, repair_id: int, *, approve: bool, reviewer: str, note: str,
    today: dt.date | None = None,
) -> tuple[RepairApplication, Regraded]:  # fmt: skip
    """Approve (the record stops counting from today) or refuse; the subject is re-graded."""
    return decide_case(
        space, RepairApplication, repair_id, status="approved" if approve else "refused",
        event="repair_approved" if approve else None, reviewer=reviewer, note=note,
        today=today or dt.date.today(),
    )  # fmt: skip


def list_repairs(
    engine: Engine, *, status: str | None = None, uscc: str | None = None
) -> list[RepairApplication]:
    """Repair applications, filtered by status or subject, oldest first."""
    return list_cases(engine, RepairApplication, status=status, uscc=uscc)
