"""The command line end to end: JSON summaries, readable errors, exit codes."""

import json

from typer.testing import CliRunner

from credit_scoring.cli import app

runner = CliRunner()


def test_ingest_prints_one_json_summary(tmp_path, city_dir):
    db = str(tmp_path / "c.duckdb")
    result = runner.invoke(
        app, ["ingest", "subjects", str(city_dir / "subjects.csv"), "--db", db, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["accepted"], summary["flagged"], summary["rejected"]) == (3, 1, 0)
    assert summary["rejects_file"].endswith(".rejects.csv")  # the flagged row is listed there


def test_ingest_shows_a_readable_summary(tmp_path, city_dir):
    result = runner.invoke(
        app,
        ["ingest", "subjects", str(city_dir / "subjects.csv"), "--db", str(tmp_path / "c.duckdb")],
    )
    assert result.exit_code == 0, result.output
    assert "Ingest summary" in result.stdout and "subjects" in result.stdout


def test_an_unknown_table_fails_with_one_line(tmp_path, city_dir):
    result = runner.invoke(
        app, ["ingest", "fines", str(city_dir / "subjects.csv"), "--db", str(tmp_path / "c.duckdb")]
    )
    assert result.exit_code == 1
    assert "unknown table 'fines'; known tables: subjects" in result.stderr


def test_a_missing_file_fails_with_one_line(tmp_path):
    result = runner.invoke(
        app, ["ingest", "subjects", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "c.duckdb")]
    )
    assert result.exit_code == 1
    assert "file not found" in result.stderr


def test_report_disclosure_writes_csvs(tmp_path, city_dir):
    db = str(tmp_path / "c.duckdb")
    for table in ("subjects", "licences", "penalties"):
        assert (
            runner.invoke(
                app,
                [
                    "ingest",
                    table,
                    str(city_dir / f"{table}.csv"),
                    "--db",
                    db,
                    "--today",
                    "2026-11-29",
                ],
            ).exit_code
            == 0
        )
    out = tmp_path / "reports" / "disclosure.csv"
    result = runner.invoke(
        app,
        ["report", "disclosure", "--db", db, "--as-of", "2025-12-31", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {row["table"] for row in summary["summary"]} == {"licences", "penalties"}
    assert out.read_text(encoding="utf-8-sig").startswith("authority,")
    assert (tmp_path / "reports" / "disclosure-exceptions.csv").exists()


def test_serve_believes_forwarded_addresses_only_from_configured_proxies(monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.delenv("CREDIT_SCORING_FORWARDED_ALLOW_IPS", raising=False)
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert seen["proxy_headers"] is False and seen["forwarded_allow_ips"] == ""
    monkeypatch.setenv("CREDIT_SCORING_FORWARDED_ALLOW_IPS", "10.0.0.5")
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "10.0.0.5"
