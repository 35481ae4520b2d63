"""The store remembers where its models are tracked: no command falls back to the rules silently
or leaves an empty registry behind (issue 12)."""

import datetime as dt
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

runner = CliRunner()
AS_OF = "2026-09-30"


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Two copies of one small city: one trained with --mlruns, one never trained."""
    folder = tmp_path_factory.mktemp("registry")
    city = generate_city(folder / "city", n_subjects=2500, seed=4, end=dt.date(2026, 9, 30))
    for name in ("trained", "untrained"):
        with Store(folder / f"{name}.duckdb") as store:
            ingest_directory(store, city.out_dir)
    train = ["train", "--as-of", AS_OF, "--db", str(folder / "trained.duckdb"),
             "--mlruns", str(folder / "models"), "--origins", "2", "--json"]  # fmt: skip
    result = runner.invoke(app, train)
    assert result.exit_code == 0, result.output
    return folder


def _grade(*args):
    result = runner.invoke(app, ["grade", "--as-of", AS_OF, *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_trained_store_grades_with_its_champion_from_anywhere(stores, tmp_path, monkeypatch):
    explicit = _grade("--db", str(stores / "trained.duckdb"), "--mlruns", str(stores / "models"),
                      "--out", str(tmp_path / "explicit.csv"))  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    remembered = _grade("--db", str(stores / "trained.duckdb"), "--out", "remembered.csv")
    assert remembered["source"] == "gbm" and remembered["fallback"] is None
    assert remembered["model_version"] == explicit["model_version"] == "credit-grade/1"
    assert remembered["registry"] == str((stores / "models").resolve())
    pd.testing.assert_frame_equal(
        pd.read_csv(elsewhere / "remembered.csv"), pd.read_csv(tmp_path / "explicit.csv")
    )
    assert sorted(p.name for p in elsewhere.iterdir()) == ["remembered.csv"]  # no stray mlruns


def test_an_untrained_store_says_the_rules_decided_and_why(stores, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    graded = _grade("--db", str(stores / "untrained.duckdb"), "--out", "grades.csv")
    assert graded["source"] == "rules" and graded["model_version"] == "none"
    assert graded["fallback"].startswith("no champion")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]
    table = pd.read_csv(tmp_path / "grades.csv")
    assert (table["source"] == "rules").all() and (table["model_version"] == "none").all()
    again = ["grade", "--as-of", AS_OF, "--db", str(stores / "untrained.duckdb"), "--out", "g.csv"]
    readable = runner.invoke(app, again)
    assert "deciding scorer: rules" in readable.stdout and "no champion" in readable.stdout


def test_a_registry_named_but_missing_is_a_fallback_that_says_so(stores, tmp_path):
    graded = _grade("--db", str(stores / "untrained.duckdb"), "--mlruns", str(tmp_path / "none"),
                    "--out", str(tmp_path / "g.csv"))  # fmt: skip
    assert graded["source"] == "rules"
    assert "does not exist" in graded["fallback"]
    assert not (tmp_path / "none").exists()
