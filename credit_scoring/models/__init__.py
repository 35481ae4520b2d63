"""Learned scorers over any pandas feature table: the WoE scorecard and the gradient-boosted model.

Both are sklearn binary classifiers with ``fit``, ``predict_proba`` (n x 2, column 1 the positive,
adverse class), monotone constraints per column, ``contributions`` and ``explain`` (reason codes).
"""

from credit_scoring.models.gbm import GBM
from credit_scoring.models.scorecard import Scorecard

__all__ = ["GBM", "Scorecard"]
