"""The 双公示 compliance report: reporting, compliance and timeliness per authority and table.

Licence and penalty decisions must be published within 7 working days of the decision (the
market regulator's publicity system allows 20), counted on the official calendar. For the
decisions of a period, per authority and table:

- **reporting rate** (报送率): decisions published by the report date;
- **compliance rate** (合规率): submitted rows that passed validation without a flag — rows
  rejected at ingest count against their authority (read from the row's original text);
- **timeliness rate** (及时率): decisions published within 7 working days, among those whose
  deadline has passed or that are published — an unpublished decision past its deadline is late;
  the 20-working-day rate is a second column;
- **USCC error rate** (重错码率): submitted decisions whose code is wrong (错码: malformed, so
  rejected at ingest, or failing only its check character, so flagged) or used under several
  names (重码: the subject register received the code under more than one name).

Minor penalties (轻微, decided by simplified procedure) are in principle not published
(国办发〔2025〕22号), so they are not counted as owed.

Examples
--------
>>> report = disclosure_report(store, as_of=dt.date(2026, 9, 30))  # doctest: +SKIP
>>> report.summary[["table", "authority", "timeliness_rate_7wd"]]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_scoring.records.contract import normalise_header
from credit_scoring.records.contract import table as contract_table
from credit_scoring.records.store import Store
from credit_scoring.records.validation import parse_date
from credit_scoring.records.workdays import WorkdayCalendar

__all__ = [
    "ALL_AUTHORITIES",
    "DISCLOSED_TABLES",
    "DisclosureReport",
    "disclosure_report",
    "duplicated_codes",
]

DISCLOSED_TABLES = ("licences", "penalties")
DEADLINE_WORKDAYS = 7
PUBLICITY_SYSTEM_WORKDAYS = 20
_NO_AUTHORITY = "(未填写机关)"
ALL_AUTHORITIES = "(全部机关)"
_WRONG_CODE_FLAG = "ID_CHECKSUM_MISMATCH"  # kept and flagged: only the check character fails
_WRONG_CODE_REJECTED = "INVALID_USCC"  # malformed: rejected


@dataclass(frozen=True)
class DisclosureReport:
    """``summary``: per table, a total row then one per authority; ``exceptions``: the late and
    non-compliant records."""

    period_from: dt.date
    as_of: dt.date
    summary: pd.DataFrame
    exceptions: pd.DataFrame
    estimated_calendar: bool  # some deadline fell past the official calendar's last year


def disclosure_report(
    store: Store,
    *,
    as_of: dt.date,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> DisclosureReport:
    """Report on decisions made in ``[period_from, period_to]`` (default: the year up to
    ``as_of``), published by ``as_of``: a period's statistics count, after its end, the
    publications of its last decisions too."""
    period_from = period_from or as_of - dt.timedelta(days=364)
    period_to = min(period_to or as_of, as_of)
    calendar = WorkdayCalendar(period_from, as_of)
    frames, exceptions = [], []
    duplicated = set(duplicated_codes(store)["uscc"])
    for name in DISCLOSED_TABLES:
        records = _decisions(store, name, period_from, period_to)
        records["duplicate_code"] = records["uscc"].isin(duplicated)
        records = _timeliness(records, calendar, as_of)
        rejected = _rejected_rows(store, name, period_from, period_to)
        frames.append(_summarise(name, records, rejected))
        exceptions.append(_exceptions(name, records, rejected))
    summary = pd.concat(frames, ignore_index=True)
    listed = pd.concat(exceptions, ignore_index=True)
    estimated = as_of + dt.timedelta(days=40) > calendar.official_until
    return DisclosureReport(period_from, as_of, summary, listed, estimated)


def _decisions(store: Store, name: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    # Minor penalties (轻微, simplified procedure) are in principle not published: not owed.
    owed = "AND severity <> 'minor'" if name == "penalties" else ""
    return store.con.execute(
        f"""SELECT record_id, uscc, coalesce(authority, ?) AS authority, decision_date,
                   published_date, _flags IS NOT NULL AS flagged,
                   coalesce(list_contains(_flags, ?), false) AS wrong_code,
                   _source AS file, _row AS row
            FROM {name} WHERE decision_date BETWEEN ? AND ? {owed}""",
        [_NO_AUTHORITY, _WRONG_CODE_FLAG, start, end],
    ).df()


def _timeliness(records: pd.DataFrame, calendar: WorkdayCalendar, as_of: dt.date) -> pd.DataFrame:
    decided = records["decision_date"].to_numpy(dtype="datetime64[D]")
    published = records["published_date"].to_numpy(dtype="datetime64[D]")
    is_published = ~np.isnat(published) & (published <= np.datetime64(as_of, "D"))
    records = records.assign(published=is_published)
    for days in (DEADLINE_WORKDAYS, PUBLICITY_SYSTEM_WORKDAYS):
        deadline = calendar.add_many(decided, days) if len(decided) else decided
        due = is_published | (deadline < np.datetime64(as_of, "D"))
        on_time = is_published & (published <= deadline)
        records[f"deadline_{days}wd"] = deadline
        records[f"due_{days}wd"] = due
        records[f"on_time_{days}wd"] = on_time
    return records


def _rejected_rows(store: Store, name: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Rows of the latest ingest of each file that were rejected, with authority and date."""
    issues = store.con.execute(
        """WITH latest AS (
               SELECT file, arg_max(run_id, finished_at) AS run_id FROM ingest_runs
               WHERE table_name = ? GROUP BY file)
           SELECT i.file, i.row_number AS row, string_agg(i.reason_code, ';') AS reasons,
                  any_value(i.raw_row) AS raw_row
           FROM ingest_issues i JOIN latest USING (file, run_id)
           WHERE i.action = 'rejected' GROUP BY i.file, i.row_number""",
        [name],
    ).df()
    headers = contract_table(name).header_map()
    authority, decided = [], []
    for raw in issues["raw_row"]:
        fields = _contract_fields(json.loads(raw), headers)
        authority.append(fields.get("authority") or _NO_AUTHORITY)
        decided.append(parse_date(fields.get("decision_date", "")))
    issues = issues.assign(
        authority=authority,
        decision_date=pd.Series(decided, index=issues.index, dtype=object),
        wrong_code=issues["reasons"].str.split(";").map(lambda r: _WRONG_CODE_REJECTED in r),
    ).drop(columns="raw_row")
    # A rejected row whose date cannot be read is counted in every period: it is still owed.
    in_period = issues["decision_date"].map(lambda d: d is None or start <= d <= end)
    return issues[in_period.astype(bool)]


