"""The records as they stood at ``as_of``: one SQL relation per catalog source.

Each relation is built from small named steps, each guarding one way a record could leak into
a feature when it should not:

- :func:`_known_by` — the record's date is on or before ``as_of`` (nothing from the future);
- :func:`_not_removed` — no lifecycle event (upheld objection, revocation, approved repair,
  end of publicity) took it out of use on or before ``as_of``;
- :func:`_inside_publicity` — a penalty is inside the maximum publicity period of the regime in
  force on its *decision* date, for its tier;
- and per source, the derived columns as they were known at ``as_of`` (a commitment breached but
  verified after ``as_of`` was still pending then).

Every relation has ``uscc``, ``record_id`` and ``day`` (the date windows count from).
"""

from __future__ import annotations

import datetime as dt

from credit_scoring.policies.publicity import TIERS, PublicityPolicy
from credit_scoring.records.store import quote

__all__ = ["regimes_sql", "source_sql", "sql_date", "sql_text", "tier_expression"]


def sql_date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def source_sql(source: str, as_of: dt.date, policy: PublicityPolicy) -> str:
    """A SELECT over the records of ``source`` that count at ``as_of``, with derived columns."""
    return _BUILDERS[source](as_of, policy)


def _known_by(table: str, day_column: str, as_of: dt.date) -> str:
    # A record counts from its own date: a decision of tomorrow does not exist today.
    return f"SELECT * FROM {quote(table)} WHERE {quote(day_column)} <= {sql_date(as_of)}"


def _not_removed(table: str, relation: str, as_of: dt.date, policy: PublicityPolicy) -> str:
    # An event removes a record from its date on, not before: history before it stays as it was.
    events = ", ".join(sql_text(e) for e in policy.removing(table))
    return f"""SELECT r.* FROM ({relation}) r WHERE NOT EXISTS (
        SELECT 1 FROM record_events e
        WHERE e."table" = {sql_text(table)} AND e.record_id = r.record_id
          AND e.event_type IN ({events}) AND e.event_date <= {sql_date(as_of)})"""


def tier_expression(policy: PublicityPolicy) -> str:
    """The heavier of the stated severity and the tier of each penalty type (0 minor .. 2)."""
    rank = {tier: i for i, tier in enumerate(TIERS)}
    by_type = " ".join(
        f"WHEN {sql_text(t)} THEN {rank[tier]}" for t, tier in policy.tier_of_penalty_type.items()
    )
    severity = " ".join(f"WHEN {sql_text(t)} THEN {i}" for t, i in rank.items())
    type_rank = f"list_max(list_transform(penalty_types, lambda t: CASE t {by_type} END))"
    return f"greatest(CASE severity {severity} END, coalesce({type_rank}, 0))"


def regimes_sql(policy: PublicityPolicy) -> str:
    """One row per regime and tier: the maximum months a penalty of that tier stays published."""
    rows = [
        f"({sql_date(r.effective_from)}, {sql_date(r.effective_to or dt.date(9999, 12, 31))}, "
        f"{i}, {r.periods[tier].max_months})"  # type: ignore[index]
        for r in policy.regimes
        for i, tier in enumerate(TIERS)
    ]
    return f"(VALUES {', '.join(rows)}) AS regime(starts, ends, tier_rank, max_months)"


def _inside_publicity(relation: str, as_of: dt.date, policy: PublicityPolicy) -> str:
    # The regime is the one in force on the decision date; decisions older than the first
    # regime fall under the first. Publicity ends max_months calendar months after the decision.
    first = policy.regimes[0].effective_from
    tiers = "['" + "', '".join(TIERS) + "']"
    return f"""SELECT p.*, {tiers}[p.tier_rank + 1] AS tier FROM (
            SELECT r.*, {tier_expression(policy)} AS tier_rank FROM ({relation}) r) p
        JOIN {regimes_sql(policy)}
          ON greatest(p.decision_date, {sql_date(first)}) BETWEEN regime.starts AND regime.ends
         AND regime.tier_rank = p.tier_rank
        WHERE {sql_date(as_of)} < p.decision_date + to_months(regime.max_months)"""


