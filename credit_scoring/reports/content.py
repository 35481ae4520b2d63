"""What a credit report (信用报告) says about one subject: gathered here, rendered elsewhere.

The grade is the one being served (the published snapshot and its re-grades), so a report never
states a grade other than the API's and the public page's. The records are those in publicity on
the report's date: licences, penalties and list entries with their publicity windows from the
snapshot's standing records; commitments, inspection results and substantiated complaints of the
three years before the date from the store. For the ``public`` audience personal data is masked
(the snapshot's subject row, as on the public page), only publishable records are shown, the
key-attention list and complaints are left out, and the grade appears only where
``models/grading.yaml`` publishes grades (信用风险分类结果 are otherwise for regulators only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Engine

from credit_scoring.errors import InvalidInput
from credit_scoring.explain.explanation import Explanation
from credit_scoring.policies import GRADE_LABELS, load_grading_policy
from credit_scoring.records.codes import (
    COMMITMENT_TYPES,
    DOMAINS,
    FULFILMENTS,
    INSPECTION_RESULTS,
    INTERVIEW_TYPES,
    LIST_TYPES,
    SUBJECT_STATUSES,
    SUBJECT_TYPES,
)
from credit_scoring.records.store import Store
from credit_scoring.snapshots.serving import Served
from credit_scoring.snapshots.standing import in_force
from credit_scoring.workflows.objections import list_objections
from credit_scoring.workflows.repairs import list_repairs

__all__ = ["AUDIENCES", "SECTIONS", "CreditReport", "ReportRecord", "credit_report"]

Audience = Literal["public", "official"]
AUDIENCES: tuple[Audience, ...] = ("public", "official")
LOOKBACK_DAYS = 1095  # commitments, inspections and complaints: the three years the features use
SECTIONS = ("行政许可", "行政处罚", "信用名单", "信用承诺及履行", "检查结果", "属实投诉",
            "约谈记录")  # fmt: skip
# A breached commitment stands for its measures; the store's rows replace that section's.
_STANDING_SECTIONS = {"licences": "行政许可", "penalties": "行政处罚", "list_entries": "信用名单",
                      "commitments": "信用承诺及履行"}  # fmt: skip
_CASE_STATUSES = {
    "pending": "办理中", "flagged": "已标注、办理中", "upheld": "异议成立", "rejected": "不予支持",
    "approved": "准予修复", "refused": "不予修复", "ineligible": "不符合修复条件",
}  # fmt: skip


@dataclass(frozen=True)
class ReportRecord:
    record_id: str
    title: str
    decision_no: str | None
    authority: str | None
    start: dt.date | None
    window: str  # the publicity window, or the date and outcome, as a reader reads it


@dataclass(frozen=True)
class ReportCase:
    kind: str  # 异议 | 信用修复
    record_id: str
    filed_on: dt.date
    status: str
    decided_on: dt.date | None


@dataclass(frozen=True)
class CreditReport:
    uscc: str
    audience: Audience
    day: dt.date  # the records are those in publicity on this day
    registration: dict[str, str]  # Chinese label → value, masked for the public audience
    grade: Explanation | None  # None where the audience may not see it
    grade_note: str  # the plain-Chinese explanation, or why the grade is not shown
    sections: dict[str, list[ReportRecord]]
    cases: list[ReportCase]
    snapshot_id: str
    lists: list[str] = field(default_factory=list)  # lists the subject is on, in Chinese


def credit_report(
    served: Served, store: Store, engine: Engine, uscc: str, *, day: dt.date, audience: Audience
) -> CreditReport:
    """Gather the report of ``uscc`` as of ``day`` for ``audience`` (``public`` or ``official``).

    Raises ``SubjectNotFound`` for a subject the snapshot lacks and ``InvalidInput`` for an
    unknown audience or a day before the grade being served (its grade then is not known).
    """
    if audience not in AUDIENCES:
        raise InvalidInput(f"audience must be one of {list(AUDIENCES)}; got {audience!r}",
                           field="audience")  # fmt: skip
    served_grade = served.grade(uscc)  # SubjectNotFound first, before anything else is read
    if day < served_grade.as_of:
        raise InvalidInput(
            f"the report date {day} is before the grade being served ({served_grade.as_of}, "
            f"snapshot {served.snapshot_id}): a report states the grade in force on its date",
            field="as_of",
        )
    public = audience == "public"
    standing = [r for r in served.standing(uscc) if in_force(r, day, public_only=public)]
    sections: dict[str, list[ReportRecord]] = {title: [] for title in SECTIONS}
    for record in standing:
        sections[_STANDING_SECTIONS[record["record_table"]]].append(_standing(record))
    for title, rows in _store_sections(store, uscc, day, public).items():
        sections[title] = rows
    shows_grade = not public or load_grading_policy().publish_grade
    explanation = served.explanation(uscc) if shows_grade else None
    return CreditReport(
        uscc=uscc, audience=audience, day=day,
        registration=_registration(served, store, uscc, public),
        grade=explanation,
        grade_note=_grade_note(explanation) if explanation else
        "信用风险分类结果供监管部门内部使用，不对外公开。",
        sections=sections, cases=_cases(engine, uscc), snapshot_id=served.snapshot_id,
        lists=sorted({LIST_TYPES.label(r["kind"]) for r in standing
                      if r["record_table"] == "list_entries"}),
    )  # fmt: skip


def _registration(served: Served, store: Store, uscc: str, public: bool) -> dict[str, str]:
    """The registration facts; the public audience reads the snapshot's masked row."""
    if public:
        row = served.subject(uscc)
        domains = [d for d in str(row.get("domains") or "").split(";") if d]
    else:
        row = _store_subject(store, uscc)
        domains = list(row.get("domains") or [])
    registered = row.get("registered_date")
    facts = {
        "主体名称": row.get("name"),
        "统一社会信用代码": uscc,
        "主体类型": SUBJECT_TYPES.label(row["subject_type"]) if row.get("subject_type") else None,
        "法定代表人（负责人、经营者）": row.get("legal_rep_name"),
        "法定代表人证件号码": row.get("legal_rep_id") if not public else None,
        "成立日期": str(registered)[:10] if registered else None,
        "登记状态": SUBJECT_STATUSES.label(row["status"]) if row.get("status") else None,
        "行政区划代码": row.get("region_code"),
        "监管领域": "、".join(DOMAINS.label(d) for d in domains if d in DOMAINS) or None,
        "住所（经营场所）": row.get("address") if not public else None,
    }
    return {label: str(value) for label, value in facts.items() if value}


