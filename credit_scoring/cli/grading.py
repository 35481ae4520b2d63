"""Commands that compute features, train, grade and explain."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import AsOf, DaskWorkers, Db, EngineOption, Json, Mlruns

app = typer.Typer()


@app.command()
@cli.fails_cleanly
def features(
    as_of: AsOf,
    db: Db = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write the table (.parquet or .csv; a directory: a Parquet part per "
            "shard, for a store too large to gather in one process)."
        ),
    ] = None,
    all_attributes: Annotated[
        bool, typer.Option(help="Also compute attributes not used for grading (region, industry).")
    ] = False,
    engine: EngineOption = None,
    dask_workers: DaskWorkers = None,
    as_json: Json = False,
) -> None:
    """Compute every catalog feature for every subject as of a date."""
    from credit_scoring.distributed import jobs
    from credit_scoring.features import load_catalog
    from credit_scoring.features.summary import share_with_records, write_table

    catalog = load_catalog()
    catalog = catalog if all_attributes else catalog.risk_features()
    day = cli.parse_date(as_of)
    config = cli.settings(db_path=db, engine=engine, dask_workers=dask_workers)
    started = time.perf_counter()
    with cli.engine(config) as running:
        if out is not None and not out.suffix:  # a directory: written by the workers
            jobs.write_parts(config.db_path, out, as_of=day, engine=running, catalog=catalog)
            parts = list(jobs.read_parts(out))
        else:
            parts = [jobs.features(config.db_path, catalog, as_of=day, engine=running)]
            if out:
                write_table(parts[0], out)
    seconds = time.perf_counter() - started
    rows = sum(len(part) for part in parts)
    with_records = sum(share_with_records(part, catalog) * len(part) for part in parts)
    summary = {
        "as_of": as_of, "rows": rows, "features": len(catalog),
        "share_with_records": round(with_records / rows, 4) if rows else 0.0,
        "seconds": round(seconds, 2), "out": str(out) if out else None,
    }  # fmt: skip
    if as_json:
        cli.print_json(summary)
        return
    cli.console.print(
        f"{summary['rows']:,} subjects × {summary['features']} features as of {as_of} in "
        f"{seconds:.1f} s; {summary['share_with_records']:.1%} have at least one record counted"
    )
    if out:
        cli.console.print(f"written to {out}")


@app.command()
@cli.fails_cleanly
def train(
    as_of: AsOf,
    db: Db = None,
    mlruns: Annotated[
        Path | None,
        typer.Option(
            "--mlruns",
            help="MLflow tracking folder; the store remembers it. [default: "
            "CREDIT_SCORING_MLRUNS, else the store's, else mlruns]",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the learned models.")] = 0,
    origins: Annotated[int, typer.Option(min=1, help="Rolling training origins.")] = 4,
    engine: EngineOption = None,
    dask_workers: DaskWorkers = None,
    as_json: Json = False,
) -> None:
    """Fit the three scorers, validate out of time, log to MLflow, crown a better champion.

    The store records MLRUNS: later commands on it grade with its champion without --mlruns.
    """
    from credit_scoring.cli._render import print_training
    from credit_scoring.distributed.training import train_on

    config = cli.settings(db_path=db, mlruns=mlruns, engine=engine, dask_workers=dask_workers)
    day = cli.parse_date(as_of)
    with cli.engine(config) as running:
        result, registry = train_on(config, as_of=day, engine=running, seed=seed, origins=origins)
    if as_json:
        grade_rates = result.grade_rates.reset_index().to_dict("records")
        domains = None
        if result.domains is not None:  # NaN (an AUC of a one-class domain) as null
            frame = result.domains.reset_index().astype(object)
            domains = frame.where(frame.notna(), None).to_dict("records")
        cli.print_json({
            **result.__dict__, "grade_rates": grade_rates, "domains": domains,
            "registry": registry.resolve(),
        })  # fmt: skip
        return
    print_training(cli.console, result)
    cli.console.print(
        f"the store {config.db_path} grades with the champion of {registry} from now on"
    )


@app.command()
@cli.fails_cleanly
def grade(
    as_of: AsOf,
    db: Db = None,
    mlruns: Mlruns = None,
    out: Annotated[
        Path,
        typer.Option(
            help="Grade records (.csv or .parquet; a directory: a Parquet part per "
            "shard, for a store too large to gather in one process)."
        ),
    ] = Path("data/grades.parquet"),
    engine: EngineOption = None,
    dask_workers: DaskWorkers = None,
    as_json: Json = False,
) -> None:
    """Grade every subject A/B/C/D and write the grade records."""
    import pandas as pd

    from credit_scoring.cli._render import grade_distribution
    from credit_scoring.distributed import jobs
    from credit_scoring.features.summary import write_table

    config = cli.settings(db_path=db, mlruns=mlruns, engine=engine, dask_workers=dask_workers)
    day = cli.parse_date(as_of)
    with cli.opened_store(config, read_only=True) as store:
        grader = cli.load_grader(store, config)
    with cli.engine(config) as running:
        if not out.suffix:  # a directory: written by the workers
            jobs.write_parts(config.db_path, out, as_of=day, engine=running, grader=grader)
            grades = pd.concat(jobs.read_parts(out, columns=["grade"]))["grade"]
        else:
            table = jobs.grades(config.db_path, grader, as_of=day, engine=running)
            write_table(table, out)
            grades = table["grade"]
    counts = grades.value_counts().reindex(list("ABCD"), fill_value=0)
    if as_json:
        cli.print_json({"out": out, "subjects": len(grades), "grades": counts.to_dict(),
                        **grader.describe()})  # fmt: skip
        return
    cli.console.print(grade_distribution(counts))
    cli.console.print(cli.grading_line(grader.describe()))
    cli.console.print(f"{len(grades):,} grade records written to {out}")


@app.command()
@cli.fails_cleanly
def explain(
    uscc: Annotated[str, typer.Argument(help="The subject's unified social credit code.")],
    as_of: Annotated[
        str | None, typer.Option(help="Explain as of this date (default today).")
    ] = None,
    db: Db = None,
    mlruns: Mlruns = None,
    top_k: Annotated[int, typer.Option(min=1, max=20, help="Adverse reasons to show.")] = 4,
    as_json: Json = False,
) -> None:
    """Why a subject has its grade: overrides, top reasons with their records, positive factors."""
    from credit_scoring.cli._render import print_explanation

    config = cli.settings(db_path=db, mlruns=mlruns)
    day = cli.optional_date(as_of, "--as-of") or dt.date.today()
    with cli.opened_store(config, read_only=True) as store:
        grader = cli.load_grader(store, config)
        explanation = grader.explain(store, uscc.strip().upper(), as_of=day, top_k=top_k)
    if as_json:
        cli.print_json({**explanation.as_dict(), "fallback": grader.fallback})
        return
    print_explanation(cli.console, explanation)
    if grader.fallback:
        cli.console.print(cli.grading_line(grader.describe()))
