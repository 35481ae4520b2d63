"""Light commands start at once: they never load the modelling and tracking libraries.

``credit-scoring --help`` took 3.9 s and a one-row ingest 4.5 s when every command imported
LightGBM, MLflow, SHAP and scikit-learn up front (issue 12). Each command now imports what it
uses when it runs; this guards that for the commands that need none of them.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("lightgbm", "mlflow", "shap", "sklearn", "optbinning", "matplotlib", "fastapi")
_PROBE = """
import json, sys
from credit_scoring.cli import app
heavy = json.loads(sys.argv[2])
sys.argv = ["credit-scoring", *json.loads(sys.argv[1])]
try:
    app()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _loaded_by(args: list[str], cwd) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True, text=True, cwd=cwd, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [["--help"], ["ingest", "--help"], ["ingest", "subjects", "one.csv", "--db", "s.duckdb"],
     ["plan", "list", "--db", "s.duckdb"], ["keys", "list", "--workflow-db", "sqlite:///w.db"]],
    ids=["help", "ingest-help", "ingest-one-row", "plan-list", "keys-list"],
)  # fmt: skip
def test_a_light_command_loads_no_modelling_library(args, tmp_path):
    _one_row(tmp_path)
    assert _loaded_by(args, tmp_path) == []


def test_the_probe_sees_a_heavy_import(tmp_path):
    # The check above could not fail if the probe saw nothing: grading does load LightGBM.
    _one_row(tmp_path)
    _loaded_by(["ingest", "subjects", "one.csv", "--db", "s.duckdb"], tmp_path)
    grade = ["grade", "--as-of", "2026-09-30", "--db", "s.duckdb", "--out", "g.csv"]
    assert "lightgbm" in _loaded_by(grade, tmp_path)
    assert (tmp_path / "g.csv").is_file()


def _one_row(folder):
    (folder / "one.csv").write_text(
        "uscc,name,subject_type,region_code\n91350200776049653A,甲便利店,enterprise,350200\n",
        encoding="utf-8",
    )
