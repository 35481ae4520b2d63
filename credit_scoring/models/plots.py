"""Figures a training run logs — ROC, calibration, grade distribution, SHAP summary, calibration
by domain — and those of the drift notebook: PSI per feature and the grade migration matrix.

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

__all__ = [
    "calibration", "domain_calibration", "grade_distribution", "grade_migration", "roc",
    "shap_summary", "stability",
]  # fmt: skip


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


def domain_calibration(report: pd.DataFrame, title: str = "Calibration by domain") -> Figure:
    """Predicted against observed adverse rate per domain (a ``domain_report``), with ±2
    standard errors of the observed rate: a domain off the diagonal beyond them is mis-graded."""
    rows = report.drop(index="all", errors="ignore")
    figure, axes = plt.subplots(figsize=(6, 5))
    axes.errorbar(rows["predicted"], rows["observed"], yerr=2 * rows["gap_se"], fmt="o",
                  color="#4c72b0", ecolor="#9fb4d6")  # fmt: skip
    for domain, row in rows.iterrows():
        axes.annotate(str(domain), (row["predicted"], row["observed"]), fontsize=8,
                      xytext=(4, 2), textcoords="offset points")  # fmt: skip
    top = float(np.nanmax([rows["predicted"].max(), (rows["observed"] + 2 * rows["gap_se"]).max()]))
    axes.plot([0, top], [0, top], linestyle=":", color="grey")
    axes.set(xlabel="mean predicted adverse rate", ylabel="observed (±2 s.e.)",
             title=title)  # fmt: skip
    plt.close(figure)
    return figure


def stability(table: pd.DataFrame, top: int = 20) -> Figure:
    """PSI per feature (a ``stability_table``), largest first, against 0.1 (watch) and 0.25
    (act)."""
    largest = table["psi"].dropna().sort_values().tail(top)
    figure, axes = plt.subplots(figsize=(6, 0.3 * len(largest) + 1.2))
    axes.barh(largest.index.astype(str), largest.to_numpy(), color="#8172b2")
    for level, colour in ((0.1, "#dd8452"), (0.25, "#c44e52")):
        axes.axvline(level, linestyle=":", color=colour)
    axes.set(xlabel="PSI", title="Population stability between the two dates")
    plt.close(figure)
    return figure


def grade_migration(matrix: pd.DataFrame) -> Figure:
    """The grade migration matrix (rows: before, columns: after) as shares of each row."""
    counts = matrix.to_numpy(dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    figure, axes = plt.subplots(figsize=(4.5, 4))
    axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(counts.astype(int)):
        colour = "white" if shares[i, j] > 0.6 else "black"
        axes.text(j, i, f"{count:,}", ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(len(matrix.columns)), [str(c) for c in matrix.columns])
    axes.set_yticks(range(len(matrix.index)), [str(i) for i in matrix.index])
    axes.set(xlabel="grade after", ylabel="grade before", title="Grade migration")
    plt.close(figure)
    return figure
