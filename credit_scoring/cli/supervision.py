"""双随机 commands: ``plan`` (draw, ``verify``, ``list``), ``evaluate``, ``frequencies``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import DaskWorkers, Db, EngineOption, Json, Mlruns
from credit_scoring.errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

    from credit_scoring.grading import Grader
    from credit_scoring.settings import Settings

app = typer.Typer()
plan_app = typer.Typer(
    help="双随机 inspection plans: draw one (options below), or `verify` / `list`.",
    invoke_without_command=True,
)


@plan_app.callback(invoke_without_command=True)
@cli.fails_cleanly
def plan(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help="Plan with what was known then.")] = None,
    budget: Annotated[int | None, typer.Option(min=0, help="Inspections to draw.")] = None,
    rate: Annotated[float | None, typer.Option(help="Or: share of eligible subjects.")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="The plan's random seed.")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    region: Annotated[list[str] | None, typer.Option(help="Only these region codes.")] = None,
    domain: Annotated[list[str] | None, typer.Option(help="Only these domain codes.")] = None,
    design: Annotated[
        str | None, typer.Option(help="optimal, stratified or pps (default: the policy's).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the plan (.csv or .xlsx).")] = None,
    db: Db = None,
    mlruns: Mlruns = None,
    engine: EngineOption = None,
    dask_workers: DaskWorkers = None,
    as_json: Json = False,
) -> None:  # fmt: skip
    """Draw a plan: `plan --as-of D (--budget N | --rate R) --seed S [--department X]`.

    Without a subcommand this draws; `plan verify PLAN` and `plan list` are the subcommands.
    """
    if ctx.invoked_subcommand is not None:
        return
    from credit_scoring.cli._render_supervision import print_plan
    from credit_scoring.supervision import create_plan, write_plan

    if as_of is None or seed is None:
        raise InvalidInput("plan needs --as-of and --seed (or a subcommand: verify, list)",
                           field="--as-of" if as_of is None else "--seed")  # fmt: skip
    if design not in (None, "optimal", "stratified", "pps"):
        raise InvalidInput(f"--design must be optimal, stratified or pps; got {design!r}",
                           field="--design")  # fmt: skip
    config = cli.settings(db_path=db, mlruns=mlruns, engine=engine, dask_workers=dask_workers)
    day = cli.parse_date(as_of)
    with cli.opened_store(config, read_only=True) as store:
        grader = cli.load_grader(store, config)
    # The grades shard by shard (the workers read the store: it is not open for writing yet);
    # the frame, the strata and the draw over all of them here.
    grades = _grades(config, grader, day)
    with cli.opened_store(config) as store:
        drawn = create_plan(
            store, as_of=day, seed=seed, budget=budget, rate=rate,
            department=department, regions=tuple(region or ()), domains=tuple(domain or ()),
            design=design,  # type: ignore[arg-type]
            grader=grader, grades=grades,
        )  # fmt: skip
    written = write_plan(drawn, out) if out else None
    if as_json:
        cli.print_json({**drawn.summary(), "grading": grader.describe(), "out": written})
        return
    print_plan(cli.console, drawn)
    cli.console.print(cli.grading_line(grader.describe()))
    if written:
        cli.console.print(f"written to {written}")


@plan_app.command("verify")
@cli.fails_cleanly
def plan_verify(
    plan_id: Annotated[str, typer.Argument(help="The plan's id.")],
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Recompute a plan's commitment and rerun its draw and inspector assignment."""
    from credit_scoring.cli._render_supervision import print_verification
    from credit_scoring.supervision import verify_plan

    with cli.opened_store(cli.settings(db_path=db), read_only=True) as store:
        result = verify_plan(store, plan_id)
    if as_json:
        cli.print_json({**result.__dict__, "ok": result.ok})
    else:
        print_verification(cli.console, result)
    if not result.ok:
        raise typer.Exit(1)


@plan_app.command("list")
@cli.fails_cleanly
def plan_list(db: Db = None, as_json: Json = False) -> None:
    """The stored plans, newest first."""
    from credit_scoring.supervision import list_plans

    with cli.opened_store(cli.settings(db_path=db), read_only=True) as store:
        plans = list_plans(store)
    if as_json:
        cli.print_json(plans)
        return
    shown = ["plan_id", "as_of", "seed", "design", "inspections", "pending", "created_at"]
    cli.show([{c: p[c] for c in shown} for p in plans], False, "Inspection plans 抽查计划")


@app.command()
@cli.fails_cleanly
def evaluate(
    plan_ids: Annotated[list[str], typer.Option("--plan", help="A plan whose results to use.")],
    truth: Annotated[
        Path | None, typer.Option(help="Synthetic city only: the truth file to compare with.")
    ] = None,
    replicates: Annotated[int, typer.Option(min=10, help="Bootstrap replicates.")] = 1000,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """IPW estimates from plans' results: violation rate by grade, policies against uniform."""
    from credit_scoring.cli._render_supervision import print_evaluation
    from credit_scoring.supervision import evaluate_plans, load_plan
    from credit_scoring.synth.plan_truth import truth_comparison

    with cli.opened_store(cli.settings(db_path=db), read_only=True) as store:
        evaluation = evaluate_plans(store, plan_ids, replicates=replicates)
        truths = [
            {"plan_id": p, **truth_comparison(load_plan(store, p), truth)} for p in plan_ids
        ] if truth else []  # fmt: skip
    if as_json:
        cli.print_json({**evaluation.as_dict(), "truth": truths})
        return
    print_evaluation(cli.console, evaluation, truths)


@app.command()
@cli.fails_cleanly
def frequencies(
    as_of: Annotated[str, typer.Option(help="As of this date.")],
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the list (.csv or .xlsx).")] = None,
    db: Db = None,
    mlruns: Mlruns = None,
    engine: EngineOption = None,
    dask_workers: DaskWorkers = None,
    as_json: Json = False,
) -> None:
    """Every subject's grade, yearly rate, minimum frequency, last inspection and overdue flag."""
    from credit_scoring.cli._render_supervision import print_frequencies
    from credit_scoring.supervision import (
        Scope,
        frequencies_csv_bytes,
        frequencies_xlsx_bytes,
        inspection_frequencies,
    )

    config = cli.settings(db_path=db, mlruns=mlruns, engine=engine, dask_workers=dask_workers)
    day = cli.parse_date(as_of)
    with cli.opened_store(config, read_only=True) as store:
        grader = cli.load_grader(store, config)
        table = inspection_frequencies(store, as_of=day, grader=grader,
                                       grades=_grades(config, grader, day),
                                       scope=Scope(department=department))  # fmt: skip
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        xlsx = out.suffix.lower() == ".xlsx"
        out.write_bytes(frequencies_xlsx_bytes(table) if xlsx else frequencies_csv_bytes(table))
    if as_json:
        bound = table[table["minimum_frequency"].notna()]
        overdue = bound.groupby("grade")["overdue"].mean().round(4).to_dict()
        cli.print_json({"subjects": len(table), "with_minimum_frequency": len(bound),
                        "overdue_share_by_grade": overdue, "out": out,
                    **grader.describe()})  # fmt: skip
        return
    print_frequencies(cli.console, table, str(out) if out else None)
    cli.console.print(cli.grading_line(grader.describe()))


def _grades(config: Settings, grader: Grader, day: dt.date) -> pd.DataFrame:
    """Every subject's grade as of ``day``, computed shard by shard on the configured engine."""
    from credit_scoring.distributed import jobs

    with cli.engine(config) as running:
        return jobs.grades(config.db_path, grader, as_of=day, engine=running)
