"""Train the three scorers "as of" a date, validate out of time, track in MLflow, crown a champion.

Training as of ``D`` uses only what was known on ``D``. The validation origin is ``D − horizon``:
its labels fill ``(D − horizon, D]``. The training origins come before it, every one of their
label windows ending on or before the validation origin, so no training label overlaps the
window the models are judged on. The validation subjects are split in two by a hash of their
USCC: one half serves the GBM's early stopping and calibration, the other is only ever scored.

A new model version is registered every run; it takes the ``champion`` alias only if its GBM
beats the current champion's on the same evaluation half (AUC); otherwise it stays a challenger.
Every run also reports each domain's AUC, calibration and grades on the evaluation half (分类:
:func:`credit_scoring.models.domains.domain_report`). A notebook that fits and inspects a bundle
first (:func:`prepare`, :func:`fit_bundle`) hands both to :func:`train`, which then registers
exactly that bundle instead of fitting another.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.features.catalog import Catalog, load_catalog
from credit_scoring.features.labels import LABEL_KINDS, rolling_origins, training_set
from credit_scoring.grading import MODEL_NAME, Grader
from credit_scoring.models import plots
from credit_scoring.models.bundle import SCORERS, ScorerBundle, monotone_from_catalog
from credit_scoring.models.domains import domain_metrics, domain_report
from credit_scoring.models.metrics import (
    adverse_rate_by_grade,
    calibration_table,
    population_stability_index,
    validation_metrics,
)
from credit_scoring.models.tracking import Tracking
from credit_scoring.policies import GradingPolicy, catalog_dir, load_grading_policy, policy_path
from credit_scoring.policies.grading import DOMAIN_FEATURE
from credit_scoring.records.store import Store
from credit_scoring.settings import Settings

__all__ = [
    "EXPERIMENT", "TrainResult", "TrainingData", "fit_bundle", "prepare", "train", "train_store",
    "validation_window",
]  # fmt: skip

EXPERIMENT = "credit-grades"
_NOT_FEATURES = {"uscc", "as_of", "adverse", *LABEL_KINDS}


@dataclass(frozen=True)
class TrainingData:
    """Training rows (several origins), and the out-of-time window split in two halves.

    ``features`` are what the scorers learn from; ``segments`` (the primary domain) ride along
    in :meth:`xy` for the grade policy and the per-domain reports, and are never learned from.
    """

    train: pd.DataFrame
    calibrate: pd.DataFrame
    evaluate: pd.DataFrame
    features: list[str]
    origins: list[dt.date]
    validation_origin: dt.date
    segments: list[str] = field(default_factory=list)
    as_of: dt.date | None = None

    def xy(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        return frame[["uscc", *self.features, *self.segments]], frame["adverse"].to_numpy()

    def domains(self, frame: pd.DataFrame) -> pd.Series | None:
        """Each row's primary domain, if the catalog has it."""
        return frame[DOMAIN_FEATURE] if DOMAIN_FEATURE in self.segments else None


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    model_version: str
    champion: bool
    metrics: dict[str, dict[str, float]]
    champion_auc: float | None
    grade_rates: pd.DataFrame
    data_window: dict[str, str]
    seconds: float
    psi: float | None = None
    notes: list[str] = field(default_factory=list)
    domains: pd.DataFrame | None = None  # domain_report of the evaluation half, as graded


def prepare(
    store: Store,
    catalog: Catalog,
    *,
    as_of: dt.date,
    horizon_days: int = 365,
    origins: int = 4,
    step_days: int = 91,
) -> TrainingData:
    """Training set over rolling origins and the out-of-time validation window, as of ``as_of``."""
    validation_origin = as_of - dt.timedelta(days=horizon_days)
    starts = rolling_origins(
        validation_origin, count=origins, step_days=step_days, horizon_days=horizon_days
    )
    train = training_set(
        store, catalog, starts, horizon_days=horizon_days, known_by=validation_origin
    )
    calibrate, evaluate = validation_window(store, catalog, as_of=as_of, horizon_days=horizon_days)
    segments = [name for name in catalog.segments if name in train.columns]
    features = [c for c in train.columns if c not in _NOT_FEATURES and c not in segments]
    return TrainingData(
        train, calibrate, evaluate, features, starts, validation_origin, segments, as_of
    )


