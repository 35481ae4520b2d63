"""A hand-made city in Ningbo's districts for the closed loops (issue 16), ingested through the
real ingestion so a workflow's writes meet ingested rows: commitments falling due or not, a
subject newly on the key-attention list, inspections. Each row that matters says why."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.store import Store
from tests.conftest import write_table

TODAY = dt.date(2026, 10, 9)  # a Friday; Saturday 10 October is a make-up working day
STALL = "92330212GHRDP2GA52"  # an individual business named after its operator, 海曙→鄞州 shop
SHOP = "913302030KE09U2TXG"  # an enterprise of 海曙区
MARKET = "91330212U14Q15QM8Q"  # an enterprise of 鄞州区, newly on the key-attention list
YINZHOU = "宁波市鄞州区综合行政执法局"  # supervises STALL and MARKET (street shop, market)
HAISHU = "宁波市海曙区综合行政执法局"  # supervises SHOP


def _subject(uscc, name, kind, region, domains, operator=""):
    return {
        "uscc": uscc,
        "name": name,
        "subject_type": kind,
        "region_code": region,
        "industry_code": "F5261",
        "registered_date": "2015-03-01",
        "status": "active",
        "domains": domains,
        "legal_rep_name": operator,
        "legal_rep_id": "",
        "address": "中山路1号",
    }


def _commitment(record_id, uscc, kind, signed, due, fulfilment="pending", verified=""):
    return {
        "record_id": record_id,
        "uscc": uscc,
        "commitment_type": kind,
        "signed_date": signed,
        "due_date": due,
        "fulfilment": fulfilment,
        "verified_date": verified,
        "domain": "street_shop",
    }


ROWS = {
    "subjects": [
        _subject(
            STALL, "张三丰小吃店", "individual_business", "330212", "street_shop", operator="张三丰"
        ),
        _subject(SHOP, "宁波甲便利店有限公司", "enterprise", "330203", "street_shop"),
        _subject(MARKET, "宁波乙农贸市场有限公司", "enterprise", "330212", "market"),
    ],
    "commitments": [
        # Due on its term 2026-09-01, its outcome due 10 working days later: late on TODAY.
        _commitment("CN_DUE", SHOP, "approval_substitute", "2026-03-02", "2026-09-01"),
        # No term: due 40 working days after signing (2026-09-28), outcome by 2026-10-13.
        _commitment("CN_NOTERM", STALL, "approval_substitute", "2026-08-03", ""),
        # Due only next year.
        _commitment("CN_LATER", MARKET, "approval_substitute", "2026-09-01", "2027-03-01"),
        # Voluntary commitments are not verified by policy.
        _commitment("CN_VOL", SHOP, "voluntary", "2026-01-05", "2026-07-01"),
        # Verified already.
        _commitment(
            "CN_DONE",
            MARKET,
            "approval_substitute",
            "2025-11-03",
            "2026-05-01",
            "fulfilled",
            "2026-05-20",
        ),
    ],
    "list_entries": [
        # Entered 38 days before TODAY: "newly listed" (within 90 days).
        {
            "record_id": "MD_NEW",
            "uscc": MARKET,
            "list_type": "key_attention",
            "entered_date": "2026-09-01",
            "removed_date": "",
            "reason": "多次违规",
            "authority": YINZHOU,
        },
    ],
    "inspections": [
        {
            "record_id": "JC_OLD",
            "uscc": STALL,
            "inspection_date": "2026-03-10",
            "result": "rectified",
            "plan_id": "",
            "department": YINZHOU,
            "inspectors": "ZF1;ZF2",
            "random_sample": "false",
            "inclusion_prob": "",
            "published_date": "2026-03-20",
        },
    ],
}


def build_store(folder: Path) -> Path:
    """The city ingested into ``folder/credit.duckdb`` (subjects first)."""
    path = folder / "credit.duckdb"
    with Store(path) as store:
        for table, rows in ROWS.items():
            ingest_file(store, table, write_table(rows, folder / f"{table}.csv"), today=TODAY)
    return path
