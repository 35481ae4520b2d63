"""Features: the declarative catalog, computed point-in-time in DuckDB, and labels."""

from credit_scoring.features.catalog import SOURCES, Catalog, Feature, load_catalog
from credit_scoring.features.engine import build_features, provenance
from credit_scoring.features.publicity import PublicityPolicy, load_publicity_policy

__all__ = [
    "SOURCES",
    "Catalog",
    "Feature",
    "PublicityPolicy",
    "build_features",
    "load_catalog",
    "load_publicity_policy",
    "provenance",
]
