"""Commands over the records: ``demo-data``, ``ingest``, ``report disclosure``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json
from credit_scoring.records.contract import TABLES

app = typer.Typer()
report_app = typer.Typer(help="Reports over the records store.", no_args_is_help=True)


@app.command("demo-data")
@cli.fails_cleanly
def demo_data(
    out: Annotated[Path, typer.Option(help="Folder for the city's files.")] = Path(
        "data/demo/city"
    ),
    subjects: Annotated[int, typer.Option(min=1, help="Number of subjects.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    as_json: Json = False,
) -> None:
    """Write a synthetic city: every table of the contract as files, a few rows bad on purpose."""
    from credit_scoring.cli import _render
    from credit_scoring.synth import generate_city

    with _render.stage_progress(cli.console, not as_json) as on_stage:
        city = generate_city(out, n_subjects=subjects, seed=seed, progress=on_stage)
    if as_json:
        cli.print_json({"out_dir": city.out_dir, "files": city.files, "rows": city.row_counts,
                    "planted": city.planted, "truth": city.truth})  # fmt: skip
        return
    for name, path in city.files.items():
        cli.console.print(f"{name:>14}  {city.row_counts.get(name, 0):>10,} rows  {path}")
    cli.console.print(f"truth (never ingest): {city.truth}")


@app.command()
@cli.fails_cleanly
def ingest(
    table: Annotated[str, typer.Argument(help=f"One of: {', '.join(TABLES)}.")],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030), XLSX or Parquet.")],
    db: Db = None,
    strict: Annotated[
        bool, typer.Option(help="Reject codes that fail only their check character.")
    ] = False,
    today: Annotated[
        str | None, typer.Option(help="Ingest date (YYYY-MM-DD); later event dates are rejected.")
    ] = None,
    rejects_dir: Annotated[
        Path | None, typer.Option(help="Where the rejects CSV goes (default: beside the store).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Validate FILE against TABLE's contract and store what passes, atomically.

    Into a sharded store (--db DIR), each row goes to its subject's shard: one run per shard."""
    from credit_scoring.cli import _render
    from credit_scoring.distributed.ingest import ingest_sharded
    from credit_scoring.distributed.layout import is_sharded
    from credit_scoring.records.contract import table as contract_table
    from credit_scoring.records.ingestion import ingest_file
    from credit_scoring.records.reading import read_file
    from credit_scoring.records.store import Store

    config = cli.settings(db_path=db)
    day = cli.optional_date(today, "--today")
    contract_table(table)  # an unknown table is refused before anything is read
    raw = read_file(file)  # read before the store is opened: a refused file holds no lock
    if is_sharded(config.db_path):  # each row to its subject's shard, a run per shard
        results = ingest_sharded(config.db_path, table, file, strict=strict, today=day,
                                 rejects_dir=rejects_dir, raw=raw)  # fmt: skip
    else:
        with (
            Store(config.db_path) as store,
            _render.file_progress(cli.console, not as_json) as on_file,
        ):
            results = [ingest_file(
                store, table, file, strict=strict, today=day, rejects_dir=rejects_dir,
                progress=on_file(table, file), raw=raw,
            )]  # fmt: skip
    if as_json:
        payload = [r.as_dict() for r in results]
        cli.print_json(payload[0] if len(payload) == 1 else payload)
        return
    cli.console.print(_render.ingest_table(results))
    unknown = sorted({c for r in results for c in r.unknown_columns})
    if unknown:
        cli.console.print(f"ignored columns not in the contract: {', '.join(unknown)}")
    for result in results:
        if result.rejects_file:
            cli.console.print(f"rejected and flagged rows with reasons: {result.rejects_file}")


@report_app.command("disclosure")
@cli.fails_cleanly
def report_disclosure(
    db: Db = None,
    as_of: Annotated[str | None, typer.Option(help="Report date (default today).")] = None,
    period_from: Annotated[
        str | None, typer.Option("--from", help="First decision date (default a year back).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Summary CSV; exceptions go beside it.")] = Path(
        "data/reports/disclosure.csv"
    ),
    as_json: Json = False,
) -> None:
    """双公示 reporting, compliance and timeliness rates per authority, with the late records."""
    from credit_scoring.cli import _render
    from credit_scoring.records.disclosure import disclosure_report
    from credit_scoring.records.store import Store
    from credit_scoring.spreadsheets import csv_bytes

    with Store(cli.settings(db_path=db).db_path) as store:
        report = disclosure_report(
            store, as_of=cli.optional_date(as_of, "--as-of") or dt.date.today(),
            period_from=cli.optional_date(period_from, "--from"),
        )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    exceptions = out.with_name(out.stem + "-exceptions.csv")
    out.write_bytes(csv_bytes(report.summary))
    exceptions.write_bytes(csv_bytes(report.exceptions))
    if as_json:
        cli.print_json({"summary": report.summary.to_dict("records"), "summary_file": out,
                    "exceptions": len(report.exceptions), "exceptions_file": exceptions,
                    "estimated_calendar": report.estimated_calendar})  # fmt: skip
        return
    cli.console.print(_render.disclosure_table(report))
    cli.console.print(
        f"summary: {out}\nlate and non-compliant records ({len(report.exceptions):,}): {exceptions}"
    )