def _store_subject(store: Store, uscc: str) -> dict[str, Any]:
    cursor = store.con.execute("SELECT * FROM subjects WHERE uscc = ?", [uscc])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else {}


def _standing(record: dict[str, Any]) -> ReportRecord:
    until = record.get("until")
    last_day = until - dt.timedelta(days=1) if isinstance(until, dt.date) else None
    start = record.get("start")
    window = f"{start} 至 {last_day}" if last_day else f"{start} 起"
    title = record.get("title") or ""
    if record["record_table"] == "list_entries":
        title = f"{LIST_TYPES.label(record['kind'])}：{title}".rstrip("：")
    return ReportRecord(record["record_id"], title, record.get("decision_no"),
                        record.get("authority"), start, window)  # fmt: skip


def _store_sections(
    store: Store, uscc: str, day: dt.date, public: bool
) -> dict[str, list[ReportRecord]]:
    since = day - dt.timedelta(days=LOOKBACK_DAYS)
    sections = {
        "信用承诺及履行": [_commitment(r) for r in _rows(store, """
            SELECT record_id, commitment_type, signed_date, due_date, fulfilment, verified_date
            FROM commitments WHERE uscc = ? AND signed_date > ? AND signed_date <= ?
            ORDER BY signed_date, record_id""", uscc, since, day)],
        "检查结果": [_inspection(r) for r in _rows(store, """
            SELECT record_id, inspection_date, result, department, random_sample
            FROM inspections WHERE uscc = ? AND inspection_date > ? AND inspection_date <= ?
            ORDER BY inspection_date, record_id""", uscc, since, day)],
        "属实投诉": [] if public else [_complaint(r) for r in _rows(store, """
            SELECT record_id, received_date, category, closed_date FROM complaints
            WHERE uscc = ? AND outcome = 'substantiated' AND received_date > ?
              AND received_date <= ? ORDER BY received_date, record_id""", uscc, since, day)],
        "约谈记录": [] if public else [_interview(r) for r in _rows(store, """
            SELECT record_id, interview_type, interview_date, department, rectify_by,
                   rectified_date FROM interviews
            WHERE uscc = ? AND interview_date > ? AND interview_date <= ?
            ORDER BY interview_date, record_id""", uscc, since, day)],
    }  # fmt: skip
    return sections


