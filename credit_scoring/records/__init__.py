"""Records: the table contract, identifier checks, validated ingestion and the store.

The public names below load their module on first use (PEP 562), so that importing the code
lists or the contract — as every command-line start does — does not load DuckDB, pandas and
the ingestion machinery too.
"""

import importlib
from typing import Any

_HOMES = {
    "IdStatus": "codes",
    "mask_person_name": "codes",
    "mask_resident_id": "codes",
    "TABLES": "contract",
    "Column": "contract",
    "Kind": "contract",
    "Table": "contract",
    "DisclosureReport": "disclosure",
    "disclosure_report": "disclosure",
    "INGEST_ORDER": "ingestion",
    "IngestResult": "ingestion",
    "ingest_directory": "ingestion",
    "ingest_file": "ingestion",
    "SCHEMA_VERSION": "store",
    "Store": "store",
    "WorkdayCalendar": "workdays",
}

__all__ = sorted(_HOMES, key=str.casefold)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
