"""Credit commitments verified (信用承诺闭环): the verifications falling due, read by staff, and
the outcomes recorded by regulators; an outcome re-grades the subject, served at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.auth import Role, RoleRoute, allow
from api.convert import grade_public, served_grade
from api.deps import CallerDep, ReadingWorkspaceDep, ServedDep, ServicesDep, TodayDep, WorkspaceDep
from api.schemas.closed_loop import (
    CommitmentDue,
    CommitmentsDue,
    VerificationCreate,
    VerificationDone,
    VerificationOut,
)
from credit_scoring.workflows.commitments import commitments_due, verify_commitment

router = APIRouter(route_class=RoleRoute, prefix="/v1/commitments", tags=["commitments"])

STAFF = (Role.regulator, Role.reviewer, Role.analyst, Role.admin)
ACTING = (Role.regulator, Role.admin)  # who verifies: the supervising departments, as for plans
# No slash, no white space: \s differs between pydantic's regex (which counts U+0085) and the
# document's (ECMA-262, which counts U+FEFF), so both are named and the two refuse alike.
RecordId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^/\s\u0085\ufeff]+$")]


@router.get("/due", **allow(*STAFF))
def due(
    space: ReadingWorkspaceDep, today: TodayDep,
    as_of: Annotated[dt.date | None, Query(description="Default: today")] = None,
    within_days: Annotated[int, Query(ge=0, le=366)] = 0,
    late: Annotated[bool, Query(description="Only those past their deadline")] = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CommitmentsDue:  # fmt: skip
    """Commitments whose verification falls due by the day (告知承诺 within its period),
    the earliest deadline first; ``late``: past the working days allowed to record it."""
    day = as_of or today
    found = commitments_due(space.store, as_of=day, within_days=within_days)
    if late:
        found = found[found["late"]]
    rows = [
        CommitmentDue(**_plain(r)) for r in found.iloc[offset : offset + limit].to_dict("records")
    ]
    return CommitmentsDue(as_of=day, total=len(found), late=int(found["late"].sum()),
                          commitments=rows)  # fmt: skip


@router.post("/{record_id}/verification", **allow(*ACTING, errors=[404, 409]))
def verify(
    record_id: RecordId, body: VerificationCreate, caller: CallerDep, services: ServicesDep,
    served: ServedDep, space: WorkspaceDep, today: TodayDep,
) -> VerificationDone:  # fmt: skip
    """Record the outcome, fulfilled or breached: the commitment in the store gets it (its
    pending version kept), a breach counts from its date on, and the subject is re-graded."""
    done, regraded = verify_commitment(
        space, record_id, uscc=body.uscc, outcome=body.outcome, actor=caller.actor,
        note=body.note, verified_on=body.verified_on, today=today,
        in_force=lambda uscc: served_grade(served, uscc),
    )  # fmt: skip
    services.holder.add_regrades([regraded])
    out = VerificationOut.model_validate(done, from_attributes=True)
    return VerificationDone(
        verification=out, served=grade_public(services.holder.state or served, done.uscc)
    )


def _plain(row: dict[Hashable, Any]) -> dict[str, Any]:
    """A frame row as plain values: pandas' missing markers become None."""
    return {str(k): (None if v is None or v != v else v) for k, v in row.items()}
