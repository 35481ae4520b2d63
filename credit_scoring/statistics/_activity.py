"""What happened in the period, per unit: commitments, review cases and inspections.

Each figure counts events dated inside the period (first and last day included), attributed to
the subject's unit (:mod:`credit_scoring.statistics._units`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine

from credit_scoring.records.codes import RECORD_TABLES
from credit_scoring.records.store import Store, quote
from credit_scoring.statistics._grades import FROM_GRADES, NEW
from credit_scoring.statistics._units import rate, tabulate
from credit_scoring.workflows import list_objections, list_repairs
from credit_scoring.workflows.database import Objection, RepairApplication

__all__ = [
    "CASE_COLUMNS",
    "case_figures",
    "commitment_figures",
    "inspection_figures",
]

CASE_COLUMNS = [
    "objections_filed", "objections_decided", "objections_upheld", "objections_overdue",
    "objections_late", "repairs_filed", "repairs_ineligible", "repairs_decided",
    "repairs_approved", "repairs_overdue", "repairs_late", "imported_objections_filed",
    "imported_objections_decided", "imported_repairs_approved",
]  # fmt: skip


def commitment_figures(
    store: Store, units: pd.DataFrame, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Per unit: commitments ``signed`` and ``due`` in the period, those verified in it as
    ``fulfilled`` or ``breached``, and the ``fulfilment_rate`` among the verified.

    A commitment recorded as fulfilled or breached without a verification date counts on its due
    date.
    """
    events = store.con.execute(
        """SELECT uscc,
                  coalesce(signed_date BETWEEN $1 AND $2, false) AS signed,
                  coalesce(due_date BETWEEN $1 AND $2, false) AS due,
                  coalesce(fulfilment = 'fulfilled'
                           AND coalesce(verified_date, due_date) BETWEEN $1 AND $2, false)
                      AS fulfilled,
                  coalesce(fulfilment = 'breached'
                           AND coalesce(verified_date, due_date) BETWEEN $1 AND $2, false)
                      AS breached
           FROM commitments""",
        [start, end],
    ).df()
    table = tabulate(units, events, ["signed", "due", "fulfilled", "breached"])
    table["fulfilment_rate"] = rate(table["fulfilled"], table["fulfilled"] + table["breached"])
    return table