def validation_window(
    store: Store, catalog: Catalog, *, as_of: dt.date, horizon_days: int = 365
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The out-of-time window of training as of ``as_of`` — features at ``as_of − horizon``,
    labels over the horizon — split by a hash of the USCC into the calibration half and the
    evaluation half, which no model trained as of ``as_of`` has seen."""
    origin = as_of - dt.timedelta(days=horizon_days)
    window = training_set(store, catalog, [origin], horizon_days=horizon_days, known_by=as_of)
    # A stable hash of the USCC, so the same subject always lands in the same half.
    half = pd.util.hash_pandas_object(window["uscc"], index=False).to_numpy() % 2
    return window[half == 0], window[half == 1]


def fit_bundle(
    data: TrainingData,
    catalog: Catalog,
    *,
    seed: int = 0,
    gbm_params: dict[str, Any] | None = None,
) -> ScorerBundle:
    """The three scorers fitted on ``data`` as :func:`train` fits them: on the training rows,
    the GBM stopped early and calibrated on the calibration half, where each scorer's
    per-domain intercepts are fitted too. The evaluation half is left untouched.

    Examples
    --------
    >>> data = prepare(store, catalog, as_of=dt.date(2026, 9, 30))  # doctest: +SKIP
    >>> bundle = fit_bundle(data, catalog, seed=7)  # doctest: +SKIP
    >>> train(store, as_of=data.as_of, tracking=tracking,
    ...       data=data, bundle=bundle)  # doctest: +SKIP
    """
    monotone = monotone_from_catalog(catalog, data.features)
    X, y = data.xy(data.train)
    held = data.xy(data.calibrate)
    bundle = ScorerBundle(data.features, monotone, data.as_of, seed, gbm_params)
    return bundle.fit(X, y, held, eval_domains=data.domains(data.calibrate))


def train(
    store: Store,
    *,
    as_of: dt.date,
    tracking: Tracking,
    catalog: Catalog | None = None,
    policy: GradingPolicy | None = None,
    seed: int = 0,
    horizon_days: int = 365,
    origins: int = 4,
    gbm_params: dict[str, Any] | None = None,
    data: TrainingData | None = None,
    bundle: ScorerBundle | None = None,
) -> TrainResult:
    """Fit, validate, log and register; crown the new model only if it beats the champion.

    ``data`` (from :func:`prepare`) and ``bundle`` (from :func:`fit_bundle` on that data), both
    as of ``as_of``, are used as given: the version registered is then that very bundle.
    """
    started = time.perf_counter()
    catalog = (catalog or load_catalog()).risk_features()
    policy = policy or load_grading_policy()
    if bundle is not None and bundle.trained_as_of != as_of:  # before any work
        raise ValueError(f"the bundle was fitted as of {bundle.trained_as_of}, not {as_of}")
    if data is None:
        data = prepare(store, catalog, as_of=as_of, horizon_days=horizon_days, origins=origins)
    if bundle is None:
        bundle = fit_bundle(data, catalog, seed=seed, gbm_params=gbm_params)
    _check_same_data(data, bundle, as_of)
    seed = bundle.random_state  # the bundle's own, when it was fitted elsewhere
    Xe, ye = data.xy(data.evaluate)
    probabilities = bundle.probabilities(Xe)
    metrics = {name: validation_metrics(ye, probabilities[name].to_numpy()) for name in SCORERS}
    window = _data_window(data, as_of, (as_of - data.validation_origin).days)
    grades = Grader(catalog, policy, bundle, "candidate").grade(Xe)
    rates = adverse_rate_by_grade(ye, grades["grade"].to_numpy())
    by_domain = _by_domain(data, ye, grades)
    previous = tracking.latest_run(EXPERIMENT)
    tags = {"as_of": as_of.isoformat(), "seed": str(seed)}
    with tracking.run(EXPERIMENT, f"train-{as_of}", tags) as log:
        _log_inputs(log, seed, window, bundle.monotone or {}, bundle, data)
        for name, values in metrics.items():
            log.metrics(values, prefix=f"{name}_")
        log.table(rates.reset_index(), "adverse_rate_by_grade.csv")
        log.table(calibration_table(ye, probabilities["gbm"].to_numpy()), "calibration_gbm.csv")
        log.table(pd.DataFrame({"gbm_pd": probabilities["gbm"]}), "validation_scores.csv")
        psi = _psi_against(tracking, previous, probabilities["gbm"].to_numpy())
        if psi is not None:
            log.metrics({"gbm_psi_vs_previous": psi})
        if by_domain is not None:  # named by the scorer that grades: gbm_auc_domain_catering
            log.metrics(domain_metrics(by_domain, f"{policy.authoritative}_"))
            log.table(by_domain.reset_index(), "domains.csv")
            log.figure(plots.domain_calibration(by_domain), "domains.png")
        _log_plots(log, ye, probabilities, grades, bundle, Xe)
        uri = log.model(bundle, "model")
        run_id = log.run_id
    version = tracking.register(uri, MODEL_NAME, {"as_of": as_of.isoformat(), "run_id": run_id})
    crowned, champion_auc, notes = _crown_if_better(
        tracking, version, Xe, ye, metrics["gbm"]["auc"]
    )
    return TrainResult(
        run_id, version, crowned, metrics, champion_auc, rates, window,
        round(time.perf_counter() - started, 1), psi, notes, by_domain,
    )  # fmt: skip


def train_store(settings: Settings, *, as_of: dt.date, **options: Any) -> tuple[TrainResult, Path]:
    """:func:`train` on the store ``settings.db_path``, tracked in ``settings.mlruns`` (else the
    registry the store recorded, else ``settings.new_registry``), and record that registry in
    the store, so later commands on it grade with its champion without being told. Returns the
    result and the registry.

    The store is only read while training (other readers keep working) and written once after;
    it may be a sharded store (:mod:`credit_scoring.distributed`), read as one.
    """
    from credit_scoring.distributed.store import open_store

    with open_store(settings.db_path, read_only=True) as store:
        registry = settings.mlruns or store.registry or settings.new_registry
        result = train(store, as_of=as_of, tracking=Tracking(registry), **options)
    with open_store(settings.db_path) as store:
        store.remember_registry(registry)
    return result, registry


def _by_domain(data: TrainingData, y: np.ndarray, grades: pd.DataFrame) -> pd.DataFrame | None:
    """The evaluation half by primary domain, as graded (None without the domain)."""
    domains = data.domains(data.evaluate)
    return None if domains is None else domain_report(y, grades["pd"], grades["grade"], domains)


def _check_same_data(data: TrainingData, bundle: ScorerBundle, as_of: dt.date) -> None:
    """A bundle or data given to :func:`train` must be of this date and these features."""
    if data.as_of not in (None, as_of):
        raise ValueError(f"the training data are as of {data.as_of}, not {as_of}")
    fitted = getattr(bundle, "features_", None)
    if fitted is None:
        raise ValueError("the bundle given to train() is not fitted: fit it with fit_bundle")
    if list(fitted) != list(data.features):
        raise ValueError(
            "the bundle was fitted on other features than the training data: fit it with "
            "fit_bundle on the same prepare() data"
        )


def _data_window(data: TrainingData, as_of: dt.date, horizon_days: int) -> dict[str, str]:
    return {
        "known_by": as_of.isoformat(),
        "train_origins": ",".join(o.isoformat() for o in data.origins),
        "validation_origin": data.validation_origin.isoformat(),
        "horizon_days": str(horizon_days),
        "train_rows": str(len(data.train)),
        "calibration_rows": str(len(data.calibrate)),
        "evaluation_rows": str(len(data.evaluate)),
        "train_adverse_rate": f"{data.train['adverse'].mean():.4f}",
    }


def _log_inputs(
    log: Any, seed: int, window: dict[str, str], monotone: dict[str, int],
    bundle: ScorerBundle, data: TrainingData,
) -> None:  # fmt: skip
    """Parameters, the data window and the exact catalog and policy files, with their hashes."""
    log.params({"seed": seed, **window, "features": len(data.features)})
    log.params({f"gbm_{k}": v for k, v in bundle.gbm_.get_params().items() if k != "monotone"})
    log.json({"monotone": monotone, "features": data.features}, "inputs/features.json")
    for path in sorted(catalog_dir().glob("*.yaml")):
        log.file(path, "inputs/features")
    for name in ("rules.yaml", "grading.yaml", "publicity.yaml"):
        log.file(policy_path(name), "inputs/models")


def _log_plots(
    log: Any, y: np.ndarray, probabilities: pd.DataFrame, grades: pd.DataFrame,
    bundle: ScorerBundle, X: pd.DataFrame,
) -> None:  # fmt: skip
    log.figure(plots.roc(y, probabilities), "roc.png")
    log.figure(plots.calibration(y, probabilities["gbm"]), "calibration.png")
    log.figure(plots.grade_distribution(grades["grade"], y), "grades.png")
    sample = X.sample(min(len(X), 2000), random_state=0)[bundle.features_]
    log.figure(plots.shap_summary(bundle.gbm_.contributions(sample), sample), "shap_summary.png")


def _psi_against(
    tracking: Tracking, previous: dict[str, Any] | None, scores: np.ndarray
) -> float | None:
    if previous is None:
        return None
    try:
        path = tracking.download(previous["run_id"], "tables/validation_scores.csv")
    except Exception:  # an older run without the table: nothing to compare against
        return None
    return population_stability_index(pd.read_csv(path)["gbm_pd"].to_numpy(), scores)


def _crown_if_better(
    tracking: Tracking, version: str, X: pd.DataFrame, y: np.ndarray, auc: float
) -> tuple[bool, float | None, list[str]]:
    """Score the current champion on the same evaluation half; crown the new one if it is better."""
    current = tracking.champion(MODEL_NAME)
    if current is None:
        tracking.crown(MODEL_NAME, version)
        return True, None, ["no champion yet: the new model takes the alias"]
    champion_version, champion = current
    try:
        champion_auc = validation_metrics(y, champion.predict_proba(X)[:, 1])["auc"]
    except (KeyError, ValueError) as error:  # trained on another catalog: cannot be compared
        tracking.crown(MODEL_NAME, version)
        return True, None, [f"champion v{champion_version} cannot score this window ({error})"]
    if auc > champion_auc:
        tracking.crown(MODEL_NAME, version)
        return True, champion_auc, [f"beats champion v{champion_version}"]
    tracking.keep_as_challenger(MODEL_NAME, version)
    return False, champion_auc, [f"champion v{champion_version} kept: AUC {champion_auc:.4f}"]
