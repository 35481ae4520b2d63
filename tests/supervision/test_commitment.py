"""The commitment: it verifies, and any change to the seed, parameters or list breaks it."""

import hashlib

import pandas as pd

from credit_scoring.supervision.commitment import commitment

USCC = pd.Series(["91350200776049653A", "91440101MA5CJQ4N59", "913502000728319549"])
STRATA = pd.Series(["A", "B", "D"])
RISK = pd.Series([0.02, 0.1, 0.45])
PARAMETERS = {"as_of": "2026-09-30", "budget": 2, "design": "stratified", "scope": {}}


def test_the_commitment_is_the_documented_sha256_of_seed_parameters_and_list():
    # An outside checker can rebuild the digest from the documented text form.
    text = (
        "credit-scoring plan commitment v1\nseed=7\n"
        '{"as_of":"2026-09-30","budget":2,"design":"stratified","scope":{}}\n'
        "91350200776049653A,A,0.02\n91440101MA5CJQ4N59,B,0.1\n913502000728319549,D,0.45\n"
    )
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert commitment(7, PARAMETERS, USCC, STRATA, RISK) == expected


def test_any_change_to_the_inputs_changes_the_commitment():
    sealed = commitment(7, PARAMETERS, USCC, STRATA, RISK)
    changed = [
        commitment(8, PARAMETERS, USCC, STRATA, RISK),
        commitment(7, {**PARAMETERS, "budget": 3}, USCC, STRATA, RISK),
        commitment(7, PARAMETERS, USCC.iloc[:2], STRATA.iloc[:2], RISK.iloc[:2]),
        commitment(7, PARAMETERS, USCC.replace("91350200776049653A", "91350200776049653B"),
                   STRATA, RISK),
        commitment(7, PARAMETERS, USCC, pd.Series(["B", "B", "D"]), RISK),
        commitment(7, PARAMETERS, USCC, STRATA, pd.Series([0.02, 0.1, 0.45 + 1e-16])),
    ]  # fmt: skip
    assert all(c != sealed for c in changed)
    assert len(set(changed)) == len(changed)
