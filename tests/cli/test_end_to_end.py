"""A small synthetic city through the CLI: files → ingest → features, as a user would run it."""

import json

import pytest
from typer.testing import CliRunner

from credit_scoring.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("city")
    result = runner.invoke(app, ["demo-data", "--subjects", "2000", "--seed", "7",
                                 "--out", str(folder / "files"), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.stdout)


def _ingest_all(folder, files):
    db = str(folder / "credit.duckdb")
    summaries = {}
    for table in ["subjects", "inspectors", "licences", "penalties", "commitments", "complaints",
                  "inspections", "list_entries", "record_events"]:  # fmt: skip
        result = runner.invoke(app, ["ingest", table, files[table], "--db", db, "--json"])
        assert result.exit_code == 0, result.output
        summaries[table] = json.loads(result.stdout)
    return db, summaries


def test_ingesting_the_city_rejects_exactly_the_planted_rows(city):
    folder, written = city
    _, summaries = _ingest_all(folder, written["files"])
    for table, summary in summaries.items():
        planted = written["planted"].get(table, {})
        expected = sum(n for code, n in planted.items() if code != "ID_CHECKSUM_MISMATCH")
        assert summary["rejected"] == expected, table
        assert summary["flagged"] == planted.get("ID_CHECKSUM_MISMATCH", 0), table
        assert summary["rows_read"] == written["rows"][table], table


def test_features_of_the_city_as_of_its_last_day(city, tmp_path):
    _, written = city
    db, _ = _ingest_all(tmp_path, written["files"])
    out = tmp_path / "features.parquet"
    result = runner.invoke(app, ["features", "--as-of", "2026-06-30", "--db", db,
                                 "--out", str(out), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] >= 1800  # subjects registered by then
    assert summary["features"] >= 40
    assert 0.3 < summary["share_with_records"] <= 1.0
    assert out.stat().st_size > 0
