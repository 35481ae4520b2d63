"""Features: the declarative catalog, computed point-in-time in DuckDB, and labels."""

from credit_scoring.features.catalog import SOURCES, Catalog, Feature, load_catalog
from credit_scoring.features.engine import build_features, provenance

__all__ = [
    "SOURCES",
    "Catalog",
    "Feature",
    "build_features",
    "load_catalog",
    "provenance",
]
