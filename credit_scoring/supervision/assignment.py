"""Inspector assignment: at least two distinct officers per inspection, at random, with recusal.

Per department, among its active inspectors (canonical order: by inspector id):

* **recusal** — an inspector may not take a subject it declared a conflict with, nor one it
  inspected last time (``recuse_last_inspectors``), nor, when ``exclude_own_region`` is set,
  one in its own region;
* **random and balanced** — inspections are visited in a random order and each takes the
  allowed inspectors with the lowest load so far, ties broken at random; then, while some
  inspector has at least two more inspections than another that could take one of them
  (directly or along a chain of such moves), the chain is shifted. When no such chain exists
  the loads are the most even the recusal rules allow (a min-convex-cost flow has no
  cost-reducing path), so they differ by at most one whenever that is feasible;
* **infeasible** — an inspection with fewer allowed inspectors than the rule asks for stops the
  plan with :class:`~credit_scoring.errors.InfeasiblePlan`, naming the subject and why;
* **pending** — a department without active inspectors in the store leaves its inspections
  unassigned (status ``pending``), to be staffed later.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_scoring.errors import InfeasiblePlan
from credit_scoring.policies.sampling import InspectorRules

__all__ = ["Assignment", "assign_inspectors", "split_ids", "unstaffable"]

_ASSIGN_STREAM = 1  # the draw uses stream 0 of the same seed


@dataclass(frozen=True)
class Assignment:
    """Per inspection (in the order given): the inspector ids, or ``None`` when pending."""

    inspectors: list[tuple[str, ...] | None]

    @property
    def status(self) -> list[str]:
        return ["pending" if ids is None else "assigned" for ids in self.inspectors]

    def loads(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ids in self.inspectors:
            for inspector in ids or ():
                counts[inspector] = counts.get(inspector, 0) + 1
        return counts


def split_ids(text: object) -> list[str]:
    """Inspector ids or USCCs listed in one cell (``;``-separated text, a list, or empty)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    items = text.split(";") if isinstance(text, str) else list(text)  # type: ignore[call-overload]
    return [str(item).strip() for item in items if str(item).strip()]


def assign_inspectors(
    items: pd.DataFrame, pool: pd.DataFrame, rules: InspectorRules, seed: int
) -> Assignment:
    """Assign ``rules.per_inspection`` inspectors to each row of ``items``.

    ``items`` has ``uscc``, ``department``, ``region_code`` and ``last_inspectors``; ``pool`` is
    the ``inspectors`` table (``inspector_id``, ``department``, ``region``, ``conflicts``,
    ``active``). The same inputs and seed give the same assignment.
    """
    rng = np.random.default_rng([seed, _ASSIGN_STREAM])
    active = pool[pool["active"].fillna(True).astype(bool)].sort_values("inspector_id")
    result: list[tuple[str, ...] | None] = [None] * len(items)
    departments = items["department"].dropna().unique().tolist()
    for department in sorted(departments):
        rows = np.flatnonzero((items["department"] == department).to_numpy())
        staff = active[active["department"] == department].reset_index(drop=True)
        if staff.empty:
            continue  # no pool in scope: pending
        allowed = _allowed(items.iloc[rows], staff, rules, department)
        chosen = _balance(_greedy(allowed, rules.per_inspection, rng), allowed)
        ids = staff["inspector_id"].to_numpy()
        for row, picks in zip(rows, chosen, strict=True):
            result[row] = tuple(sorted(ids[sorted(picks)]))
    return Assignment(result)


def unstaffable(subjects: pd.DataFrame, pool: pd.DataFrame, rules: InspectorRules) -> np.ndarray:
    """True for subjects whose department has a pool but too few inspectors free to take them.

    A plan leaves such subjects out of its frame before the draw (and counts them), so the draw
    never picks an inspection that no lawful pair of officers can carry out. Vectorised over
    (subject, recused inspector) pairs, so a million-subject frame costs seconds.
    """
    active = pool[pool["active"].fillna(True).astype(bool)]
    staff_size = active["department"].value_counts()
    size = subjects["department"].map(staff_size).fillna(0).to_numpy()
    pairs = [_pairs(active, "conflicts", "inspector_id")]
    if rules.recuse_last_inspectors:
        pairs.append(_pairs(subjects, "last_inspectors", "uscc", swap=True))
    recused = pd.concat(pairs, ignore_index=True).drop_duplicates()
    recused = recused.merge(active[["inspector_id", "department", "region"]], on="inspector_id")
    recused = recused.merge(subjects[["uscc", "department", "region_code"]], on="uscc",
                            suffixes=("_inspector", ""))  # fmt: skip
    recused = recused[recused["department_inspector"] == recused["department"]]
    if rules.exclude_own_region:  # counted below with the whole region
        recused = recused[recused["region"] != recused["region_code"]]
    lost = subjects["uscc"].map(recused["uscc"].value_counts()).fillna(0).to_numpy()
    if rules.exclude_own_region:
        same = active.groupby(["department", "region"]).size()
        keys = pd.MultiIndex.from_arrays([subjects["department"], subjects["region_code"]])
        lost = lost + same.reindex(keys).fillna(0).to_numpy()
    return (size > 0) & (size - lost < rules.per_inspection)


