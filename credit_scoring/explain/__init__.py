"""Explanations: reason codes from rule points, scorecard points or SHAP, with their records."""

from credit_scoring.explain.explanation import (
    EXPLANATION_COLUMNS,
    Explanation,
    Reason,
    explanation_from_row,
    explanation_table,
)
from credit_scoring.explain.reason_codes import explain_grades, explain_subject, explain_table

__all__ = [
    "EXPLANATION_COLUMNS",
    "Explanation",
    "Reason",
    "explain_grades",
    "explain_subject",
    "explain_table",
    "explanation_from_row",
    "explanation_table",
]
