"""The analysts' notebooks run top to bottom on a small city."""

import datetime as dt
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    city = generate_city(tmp_path / "city", n_subjects=3000, seed=5, end=dt.date(2026, 9, 30))
    with Store(tmp_path / "credit.duckdb") as store:
        ingest_directory(store, city.out_dir)
    monkeypatch.setenv("CREDIT_SCORING_DB_PATH", str(tmp_path / "credit.duckdb"))
    monkeypatch.setenv("CREDIT_SCORING_MLRUNS", str(tmp_path / "mlruns"))
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert "'champion'" in str(notebook.cells[-2].outputs[0]["data"]["text/plain"])
