"""A small synthetic city published as a snapshot, and the service over it with a key per role.

The service runs for real: ``TestClient`` drives the ASGI app with its lifespan. Every module
gets its own copy of the store and a fresh workflow database, on SQLite and — when
``CREDIT_SCORING_TEST_POSTGRES_URL`` names a server (CI starts one in ``.ci/run``) — on
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from api import Settings, create_app
from credit_scoring.grading import Grader
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.snapshots import Snapshot, current_snapshot_id, plain, publish
from credit_scoring.synth import generate_city
from credit_scoring.workflows import connect
from credit_scoring.workflows.keys import ROLES, create_key

AS_OF = dt.date(2026, 9, 30)  # the city's last day: the snapshot's date
TODAY = dt.date(2026, 10, 9)  # the service's pinned date (a Friday)
POSTGRES_URL = os.environ.get("CREDIT_SCORING_TEST_POSTGRES_URL")


@dataclass
class Service:
    client: TestClient
    keys: dict[str, str]  # role → API key
    settings: Settings
    folder: Path

    def headers(self, role: str | None) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]} if role else {}

    def get(self, path: str, role: str | None = None, **kwargs):
        return self.client.get(path, headers=self.headers(role), **kwargs)

    def post(self, path: str, role: str | None = None, **kwargs):
        return self.client.post(path, headers=self.headers(role), **kwargs)

    @property
    def served(self):
        return self.client.app.state.services.holder.state


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    """The city's store and its published snapshot, made once; modules copy them."""
    folder = tmp_path_factory.mktemp("api-city")
    made = generate_city(folder / "files", n_subjects=600, seed=5, end=AS_OF)
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, made.out_dir)
    with Store(folder / "credit.duckdb", read_only=True) as store:
        publish(store, folder / "snapshots", as_of=AS_OF, grader=Grader.rules_only())
    return folder


def fresh_workflow_database(kind: str, folder: Path) -> str:
    """An empty workflow database: a SQLite file in ``folder``, or a PostgreSQL schema.

    Each PostgreSQL one is a schema of its own on the test server (the URL sets the search
    path), so two test runs on one server never drop or read each other's tables; the schemas
    are dropped when the session ends.
    """
    if kind == "sqlite":
        return f"sqlite:///{folder / 'workflow.db'}"
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDIT_SCORING_TEST_POSTGRES_URL (.ci/run does)")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    _run_on_server(f"CREATE SCHEMA {schema}")
    _SCHEMAS.append(schema)
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


_SCHEMAS: list[str] = []


def _run_on_server(*statements: str) -> None:
    engine = create_engine(POSTGRES_URL)  # type: ignore[arg-type]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _drop_test_schemas():
    yield
    if _SCHEMAS:
        _run_on_server(*(f"DROP SCHEMA IF EXISTS {s} CASCADE" for s in _SCHEMAS))


def start_service(folder: Path, url: str, **overrides) -> tuple[TestClient, Settings]:
    # The background poll is slowed to an hour: tests swap snapshots by calling poll() themselves.
    values = {
        "db_path": folder / "credit.duckdb", "workflow_db_url": url,
        "snapshot_dir": folder / "snapshots", "mlruns": folder / "mlruns", "today": TODAY,
        "key_cache_seconds": 0, "poll_seconds": 3600,
        "public_base_url": "https://credit.example.gov.cn",
        "public_filings_per_hour": 0,  # the table and the fuzz file far more; see test_limits
    }  # fmt: skip
    settings = Settings(**{**values, **overrides})
    return TestClient(create_app(settings)), settings


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(request, city, tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-service")
    shutil.copy(city / "credit.duckdb", folder / "credit.duckdb")
    shutil.copytree(city / "snapshots", folder / "snapshots")
    url = fresh_workflow_database(request.param, folder)
    engine = connect(url)
    keys = {role: create_key(engine, name=f"test-{role}", role=role, actor="tests")[1]
            for role in ROLES}  # fmt: skip
    engine.dispose()
    client, settings = start_service(folder, url)
    with client:
        yield Service(client, keys, settings, folder)


@dataclass(frozen=True)
class Samples:
    penalised: tuple[str, str]  # (uscc, penalty record id)
    complained: tuple[str, str]  # (uscc, complaint record id): repairs pass without a period
    black_listed: tuple[str, str]  # (uscc, black-list entry id): graded D by that entry alone
    person_led: tuple[str, str, str]  # (uscc, legal rep's name, ID) of an individual business


def _snapshot_table(city: Path, name: str):
    directory = city / "snapshots" / current_snapshot_id(city / "snapshots")
    return plain(Snapshot(directory).tables[name])


@pytest.fixture(scope="session")
def samples(city) -> Samples:
    with Store(city / "credit.duckdb", read_only=True) as store:

        def one(sql):
            rows = store.con.execute(sql).fetchall()
            return rows[0] if rows else None

        penalised = one("SELECT uscc, record_id FROM penalties ORDER BY record_id LIMIT 1")
        complained = one("SELECT uscc, record_id FROM complaints ORDER BY record_id LIMIT 1")
        # The black-listed subject with the most rule points: graded D by the list, not its score.
        store.con.register("snapshot_grades", _snapshot_table(city, "grades"))
        black = one(
            """SELECT l.uscc, l.record_id FROM list_entries l JOIN snapshot_grades g USING (uscc)
               WHERE l.list_type = 'black' AND l.removed_date IS NULL AND g.grade = 'D'
               ORDER BY g.rules_points DESC LIMIT 1"""
        )
        person = one(
            """SELECT uscc, legal_rep_name, legal_rep_id FROM subjects
               WHERE subject_type = 'individual_business' AND legal_rep_id IS NOT NULL
                 AND length(legal_rep_name) >= 2
               ORDER BY uscc LIMIT 1"""
        )
    assert penalised and complained and black and person, "the test city lacks a sample"
    return Samples(penalised, complained, black, person)
