"""Standing records: the licences, penalties, list entries and breached commitments in force,
each with its window.

A published snapshot carries, beside the grades and the reasons, every record that may still be
shown or acted on, with the dates that bound it: ``start`` (its decision or entry), ``until``
(exclusive: the end of a penalty's maximum publicity period under the regime of its decision
date, a licence's last valid day + 1, a list entry's removal; empty when open-ended) and
``withdrawn_on`` (the first removing event of ``models/publicity.yaml`` — an upheld objection, a
revocation, an approved repair, the end of publicity). Whether a record is shown is then a
comparison of dates *at request time*, so a snapshot published in June never shows in December a
penalty whose publicity ended in October.

``public`` says whether the record may go on a public page at all: licences, penalties and the
red and black lists may (双公示, 红黑榜), except a minor penalty (轻微: warnings, public
criticism, simplified procedures), which is in principle not published (DOMAIN.md, 国办发〔2025〕
22号); the key-attention and judgment-debtor lists are for regulators only. A breached credit
commitment stands from its verification for ``breach_effect_months`` (``models/workflows.yaml``),
for the measures it triggers (no approval by commitment), and is not published here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from credit_scoring.features.sources import regimes_sql, sql_date, sql_text, tier_expression
from credit_scoring.policies.publicity import TIERS, PublicityPolicy, load_publicity_policy
from credit_scoring.policies.workflows import load_workflow_policy
from credit_scoring.records.codes import COMMITMENT_TYPES
from credit_scoring.records.store import Store

__all__ = ["PUBLIC_LISTS", "STANDING_COLUMNS", "in_force", "standing_records"]

PUBLIC_LISTS = ("red", "black")
STANDING_COLUMNS = [
    "uscc", "record_table", "record_id", "kind", "title", "decision_no", "authority", "detail",
    "start", "until", "withdrawn_on", "public",
]  # fmt: skip


def standing_records(
    store: Store,
    *,
    as_of: dt.date,
    subjects: Iterable[str] | None = None,
    policy: PublicityPolicy | None = None,
) -> pa.Table:
    """Every record still in force or yet to start at ``as_of``, sorted by USCC, as Arrow
    (typed by the store: dates stay dates even in a column that is empty).

    Records whose window ended, or that were withdrawn, on or before ``as_of`` are left out:
    nothing later can bring them back.
    """
    policy = policy or load_publicity_policy()
    only = _only(subjects)
    months = load_workflow_policy().commitments.breach_effect_months
    union = " UNION ALL ".join(
        (_penalties(policy, only), _licences(only), _list_entries(only), _breaches(months, only))
    )
    withdrawn = _withdrawn(policy)
    sql = f"""SELECT r.*, w.withdrawn_on FROM ({union}) r
              LEFT JOIN ({withdrawn}) w USING (record_table, record_id)
              WHERE (r.until IS NULL OR r.until > {sql_date(as_of)})
                AND (w.withdrawn_on IS NULL OR w.withdrawn_on > {sql_date(as_of)})
              ORDER BY r.uscc, r.record_table, r.start, r.record_id"""
    with store.con.cursor() as cursor:
        return cursor.sql(sql).to_arrow_table().select(STANDING_COLUMNS)


def in_force(record: Mapping[str, Any], day: dt.date, *, public_only: bool) -> bool:
    """Whether one standing record is in force on ``day`` (and may be shown publicly)."""
    if public_only and not record["public"]:
        return False
    until, withdrawn = record["until"], record["withdrawn_on"]
    return (
        record["start"] <= day
        and (until is None or day < until)
        and (withdrawn is None or day < withdrawn)
    )


def _only(subjects: Iterable[str] | None) -> str:
    if subjects is None:
        return ""
    listed = ", ".join(sql_text(s) for s in subjects) or "NULL"
    return f"AND uscc IN ({listed})"


def _penalties(policy: PublicityPolicy, only: str) -> str:
    # The regime is the one in force on the decision date (decisions older than the first fall
    # under the first), as the features count them.
    first = sql_date(policy.regimes[0].effective_from)
    tiers = "['" + "', '".join(TIERS) + "']"
    return f"""SELECT p.uscc, 'penalties' AS record_table, p.record_id,
                   {tiers}[p.tier_rank + 1] AS kind, p.violation_type AS title, p.decision_no,
                   p.authority,
                   array_to_string(p.penalty_types, ';')
                     || CASE WHEN coalesce(p.fine_amount, 0) > 0
                        THEN ' fine=' || CAST(p.fine_amount AS VARCHAR) ELSE '' END AS detail,
                   p.decision_date AS start,
                   CAST(p.decision_date + to_months(regime.max_months) AS DATE) AS until,
                   p.tier_rank > 0 AS public
            FROM (SELECT *, {tier_expression(policy)} AS tier_rank FROM penalties
                  WHERE true {only}) p
            JOIN {regimes_sql(policy)}
              ON greatest(p.decision_date, {first}) BETWEEN regime.starts AND regime.ends
             AND regime.tier_rank = p.tier_rank"""


def _licences(only: str) -> str:
    return f"""SELECT uscc, 'licences', record_id, 'licence', licence_name, decision_no, authority,
                   licence_category, coalesce(valid_from, decision_date),
                   CAST(valid_to + INTERVAL 1 DAY AS DATE), true
            FROM licences WHERE true {only}"""


def _list_entries(only: str) -> str:
    public = ", ".join(sql_text(t) for t in PUBLIC_LISTS)
    return f"""SELECT uscc, 'list_entries', record_id, list_type, reason, NULL, authority, NULL,
                   entered_date, removed_date, list_type IN ({public})
            FROM list_entries WHERE true {only}"""


def _breaches(months: int, only: str) -> str:
    # Known from its verification (else its term, else its signing), as the features count it:
    # a breach verified later was pending until then.
    kinds = " ".join(f"WHEN {sql_text(c)} THEN {sql_text(label + '信用承诺未履行')}"
                     for c, label in COMMITMENT_TYPES.labels.items())  # fmt: skip
    return f"""SELECT uscc, 'commitments', record_id, fulfilment,
                   CASE commitment_type {kinds} ELSE '信用承诺未履行' END, NULL, NULL,
                   commitment_type, known, CAST(known + to_months({int(months)}) AS DATE), false
            FROM (SELECT *, coalesce(verified_date, due_date, signed_date) AS known
                  FROM commitments WHERE fulfilment = 'breached' {only})"""


def _withdrawn(policy: PublicityPolicy) -> str:
    # The first removing event takes the record out from its date on.
    cases = " ".join(
        f"""WHEN "table" = {sql_text(table)} THEN event_type IN
            ({", ".join(sql_text(e) for e in policy.removing(table))})"""
        for table in ("penalties", "licences", "list_entries", "commitments")
    )
    return f"""SELECT "table" AS record_table, record_id, min(event_date) AS withdrawn_on
               FROM record_events WHERE CASE {cases} ELSE false END
               GROUP BY "table", record_id"""
