"""Explanations: reason codes from rule points, scorecard points or SHAP, with their records."""

from credit_scoring.explain.reason_codes import (
    Explanation,
    Reason,
    explain_grades,
    explain_subject,
)

__all__ = ["Explanation", "Reason", "explain_grades", "explain_subject"]
