"""Where an analyst's notebook starts: the command line's settings, read from the repository root.

A notebook's kernel runs in the notebook's folder (``notebooks/``), a command in the repository
root. :func:`analysis_settings` reads the same ``CREDIT_SCORING_*`` variables as the command line
and the HTTP service (:class:`~credit_scoring.settings.Settings`) and resolves every relative
path in them against the repository root, so a notebook opened from the root or from
``notebooks/`` reads the files a command run at the root reads. Only where no store is set and
the default one does not exist does it open the store ``make demo`` wrote.

Examples
--------
>>> settings = analysis_settings()  # doctest: +SKIP
>>> registry(settings)  # the MLflow folder the store grades with  # doctest: +SKIP
PosixPath('/work/main/data/demo/mlruns')
"""

from __future__ import annotations

import os
from pathlib import Path

from credit_scoring.settings import Settings

__all__ = ["DEMO_STORE", "analysis_settings", "project_root", "registry"]

DEMO_STORE = Path("data/demo/credit.duckdb")  # what `make demo` (credit-scoring demo) writes
_SQLITE = "sqlite:///"


def project_root(start: Path | None = None) -> Path:
    """The nearest folder from ``start`` (default: the working directory) up that holds
    ``pyproject.toml`` and ``credit_scoring/`` — the repository; ``start`` itself outside one."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "credit_scoring").is_dir():
            return folder
    return start


def analysis_settings(start: Path | None = None) -> Settings:
    """:class:`Settings` from ``CREDIT_SCORING_*``, relative paths taken from the repository
    root (see :func:`project_root`); the demo's store when none is set and the default store
    does not exist."""
    root = project_root(start)
    settings = Settings()
    changes: dict[str, object] = {
        name: root / value
        for name, value in settings.model_dump().items()
        if isinstance(value, Path) and not value.is_absolute()
    }
    url = settings.workflow_db_url
    if url.startswith(_SQLITE) and not Path(url.removeprefix(_SQLITE)).is_absolute():
        changes["workflow_db_url"] = _SQLITE + str(root / url.removeprefix(_SQLITE))
    settings = settings.but(**changes)
    unset = "CREDIT_SCORING_DB_PATH" not in os.environ
    if unset and not settings.db_path.exists() and (root / DEMO_STORE).is_file():
        settings = settings.but(db_path=root / DEMO_STORE)
    return settings


def registry(settings: Settings | None = None) -> Path:
    """The MLflow folder the store grades with, as :meth:`Grader.load` and ``train`` choose it:
    ``settings.mlruns``, else the folder the store recorded at training, else
    ``settings.new_registry``."""
    from credit_scoring.records.store import Store

    settings = settings or analysis_settings()
    if settings.mlruns is not None:
        return settings.mlruns
    recorded = None
    if settings.db_path.is_file():
        with Store(settings.db_path, read_only=True) as store:
            recorded = store.registry
    return recorded or settings.new_registry
