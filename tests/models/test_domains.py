"""分类 — by domain: the per-domain report, per-domain intercepts and cut-offs in the grade
policy, training that reports each domain and registers exactly the bundle it is given."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_scoring.errors import ConfigError
from credit_scoring.features import load_catalog
from credit_scoring.grading import MODEL_NAME, Grader
from credit_scoring.models._calibration import DomainIntercepts
from credit_scoring.models.bundle import ScorerBundle
from credit_scoring.models.domains import domain_metrics, domain_report, domain_reports
from credit_scoring.models.grading import grade_by_probability, policy_domains
from credit_scoring.models.tracking import Tracking
from credit_scoring.models.training import fit_bundle, prepare, train
from credit_scoring.policies import load_grading_policy
from credit_scoring.policies.grading import DomainSettings
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

AS_OF = dt.date(2026, 9, 30)
POLICY_FILE = Path(__file__).parents[2] / "models" / "grading.yaml"


def _with_domains(**settings) -> object:
    policy = load_grading_policy()
    return policy.model_copy(update={"domains": DomainSettings(**settings)})


# --- the report --------------------------------------------------------------------------------


def test_the_report_gives_each_domain_its_auc_calibration_and_grades():
    y = np.array([0, 1, 0, 0, 0, 1, 0, 0])
    p = np.array([0.1, 0.6, 0.2, 0.3, 0.1, 0.2, 0.4, 0.1])
    grades = np.array(list("ADBCABCA"))
    domains = np.array(["catering"] * 4 + ["parking"] * 3 + [None], dtype=object)
    report = domain_report(y, p, grades, domains)
    assert list(report.index) == ["catering", "parking", "none", "all"]  # largest first
    catering = report.loc["catering"]
    assert catering["subjects"] == 4 and catering["observed"] == 0.25
    assert catering["predicted"] == pytest.approx(0.3)
    assert catering["gap"] == pytest.approx(0.05)  # predicted − observed
    assert catering["auc"] == 1.0  # its one adverse subject has its highest probability
    assert catering[["share_A", "share_B", "share_C", "share_D"]].tolist() == [0.25] * 4
    assert np.isnan(report.loc["none", "auc"])  # one class only
    assert report.loc["all", "subjects"] == 8


def test_metrics_are_named_by_scorer_metric_and_domain_and_leave_out_nan():
    report = domain_report([0, 1, 0], [0.1, 0.5, 0.2], ["A", "C", "B"], ["catering"] * 2 + [None])
    metrics = domain_metrics(report, "gbm_")
    assert metrics["gbm_auc_domain_catering"] == 1.0
    assert metrics["gbm_share_C_domain_catering"] == 0.5
    assert "gbm_auc_domain_none" not in metrics  # NaN: one class


# --- the intercepts ----------------------------------------------------------------------------


def test_intercepts_bring_a_large_domain_to_its_rate_shrink_a_small_one_and_keep_the_ranking():
    # Given 10% predicted everywhere; observed 20% in a large and in a small domain, 10% in one,
    sizes = {"large": 3000, "small": 60, "fair": 3000}
    observed = {"large": 0.2, "small": 0.2, "fair": 0.1}
    domains = np.concatenate([[d] * n for d, n in sizes.items()]).astype(object)
    y = np.concatenate([np.arange(n) < observed[d] * n for d, n in sizes.items()]).astype(int)
    model = DomainIntercepts().fit(np.full(len(y), 0.1), y, domains)
    # then the large domain moves nearly the whole way (log-odds 0.81), the small one less,
    unshrunk = np.log(0.2 / 0.8) - np.log(0.1 / 0.9)
    assert model.shifts_["large"] == pytest.approx(unshrunk, abs=0.01)
    assert 0.2 < model.shifts_["small"] < model.shifts_["large"] - 0.2
    assert model.shifts_["fair"] == pytest.approx(0.0, abs=1e-9)
    # a domain's ranking is kept, a domain never seen (or none) keeps its probability, and
    # ``only`` limits the domains shifted.
    p = np.random.default_rng(0).uniform(0.02, 0.2, 50)
    shifted = model.predict(p, ["large"] * 50)
    assert (shifted > p).all() and np.argsort(shifted).tolist() == np.argsort(p).tolist()
    assert model.predict(p[:2], ["unseen", None]).tolist() == p[:2].tolist()
    assert model.predict(p[:1], ["large"], only=("fair",)).tolist() == p[:1].tolist()


# --- the policy --------------------------------------------------------------------------------


def test_by_default_no_domain_is_treated_apart():
    policy = load_grading_policy()
    assert not policy.domains.active
    assert "primary_domain" not in policy.features
    assert policy_domains({"uscc": ["x"]}, policy) is None  # nor needed


def test_a_domain_cut_off_bands_only_its_own_subjects():
    policy = _with_domains(probability_cutoffs={"catering": {"A": 0.02, "B": 0.05, "C": 0.1}})
    probability = np.array([0.04, 0.04, 0.04, 0.2])
    domains = np.array(["catering", "parking", None, "catering"], dtype=object)
    assert grade_by_probability(probability, policy, domains).tolist() == ["B", "A", "A", "D"]
    assert grade_by_probability(probability, policy).tolist() == ["A", "A", "A", "C"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  calibrate: []", "  calibrate: [cateing]", "calibrate: 'cateing' is not a domain"),
        (
            "  probability_cutoffs: {}",
            "  probability_cutoffs: {parking: {A: 0.2, B: 0.1, C: 0.3}}",
            "parking's cut-offs must give 0 < A < B < C < 1",
        ),
        ("  calibrate: []", "  calibrate: some", "domains.calibrate"),
    ],
    ids=["unknown domain", "cut-offs out of order", "neither all nor a list"],
)
def test_a_broken_domain_section_fails_naming_the_file_and_the_key(tmp_path, old, new, message):
    broken = tmp_path / "grading.yaml"
    broken.write_text(POLICY_FILE.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_grading_policy(broken)
    assert str(broken) in str(raised.value) and message in str(raised.value)


def test_per_domain_settings_need_the_primary_domain():
    policy = _with_domains(calibrate="all")
    assert "primary_domain" in policy.features
    with pytest.raises(ConfigError, match="needs feature 'primary_domain'"):
        policy_domains({"uscc": ["x"]}, policy)


# --- training on a small city -----------------------------------------------------------------


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("domains")
    files = generate_city(folder / "city", n_subjects=2500, seed=8, end=AS_OF)
    store = Store(folder / "credit.duckdb")
    ingest_directory(store, files.out_dir)
    catalog = load_catalog().risk_features()
    data = prepare(store, catalog, as_of=AS_OF, origins=2)
    bundle = fit_bundle(data, catalog, seed=3)
    yield store, catalog, data, bundle, folder
    store.close()


def test_the_primary_domain_is_never_a_scorer_input(city):
    _, _, data, bundle, _ = city
    assert data.segments == ["primary_domain"]
    assert "primary_domain" not in bundle.features_
    assert "primary_domain" not in bundle.gbm_.feature_names_in_
    assert "region_code" not in data.train.columns  # never even computed for training
    assert set(bundle.domain_intercepts_) == {"rules", "scorecard", "gbm"}


def test_train_registers_the_given_bundle_without_fitting_it_again(city, monkeypatch):
    store, catalog, data, bundle, folder = city

    def refit(*args, **kwargs):
        raise AssertionError("train() fitted the bundle it was given")

    monkeypatch.setattr(ScorerBundle, "fit", refit)
    tracking = Tracking(folder / "registered")
    result = train(store, as_of=AS_OF, tracking=tracking, catalog=catalog, data=data,
                   bundle=bundle)  # fmt: skip
    X, _ = data.xy(data.evaluate)
    registered = tracking.model(MODEL_NAME, result.model_version)
    assert registered.probabilities(X).equals(bundle.probabilities(X))
    run = tracking.client.get_run(result.run_id)
    assert run.data.params["seed"] == "3"  # the bundle's own seed
    # Every training run reports each domain on the evaluation half, named by the scorer.
    domains = set(data.evaluate["primary_domain"].dropna())
    assert {f"gbm_auc_domain_{d}" for d in domains} <= set(run.data.metrics)
    assert set(result.domains.index) == domains | {"all"}
    tables = {a.path for a in tracking.client.list_artifacts(result.run_id, "tables")}
    assert "tables/domains.csv" in tables


def test_a_bundle_fitted_as_of_another_date_is_refused(city, tmp_path):
    store, catalog, _, bundle, _ = city
    with pytest.raises(ValueError, match="fitted as of 2026-09-30, not 2026-06-30"):
        train(store, as_of=dt.date(2026, 6, 30), tracking=Tracking(tmp_path), catalog=catalog,
              bundle=bundle)  # fmt: skip


def test_calibrating_by_domain_moves_each_domains_level_not_its_ranking(city):
    _, catalog, data, bundle, _ = city
    # On the calibration half, where the intercepts were fitted:
    reports = domain_reports(Grader(catalog, load_grading_policy(), bundle), data.calibrate)
    before, after = reports["as graded"], reports["calibrated by domain"]
    big = before.index[(before["subjects"] >= 100) & (before.index != "all")]
    assert after.loc[big, "gap"].abs().mean() < before.loc[big, "gap"].abs().mean()
    pd.testing.assert_series_equal(after.loc[big, "auc"], before.loc[big, "auc"])


def test_one_subject_is_graded_as_the_batch_under_per_domain_settings(city):
    store, catalog, _, bundle, _ = city
    cut = {"A": 0.03, "B": 0.08, "C": 0.2}
    policy = _with_domains(calibrate=("catering", "street_shop"),
                           probability_cutoffs={"catering": cut, "market": cut})  # fmt: skip
    grader = Grader(catalog, policy, bundle, "candidate")
    batch = grader.grade_store(store, as_of=AS_OF).set_index("uscc")
    plain = Grader(catalog, load_grading_policy(), bundle, "candidate").grade_store(
        store, as_of=AS_OF
    )
    assert (batch["pd"].to_numpy() != plain["pd"].to_numpy()).any()  # the settings bite
    for uscc in batch.index[:: max(1, len(batch) // 25)]:
        one = grader.explain(store, uscc, as_of=AS_OF)
        assert (one.grade, one.pd) == (batch.at[uscc, "grade"], pytest.approx(batch.at[uscc, "pd"]))


def test_a_policy_that_calibrates_needs_a_model_with_intercepts(city):
    _, catalog, data, bundle, _ = city
    old = ScorerBundle.__new__(ScorerBundle)
    old.__dict__.update({k: v for k, v in vars(bundle).items() if k != "domain_intercepts_"})
    X, _ = data.xy(data.evaluate)
    with pytest.raises(ConfigError, match="no per-domain intercepts: train it again"):
        Grader(catalog, _with_domains(calibrate="all"), old).grade(X)
