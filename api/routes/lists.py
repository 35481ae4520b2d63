"""List identification (名单认定): candidates, notices, objections to them, decisions, exits.

Regulators identify, serve notices, decide and run exits; anyone may object to a notice within
its period (the public within the hourly filing limit); reviewers decide those objections. A
confirmation writes the entry to the store and re-grades the subject in the library
(:mod:`credit_scoring.workflows.listing`); the route serves that re-grade at once, so the public
black list and credit checks show the entry before the next publish.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api.auth import EVERYONE, Caller, Role, RoleRoute, allow
from api.convert import grade_public
from api.deps import (
    CallerDep,
    ReadingWorkspaceDep,
    ServicesDep,
    TodayDep,
    WorkspaceDep,
    limit_public_filing,
)
from api.schemas.common import ItemId, KnownDay, Uscc
from api.schemas.listing import (
    CandidatePublic,
    CandidatesPublic,
    IdentifiedList,
    ListingBrief,
    ListingDecided,
    ListingDecision,
    ListingObjectionCreate,
    ListingObjectionDecision,
    ListingStaff,
    ListingStatus,
)
from api.services import Services
from credit_scoring.errors import SubjectNotFound
from credit_scoring.records.codes import mask_person_name
from credit_scoring.snapshots.serving import Regraded
from credit_scoring.workflows.listing import (
    ListingCase,
    decide_listing,
    decide_notice_objection,
    get_listing,
    list_listings,
    object_to_notice,
    propose,
    serve_notice,
    sweep_exits,
)

router = APIRouter(route_class=RoleRoute, prefix="/v1/lists", tags=["list identification"])
STAFF_ROLES = (Role.regulator, Role.reviewer)
STAFF = allow(*STAFF_ROLES)
FILING = {"status_code": 201, "dependencies": [Depends(limit_public_filing)],
          **allow(*EVERYONE, errors=[404, 409, 429])}  # fmt: skip
# Identification reads the records as of a day; the calendar and the store know these years.
AsOf = Annotated[KnownDay | None, Query()]


@router.get("/candidates", **STAFF)
def candidates(
    space: ReadingWorkspaceDep, today: TodayDep, as_of: AsOf = None,
    list_type: IdentifiedList | None = None, limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CandidatesPublic:  # fmt: skip
    """Subjects the criteria of models/lists.yaml propose (default: today), with the criteria met
    and the records behind them; those with an open notice are left out."""
    day = as_of or today
    found = propose(space.store, space.engine, as_of=day,
                    list_types=[list_type] if list_type else None)  # fmt: skip
    return CandidatesPublic(
        as_of=day, total=len(found), per_list=dict(Counter(c.list_type for c in found)),
        candidates=[CandidatePublic.model_validate(c.as_dict()) for c in found[offset:][:limit]],
    )  # fmt: skip


@router.post("/candidates/{list_type}/{uscc}/notice", status_code=201,
             **allow(Role.regulator, errors=[404, 409]))  # fmt: skip
def notice(
    list_type: IdentifiedList, uscc: Annotated[Uscc, Path()], caller: CallerDep,
    space: WorkspaceDep, today: TodayDep,
) -> ListingStaff:  # fmt: skip
    """Serve the notice (告知) on a candidate: checked against the criteria today, it opens the
    objection period of the list's working days."""
    case = serve_notice(space, uscc=uscc, list_type=list_type, actor=caller.actor, today=today)
    return _staff(case, caller)


@router.get("/cases", **STAFF)
def cases(
    caller: CallerDep, services: ServicesDep, status: ListingStatus | None = None,
    list_type: IdentifiedList | None = None, uscc: Annotated[Uscc | None, Query()] = None,
) -> list[ListingStaff]:  # fmt: skip
    """Listing cases, oldest first, filtered by status, list or subject."""
    found = list_listings(services.engine, status=status, list_type=list_type, uscc=uscc)
    return [_staff(case, caller) for case in found]