def _pairs(table: pd.DataFrame, column: str, key: str, swap: bool = False) -> pd.DataFrame:
    """(uscc, inspector_id) pairs from a ``;``-listed column (vectorised: a million rows)."""
    listed = table.loc[table[column].notna(), [key, column]]
    listed = listed.assign(**{column: listed[column].astype(str).str.split(";")})
    exploded = listed.explode(column)
    exploded[column] = exploded[column].str.strip()
    exploded = exploded[exploded[column] != ""]
    return pd.DataFrame({"uscc": exploded[key if swap else column],
                         "inspector_id": exploded[column if swap else key]})  # fmt: skip


def _allowed(
    items: pd.DataFrame, staff: pd.DataFrame, rules: InspectorRules, department: str
) -> np.ndarray:
    """Boolean (inspection, inspector) matrix of who may take which inspection."""
    position = {inspector: k for k, inspector in enumerate(staff["inspector_id"])}
    conflicted: dict[str, list[int]] = {}
    for k, codes in enumerate(staff["conflicts"]):
        for uscc in split_ids(codes):
            conflicted.setdefault(uscc, []).append(k)
    allowed = np.ones((len(items), len(staff)), dtype=bool)
    conflicts = np.zeros(len(items), dtype=np.int64)
    recused = np.zeros(len(items), dtype=np.int64)
    for i, (uscc, last) in enumerate(zip(items["uscc"], items["last_inspectors"], strict=True)):
        allowed[i, conflicted.get(uscc, [])] = False
        conflicts[i] = len(conflicted.get(uscc, []))
        if rules.recuse_last_inspectors:
            last_positions = [position[x] for x in split_ids(last) if x in position]
            recused[i] = int(allowed[i, last_positions].sum())
            allowed[i, last_positions] = False
    same_region = np.zeros(len(items), dtype=np.int64)
    if rules.exclude_own_region:
        own = items["region_code"].to_numpy()[:, None] == staff["region"].to_numpy()[None, :]
        same_region = (allowed & own).sum(axis=1)
        allowed &= ~own
    short = np.flatnonzero(allowed.sum(axis=1) < rules.per_inspection)
    if len(short):
        i = int(short[0])
        raise InfeasiblePlan(
            f"subject {items['uscc'].iloc[i]}: only {int(allowed[i].sum())} of the "
            f"{len(staff)} active inspectors of {department} may inspect it ({conflicts[i]} "
            f"declared a conflict, {recused[i]} more inspected it last time, {same_region[i]} "
            f"more are from its region); {rules.per_inspection} are needed"
            + (f" ({len(short)} subjects are short)" if len(short) > 1 else "")
        )
    return allowed


def _greedy(allowed: np.ndarray, per_inspection: int, rng: np.random.Generator) -> list[set[int]]:
    """Random order; each inspection takes the least-loaded allowed inspectors, ties at random."""
    n, staff = allowed.shape
    loads = np.zeros(staff)
    chosen: list[set[int]] = [set() for _ in range(n)]
    for i in np.argsort(rng.random(n), kind="stable"):
        # A tie-break below 0.5 never reorders different loads, only equal ones.
        key = np.where(allowed[i], loads + 0.5 * rng.random(staff), np.inf)
        picks = np.argpartition(key, per_inspection - 1)[:per_inspection]
        loads[picks] += 1
        chosen[i] = {int(k) for k in picks}
    return chosen


def _balance(chosen: list[set[int]], allowed: np.ndarray) -> list[set[int]]:
    """Shift chains of inspections until no inspector can hand one to a colleague 2 below."""
    staff = allowed.shape[1]
    loads = np.zeros(staff, dtype=np.int64)
    for picks in chosen:
        loads[list(picks)] += 1
    if staff == 0 or loads.max() - loads.min() <= 1:
        return chosen
    improved = True
    while improved:
        improved = False
        for source in np.argsort(-loads, kind="stable"):
            path = _improving_path(int(source), chosen, allowed, loads)
            if path:
                for item, giver, taker in path:
                    chosen[item].remove(giver)
                    chosen[item].add(taker)
                loads[path[0][1]] -= 1
                loads[path[-1][2]] += 1
                improved = True
                break
    return chosen


def _improving_path(
    source: int, chosen: list[set[int]], allowed: np.ndarray, loads: np.ndarray
) -> list[tuple[int, int, int]]:
    """Moves (inspection, from, to) carrying one inspection from ``source`` to a lighter one."""
    holding: dict[int, list[int]] = {}
    for item, picks in enumerate(chosen):
        for k in picks:
            holding.setdefault(k, []).append(item)
    came_from: dict[int, tuple[int, int]] = {source: (-1, -1)}
    queue = deque([source])
    while queue:
        giver = queue.popleft()
        for item in holding.get(giver, []):
            for taker in map(int, np.flatnonzero(allowed[item])):
                if taker in came_from or taker in chosen[item]:
                    continue
                came_from[taker] = (giver, item)
                if loads[taker] <= loads[source] - 2:
                    return _unwind(came_from, taker)
                queue.append(taker)
    return []


def _unwind(came_from: dict[int, tuple[int, int]], end: int) -> list[tuple[int, int, int]]:
    moves = []
    node = end
    while came_from[node][0] != -1:
        giver, item = came_from[node]
        moves.append((item, giver, node))
        node = giver
    return moves[::-1]
