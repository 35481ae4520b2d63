"""Explanations: reason codes from rule points, scorecard points or SHAP, with their records.

What an explanation is lives in :mod:`.explanation`; how one is computed, in :mod:`.reason_codes`,
called through :class:`credit_scoring.grading.Grader`.
"""

from credit_scoring.explain.explanation import (
    EXPLANATION_COLUMNS,
    Explanation,
    Reason,
    explanation_from_row,
    explanation_table,
)

__all__ = [
    "EXPLANATION_COLUMNS",
    "Explanation",
    "Reason",
    "explanation_from_row",
    "explanation_table",
]
