"""Choosing the GBM's capacity: the reference stays unless another capacity beats it clearly."""

import numpy as np
import pytest

from credit_scoring.models._capacity import REFERENCE, Trial, best, candidates, inner_folds


def trial(leaves: int, row_loss: list[float]) -> Trial:
    losses = np.asarray(row_loss, dtype="float64")
    capacity = {**REFERENCE, "num_leaves": leaves}
    return Trial(capacity, 100, float(losses.mean()), 0.7, losses)


def test_a_capacity_that_is_better_on_every_row_replaces_the_reference():
    reference = trial(15, [0.50, 0.40, 0.60, 0.30])
    stumps = trial(2, [0.45, 0.36, 0.55, 0.26])  # lower on every row: far beyond one error
    assert best([stumps, reference], reference=1) == 0


def test_a_lower_loss_inside_one_standard_error_leaves_the_reference():
    reference = trial(15, [0.50, 0.40, 0.60, 0.30])
    lucky = trial(31, [0.20, 0.70, 0.30, 0.59])  # 0.0025 lower on average, rows all over
    assert lucky.log_loss < reference.log_loss
    assert best([reference, lucky], reference=0) == 0


def test_the_reference_stays_when_it_is_the_best():
    reference = trial(15, [0.3, 0.3])
    assert best([trial(2, [0.5, 0.5]), reference], reference=1) == 1


def test_fixed_parameters_go_into_every_candidate_and_duplicates_go():
    found, reference = candidates({"num_leaves": 7, "learning_rate": None})
    assert {capacity["num_leaves"] for capacity in found} == {7}
    assert len({tuple(sorted(c.items())) for c in found}) == len(found)
    assert found[reference] == {**REFERENCE, "num_leaves": 7}


def test_folds_need_enough_rows_of_the_rarer_class():
    y = np.array([0] * 50 + [1] * 3)
    with pytest.raises(ValueError, match=r"cv=5 needs at least 5 rows of each class; .* has 3"):
        inner_folds(y, 5, seed=0)
    assert len(inner_folds(y, 3, seed=0)) == 3