def case_figures(
    store: Store, engine: Engine, units: pd.DataFrame, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Per unit: objections (异议) and repair applications (信用修复) filed, decided, overdue.

    Cases handled here come from the workflow database, with their deadlines: ``_filed`` and
    ``_decided`` in the period; ``_overdue``, still undecided at the period's end with the
    deadline passed (as ``list_objections(overdue_on=end)`` would have listed them then);
    ``_late``, decided in the period after the deadline. ``objections_upheld`` and
    ``repairs_approved`` are among those decided; ``repairs_ineligible`` were refused at filing
    for failing a condition, and are neither decided by a reviewer nor ever overdue.

    Cases handled elsewhere arrive as ingested record events, counted apart (``imported_``):
    objections filed and decided, repairs approved; their deadlines are not known here.
    """
    objections = _cases([(o, o.filed_on) for o in list_objections(engine)])
    repairs = _cases([(r, r.applied_on) for r in list_repairs(engine)])
    parts = [
        _case_events(objections, "objections", start, end, outcome="upheld"),
        _case_events(repairs, "repairs", start, end, outcome="approved"),
        _imported_events(store, start, end),
    ]
    columns = ["uscc", *CASE_COLUMNS]
    events = pd.concat([p.reindex(columns=columns, fill_value=False) for p in parts])
    return tabulate(units, events, CASE_COLUMNS)


def _cases(filed: Sequence[tuple[Objection | RepairApplication, dt.date]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(case.uscc, day, case.decide_due, case.decided_on, case.status) for case, day in filed],
        columns=["uscc", "filed", "due", "decided", "status"],
    )


def _case_events(
    cases: pd.DataFrame, prefix: str, start: dt.date, end: dt.date, *, outcome: str
) -> pd.DataFrame:
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    filed, due = pd.to_datetime(cases["filed"]), pd.to_datetime(cases["due"])
    decided = pd.to_datetime(cases["decided"])  # NaT while pending: every comparison is False
    ineligible = cases["status"] == "ineligible"
    decided_in = decided.between(first, last)
    open_at_end = (filed <= last) & ~(decided <= last) & ~ineligible
    flags = {
        f"{prefix}_filed": filed.between(first, last),
        f"{prefix}_decided": decided_in,
        f"{prefix}_{outcome}": decided_in & (cases["status"] == outcome),
        f"{prefix}_overdue": open_at_end & (due < last),
        f"{prefix}_late": decided_in & (decided > due),
    }
    if prefix == "repairs":
        flags["repairs_ineligible"] = filed.between(first, last) & ineligible
    return pd.DataFrame({"uscc": cases["uscc"], **flags})


def _imported_events(store: Store, start: dt.date, end: dt.date) -> pd.DataFrame:
    # The record an event names gives its subject; events this system's workflows appended
    # (Store.add_event, source 'workflow') are its own cases, counted from the workflow database.
    owners = " UNION ALL ".join(
        f"SELECT '{name}' AS record_table, record_id, uscc FROM {quote(name)}"
        for name in RECORD_TABLES.codes
    )
    return store.con.execute(
        f"""SELECT r.uscc,
                   e.event_type = 'objection_filed' AS imported_objections_filed,
                   e.event_type IN ('objection_upheld', 'objection_rejected')
                       AS imported_objections_decided,
                   e.event_type = 'repair_approved' AS imported_repairs_approved
            FROM record_events e JOIN ({owners}) r
              ON r.record_table = e."table" AND r.record_id = e.record_id
            WHERE e._source IS DISTINCT FROM 'workflow' AND e.event_date BETWEEN ? AND ?""",
        [start, end],
    ).df()


def inspection_figures(
    store: Store,
    units: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    opening: pd.DataFrame,
    violation_results: Sequence[str],
) -> pd.DataFrame:
    """Per unit and grade: inspections ``planned`` (the items of plans dated in the period),
    ``done`` (inspections dated in it), the ``violations`` they found (a result the sampling
    policy counts as one) and the ``violation_rate``.

    A planned inspection counts under the grade its plan drew it with. A done inspection counts
    under the grade of the plan item it carried out (same plan id and subject) or, unplanned,
    under the subject's opening grade: the grade in force when the period began, which is what
    a plan would have drawn it with, whereas the closing grade already reflects what the
    inspection found. A subject without one counts as :data:`NEW`.
    """
    planned = store.con.execute(
        """SELECT i.uscc, i.grade, 1 AS planned FROM plan_items i JOIN plans p USING (plan_id)
           WHERE p.as_of BETWEEN ? AND ?""",
        [start, end],
    ).df()
    done = store.con.execute(
        """SELECT n.uscc, i.grade AS plan_grade, 1 AS done,
                  list_contains(?, n.result) AS violations
           FROM inspections n LEFT JOIN plan_items i ON i.plan_id = n.plan_id AND i.uscc = n.uscc
           WHERE n.inspection_date BETWEEN ? AND ?""",
        [list(violation_results), start, end],
    ).df()
    opening_grade = done["uscc"].map(opening.set_index("uscc")["grade"])
    done["grade"] = done.pop("plan_grade").fillna(opening_grade).fillna(NEW)
    columns = ["planned", "done", "violations"]
    keys = ["uscc", "grade", *columns]
    events = pd.concat([part.reindex(columns=keys, fill_value=0) for part in (planned, done)])
    table = tabulate(units, events, columns, by="grade", levels=FROM_GRADES)
    table["violation_rate"] = rate(table["violations"], table["done"])
    return table
