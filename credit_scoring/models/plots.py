"""Figures a training run logs: ROC, calibration, grade distribution, SHAP summary.

matplotlib is used without a display (the Agg backend) and every function returns a figure for
the caller to log and close.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score, roc_curve

from credit_scoring.models.metrics import calibration_table

__all__ = ["calibration", "grade_distribution", "roc", "shap_summary"]


def roc(y: np.ndarray, probabilities: pd.DataFrame) -> Figure:
    figure, axes = plt.subplots(figsize=(5, 5))
    for name in probabilities.columns:
        fpr, tpr, _ = roc_curve(y, probabilities[name])
        axes.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, probabilities[name]):.3f})")
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    axes.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC, validation")
    axes.legend(loc="lower right")
    plt.close(figure)
    return figure


def calibration(y: np.ndarray, probability: pd.Series) -> Figure:
    table = calibration_table(y, probability.to_numpy())
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot(table["predicted"], table["observed"], marker="o")
    top = float(max(table["predicted"].max(), table["observed"].max()))
    axes.plot([0, top], [0, top], linestyle=":", color="grey")
    axes.set(xlabel="predicted adverse rate", ylabel="observed", title="Calibration by decile")
    plt.close(figure)
    return figure


def grade_distribution(grades: pd.Series, y: np.ndarray) -> Figure:
    frame = pd.DataFrame({"grade": grades.to_numpy(), "y": y})
    table = frame.groupby("grade")["y"].agg(["size", "mean"]).reindex(list("ABCD")).fillna(0)
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.bar(table.index, table["size"], color="#4c72b0")
    axes.set(ylabel="subjects", title="Grades on the validation window")
    rate = axes.twinx()
    rate.plot(table.index, table["mean"], color="#c44e52", marker="o")
    rate.set_ylabel("observed adverse rate")
    plt.close(figure)
    return figure


def shap_summary(contributions: pd.DataFrame, X: pd.DataFrame, top: int = 15) -> Figure:
    """Mean absolute SHAP value per feature (the GBM's log-odds contributions)."""
    values = contributions.drop(columns=["base_value"], errors="ignore")
    mean_abs = values.abs().mean().sort_values().tail(top)
    figure, axes = plt.subplots(figsize=(6, 0.35 * len(mean_abs) + 1))
    axes.barh(mean_abs.index, mean_abs.to_numpy(), color="#55a868")
    axes.set(xlabel="mean |SHAP| (log-odds)", title="What drives the GBM")
    plt.close(figure)
    return figure