@router.get("/cases/{case_id}", **allow(*STAFF_ROLES, errors=[404]))
def case(case_id: ItemId, caller: CallerDep, services: ServicesDep) -> ListingStaff:
    return _staff(get_listing(services.engine, case_id), caller)


@router.post("/cases/{case_id}/objection", **FILING)
def object_(
    case_id: ItemId, body: ListingObjectionCreate, caller: CallerDep, services: ServicesDep,
    today: TodayDep,
) -> ListingStaff | ListingBrief:  # fmt: skip
    """The subject's objection (陈述申辩) to a notice, within its objection period."""
    case = object_to_notice(services.engine, case_id, reason=body.reason, filed_by=body.filed_by,
                            today=today)  # fmt: skip
    return _staff(case, caller) if caller.role is not Role.public else _brief(case)


@router.post("/cases/{case_id}/objection/decision", **allow(Role.reviewer, errors=[404, 409]))
def decide_objection(
    case_id: ItemId, body: ListingObjectionDecision, caller: CallerDep, services: ServicesDep,
    today: TodayDep,
) -> ListingStaff:  # fmt: skip
    """Uphold (the case is cancelled: no entry) or reject an objection to a notice."""
    case = decide_notice_objection(services.engine, case_id, upheld=body.upheld,
                                   reviewer=caller.actor, note=body.note, today=today)  # fmt: skip
    return _staff(case, caller)


@router.post("/cases/{case_id}/decision", **allow(Role.regulator, errors=[404, 409]))
def decide(
    case_id: ItemId, body: ListingDecision, caller: CallerDep, services: ServicesDep,
    space: WorkspaceDep, today: TodayDep,
) -> ListingDecided:  # fmt: skip
    """Confirm after the objection period (the entry is written, the subject re-graded and served
    at once, the measures' tasks issued) or withdraw the notice."""
    case, regraded = decide_listing(space, case_id, confirm=body.confirm, actor=caller.actor,
                                    note=body.note, today=today)  # fmt: skip
    served = _serve(services, [regraded] if regraded else [])
    return ListingDecided(listing=_staff(case, caller),
                          served=served.get(case.uscc) if served else None)  # fmt: skip


@router.post("/exits", **allow(Role.regulator))
def exits(
    caller: CallerDep, services: ServicesDep, space: WorkspaceDep, today: TodayDep
) -> list[ListingStaff]:
    """Exit (移出) every entry whose term ended or that a repair or an upheld objection removed
    by today, each with its own date; the subjects are re-graded and served at once."""
    done = sweep_exits(space, today=today, actor=caller.actor)
    _serve(services, [regraded for _, regraded in done])
    return [_staff(case, caller) for case, _ in done]


def _serve(services: Services, regrades: list[Regraded]) -> dict[str, Any]:
    """Serve the re-grades at once; each subject's grade as now served."""
    if not regrades:
        return {}
    services.holder.add_regrades(regrades)
    served = services.holder.state
    now = {}
    for regraded in regrades:
        # A subject registered after the snapshot has no row to name it yet: decided all the
        # same, its grade is served from the next publish.
        with contextlib.suppress(SubjectNotFound):
            now[regraded.uscc] = grade_public(served, regraded.uscc) if served else None
    return now


def _brief(case: ListingCase) -> ListingBrief:
    return ListingBrief.model_validate(case, from_attributes=True)


def _staff(case: ListingCase, caller: Caller) -> ListingStaff:
    by = case.objection_by
    masked = by if by is None or caller.sees_personal_data else mask_person_name(by)
    return ListingStaff.model_validate({
        **{k: getattr(case, k) for k in ListingStaff.model_fields
           if k not in ("criteria", "record_ids", "objection_by")},
        "criteria": case.cited, "record_ids": [r for r in case.record_ids.split(";") if r],
        "objection_by": masked,
    })  # fmt: skip
