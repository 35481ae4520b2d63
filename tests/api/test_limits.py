"""The public may file only so often from one address; callers with a key are not limited."""

from __future__ import annotations

import shutil

import pytest

from api.ratelimit import FilingLimit, TooManyFilings
from credit_scoring.workflows import connect
from credit_scoring.workflows.keys import create_key

from .conftest import start_service


def test_a_public_address_is_refused_beyond_its_hourly_filings(city, samples, tmp_path):
    shutil.copy(city / "credit.duckdb", tmp_path / "credit.duckdb")
    shutil.copytree(city / "snapshots", tmp_path / "snapshots")
    url = f"sqlite:///{tmp_path / 'workflow.db'}"
    _, agent = create_key(connect(url), name="代理人", role="public", actor="tests")
    uscc, record_id = samples.penalised
    body = {"uscc": uscc, "record_table": "penalties", "record_id": record_id,
            "reason": "处罚决定已撤销", "filed_by": "王某"}  # fmt: skip
    client, _ = start_service(tmp_path, url, public_filings_per_hour=2)
    with client:
        filed = [
            client.post("/v1/objections", json={**body, "reason": f"{body['reason']} {k}"})
            for k in range(2)
        ]  # two different objections; an identical one is refused
        assert [response.status_code for response in filed] == [201] * 2
        refused = client.post("/v1/repairs", json={
            "uscc": uscc, "record_table": "penalties", "record_id": record_id,
            "applicant": "王某", "fine_paid": True, "behaviour_corrected": True,
            "commitment_signed": True})  # fmt: skip
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/too-many-filings"
        assert 0 < int(refused.headers["Retry-After"]) <= 3600
        with_key = client.post("/v1/objections", json={**body, "reason": "又一条理由"},
                               headers={"X-API-Key": agent})  # fmt: skip
        assert with_key.status_code == 201
        listed = client.get("/v1/objections", headers={"X-API-Key": _reviewer(url)})
        assert len(listed.json()) == 3  # the refused filing left nothing behind


def _reviewer(url: str) -> str:
    return create_key(connect(url), name="审核员", role="reviewer", actor="tests")[1]


def test_the_hour_slides():
    now = [0.0]
    limit = FilingLimit(per_hour=2, clock=lambda: now[0])
    limit.check("10.0.0.1")
    now[0] = 1800.0
    limit.check("10.0.0.1")
    with pytest.raises(TooManyFilings) as refused:
        limit.check("10.0.0.1")
    assert refused.value.retry_after == 1800
    limit.check("10.0.0.2")  # another address has its own count
    now[0] = 3600.0  # the first filing has left the window
    limit.check("10.0.0.1")
