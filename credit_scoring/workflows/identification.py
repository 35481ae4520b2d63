"""Who meets a list's criteria on a day (名单认定的候选对象): one SQL query per list.

Each criterion of ``models/lists.yaml`` counts a subject's records through the feature engine's
sources (:func:`credit_scoring.features.sources.source_sql`), so it sees exactly what features and
grades see at ``as_of``: records decided by then, inside their publicity period, not revoked,
repaired or objected away. The query is built from small named steps:

- :func:`_eligible` — subjects in business on the day and not already on the list;
- :func:`_counted` — per criterion, each subject's matching records inside the window, newest
  first, with their ids (what a department cites in its notice);
- :func:`_met` — whether a count meets the criterion (or the subject's time in business does);
- :func:`_departments` — the identifying department: the authority of the newest penalty behind
  a proposal where the list says so (谁处罚、谁认定), else the list's own department.

Nothing here writes: a candidate becomes a case only when a department serves its notice
(:mod:`credit_scoring.workflows.listing`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from credit_scoring.errors import InvalidInput
from credit_scoring.features.catalog import BOOLEAN, LIST_COLUMNS, SOURCES
from credit_scoring.features.sources import source_sql, sql_date, sql_text
from credit_scoring.policies.lists import Criterion, ListPolicy, ListRule, load_list_policy
from credit_scoring.policies.publicity import PublicityPolicy, load_publicity_policy
from credit_scoring.records.store import Store, quote

__all__ = ["Candidate", "Met", "identify"]


@dataclass(frozen=True)
class Met:
    """A criterion a candidate meets, with the records behind it (none for an absence)."""

    code: str
    text_zh: str
    text_en: str
    count: int
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """A subject a list's criteria propose on ``as_of``, with what it meets and why."""

    uscc: str
    name: str
    region_code: str | None
    list_type: str
    department: str
    as_of: dt.date
    met: tuple[Met, ...]

    @property
    def record_ids(self) -> tuple[str, ...]:
        """Every record behind the proposal, once each, in the order the criteria cite them."""
        return tuple(dict.fromkeys(i for m in self.met for i in m.record_ids))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "record_ids": list(self.record_ids)}


def identify(
    store: Store,
    *,
    as_of: dt.date,
    list_types: Sequence[str] | None = None,
    subjects: Iterable[str] | None = None,
    policy: ListPolicy | None = None,
    publicity: PublicityPolicy | None = None,
) -> list[Candidate]:
    """The subjects each list's criteria propose on ``as_of``, by list then USCC.

    ``list_types`` limits the lists (default: all in ``models/lists.yaml`` in force that day);
    ``subjects`` limits the subjects (one subject's check before a decision). A subject already
    on the list that day is not proposed again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "credit.duckdb") as store:
    ...     identify(store, as_of=dt.date(2026, 9, 30))
    []
    """
    policy = policy or load_list_policy()
    publicity = publicity or load_publicity_policy()
    wanted = list(list_types) if list_types else list(policy.lists)
    for name in wanted:
        if name not in policy.lists:
            raise InvalidInput(f"list must be one of {sorted(policy.lists)}; got {name!r}",
                               field="list")  # fmt: skip
    only = None if subjects is None else list(subjects)
    found = []
    for name in wanted:
        rule = policy.lists[name]  # type: ignore[index]
        if rule.in_force(as_of):
            found += _candidates(store, name, rule, as_of, publicity, only)
    return found


def _candidates(
    store: Store, list_type: str, rule: ListRule, as_of: dt.date, publicity: PublicityPolicy,
    only: list[str] | None,
) -> list[Candidate]:  # fmt: skip
    counted = [(i, c) for i, c in enumerate(rule.criteria) if c.source != "subjects"]
    steps = [f"_eligible AS ({_eligible(list_type, as_of, publicity, only)})"]
    steps += [f"_c{i} AS ({_counted(c, as_of, publicity)})" for i, c in counted]
    joins = " ".join(f"LEFT JOIN _c{i} ON _c{i}.uscc = u.uscc" for i, _ in counted)
    met = [_met(i, c, as_of) for i, c in enumerate(rule.criteria)]
    columns = ", ".join(f"_c{i}.n AS n{i}, _c{i}.ids AS ids{i}" for i, _ in counted)
    sql = f"""WITH {", ".join(steps)}
              SELECT u.uscc, u.name, u.region_code{", " + columns if columns else ""},
                     [{", ".join(met)}] AS met
              FROM _eligible u {joins}
              WHERE {(" OR " if rule.match == "any" else " AND ").join(met)}
              ORDER BY u.uscc"""
    with store.con.cursor() as cursor:
        relation = cursor.sql(sql)
        records = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
        departments = _departments(cursor, rule, records)
    return [
        Candidate(r["uscc"], r["name"], r["region_code"], list_type,
                  departments.get(r["uscc"], rule.department), as_of,
                  tuple(_evidence(i, c, r) for i, c in enumerate(rule.criteria) if r["met"][i]))
        for r in records
    ]  # fmt: skip


