"""Explanations: reason codes from rule points, scorecard points or SHAP, with their records."""

from credit_scoring.explain.reason_codes import (
    Explanation,
    Reason,
    explain_grades,
    explain_subject,
)
from credit_scoring.explain.table import (
    EXPLANATION_COLUMNS,
    explanation_from_row,
    explanation_table,
)

__all__ = [
    "EXPLANATION_COLUMNS",
    "Explanation",
    "Reason",
    "explain_grades",
    "explain_subject",
    "explanation_from_row",
    "explanation_table",
]
