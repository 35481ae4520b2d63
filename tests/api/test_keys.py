"""API keys: made and revoked from the command line, stored hashed, refused once revoked."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.auth import Caller, KeyRing, Role
from credit_scoring.cli import app
from credit_scoring.workflows import connect
from credit_scoring.workflows.keys import create_key, matches, revoke_key

from .conftest import fresh_workflow_database, start_service

runner = CliRunner()


def _cli(*args):
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_key_made_on_the_command_line_works_until_it_is_revoked(city, tmp_path, database):
    url = fresh_workflow_database(database, tmp_path)
    code, out = _cli("keys", "create", "--name", "审核员甲", "--role", "reviewer",
                     "--workflow-db", url, "--json")  # fmt: skip
    assert code == 0, out
    created = json.loads(out)
    token = created["api_key"]
    with connect(url).connect() as connection:
        stored = " ".join(str(v) for row in connection.execute(text("SELECT * FROM api_keys"))
                          for v in row)  # fmt: skip
    assert token.split("_")[2] not in stored  # only a salted hash of the secret is kept
    shutil.copy(city / "credit.duckdb", tmp_path / "credit.duckdb")
    shutil.copytree(city / "snapshots", tmp_path / "snapshots")
    client, _ = start_service(tmp_path, url)  # key_cache_seconds=0: revocation is immediate
    with client:
        assert client.get("/v1/objections", headers={"X-API-Key": token}).status_code == 200
        code, out = _cli("keys", "revoke", created["key_id"], "--workflow-db", url)
        assert code == 0 and "revoked" in out
        assert client.get("/v1/objections", headers={"X-API-Key": token}).status_code == 401
    code, out = _cli("keys", "list", "--workflow-db", url, "--json")
    listed = json.loads(out)
    assert listed[0]["revoked_at"] and "salt" not in listed[0] and "secret_sha256" not in listed[0]


def test_keys_fail_cleanly(tmp_path):
    url = f"sqlite:///{tmp_path / 'workflow.db'}"
    code, out = _cli("keys", "create", "--name", "x", "--role", "root", "--workflow-db", url)
    assert code == 1 and "role must be one of" in out
    code, out = _cli("keys", "revoke", "nope", "--workflow-db", url)
    assert code == 1 and "no API key" in out


def test_publish_prints_one_json_object_and_makes_the_snapshot_current(city, tmp_path):
    code, out = _cli("publish", "--as-of", "2026-09-30", "--db", str(city / "credit.duckdb"),
                     "--mlruns", str(tmp_path / "mlruns"), "--snapshots",
                     str(tmp_path / "snapshots"), "--json")  # fmt: skip
    assert code == 0, out
    manifest = json.loads(out)
    assert (tmp_path / "snapshots" / "CURRENT").read_text().strip() == manifest["snapshot_id"]
    assert manifest["subjects"] == manifest["tables"]["grades"]["rows"] > 0


def test_a_verified_key_is_remembered_until_the_ring_reloads_and_a_revoked_one_then_fails(
    tmp_path, monkeypatch
):
    engine = connect(f"sqlite:///{tmp_path / 'workflow.db'}")
    info, token = create_key(engine, name="甲", role="regulator", actor="tests")
    ring = KeyRing(engine, max_age_seconds=60)
    now = [1000.0]
    monkeypatch.setattr("api.auth.time.monotonic", lambda: now[0])
    hashed = []
    monkeypatch.setattr("api.auth.matches", lambda *a: hashed.append(a) or matches(*a))
    # Given a key checked once, when it comes again, it is not hashed again.
    assert ring.caller(token) == Caller(Role.regulator, info.key_id, "甲")
    assert ring.caller(token) == Caller(Role.regulator, info.key_id, "甲")
    assert len(hashed) == 1
    # Other spellings of it are checked every time and not remembered; forgeries never pass.
    assert ring.caller(f" {token} ") is not None and ring.caller(f" {token} ") is not None
    assert len(hashed) == 3
    assert ring.caller(token[:-1] + ("x" if token[-1] != "x" else "y")) is None
    # When it is revoked, it works until the ring is stale, then no more.
    revoke_key(engine, info.key_id, actor="tests")
    assert ring.caller(token) is not None
    now[0] += 61
    assert ring.caller(token) is None
