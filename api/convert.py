"""From library objects to response models, with personal data masked by the caller's role."""

from __future__ import annotations

import re
from dataclasses import asdict

from api.auth import Caller
from api.schemas.subjects import ExplanationPublic, GradePublic
from api.schemas.workflows import (
    FailedCheck,
    ObjectionPublic,
    ObjectionReviewer,
    RepairPublic,
    RepairReviewer,
)
from credit_scoring.records.codes import mask_person_name, mask_resident_id
from credit_scoring.snapshots import Served
from credit_scoring.workflows.database import Objection, RepairApplication
from credit_scoring.workflows.repairs import CHECKS

__all__ = [
    "explanation_public",
    "grade_public",
    "masked_name",
    "masked_text",
    "objection_out",
    "objection_reviewer",
    "repair_out",
    "repair_reviewer",
]

# Resident IDs written into free text (a reason, a note): 18 or 15 digits, maybe ending in X.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def grade_public(served: Served, uscc: str) -> GradePublic:
    grade = served.grade(uscc)
    subject = served.subject(uscc)
    return GradePublic(
        name=subject["name"], legal_rep_name=subject["legal_rep_name"], **asdict(grade)
    )


def explanation_public(served: Served, uscc: str) -> ExplanationPublic:
    explanation = served.explanation(uscc).as_dict()
    return ExplanationPublic(
        **explanation, snapshot_id=served.snapshot_id, regraded_at=served.regraded_at(uscc)
    )


def masked_text(text: str | None, caller: Caller) -> str | None:
    """Free text as a caller may read it: resident IDs masked for all but reviewers."""
    if text is None or caller.sees_personal_data:
        return text
    return _RESIDENT_ID.sub(lambda m: mask_resident_id(m.group(0)) or "", text)


def masked_name(name: str | None, caller: Caller) -> str | None:
    """A name that may be a natural person's (a filer, an applicant): surname only."""
    return name if caller.sees_personal_data else mask_person_name(name)


def objection_reviewer(objection: Objection) -> ObjectionReviewer:
    return ObjectionReviewer(**{c: getattr(objection, c) for c in ObjectionReviewer.model_fields})


def objection_out(objection: Objection, caller: Caller) -> ObjectionReviewer | ObjectionPublic:
    """The reviewer's view for reviewers; for anyone else the public view, filer masked."""
    full = objection_reviewer(objection)
    if caller.sees_personal_data:
        return full
    shown = full.model_dump(include=set(ObjectionPublic.model_fields))
    return ObjectionPublic(**{**shown, "filed_by": masked_name(objection.filed_by, caller)})


def repair_reviewer(application: RepairApplication) -> RepairReviewer:
    fields = {
        c: getattr(application, c) for c in RepairReviewer.model_fields if c != "failed_checks"
    }
    checks = [c for c in application.failed_checks.split(";") if c]
    return RepairReviewer(
        **fields, failed_checks=[FailedCheck(code=c, reason=CHECKS[c]) for c in checks]
    )


def repair_out(application: RepairApplication, caller: Caller) -> RepairReviewer | RepairPublic:
    """The reviewer's view for reviewers; for anyone else the public view, applicant masked."""
    full = repair_reviewer(application)
    if caller.sees_personal_data:
        return full
    shown = full.model_dump(include=set(RepairPublic.model_fields))
    return RepairPublic(**{**shown, "applicant": masked_name(application.applicant, caller)})
