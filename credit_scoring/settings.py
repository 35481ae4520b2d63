"""One settings object for every path and URL, from ``CREDIT_SCORING_*`` environment variables.

The command line, the HTTP service and the notebooks all read :class:`Settings`; a command-line
option overrides its field for one command (``--db`` is ``db_path``). Secrets never live here:
API keys are in the workflow database, hashed.

Examples
--------
>>> Settings(db_path="elsewhere.duckdb").db_path
PosixPath('elsewhere.duckdb')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

# The policies and the catalog installed with the package (links to models/ and features/).
_DEFAULTS = Path(__file__).resolve().parent / "defaults"


class Settings(BaseSettings):
    """Where everything is read and written. Each field is also ``CREDIT_SCORING_<FIELD>``
    (``CREDIT_SCORING_WORKFLOW_DB_URL=postgresql+psycopg://…``)."""

    model_config = SettingsConfigDict(env_prefix="CREDIT_SCORING_", frozen=True, extra="forbid")

    db_path: Path = Path("data/credit.duckdb")  # the DuckDB records store
    workflow_db_url: str = "sqlite:///data/workflow.db"  # SQLAlchemy: SQLite file or PostgreSQL
    snapshot_dir: Path = Path("data/snapshots")
    # The MLflow tracking folder the champion comes from. Unset: the one the store recorded when
    # it was last trained on (`credit-scoring train --db X --mlruns M`).
    mlruns: Path | None = None
    # Where `train` starts a registry for a store that has none yet.
    new_registry: Path = Path("mlruns")
    # Where batch jobs (features, grade, publish, plan, frequencies, train) run their shards:
    # "local" (this process) or "dask" (the cluster at dask_scheduler, else a LocalCluster of
    # dask_workers processes started for the job).
    engine: Literal["local", "dask"] = "local"
    dask_scheduler: str | None = None  # e.g. tcp://10.0.0.5:8786
    dask_workers: int = Field(default=2, ge=1)
    policy_dir: Path = _DEFAULTS / "models"  # the policies (models/*.yaml)
    catalog_dir: Path = _DEFAULTS / "features"  # the feature catalog (features/*.yaml)

    # Credit reports (信用报告): the office named as issuer, and how long a report stays valid.
    report_office: str = "市公共信用信息中心"
    report_valid_days: int = Field(default=30, ge=1, le=366)

    # The HTTP service.
    # The page URL a QR code encodes; default: the URL the request came in on.
    public_base_url: str | None = None
    # How soon a newly published snapshot, or a re-grade made by another worker, is served.
    poll_seconds: float = 1.0
    key_cache_seconds: float = 2.0  # how soon a revoked key stops working
    # Objections and repair applications one address may file in an hour without a key (0: any).
    public_filings_per_hour: int = Field(default=20, ge=0)
    # Proxies whose X-Forwarded-For the service believes (comma-separated addresses); unset: none,
    # so a caller cannot pick the address the public filing limit counts by.
    forwarded_allow_ips: str | None = None
    # File pages a worker keeps mapped (MB, the libraries' ~100 included) before it lets the
    # snapshot's go to the shared page cache again; 0: never. Bounds its resident memory.
    snapshot_resident_mb: int = Field(default=384, ge=0)
    verify_snapshots: bool = True  # check each table's SHA-256 against the manifest on load
    today: dt.date | None = None  # pin the service's date (demos, tests); default the real date

    def but(self, **changes: Any) -> Settings:
        """These settings with the fields given (not None) replaced: a command's options."""
        given = {k: v for k, v in changes.items() if v is not None}
        return type(self).model_validate({**self.model_dump(), **given}) if given else self
