"""Tiered public-credit scoring and graded supervision analytics (信用分级分类监管).

Subpackages: ``records`` (contract, ingestion, store), ``synth`` (the synthetic city), and the
feature, model, explanation, supervision and workflow layers built on them.
"""

__version__ = "0.1.0"
