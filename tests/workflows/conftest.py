"""A workflow database per test, on SQLite and — when ``CREDIT_SCORING_TEST_POSTGRES_URL`` names
a server (CI starts one in ``.ci/run``) — on PostgreSQL, each in a schema of its own."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

POSTGRES_URL = os.environ.get("CREDIT_SCORING_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def workflow_url(request, tmp_path):
    """An empty workflow database's URL: a SQLite file, or a fresh PostgreSQL schema dropped
    after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workflow.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDIT_SCORING_TEST_POSTGRES_URL (.ci/run does)")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    server = create_engine(POSTGRES_URL)
    with server.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with server.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    server.dispose()