def _penalties(as_of: dt.date, policy: PublicityPolicy) -> str:
    known = _not_removed("penalties", _known_by("penalties", "decision_date", as_of), as_of, policy)
    return f"""SELECT uscc, record_id, decision_date AS day, tier, severity, penalty_types,
                   fine_amount, confiscated_amount, violation_type
            FROM ({_inside_publicity(known, as_of, policy)})"""


def _commitments(as_of: dt.date, policy: PublicityPolicy) -> str:
    known = _not_removed(
        "commitments", _known_by("commitments", "signed_date", as_of), as_of, policy
    )
    # An outcome is known from its verification date (else its due date, else its signing).
    status = f"""CASE WHEN fulfilment <> 'pending'
                  AND coalesce(verified_date, due_date, signed_date) <= {sql_date(as_of)}
             THEN fulfilment ELSE 'pending' END"""
    return f"""SELECT uscc, record_id, signed_date AS day, commitment_type, domain, status,
                   coalesce(status = 'pending' AND due_date < {sql_date(as_of)}, false) AS overdue
            FROM (SELECT *, {status} AS status FROM ({known}))"""


def _complaints(as_of: dt.date, policy: PublicityPolicy) -> str:
    known = _not_removed(
        "complaints", _known_by("complaints", "received_date", as_of), as_of, policy
    )
    # Only a closed complaint has an outcome; before closing it was pending.
    outcome = f"""CASE WHEN outcome <> 'pending'
                   AND coalesce(closed_date, received_date) <= {sql_date(as_of)}
              THEN outcome ELSE 'pending' END"""
    return f"""SELECT uscc, record_id, received_date AS day, {outcome} AS outcome, channel
            FROM ({known})"""


def _inspections(as_of: dt.date, policy: PublicityPolicy) -> str:
    known = _not_removed(
        "inspections", _known_by("inspections", "inspection_date", as_of), as_of, policy
    )
    return f"""SELECT uscc, record_id, inspection_date AS day, result, random_sample
            FROM ({known})"""


def _list_entries(as_of: dt.date, policy: PublicityPolicy) -> str:
    known = _not_removed(
        "list_entries", _known_by("list_entries", "entered_date", as_of), as_of, policy
    )
    return f"""SELECT uscc, record_id, entered_date AS day, list_type,
                   removed_date IS NULL OR removed_date > {sql_date(as_of)} AS active
            FROM ({known})"""


def _licences(as_of: dt.date, policy: PublicityPolicy) -> str:
    known = _not_removed("licences", _known_by("licences", "decision_date", as_of), as_of, policy)
    revoked = f"""EXISTS (SELECT 1 FROM record_events e WHERE e."table" = 'licences'
                    AND e.record_id = l.record_id AND e.event_type = 'revoked'
                    AND e.event_date <= {sql_date(as_of)})"""
    state = f"""CASE WHEN {revoked} THEN 'revoked'
                WHEN valid_from > {sql_date(as_of)} THEN 'not_yet_valid'
                WHEN valid_to < {sql_date(as_of)} THEN 'expired'
                ELSE 'active' END"""
    return f"SELECT uscc, record_id, decision_date AS day, {state} AS state FROM ({known}) l"


def _subjects(as_of: dt.date, policy: PublicityPolicy) -> str:
    # A subject registered after as_of did not exist yet; one with no date is kept.
    return f"""SELECT uscc, uscc AS record_id, registered_date AS day, registered_date,
                   subject_type, status, region_code, industry_code, domains[1] AS primary_domain
            FROM subjects WHERE registered_date IS NULL OR registered_date <= {sql_date(as_of)}"""


_BUILDERS = {
    "penalties": _penalties,
    "commitments": _commitments,
    "complaints": _complaints,
    "inspections": _inspections,
    "list_entries": _list_entries,
    "licences": _licences,
    "subjects": _subjects,
}
