"""What every command shares: options, settings, one-line failures, JSON output.

Only light modules are imported here (typer, rich and the standard library): a command imports
the library it calls inside its body, so ``credit-scoring --help`` and a small ingest start at
once instead of loading LightGBM, MLflow and SHAP first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from credit_scoring.errors import CreditScoringError, InvalidInput

if TYPE_CHECKING:
    from credit_scoring.distributed.engine import Engine
    from credit_scoring.grading import Grader
    from credit_scoring.records.store import Store
    from credit_scoring.settings import Settings
    from credit_scoring.workflows import Workspace

console = Console()
errors = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def fails_cleanly(command: F) -> F:
    """Turn the errors a user can cause into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (CreditScoringError, FileNotFoundError, PermissionError) as error:
            errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings(**options: Any) -> Settings:
    """The settings from the environment, with this command's options (not None) on top."""
    from pydantic import ValidationError

    from credit_scoring.settings import Settings

    try:
        return Settings().but(**options)
    except ValidationError as error:  # an option's value, e.g. --engine spark
        problem = error.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else None
        raise InvalidInput(f"{field}: {problem['msg']}", field=field) from None


def print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


def parse_date(value: str, option: str = "--as-of") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{option}: {value!r} is not a date like 2026-06-30", field=option
        ) from None


def optional_date(value: str | None, option: str) -> dt.date | None:
    return parse_date(value, option) if value else None


@contextlib.contextmanager
def opened_store(config: Settings, *, read_only: bool = False) -> Iterator[Store]:
    """The store ``config.db_path`` names: a DuckDB file or a sharded store read as one."""
    from credit_scoring.distributed.store import open_store

    with open_store(config.db_path, read_only=read_only) as store:
        yield store


@contextlib.contextmanager
def engine(config: Settings) -> Iterator[Engine]:
    """The engine the settings name (``--engine``, ``CREDIT_SCORING_ENGINE``)."""
    from credit_scoring.distributed.engine import open_engine

    with open_engine(config.engine, scheduler=config.dask_scheduler,
                     workers=config.dask_workers) as opened:  # fmt: skip
        yield opened


def load_grader(store: Store, config: Settings) -> Grader:
    """The grading service for ``store``. Whoever shows its grades says who decided them:
    :func:`grading_line` under a summary, ``Grader.describe()`` in JSON."""
    from credit_scoring.grading import Grader

    return Grader.load(store, config)


def grading_line(described: dict[str, Any]) -> str:
    """Who decided, in one line under every summary that shows grades."""
    line = (f"deciding scorer: {described['source']} (model {described['model_version']}, "
            f"grade policy {described['policy_version']})")  # fmt: skip
    return line + (f"; {described['fallback']}" if described["fallback"] else "")


@contextlib.contextmanager
def workspace(config: Settings, *, grade: bool = True, note: bool = True) -> Iterator[Workspace]:
    """The workflow database, the writable store and (for filing and deciding) the grader;
    after a command that graded, a note on stderr if the rule scorecard stood in (``note``)."""
    from credit_scoring.records.store import Store
    from credit_scoring.workflows import Workspace, connect

    with Store(config.db_path) as store:
        grader = load_grader(store, config) if grade else None
        yield Workspace(connect(config.workflow_db_url), store, grader)
    if note and grader is not None and grader.fallback:
        errors.print(f"note: {grading_line(grader.describe())}", highlight=False, soft_wrap=True)


def operator() -> str:
    """Who ran the command, for the audit log."""
    return f"cli:{os.environ.get('USER', 'unknown')}"


def show(rows: list[dict[str, Any]], as_json: bool, title: str) -> None:
    if as_json:
        print_json(rows)
        return
    from credit_scoring.cli._render import records_table

    console.print(records_table(title, rows))