def _contract_fields(raw: dict[str, str], headers: dict[str, tuple[str, float]]) -> dict[str, str]:
    fields = {}
    for header, value in raw.items():
        target = headers.get(normalise_header(header))
        if target:
            fields[target[0]] = value.strip()
    return fields


def duplicated_codes(store: Store) -> pd.DataFrame:
    """Codes the subject register received under more than one name (重码), with the names.

    The names of a code are its stored name and those of the subjects rows rejected or flagged
    at the latest ingest of each file (read from their original text): a second row with the
    same code and another name is rejected as a duplicate key, so it is found there. A rename
    ingested later replaces the stored name and is not counted: that is the register's update.
    """
    issues = store.con.execute(
        """WITH latest AS (
               SELECT file, arg_max(run_id, finished_at) AS run_id FROM ingest_runs
               WHERE table_name = 'subjects' GROUP BY file)
           SELECT DISTINCT i.file, i.row_number, i.raw_row
           FROM ingest_issues i JOIN latest USING (file, run_id)"""
    ).df()
    headers = contract_table("subjects").header_map()
    submitted = [_contract_fields(json.loads(raw), headers) for raw in issues["raw_row"]]
    names = pd.concat([
        store.con.execute("SELECT uscc, name FROM subjects").df(),
        pd.DataFrame([(f.get("uscc", "").upper(), f.get("name", "")) for f in submitted],
                     columns=["uscc", "name"]),
    ])  # fmt: skip
    names["name"] = names["name"].str.strip()
    names = names[names["name"].fillna("") != ""].drop_duplicates()
    per_code = names.groupby("uscc")["name"].agg(sorted)
    return per_code[per_code.map(len) > 1].rename("names").reset_index()


def _summarise(name: str, records: pd.DataFrame, rejected: pd.DataFrame) -> pd.DataFrame:
    records = records.assign(uscc_error=records["wrong_code"] | records["duplicate_code"])
    stored = records.groupby("authority").agg(
        decisions=("record_id", "size"),
        published=("published", "sum"),
        flagged=("flagged", "sum"),
        due_7wd=("due_7wd", "sum"),
        on_time_7wd=("on_time_7wd", "sum"),
        due_20wd=("due_20wd", "sum"),
        on_time_20wd=("on_time_20wd", "sum"),
        wrong_codes=("wrong_code", "sum"),
        duplicate_codes=("duplicate_code", "sum"),
        uscc_errors=("uscc_error", "sum"),
    )
    stored["rejected"] = rejected.groupby("authority").size()
    stored["rejected_wrong_codes"] = rejected.groupby("authority")["wrong_code"].sum()
    stored = stored.reindex(stored.index.union(pd.Index(rejected["authority"].unique()))).fillna(0)
    stored = stored.astype("int64")
    # A row rejected for a malformed code is a wrong code (错码) of its authority all the same.
    rejected_wrong = stored.pop("rejected_wrong_codes")
    stored["wrong_codes"] += rejected_wrong
    stored["uscc_errors"] += rejected_wrong
    stored.loc[ALL_AUTHORITIES] = stored.sum()  # the table's total, first in the report
    stored = stored.loc[[ALL_AUTHORITIES, *stored.index[:-1]]]
    submitted = stored["decisions"] + stored["rejected"]
    summary = stored.assign(
        reporting_rate=_rate(stored["published"], stored["decisions"]),
        compliance_rate=_rate(stored["decisions"] - stored["flagged"], submitted),
        timeliness_rate_7wd=_rate(stored["on_time_7wd"], stored["due_7wd"]),
        timeliness_rate_20wd=_rate(stored["on_time_20wd"], stored["due_20wd"]),
        uscc_error_rate=_rate(stored["uscc_errors"], submitted),
    )
    return summary.reset_index(names="authority").assign(table=name)


def _rate(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)).round(4)


def _exceptions(name: str, records: pd.DataFrame, rejected: pd.DataFrame) -> pd.DataFrame:
    late = records[records["due_7wd"] & ~records["on_time_7wd"]]
    late = late.assign(problem=np.where(late["published"], "published_late", "overdue_unpublished"))
    flagged = records[records["flagged"]].assign(problem="flagged")
    duplicate = records[records["duplicate_code"]].assign(problem="duplicate_code")
    rejected = rejected.assign(problem="rejected: " + rejected["reasons"])
    columns = [
        "table",
        "authority",
        "problem",
        "record_id",
        "uscc",
        "decision_date",
        "published_date",
        "deadline_7wd",
        "file",
        "row",
    ]
    listed = pd.concat([late, flagged, duplicate, rejected], ignore_index=True).assign(table=name)
    return listed.reindex(columns=columns)
