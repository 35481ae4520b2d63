"""The options many commands share. A path or URL left out comes from
:class:`credit_scoring.settings.Settings` (``CREDIT_SCORING_*``), so each default is written once,
there; the help says where it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def _setting(kind: Any, flag: str, what: str, default: str) -> Any:
    """An option for a setting: its help says what it is and where its default comes from."""
    # Not "[default: …]": rich would take the brackets for markup and print nothing.
    option = typer.Option(flag, help=f"{what} Default: {default}.", show_default=False)
    return Annotated[kind | None, option]


Db = _setting(Path, "--db", "The records store (DuckDB file, or a sharded store's directory).",
              "CREDIT_SCORING_DB_PATH or data/credit.duckdb")  # fmt: skip
Mlruns = _setting(Path, "--mlruns", "MLflow tracking folder of the champion.",
                  "CREDIT_SCORING_MLRUNS, else the one the store was trained with")  # fmt: skip
WorkflowDb = _setting(str, "--workflow-db", "SQLAlchemy URL of the workflow database.",
                      "CREDIT_SCORING_WORKFLOW_DB_URL or sqlite:///data/workflow.db")  # fmt: skip
Snapshots = _setting(Path, "--snapshots", "The snapshot root folder.",
                     "CREDIT_SCORING_SNAPSHOT_DIR or data/snapshots")  # fmt: skip
EngineOption = _setting(str, "--engine", "Where the shards are computed: local or dask.",
                       "CREDIT_SCORING_ENGINE or local")  # fmt: skip
DaskWorkers = _setting(int, "--dask-workers", "Workers of the LocalCluster a dask job starts "
                       "when no scheduler is set (CREDIT_SCORING_DASK_SCHEDULER).",
                       "CREDIT_SCORING_DASK_WORKERS or 2")  # fmt: skip
AsOf = Annotated[str, typer.Option(help="With only what was known on this date (YYYY-MM-DD).")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a summary.")]
