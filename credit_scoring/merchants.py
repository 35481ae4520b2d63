"""The public face of a subject: its 一店一码 page and the red and black lists (红黑榜).

Only what may be published *today* is shown: records inside their publicity window, not
withdrawn (upheld objection, revocation, approved repair), and of a public kind (licences,
penalties, red and black list entries); the grade only where ``models/grading.yaml`` says
``publish_grade``. Personal data is masked in the snapshot already (see
:func:`credit_scoring.snapshots.public_subjects`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
import qrcode
import qrcode.constants

from credit_scoring.errors import InvalidInput
from credit_scoring.policies import load_grading_policy
from credit_scoring.records.codes import DOMAINS, LIST_TYPES, SUBJECT_TYPES
from credit_scoring.snapshots.serving import Served, ServedGrade
from credit_scoring.snapshots.standing import PUBLIC_LISTS, in_force
from credit_scoring.spreadsheets import csv_bytes, xlsx_bytes

__all__ = [
    "ListEntry",
    "MerchantPage",
    "list_csv_bytes",
    "list_xlsx_bytes",
    "merchant_page",
    "qr_png",
    "red_black_list",
]

# The published list's columns, as a clerk reads them.
LIST_HEADERS = {
    "uscc": "统一社会信用代码", "name": "名称", "list_type": "名单类型",
    "region_code": "行政区划代码", "domains": "监管领域", "record_id": "记录编号",
    "reason": "列入事由", "authority": "认定机关", "entered": "列入日期",
}  # fmt: skip

_SECTIONS = {"licences": "行政许可", "penalties": "行政处罚", "list_entries": "红黑名单"}


@dataclass(frozen=True)
class MerchantPage:
    uscc: str
    name: str
    subject_type: str  # in Chinese
    legal_rep: str | None  # masked
    lists: list[str]  # the red/black lists the subject is on today, in Chinese
    records: dict[str, list[dict[str, Any]]]  # section title → publishable records
    grade: ServedGrade | None  # only where the policy publishes grades
    day: dt.date
    snapshot_id: str


@dataclass(frozen=True)
class ListEntry:
    uscc: str
    name: str
    list_type: str
    region_code: str
    domains: list[str]
    record_id: str
    reason: str | None
    authority: str | None
    entered: dt.date


def merchant_page(served: Served, uscc: str, day: dt.date) -> MerchantPage:
    """What the shop-door page shows for ``uscc`` on ``day``."""
    subject = served.subject(uscc)
    shown = [r for r in served.standing(uscc) if in_force(r, day, public_only=True)]
    sections: dict[str, list[dict[str, Any]]] = {title: [] for title in _SECTIONS.values()}
    for record in shown:
        until = record["until"]
        last_day = until - dt.timedelta(days=1) if until is not None else None
        sections[_SECTIONS[record["record_table"]]].append({**record, "last_day": last_day})
    lists = [LIST_TYPES.label(r["kind"]) for r in shown if r["record_table"] == "list_entries"]
    grade = served.grade(uscc) if load_grading_policy().publish_grade else None
    return MerchantPage(
        uscc=uscc, name=subject["name"], subject_type=SUBJECT_TYPES.label(subject["subject_type"]),
        legal_rep=subject["legal_rep_name"], lists=sorted(set(lists)), records=sections,
        grade=grade, day=day, snapshot_id=served.snapshot_id,
    )  # fmt: skip


def red_black_list(
    served: Served,
    list_type: str,
    day: dt.date,
    *,
    region: str | None = None,
    domain: str | None = None,
) -> list[ListEntry]:
    """The entries of the red or black list publishable on ``day``, optionally filtered."""
    if list_type not in PUBLIC_LISTS:
        raise InvalidInput(f"list must be one of {PUBLIC_LISTS}; got {list_type!r}", field="list")
    rows = [r for r in served.snapshot.list_entries if r["uscc"] not in served.regrades]
    for uscc in served.regrades:  # re-graded subjects: their records as of the regrade
        about = served.subject(uscc)
        rows += [
            {**about, **r} for r in served.standing(uscc) if r["record_table"] == "list_entries"
        ]
    entries = []
    for r in rows:
        domains = [d for d in (r["domains"] or "").split(";") if d]
        if (
            r["kind"] != list_type
            or not in_force(r, day, public_only=True)
            or (region and not str(r["region_code"]).startswith(region))
            or (domain and domain not in domains)
        ):
            continue
        entries.append(
            ListEntry(
                r["uscc"],
                r["name"],
                r["kind"],
                r["region_code"],
                domains,
                r["record_id"],
                r["title"],
                r["authority"],
                r["start"],
            )
        )
    return sorted(entries, key=lambda e: (e.entered, e.uscc), reverse=True)


def qr_png(url: str) -> bytes:
    """A QR code of ``url`` as PNG, sized for printing at the shop door (error correction M)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()


def _list_table(entries: list[ListEntry]) -> pd.DataFrame:
    rows = [{**vars(e), "list_type": LIST_TYPES.label(e.list_type), "domains": "；".join(
        DOMAINS.label(d) for d in e.domains if d in DOMAINS)} for e in entries]  # fmt: skip
    return pd.DataFrame(rows, columns=list(LIST_HEADERS)).rename(columns=LIST_HEADERS)


def list_csv_bytes(entries: list[ListEntry]) -> bytes:
    """The list as CSV with Chinese headers, UTF-8 with a BOM (Excel opens it as it is)."""
    return csv_bytes(_list_table(entries))


def list_xlsx_bytes(entries: list[ListEntry], title: str) -> bytes:
    """The list as an XLSX sheet named ``title``, Chinese headers, header row frozen."""
    return xlsx_bytes({title: _list_table(entries)})
