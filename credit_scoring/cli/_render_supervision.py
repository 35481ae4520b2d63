"""Terminal rendering of inspection plans, their verification and evaluation: no logic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from credit_scoring.policies import STRATUM_LABELS
from credit_scoring.supervision import Evaluation, Plan, VerificationResult

__all__ = [
    "print_demo_plan",
    "print_evaluation",
    "print_frequencies",
    "print_plan",
    "print_verification",
]


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1),
                 collapse_padding=True, pad_edge=False)  # fmt: skip


def _share(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1%}"


def print_plan(console: Console, plan: Plan) -> None:
    """The plan's identity, sizes per stratum with their probabilities, and assignment status."""
    summary = plan.summary()
    console.print(
        f"[bold]Plan {plan.plan_id}[/bold] as of {plan.as_of} ({plan.design}, policy "
        f"{plan.policy_version}, grades {plan.grades_version}), seed {plan.seed}\n"
        f"commitment SHA-256 {plan.commitment}"
    )
    table = _table("Inspections by stratum 分层抽查")
    for header in ("stratum", "", "eligible", "drawn", "of which explore", "mean π"):
        table.add_column(header, justify="left" if header in {"stratum", ""} else "right")
    frame, items = plan.frame, plan.items
    for stratum, label in STRATUM_LABELS.items():
        members = frame["stratum"] == stratum
        drawn = items["stratum"] == stratum
        table.add_row(stratum, label, f"{int(members.sum()):,}", f"{int(drawn.sum()):,}",
                      f"{int((drawn & items['exploration']).sum()):,}",
                      _share(float(frame.loc[members, "inclusion_prob"].mean())))  # fmt: skip
    console.print(table)
    excluded = ", ".join(f"{k} {v:,}" for k, v in plan.excluded.items()) or "none"
    lift = summary["expected_lift"]
    console.print(
        f"{len(items):,} inspections from {len(frame):,} eligible subjects: "
        f"{summary['mandated']:,} mandated (due by law in the plan's period) and "
        f"{summary['budget']:,} drawn at random (left out: {excluded}); "
        f"{summary['pending']:,} awaiting inspectors; expected lift over uniform "
        f"sampling by the model's risk: {'–' if lift is None else f'{lift:.2f}×'}"
    )


def print_demo_plan(console: Console, plan: Plan, lifts: dict[str, float], db: Path) -> None:
    """The demo's plan, and what each design is expected to find against uniform sampling."""
    print_plan(console, plan)
    if lifts:
        shown = ", ".join(f"{name} {lift:.2f}×" for name, lift in lifts.items())
        console.print(f"Expected violations per inspection against uniform sampling at the same "
                      f"budget (by the model's probabilities): {shown}")  # fmt: skip
    console.print(f"Plan files (CSV with BOM, XLSX per department) in {db.parent / 'plans'}; "
                  f"`credit-scoring plan verify {plan.plan_id} --db {db}` reruns it")  # fmt: skip


def print_verification(console: Console, result: VerificationResult) -> None:
    mark = {True: "[green]ok[/green]", False: "[red]FAILED[/red]"}
    console.print(
        f"Plan {result.plan_id}: commitment {mark[result.commitment_matches]}, draw "
        f"{mark[result.draw_matches]}, inspectors {mark[result.assignment_matches]}"
    )
    for problem in result.problems:
        console.print(f"  - {problem}")


def _interval(row: Any, key: str, fmt: str = "{:.1%}") -> str:
    value, low, high = row[key], row[f"{key}_low"], row[f"{key}_high"]
    if pd.isna(value):
        return "–"
    return f"{fmt.format(value)} [{fmt.format(low)}, {fmt.format(high)}]"


def print_evaluation(
    console: Console, evaluation: Evaluation, truth: list[dict[str, Any]] | None = None
) -> None:
    """Estimates per grade and per policy with 95% CIs; the truth beside them when known."""
    e = evaluation
    console.print(
        f"{e.inspections:,} inspections with results from {', '.join(e.plan_ids)} "
        f"({e.awaiting:,} awaiting results, {e.not_found:,} subjects not found)"
    )
    grades = _table("Violation rate by grade (HT / Hájek, 95% CI)")
    for header in ("grade", "eligible", "inspected", "found", "HT", "Hájek"):
        grades.add_column(header, justify="left" if header == "grade" else "right")
    for _, row in e.by_grade.iterrows():
        grades.add_row(row["grade"], f"{row['eligible']:,}", f"{row['inspected']:,}",
                       f"{row['violations']:,}", _interval(row, "ht"),
                       _interval(row, "hajek"))  # fmt: skip
    console.print(grades)
    policies = _table("Violations found per inspection, same budget (Hájek, 95% CI)")
    for header in ("policy", "per inspection", "lift over uniform"):
        policies.add_column(header, justify="left" if header == "policy" else "right")
    for _, row in e.policies.iterrows():
        policies.add_row(row["policy"], _interval(row, "hajek"),
                         _interval(row, "hajek_lift", "{:.2f}×"))  # fmt: skip
    console.print(policies)
    x = e.exploration
    console.print(
        f"Exploration share alone ({x['inspected']:,} inspections): violation rate "
        f"{_share(x['hajek'])} [{_share(x['hajek_low'])}, {_share(x['hajek_high'])}] (Hájek)"
    )
    for comparison in truth or []:
        _print_truth(console, comparison)


def _print_truth(console: Console, comparison: dict[str, Any]) -> None:
    table = _table(f"Simulator's truth for {comparison['plan_id']}")
    for header in ("policy", "true violations / inspection", "lift", "share finding", "lift"):
        table.add_column(header, justify="left" if header == "policy" else "right")
    for row in comparison["policies"]:
        table.add_row(row["policy"], f"{row['violations_per_inspection']:.3f}",
                      f"{row['lift']:.2f}×", _share(row["share_finding"]),
                      f"{row['share_lift']:.2f}×")  # fmt: skip
    console.print(table)
    rates = ", ".join(f"{r['grade']} {_share(r['true_rate'])}" for r in comparison["by_grade"])
    console.print(f"true violation rate by grade: {rates}; overall "
                  f"{_share(comparison['true_rate'])}")  # fmt: skip


def print_frequencies(console: Console, table: pd.DataFrame, out: str | None) -> None:
    summary = _table("Inspection frequency by grade 检查频次")
    headers = ("grade", "subjects", "policy rate / year", "minimum / year (subjects bound)",
               "overdue of those")  # fmt: skip
    for header in headers:
        summary.add_column(header, justify="left" if header == "grade" else "right")
    for grade, rows in table.groupby("grade"):
        rate = float(rows["policy_yearly_rate"].iloc[0])
        bound = rows[rows["minimum_frequency"].notna()]
        minimum = f"{bound['minimum_frequency'].max():g} ({len(bound):,})" if len(bound) else "–"
        overdue = _share(float(bound["overdue"].mean())) if len(bound) else "–"
        summary.add_row(str(grade), f"{len(rows):,}", _share(rate), minimum, overdue)
    console.print(summary)
    if out:
        console.print(f"{len(table):,} subjects written to {out}")