def _rows(store: Store, sql: str, *parameters: Any) -> list[dict[str, Any]]:
    with store.con.cursor() as cursor:
        result = cursor.execute(sql, list(parameters))
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _date(value: Any) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def _commitment(row: dict[str, Any]) -> ReportRecord:
    signed, due = _date(row["signed_date"]), _date(row["due_date"])
    outcome = FULFILMENTS.label(row["fulfilment"]) if row["fulfilment"] else "待核查"
    verified = _date(row["verified_date"])
    window = f"{signed} 签署，{due} 到期；{outcome}" + (f"（{verified} 核查）" if verified else "")
    kind = COMMITMENT_TYPES.label(row["commitment_type"]) if row["commitment_type"] else "信用承诺"
    return ReportRecord(row["record_id"], kind, None, None, signed, window)


def _inspection(row: dict[str, Any]) -> ReportRecord:
    day = _date(row["inspection_date"])
    how = "双随机抽查" if row["random_sample"] else "检查"
    result = INSPECTION_RESULTS.label(row["result"]) if row["result"] else "结果未录入"
    return ReportRecord(row["record_id"], f"{how}：{result}", None, row["department"], day,
                        str(day))  # fmt: skip


def _complaint(row: dict[str, Any]) -> ReportRecord:
    received, closed = _date(row["received_date"]), _date(row["closed_date"])
    window = f"{received} 受理" + (f"，{closed} 办结" if closed else "")
    return ReportRecord(row["record_id"], f"投诉属实：{row['category'] or ''}".rstrip("："), None,
                        None, received, window)  # fmt: skip


def _interview(row: dict[str, Any]) -> ReportRecord:
    held, deadline = _date(row["interview_date"]), _date(row["rectify_by"])
    rectified = _date(row["rectified_date"])
    outcome = f"{rectified} 整改完成" if rectified and deadline and rectified <= deadline else (
        f"{rectified} 逾期整改" if rectified else "未报整改完成")  # fmt: skip
    return ReportRecord(row["record_id"], INTERVIEW_TYPES.label(row["interview_type"]), None,
                        row["department"], held,
                        f"{held} 约谈，限 {deadline} 前整改；{outcome}")  # fmt: skip


def _cases(engine: Engine, uscc: str) -> list[ReportCase]:
    objections = [
        ReportCase("异议", o.record_id, o.filed_on, _status(o.status), o.decided_on)
        for o in list_objections(engine, uscc=uscc)
    ]
    repairs = [
        ReportCase("信用修复", r.record_id, r.applied_on, _status(r.status), r.decided_on)
        for r in list_repairs(engine, uscc=uscc)
    ]
    return sorted(objections + repairs, key=lambda c: (c.filed_on, c.kind, c.record_id))


def _status(code: str) -> str:
    return _CASE_STATUSES.get(code, code)


def _grade_note(explanation: Explanation) -> str:
    """The grade in a sentence a tender clerk reads, with the main reasons and their points."""
    label = GRADE_LABELS[explanation.grade]
    head = (f"经评定，该主体截至 {explanation.as_of} 的信用风险分类为 {explanation.grade} 类"
            f"（{label}），评分 {explanation.score:g}。")  # fmt: skip
    if not explanation.reasons:
        return head + "未发现导致扣分的信用记录。"
    reasons = "；".join(
        r.text_zh + (f"（扣 {abs(r.points):.1f} 分）" if r.points else "")
        for r in explanation.reasons
    )
    return f"{head}主要原因：{reasons}。"
