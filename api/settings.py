"""The service's settings, from the environment (``CREDIT_SCORING_*``), in one object."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from credit_scoring.records.store import DEFAULT_DB
from credit_scoring.workflows.database import DEFAULT_URL

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the service reads and writes, and how often it looks for news.

    Every field can be set as ``CREDIT_SCORING_<FIELD>`` (``CREDIT_SCORING_WORKFLOW_DB_URL=
    postgresql+psycopg://…``). Secrets never live here: API keys are in the workflow database,
    hashed.
    """

    model_config = SettingsConfigDict(env_prefix="CREDIT_SCORING_", frozen=True, extra="forbid")

    db_path: Path = DEFAULT_DB  # the DuckDB records store
    workflow_db_url: str = DEFAULT_URL  # SQLAlchemy URL: SQLite file or PostgreSQL
    snapshot_dir: Path = Path("data/snapshots")
    mlruns: Path = Path("mlruns")  # the tracking folder the champion model comes from
    # The page URL a QR code encodes; default: the URL the request came in on.
    public_base_url: str | None = None
    # How soon a newly published snapshot, or a re-grade made by another worker, is served.
    poll_seconds: float = 1.0
    key_cache_seconds: float = 2.0  # how soon a revoked key stops working
    # Objections and repair applications one address may file in an hour without a key (0: any).
    public_filings_per_hour: int = Field(default=20, ge=0)
    verify_snapshots: bool = True  # check each table's SHA-256 against the manifest on load
    today: dt.date | None = None  # pin the service's date (demos, tests); default the real date
