"""MLflow behind one module: runs, their provenance, the registry and the champion alias.

Only this module imports ``mlflow``. The tracking store is always set explicitly —
``sqlite:///<root>/mlflow.db`` with artifacts under ``<root>/artifacts`` (the plain ``./mlruns``
file store is legacy in MLflow 3) — so a test points it at a temporary folder and nothing leaks
into the project's ``mlruns/``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient

from credit_scoring.policies import file_sha256

__all__ = ["CHAMPION", "RunLog", "Tracking"]

CHAMPION = "champion"
CHALLENGER = "challenger"


class RunLog:
    """What one training run records: parameters, metrics, files with hashes, tables, figures."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def params(self, values: dict[str, Any]) -> None:
        mlflow.log_params({k: str(v)[:500] for k, v in values.items()})

    def metrics(self, values: dict[str, float], prefix: str = "") -> None:
        clean = {f"{prefix}{k}": float(v) for k, v in values.items() if pd.notna(v)}
        mlflow.log_metrics(clean)

    def file(self, path: Path, folder: str = "inputs") -> str:
        """Log a policy or catalog file and its hash (as a tag ``sha256:<folder>/<name>``)."""
        digest = file_sha256(path)
        mlflow.log_artifact(str(path), artifact_path=folder)
        mlflow.set_tag(f"sha256:{folder}/{Path(path).name}", digest)
        return digest

    def table(self, frame: pd.DataFrame, name: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            frame.to_csv(path, index=False)
            mlflow.log_artifact(str(path), artifact_path="tables")

    def figure(self, figure: Any, name: str) -> None:
        mlflow.log_figure(figure, f"plots/{name}")

    def json(self, payload: dict[str, Any], name: str) -> None:
        mlflow.log_dict(json.loads(json.dumps(payload, default=str)), name)

    def model(self, model: Any, name: str) -> str:
        """Log a fitted estimator (pickled with the sklearn flavour); return its model URI."""
        # Our estimators are our own classes: skops (the default) cannot serialise them.
        info = mlflow.sklearn.log_model(
            model,
            name=name,
            pip_requirements=["credit-scoring"],
            serialization_format="cloudpickle",
        )
        return str(info.model_uri)


_LOADED: dict[str, Any] = {}  # the run that logged a registered model -> the model


class Tracking:
    """A tracking store under ``root`` (default ``mlruns/``)."""

    def __init__(self, root: Path = Path("mlruns")) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.uri = f"sqlite:///{self.root / 'mlflow.db'}"
        self.artifacts = (self.root / "artifacts").as_uri()
        mlflow.set_tracking_uri(self.uri)
        mlflow.set_registry_uri(self.uri)
        # MLflow narrates creating its tables and warns on every pickled model; we chose pickle
        # (our estimators are our own classes, which skops cannot serialise).
        for name in ("alembic", "mlflow.store.db.utils", "mlflow.sklearn"):
            logging.getLogger(name).setLevel(logging.ERROR)
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        self.client = MlflowClient(self.uri, self.uri)

    @classmethod
    def existing(cls, root: Path) -> Tracking | None:
        """The tracking store under ``root`` if one was ever written there, else None.

        Looking for a champion must not leave an empty ``mlflow.db`` behind where none was.
        """
        return cls(root) if (Path(root) / "mlflow.db").is_file() else None

    @contextmanager
    def run(self, experiment: str, name: str, tags: dict[str, str]) -> Iterator[RunLog]:
        found = self.client.get_experiment_by_name(experiment)
        experiment_id = (
            found.experiment_id
            if found
            else self.client.create_experiment(experiment, artifact_location=self.artifacts)
        )
        with mlflow.start_run(experiment_id=experiment_id, run_name=name, tags=tags) as run:
            yield RunLog(run.info.run_id)

    def register(self, model_uri: str, name: str, tags: dict[str, str]) -> str:
        """A new registered version of ``name``; returns its version number."""
        with contextlib.redirect_stderr(io.StringIO()):  # it prints "Successfully registered"
            version = mlflow.register_model(model_uri, name, tags=tags)
        return str(version.version)

    def champion(self, name: str) -> tuple[str, Any] | None:
        """The version holding the champion alias and its loaded model, or None."""
        try:
            found = self.client.get_model_version_by_alias(name, CHAMPION)
        except mlflow.exceptions.MlflowException:
            return None
        # A registered version never changes: load it once per process, not once per call
        # (a re-grade after every decision asks for the champion). Keyed by its run, which no
        # other model shares even when a folder is wiped and a new "version 1" trained.
        version, run = str(found.version), str(found.run_id)
        if run not in _LOADED:
            _LOADED[run] = mlflow.sklearn.load_model(f"models:/{name}/{version}")
        return version, _LOADED[run]

    def model(self, name: str, version: str) -> Any:
        """Registered version ``version`` of ``name``, loaded from the registry."""
        return mlflow.sklearn.load_model(f"models:/{name}/{version}")

    def crown(self, name: str, version: str) -> None:
        self.client.set_registered_model_alias(name, CHAMPION, version)
        self.client.set_model_version_tag(name, version, "role", CHAMPION)

    def keep_as_challenger(self, name: str, version: str) -> None:
        self.client.set_model_version_tag(name, version, "role", CHALLENGER)

    def latest_run(self, experiment: str) -> dict[str, Any] | None:
        """Metrics and params of the most recent finished run of ``experiment``."""
        found = self.client.get_experiment_by_name(experiment)
        if not found:
            return None
        runs = self.client.search_runs(
            [found.experiment_id], "attributes.status = 'FINISHED'", max_results=1,
            order_by=["attributes.start_time DESC"],
        )  # fmt: skip
        if not runs:
            return None
        return {"run_id": runs[0].info.run_id, **runs[0].data.params, **runs[0].data.metrics}

    def download(self, run_id: str, path: str) -> Path:
        return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path))
