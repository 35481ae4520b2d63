"""``credit-scoring check``: a list checked over the served snapshot, written as XLSX or CSV, with
a summary that fits an 80-column terminal; a bad option or file fails with one line."""

import datetime as dt
import io
import json

import openpyxl
import pandas as pd
from rich.cells import cell_len
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.grading import Grader
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.snapshots import publish

runner = CliRunner()
AS_OF = dt.date(2026, 9, 30)
SHOP, FLAGGED = "91350200776049653A", "91350203M0001QAY9B"  # as in tests/conftest.py


def _list(path):
    codes = [SHOP, "123", FLAGGED, SHOP]  # good, malformed, check character only, a repeat
    rows = pd.DataFrame({"序号": ["01", "02", "03", "04"], "统一社会信用代码": codes})
    rows.to_csv(path, index=False, encoding="gb18030")
    return path


def test_check_writes_every_row_and_summarises(tmp_path, city_dir):
    with Store(tmp_path / "credit.duckdb") as store:
        ingest_directory(store, city_dir)
    with Store(tmp_path / "credit.duckdb", read_only=True) as store:
        publish(store, tmp_path / "snapshots", as_of=AS_OF, grader=Grader.rules_only())
    common = ["check", "--scenario", "procurement", "--in", str(_list(tmp_path / "list.csv")),
              "--as-of", "2026-10-09", "--snapshots", str(tmp_path / "snapshots"),
              "--workflow-db", f"sqlite:///{tmp_path / 'workflow.db'}"]  # fmt: skip

    result = runner.invoke(app, [*common, "--out", str(tmp_path / "out.xlsx"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows_in"] == summary["rows"] == 4 and summary["repeats"] == 1
    assert summary["outcomes"]["checked"] == 2 and summary["outcomes"]["malformed"] == 1
    assert summary["outcomes"]["checked_flagged"] == 1
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "out.xlsx").read_bytes()))
    assert [r[0] for r in book["核查结果"].iter_rows(min_row=2, values_only=True)] == [
        "01", "02", "03", "04"]  # fmt: skip

    readable = runner.invoke(app, [*common, "--out", str(tmp_path / "out.csv")])
    assert readable.exit_code == 0, readable.output
    assert "代码格式错误 (malformed)" in readable.stdout
    assert max(cell_len(line) for line in readable.stdout.splitlines()) <= 80
    assert len(pd.read_csv(tmp_path / "out.csv", dtype=str)) == 4


def test_check_fails_with_one_line_on_a_bad_output_or_a_missing_column(tmp_path):
    listed = str(_list(tmp_path / "list.csv"))
    wrong_out = runner.invoke(app, ["check", "--scenario", "procurement", "--in", listed,
                                    "--out", str(tmp_path / "out.pdf")])  # fmt: skip
    assert wrong_out.exit_code == 1
    assert "--out must end in .xlsx or .csv; got 'out.pdf'" in wrong_out.stderr
    no_column = runner.invoke(app, ["check", "--scenario", "procurement", "--in", listed,
                                    "--column", "代码", "--out", "o.xlsx"])  # fmt: skip
    assert no_column.exit_code == 1
    assert "no column '代码'; the columns are: 序号, 统一社会信用代码" in no_column.stderr
    assert len(no_column.stderr.strip().splitlines()) == 1
