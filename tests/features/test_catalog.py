"""The catalog loads strictly: each deliberately broken file fails naming the file and the key."""

from pathlib import Path

import pytest

from credit_scoring.errors import ConfigError
from credit_scoring.features.catalog import load_catalog
from credit_scoring.policies.publicity import load_publicity_policy

DATA = Path(__file__).parents[1] / "data"


def test_the_project_catalog_loads_with_at_least_40_features():
    catalog = load_catalog()
    assert len(catalog) >= 40
    assert {f.name for f in catalog if not f.use_for_risk} == {"region_code", "industry_code"}
    assert "region_code" not in {f.name for f in catalog.risk_features()}


def test_the_primary_domain_is_a_segment_the_grader_builds_and_region_stays_out():
    # Given the project catalog, when the grader's features are chosen (risk_features),
    # then the primary domain is among them as the one segment, and region is not.
    risk = load_catalog().risk_features()
    assert risk.segments == ["primary_domain"]
    assert risk["primary_domain"].dtype == "category"
    assert "region_code" not in risk.segments and "region_code" not in {f.name for f in risk}


def test_a_good_example_loads():
    catalog = load_catalog(DATA / "good_catalog")
    assert catalog["penalty_count_365d"].window_days == 365


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bad_window", "penalty_count_365d.window: '1y' is not a duration like '365d'"),
        ("unknown_filter_column", "penalty_count_365d: filter: penalties has no column 'colour'"),
        ("unknown_filter_value", "penalty_count_365d: filter.tier: 'severe' is not one of"),
        ("unknown_aggregation", "penalty_count_365d.aggregation: Input should be 'count', 'sum'"),
        ("missing_reason", "penalty_count_365d.reason: Field required"),
        ("misspelt_key", "penalty_count_365d.windw: Extra inputs are not permitted"),
        (
            "share_without_denominator",
            "penalty_count_365d: share needs a denominator filter, and only share takes one",
        ),
        ("sum_without_column", "penalty_count_365d: sum needs a number column of penalties"),
        ("unknown_source", "penalty_count_365d: source 'fines' is not one of"),
        ("duplicate_name", "b.yaml: penalty_count_365d: already defined in"),
        ("not_yaml", "penalties.yaml: not valid YAML"),
        ("segment_not_category", "subject_age_days: a segment is a category the grade uses"),
    ],
)
def test_a_broken_catalog_fails_naming_file_feature_and_key(case, message):
    with pytest.raises(ConfigError) as raised:
        load_catalog(DATA / "bad_catalogs" / case)
    assert message in str(raised.value)
    assert str(DATA / "bad_catalogs" / case) in str(raised.value)


def test_publicity_regimes_must_follow_each_other(tmp_path):
    text = (Path(__file__).parents[2] / "models" / "publicity.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "publicity.yaml"
    broken.write_text(text.replace("effective_from: 2023-05-01", "effective_from: 2023-06-01"))
    with pytest.raises(
        ConfigError, match="regime '国家发展改革委令第58号' must start the day after"
    ):
        load_publicity_policy(broken)


def test_publicity_periods_must_cover_every_tier(tmp_path):
    text = (Path(__file__).parents[2] / "models" / "publicity.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "publicity.yaml"
    broken.write_text(text.replace("      minor: {min_months: 0, max_months: 3}\n", ""))
    with pytest.raises(
        ConfigError, match=r"regimes\.信用修复管理办法（2026）: periods lack the tier"
    ):
        load_publicity_policy(broken)
