"""The analysts' notebooks run top to bottom on a small city, from ``notebooks/`` as JupyterLab
starts them, reading the store and the registry from ``CREDIT_SCORING_*`` as the CLI does."""

import datetime as dt
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from credit_scoring.grading import MODEL_NAME
from credit_scoring.models.tracking import Tracking
from credit_scoring.models.training import train
from credit_scoring.notebook import analysis_settings, registry
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

FOLDER = Path(__file__).parents[1] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A small city with a champion: the drift notebook grades with it, the retraining one
    compares with it."""
    folder = tmp_path_factory.mktemp("notebooks")
    files = generate_city(folder / "city", n_subjects=3000, seed=5, end=AS_OF)
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, files.out_dir)
        tracking = Tracking(folder / "mlruns")
        train(store, as_of=AS_OF, tracking=tracking, seed=0)
        store.remember_registry(tracking.root)
    return folder


@pytest.fixture(scope="module")
def outputs(city):
    """Each notebook run once, in ``notebooks/`` (its kernel's working folder under
    JupyterLab): the text each code cell showed, in order."""
    shown: dict[str, list[str]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDIT_SCORING_DB_PATH", str(city / "credit.duckdb"))
        patch.setenv("CREDIT_SCORING_MLRUNS", str(city / "mlruns"))
        patch.setenv("OMP_WAIT_POLICY", "passive")
        for path in NOTEBOOKS:
            notebook = nbformat.read(path, as_version=4)
            before = sorted(FOLDER.iterdir())
            NotebookClient(notebook, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(FOLDER)}}).execute()  # fmt: skip
            assert sorted(FOLDER.iterdir()) == before  # nothing written beside the notebooks
            shown[path.name] = [_text(cell) for cell in notebook.cells if cell.cell_type == "code"]
    return shown


def _text(cell) -> str:
    """A code cell's outputs as text; an error as ``ERROR`` and its message."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "error":
            parts.append(f"ERROR {output.ename}: {output.evalue}")
        else:
            parts.append(str(output.get("data", {}).get("text/plain", output.get("text", ""))))
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_notebook_runs_top_to_bottom(path, outputs):
    cells = outputs[path.name]
    assert not [text for text in cells if text.startswith("ERROR")]
    assert cells[-1] or cells[-2]  # it got to the end and showed something there


def test_the_challenger_registered_is_the_model_the_analyst_inspected(city, outputs):
    cells = outputs["1.0-retrain-and-compare.ipynb"]
    assert any("'same as inspected': True" in text for text in cells)
    versions = Tracking(city / "mlruns").client.search_model_versions(f"name='{MODEL_NAME}'")
    assert len(versions) == 2  # the city's champion and the notebook's one challenger


def test_the_drift_notebook_shows_psi_migration_and_domains(outputs):
    shown = "\n".join(outputs["2.0-drift-and-domains.ipynb"])
    for expected in ("score", "changed grade", "calibrated by domain", "catering", "Figure"):
        assert expected in shown


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A checkout's shape: pyproject.toml, the package folder and notebooks/."""
    for name in ("CREDIT_SCORING_DB_PATH", "CREDIT_SCORING_MLRUNS"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'credit-scoring'\n")
    (tmp_path / "credit_scoring").mkdir()
    (tmp_path / "notebooks").mkdir()
    return tmp_path


def test_from_the_root_or_notebooks_the_settings_name_the_same_files(repository, monkeypatch):
    monkeypatch.setenv("CREDIT_SCORING_DB_PATH", "data/city.duckdb")  # relative, as at the root
    from_root = analysis_settings(repository)
    from_notebooks = analysis_settings(repository / "notebooks")
    assert from_root == from_notebooks
    assert from_root.db_path == repository / "data" / "city.duckdb"
    assert from_root.new_registry == repository / "mlruns"
    assert from_root.workflow_db_url == f"sqlite:///{repository}/data/workflow.db"


def test_with_no_store_set_or_at_the_default_path_the_demo_store_is_read(repository):
    demo = repository / "data" / "demo" / "credit.duckdb"
    demo.parent.mkdir(parents=True)
    demo.touch()
    assert analysis_settings(repository / "notebooks").db_path == demo
    default = repository / "data" / "credit.duckdb"
    default.touch()  # the CLI's default exists: it wins
    assert analysis_settings(repository / "notebooks").db_path == default


def test_the_registry_is_the_one_the_store_grades_with(city, monkeypatch):
    # Given a store trained with --mlruns and no CREDIT_SCORING_MLRUNS, the registry (which
    # `make mlflow` opens) is the one the store recorded; the variable overrides it.
    monkeypatch.delenv("CREDIT_SCORING_MLRUNS", raising=False)
    monkeypatch.setenv("CREDIT_SCORING_DB_PATH", str(city / "credit.duckdb"))
    assert registry() == (city / "mlruns").resolve()
    monkeypatch.setenv("CREDIT_SCORING_MLRUNS", str(city / "elsewhere"))
    assert registry() == city / "elsewhere"
