"""Plans in the records store: save, load, list; the inspector pool a plan was staffed from.

The tables are created by the store's migration to version 2 (``records/store.py``). A plan is
written in one transaction, so a crash never leaves half a plan.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from credit_scoring.errors import PlanNotFound
from credit_scoring.records.store import Store
from credit_scoring.supervision.plan import ITEM_COLUMNS, Plan

__all__ = [
    "inspector_pool",
    "list_plans",
    "load_plan",
    "plan_exists",
    "save_plan",
    "stored_pool",
    "subject_details",
]

_FRAME = ["uscc", "stratum", "grade", "risk", "department", "region_code", "last_inspectors",
          "stratum_prob", "exploration_prob", "inclusion_prob", "selected", "explored"]  # fmt: skip
# In the table's order (columns added by later migrations come last); loaded in the plan's.
_ITEMS = ["uscc", "name", "grade", "stratum", "department", "region_code", "inclusion_prob",
          "random_sample", "exploration", "inspectors", "assignment",
          "address", "domains", "due_by", "inspector_names"]  # fmt: skip
_POOL = ["inspector_id", "name", "department", "region", "conflicts", "active"]


def inspector_pool(store: Store, departments: list[str]) -> pd.DataFrame:
    """The inspectors of ``departments`` (active or not), conflicts as ``;``-joined text."""
    return store.con.execute(
        """SELECT inspector_id, name, department, region,
                  array_to_string(list_sort(conflicts), ';') AS conflicts, active
           FROM inspectors WHERE list_contains(?, department) ORDER BY inspector_id""",
        [departments],
    ).df()


def subject_details(store: Store, uscc: pd.Series) -> pd.DataFrame:
    """``name`` and ``address`` of each subject, in the order given (None when unknown)."""
    wanted = pd.DataFrame({"uscc": uscc.astype(str)})
    # Its own cursor: the feature engine may have left a result open on the main connection.
    with store.con.cursor() as con:
        con.register("_wanted", wanted)
        found = con.execute(
            "SELECT uscc, name, address FROM subjects JOIN _wanted USING (uscc)"
        ).df()
    details = found.drop_duplicates("uscc").set_index("uscc").reindex(wanted["uscc"])
    return details.astype(object).where(details.notna(), None).reset_index(drop=True)


def plan_exists(store: Store, plan_id: str) -> bool:
    row = store.con.execute("SELECT count(*) FROM plans WHERE plan_id = ?", [plan_id]).fetchone()
    return bool(row and row[0])


def save_plan(store: Store, plan: Plan, pool: pd.DataFrame) -> None:
    """Write the plan, its frame, its items and its inspector pool, all or nothing."""
    frame = plan.frame[_FRAME].assign(plan_id=plan.plan_id, position=range(len(plan.frame)))
    items = plan.items[_ITEMS].assign(plan_id=plan.plan_id)
    staff = pool[_POOL].assign(plan_id=plan.plan_id)
    with store.transaction() as con:
        con.execute(
            "INSERT INTO plans VALUES (?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [plan.plan_id, plan.as_of, plan.seed, plan.commitment, plan.design, plan.budget,
             plan.policy_version, plan.grades_version,
             json.dumps(plan.parameters, ensure_ascii=False, sort_keys=True),
             json.dumps(plan.excluded, sort_keys=True)],
        )  # fmt: skip
        for table, data, columns in (
            ("plan_frame", frame, ["plan_id", "position", *_FRAME]),
            ("plan_items", items, ["plan_id", *_ITEMS]),
            ("plan_inspectors", staff, ["plan_id", *_POOL]),
        ):
            con.register("_incoming", data[columns])
            con.execute(f"INSERT INTO {table} SELECT * FROM _incoming")
            con.unregister("_incoming")


def load_plan(store: Store, plan_id: str) -> Plan:
    """The stored plan ``plan_id``; an unknown id raises :class:`PlanNotFound`.

    Examples
    --------
    >>> load_plan(store, "P20260930-0123456789ab")  # doctest: +SKIP
    """
    row = store.con.execute(
        """SELECT plan_id, as_of, seed, commitment, design, budget, policy_version,
                  grades_version, parameters, excluded FROM plans WHERE plan_id = ?""",
        [plan_id],
    ).fetchone()
    if row is None:
        raise PlanNotFound(f"no inspection plan {plan_id!r} in {store.path}")
    frame = store.con.execute(
        f"SELECT {', '.join(_FRAME)} FROM plan_frame WHERE plan_id = ? ORDER BY position",
        [plan_id],
    ).df()
    items = store.con.execute(
        f"SELECT {', '.join(ITEM_COLUMNS)} FROM plan_items WHERE plan_id = ? ORDER BY uscc",
        [plan_id],
    ).df()
    items["due_by"] = pd.to_datetime(items["due_by"]).dt.date  # dates, as the plan drew them
    as_of = row[1] if isinstance(row[1], dt.date) else dt.date.fromisoformat(str(row[1]))
    return Plan(row[0], as_of, int(row[2]), row[3], row[4], int(row[5]), row[6], row[7],
                json.loads(row[8]), items, frame, json.loads(row[9]))  # fmt: skip


def stored_pool(store: Store, plan_id: str) -> pd.DataFrame:
    """The inspector pool as it was when the plan was drawn."""
    return store.con.execute(
        f"SELECT {', '.join(_POOL)} FROM plan_inspectors WHERE plan_id = ? ORDER BY inspector_id",
        [plan_id],
    ).df()


def list_plans(store: Store) -> list[dict[str, Any]]:
    """Every stored plan, newest first: id, date, seed, commitment, design, budget, size,
    mandated inspections among them and pending assignments.

    Examples
    --------
    >>> [p["plan_id"] for p in list_plans(store)]  # doctest: +SKIP
    ['P20260930-0123456789ab']
    """
    rows = store.con.execute(
        """SELECT p.plan_id, strftime(p.created_at, '%Y-%m-%d %H:%M:%S') AS created_at,
                  strftime(p.as_of, '%Y-%m-%d') AS as_of, p.seed, p.commitment, p.design, p.budget,
                  p.policy_version, count(i.uscc) AS inspections,
                  count(*) FILTER (WHERE i.stratum = 'due') AS mandated,
                  count(*) FILTER (WHERE i.assignment = 'pending') AS pending
           FROM plans p LEFT JOIN plan_items i USING (plan_id)
           GROUP BY ALL ORDER BY created_at DESC, p.plan_id"""
    ).df()
    return rows.to_dict("records")  # type: ignore[return-value]
