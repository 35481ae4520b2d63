"""The sampling policy: the default loads, its rates sit in the documented band, mistakes name
the file and the key."""

from pathlib import Path

import pytest

from credit_scoring.errors import ConfigError
from credit_scoring.policies.sampling import SamplingPolicy, load_sampling_policy

DATA = Path(__file__).parents[1] / "data" / "sampling"


def test_the_default_policy_keeps_a_typical_city_near_three_to_five_percent_a_year():
    policy = load_sampling_policy()
    mix = {"A": 0.25, "B": 0.63, "C": 0.09, "D": 0.03}  # the demo city's grades
    yearly = sum(
        share * policy.ordinary_rate * policy.relative_rates[g] for g, share in mix.items()
    )
    assert 0.03 <= yearly <= 0.05
    assert policy.relative_rates["A"] < 1 < policy.relative_rates["C"] < policy.relative_rates["D"]
    assert policy.mandated_frequency["catering"] == {"A": 0.5, "B": 1.0, "C": 2.0, "D": 3.0}


def test_a_minimal_valid_policy_loads():
    policy = load_sampling_policy(DATA / "minimal.yaml")
    assert policy.department("甲区综合行政执法局").regions == ("330203",)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ratio_of_b_not_one.yaml", "relative_rates: the ratios are relative to B"),
        ("unknown_stratum.yaml", r"relative_rates: unknown stratum \['E'\]"),
        ("unknown_domain.yaml", r"甲区综合行政执法局.domains: unknown domain code\(s\) \['kar"),
        ("one_inspector.yaml", "inspectors.per_inspection: Input should be greater than or eq"),
        ("unknown_key.yaml", "exploration_rate: Extra inputs are not permitted"),
        ("certain_c_without_d.yaml", "optimal: .*certain: a grade taken with certainty needs"),
    ],
)  # fmt: skip
def test_an_invalid_policy_fails_naming_the_file_and_the_key(name, message):
    with pytest.raises(ConfigError, match=message) as error:
        load_sampling_policy(DATA / name)
    assert name in str(error.value)


def test_a_default_scope_must_name_a_listed_department(tmp_path):
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "sampling.yaml"
    bad.write_text(text.replace("scope: {department: null", "scope: {department: 乙区"), "utf-8")
    with pytest.raises(ConfigError, match=r"scope\.department: '乙区' is not listed"):
        load_sampling_policy(bad)


def test_an_unknown_department_is_an_error_listing_the_known_ones():
    policy = load_sampling_policy(DATA / "minimal.yaml")
    with pytest.raises(ValueError, match="known: 甲区综合行政执法局"):
        policy.department("乙区")


def test_the_default_design_is_optimal_with_a_floor_of_a_fifth_of_the_uniform_rate():
    policy = load_sampling_policy()
    assert policy.design == "optimal"
    assert policy.optimal.floor == 0.2 and policy.optimal.certain == ()


def test_the_optimal_block_is_sealed_only_under_the_optimal_design():
    # A plan seals its policy's dump: under the ratio designs it is the text of before the
    # optimal design existed, and a policy stored then (without the block) still loads.
    policy = load_sampling_policy()
    assert policy.model_dump()["optimal"] == {"floor": 0.2, "certain": ()}
    for design in ("stratified", "pps"):
        dumped = policy.with_design(design).model_dump(mode="json")
        assert "optimal" not in dumped
        assert SamplingPolicy.model_validate(dumped) == policy.with_design(design)
