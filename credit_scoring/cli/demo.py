"""``credit-scoring demo``: the main job on the embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Json

app = typer.Typer()


@app.command()
@cli.fails_cleanly
def demo(
    subjects: Annotated[int, typer.Option(min=100, help="Subjects in the city.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    workdir: Annotated[Path, typer.Option(help="Where the demo writes.")] = Path("data/demo"),
    as_json: Json = False,
) -> None:
    """The main job: synthetic city → 双公示 report → train → grades → reasons → 双随机 plan."""
    from credit_scoring.cli import _render
    from credit_scoring.demo import run_demo

    show = not as_json
    with (
        _render.stage_progress(cli.console, show) as on_stage,
        _render.file_progress(cli.console, show) as on_file,
    ):
        result = run_demo(
            workdir, n_subjects=subjects, seed=seed, on_stage=on_stage, on_file=on_file
        )
    if as_json:
        cli.print_json({
            "db": result.db, "seconds": result.seconds,
            "ingests": [r.as_dict() for r in result.ingests],
            "disclosure": result.disclosure.summary.to_dict("records"),
            "grading": result.grading,
            "plan": result.plan.summary() if result.plan is not None else None,
            "plan_expected_lifts": result.plan_lifts,
        })  # fmt: skip
        return
    _render.print_demo(cli.console, result)