def _eligible(
    list_type: str, as_of: dt.date, publicity: PublicityPolicy, only: list[str] | None
) -> str:
    # The register holds today's status, not its history: a deregistered or revoked subject is
    # no longer proposed for anything. One on the list that day already has its entry.
    listed = f"""SELECT uscc FROM ({source_sql("list_entries", as_of, publicity)})
                 WHERE list_type = {sql_text(list_type)} AND active"""
    subset = "" if only is None else f"AND uscc IN ({', '.join(map(sql_text, only)) or 'NULL'})"
    return f"""SELECT uscc, name, region_code, registered_date FROM subjects
               WHERE coalesce(status, 'active') = 'active'
                 AND (registered_date IS NULL OR registered_date <= {sql_date(as_of)})
                 AND uscc NOT IN ({listed}) {subset}"""


def _counted(criterion: Criterion, as_of: dt.date, publicity: PublicityPolicy) -> str:
    # The window counts back from as_of over each record's own date (a penalty's decision, a
    # commitment's signing, an entry's start), as the feature windows do.
    days = criterion.window_days
    window = "TRUE" if days is None else f"day > {sql_date(as_of)} - INTERVAL {days} DAY"
    return f"""SELECT uscc, count(*) AS n, list(record_id ORDER BY day DESC, record_id) AS ids
               FROM ({source_sql(criterion.source, as_of, publicity)})
               WHERE ({_condition(criterion)}) AND {window}
               GROUP BY uscc"""


def _condition(criterion: Criterion) -> str:
    """The criterion's filter as SQL; its columns and codes were checked when the file loaded."""
    terms = []
    for column, values in criterion.filter.items():
        listed = ", ".join(sql_text(v) for v in values)
        if column in LIST_COLUMNS:  # a penalty imposing several types matches any of them
            terms.append(f"list_has_any({quote(column)}, [{listed}])")
        elif SOURCES[criterion.source][column] is BOOLEAN:  # true and/or false, unquoted
            terms.append(f"{quote(column)} IN ({', '.join(values)})")
        else:
            terms.append(f"{quote(column)} IN ({listed})")
    return " AND ".join(terms) or "TRUE"


def _met(i: int, criterion: Criterion, as_of: dt.date) -> str:
    if criterion.source == "subjects":  # in business long enough; an unknown start is not
        first = as_of - dt.timedelta(days=criterion.min_days_registered or 0)
        return f"coalesce(u.registered_date <= {sql_date(first)}, false)"
    if criterion.at_least is not None:
        return f"coalesce(_c{i}.n, 0) >= {criterion.at_least}"
    return f"coalesce(_c{i}.n, 0) <= {criterion.at_most}"


def _evidence(i: int, criterion: Criterion, row: dict[str, Any]) -> Met:
    counted = criterion.source != "subjects"
    ids = tuple(row.get(f"ids{i}") or ()) if counted and criterion.evidence else ()
    count = int(row.get(f"n{i}") or 0) if counted else 0
    return Met(criterion.code, criterion.text.zh, criterion.text.en, count, ids)


def _departments(cursor: Any, rule: ListRule, rows: list[dict[str, Any]]) -> dict[str, str]:
    """The authority of each proposal's newest penalty, where the list names the department so."""
    if not rule.department_from_penalties or not rows:
        return {}
    cited = [p for i, c in enumerate(rule.criteria) if c.source == "penalties"
             for r in rows for p in (r.get(f"ids{i}") or ())]  # fmt: skip
    if not cited:
        return {}
    newest = cursor.execute(
        """SELECT uscc, arg_max(authority, (decision_date, record_id)) FROM penalties
           WHERE record_id IN (SELECT unnest(?::VARCHAR[])) AND authority IS NOT NULL
           GROUP BY uscc""",
        [cited],
    ).fetchall()
    return {uscc: authority for uscc, authority in newest}
