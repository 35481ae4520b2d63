"""``report statistics`` from the command line: the files it writes, its JSON and its summary."""

import datetime as dt
import json

import openpyxl
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.statistics import SHEETS

runner = CliRunner()


@pytest.fixture
def options(tmp_path, city_dir):
    """The tiny city ingested, and the options that point a command at it."""
    db = tmp_path / "credit.duckdb"
    with Store(db) as store:
        ingest_directory(store, city_dir, today=dt.date(2026, 11, 29))
    return ["--db", str(db), "--workflow-db", f"sqlite:///{tmp_path / 'workflow.db'}",
            "--mlruns", str(tmp_path / "no-models")]  # fmt: skip


def test_it_writes_the_workbook_and_prints_the_figures_as_json(tmp_path, options):
    out = tmp_path / "stats.xlsx"
    result = runner.invoke(
        app, ["report", "statistics", "--period", "2025Q3", "--out", str(out), "--json", *options]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["period"], payload["start"], payload["end"]) == (
        "2025Q3", "2025-07-01", "2025-09-30",
    )  # fmt: skip
    assert payload["out"] == str(out)
    assert openpyxl.load_workbook(out).sheetnames == list(SHEETS)
    licences = payload["disclosure"][0]  # XK1 and XK2, decided on 26 September 2025
    assert (licences["table"], licences["decisions"], licences["published"]) == ("licences", 2, 2)
    assert payload["grades"][0]["subjects"] == 3


def test_the_summary_fits_80_columns_and_the_json_file_has_the_figures(tmp_path, options):
    out = tmp_path / "stats.json"
    result = runner.invoke(
        app, ["report", "statistics", "--period", "2025-09", "--out", str(out), *options]
    )
    assert result.exit_code == 0, result.output
    assert "Statistics 2025-09 (2025-09-01 – 2025-09-30)" in result.stdout
    assert "deciding scorer: rules" in result.stdout
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80
    assert json.loads(out.read_text("utf-8"))["period"] == "2025-09"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--period", "2025Q9"], "period '2025Q9' is not a quarter"),
        (["--period", "2025Q3", "--out", "stats.csv"], "--out must end in .xlsx or .json"),
        (["--period", "2025Q3", "--department", "不存在的局"], "is not in the sampling policy"),
    ],
)
def test_a_bad_option_fails_with_one_line(options, arguments, message):
    result = runner.invoke(app, ["report", "statistics", *arguments, *options])
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
