"""Data for the model tests: a synthetic credit table with every awkward column, and a real table.

``credit_table`` is built to look like what the scorers meet in the field: count drivers with a
known direction, a fine amount that is missing exactly when there is no penalty, a 35-level
region, a sector with missing values, a yes/no flag, a constant column, an all-missing column, a
column named in Chinese and one with spaces, noise columns, and a label from a logistic model with
interactions (so a linear scorecard cannot be perfect and the trees have something to find).

``cancer_table`` is sklearn's bundled breast-cancer table (no download): 569 rows, 30 correlated
numeric columns, label 0 = malignant, here the positive class.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

# Direction of each driver in credit_table: +1 riskier as it grows, -1 safer.
CREDIT_DIRECTIONS = {
    "penalty_count_365d": 1,
    "fine_amount": 1,
    "complaints_substantiated": 1,
    "逾期次数": 1,
    "years in business": -1,
    "on_key_list": 1,
}


class Split(NamedTuple):
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


def credit_table(n: int = 20_000, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """The synthetic credit table and its 0/1 label (1 = adverse outcome, about 15 %)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)  # an unobserved risk the counts all partly reflect
    penalties = rng.poisson(0.35 * np.exp(0.6 * latent))
    fine = np.where(penalties > 0, rng.lognormal(7.0, 1.2, n) * penalties, np.nan)
    complaints = rng.poisson(0.25 * np.exp(0.5 * latent))
    overdue = rng.poisson(0.5 * np.exp(0.4 * latent))
    years = np.round(rng.gamma(2.0, 4.0, n), 1)
    years[rng.random(n) < 0.08] = np.nan  # registration date unknown
    regions = np.array([f"R{i:02d}" for i in range(35)])
    region_effect = dict(zip(regions, rng.normal(0.0, 0.45, len(regions)), strict=True))
    region = rng.choice(regions, n, p=_zipf_shares(len(regions)))
    sectors = np.array(["catering", "street_shop", "construction", "transport", "market", "ads"])
    sector_effect = dict(zip(sectors, [0.5, 0.0, 0.4, 0.3, -0.2, -0.4], strict=True))
    sector = rng.choice(sectors, n).astype(object)
    key_list = rng.random(n) < 0.04 + 0.04 * (latent > 1)

    logit = (
        -2.6
        + 0.45 * np.minimum(penalties, 4)
        + 0.12 * np.log1p(np.nan_to_num(fine))
        + 0.30 * complaints
        + 0.30 * overdue
        - 0.05 * np.nan_to_num(years, nan=4.0)
        + np.vectorize(region_effect.get)(region)
        + np.vectorize(sector_effect.get)(sector)
        + 0.9 * key_list
        + 0.35 * penalties * (sector == "catering")  # interaction: penalties weigh more in catering
        + 0.04 * complaints * np.nan_to_num(years, nan=4.0) * (years < 3)  # young and complained
        + 0.3 * latent
    )
    sector[rng.random(n) < 0.05] = None
    y = pd.Series((rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int), name="adverse")
    X = pd.DataFrame(
        {
            "penalty_count_365d": penalties,
            "fine_amount": fine,
            "complaints_substantiated": complaints,
            "逾期次数": overdue,
            "years in business": years,
            "region": pd.Series(region, dtype="category"),
            "sector": pd.Series(sector, dtype=object),
            "on_key_list": key_list,
            "constant": np.ones(n),
            "all_missing": np.full(n, np.nan),
            "noise_1": rng.normal(size=n),
            "noise_2": rng.uniform(size=n),
            "noise_cat": pd.Series(rng.choice(["u", "v", "w", "x"], n), dtype="str"),
        }
    )
    return X, y


def _zipf_shares(k: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1) ** 0.8  # a few big districts, many small ones
    return weights / weights.sum()


def cancer_table() -> tuple[pd.DataFrame, pd.Series]:
    """Breast-cancer table; the label is 1 for malignant (sklearn codes malignant as 0)."""
    data = load_breast_cancer(as_frame=True)
    return data.data, (1 - data.target).rename("malignant")


def split(X: pd.DataFrame, y: pd.Series, test_size: float = 0.3, seed: int = 0) -> Split:
    """A fixed, stratified train/test split."""
    parts = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    return Split(*parts)
