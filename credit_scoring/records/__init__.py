"""Records: the table contract, identifier checks, validated ingestion and the store."""

from credit_scoring.records.codes import IdStatus, mask_person_name, mask_resident_id
from credit_scoring.records.contract import TABLES, Column, Kind, Table
from credit_scoring.records.disclosure import DisclosureReport, disclosure_report
from credit_scoring.records.ingestion import (
    INGEST_ORDER,
    IngestResult,
    ingest_directory,
    ingest_file,
)
from credit_scoring.records.store import DEFAULT_DB, SCHEMA_VERSION, Store
from credit_scoring.records.workdays import WorkdayCalendar

__all__ = [
    "DEFAULT_DB",
    "INGEST_ORDER",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "DisclosureReport",
    "IdStatus",
    "IngestResult",
    "Kind",
    "Store",
    "Table",
    "WorkdayCalendar",
    "disclosure_report",
    "ingest_directory",
    "ingest_file",
    "mask_person_name",
    "mask_resident_id",
]
