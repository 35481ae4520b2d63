"""Shared fixtures: a tiny hand-made city covering every table, and writers for every format."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from credit_scoring.records.store import Store

TODAY = dt.date(2026, 11, 29)
SHOP = "91350200776049653A"  # valid
RESTAURANT = "91440101MA5CJQ4N59"  # valid
FLAGGED = "91350203M0001QAY9B"  # fails only its check character: kept, flagged


def tiny_city() -> dict[str, list[dict[str, str]]]:
    """Two or three rows per table; every row valid."""
    return {
        "subjects": [
            {
                "uscc": SHOP,
                "name": "甲便利店",
                "subject_type": "enterprise",
                "region_code": "350200",
                "industry_code": "F5261",
                "registered_date": "2015-03-01",
                "status": "active",
                "domains": "street_shop;market",
                "legal_rep_name": "张三",
                "legal_rep_id": "11010519491231002X",
                "address": "中山路1号",
            },
            {
                "uscc": RESTAURANT,
                "name": "乙餐馆",
                "subject_type": "individual_business",
                "region_code": "440101",
                "industry_code": "H6210",
                "registered_date": "2024-05-06",
                "status": "active",
                "domains": "catering",
                "legal_rep_name": "",
                "legal_rep_id": "",
                "address": "",
            },
            {
                "uscc": FLAGGED,
                "name": "丙渣土运输公司",
                "subject_type": "enterprise",
                "region_code": "350203",
                "industry_code": "G5430",
                "registered_date": "2010-01-01",
                "status": "active",
                "domains": "muck_transport",
                "legal_rep_name": "",
                "legal_rep_id": "",
                "address": "",
            },
        ],
        "licences": [
            {
                "record_id": "XK1",
                "uscc": SHOP,
                "licence_name": "户外广告设置许可",
                "decision_no": "城管许〔2025〕1号",
                "decision_date": "2025-09-26",
                "valid_from": "2025-09-26",
                "valid_to": "2028-09-25",
                "licence_category": "普通",
                "authority": "城管局",
                "published_date": "2025-10-13",
            },
            {
                "record_id": "XK2",
                "uscc": RESTAURANT,
                "licence_name": "占道经营许可",
                "decision_no": "城管许〔2025〕2号",
                "decision_date": "2025-09-26",
                "valid_from": "",
                "valid_to": "",
                "licence_category": "",
                "authority": "城管局",
                "published_date": "2025-10-14",
            },
        ],
        "penalties": [
            {
                "record_id": "CF1",
                "uscc": SHOP,
                "decision_no": "城管罚〔2025〕1号",
                "violation_type": "占道经营",
                "penalty_types": "fine;warning",
                "decision_date": "2025-03-03",
                "severity": "general",
                "fine_amount": "500",
                "confiscated_amount": "",
                "legal_basis": "《城市市容和环境卫生管理条例》",
                "authority": "城管局",
                "published_date": "2025-03-05",
            },
            {
                "record_id": "CF2",
                "uscc": FLAGGED,
                "decision_no": "城管罚〔2025〕2号",
                "violation_type": "渣土沿途撒漏",
                "penalty_types": "fine;licence_suspension",
                "decision_date": "2025-06-10",
                "severity": "serious",
                "fine_amount": "20000",
                "confiscated_amount": "0",
                "legal_basis": "",
                "authority": "城管局",
                "published_date": "",
            },
        ],
        "commitments": [
            {
                "record_id": "CN1",
                "uscc": SHOP,
                "commitment_type": "approval_substitute",
                "signed_date": "2025-01-02",
                "due_date": "2027-01-01",
                "fulfilment": "pending",
                "verified_date": "",
                "domain": "street_shop",
            },
            {
                "record_id": "CN2",
                "uscc": RESTAURANT,
                "commitment_type": "voluntary",
                "signed_date": "2024-06-01",
                "due_date": "2025-06-01",
                "fulfilment": "breached",
                "verified_date": "2025-06-20",
                "domain": "catering",
            },
        ],
        "complaints": [
            {
                "record_id": "TS1",
                "uscc": RESTAURANT,
                "received_date": "2025-07-01",
                "outcome": "substantiated",
                "channel": "12345",
                "category": "油烟扰民",
                "closed_date": "2025-07-08",
            },
            {
                "record_id": "TS2",
                "uscc": SHOP,
                "received_date": "2025-08-01",
                "outcome": "unsubstantiated",
                "channel": "12319",
                "category": "噪声",
                "closed_date": "",
            },
        ],
        "inspections": [
            {
                "record_id": "JC1",
                "uscc": SHOP,
                "inspection_date": "2025-05-05",
                "result": "compliant",
                "plan_id": "P2025-05",
                "department": "城管局一中队",
                "inspectors": "ZF001;ZF002",
                "random_sample": "true",
                "inclusion_prob": "0.04",
                "published_date": "2025-05-20",
            },
            {
                "record_id": "JC2",
                "uscc": FLAGGED,
                "inspection_date": "2025-06-01",
                "result": "violation",
                "plan_id": "",
                "department": "城管局二中队",
                "inspectors": "ZF003;ZF004",
                "random_sample": "false",
                "inclusion_prob": "",
                "published_date": "",
            },
        ],
        "list_entries": [
            {
                "record_id": "MD1",
                "uscc": FLAGGED,
                "list_type": "key_attention",
                "entered_date": "2025-07-01",
                "removed_date": "",
                "reason": "多次违规",
                "authority": "城管局",
            },
        ],
        "inspectors": [
            {
                "inspector_id": "ZF001",
                "name": "王五",
                "department": "城管局一中队",
                "region": "350200",
                "conflicts": RESTAURANT,
                "active": "true",
            },
            {
                "inspector_id": "ZF002",
                "name": "赵六",
                "department": "城管局一中队",
                "region": "350200",
                "conflicts": "",
                "active": "true",
            },
        ],
        "record_events": [
            {
                "record_id": "CF1",
                "table": "penalties",
                "event_type": "objection_filed",
                "event_date": "2025-03-10",
                "actor": "甲便利店",
                "note": "",
            },
            {
                "record_id": "CF1",
                "table": "penalties",
                "event_type": "objection_rejected",
                "event_date": "2025-03-14",
                "actor": "复核员",
                "note": "事实清楚",
            },
        ],
    }


def write_table(rows: list[dict[str, str]], path: Path, *, encoding: str = "utf-8") -> Path:
    """Write rows as CSV (in ``encoding``), XLSX or Parquet according to ``path``'s suffix."""
    frame = pd.DataFrame(rows, dtype=str)
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding=encoding)
    return path


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "credit.duckdb") as opened:
        yield opened


@pytest.fixture
def city_dir(tmp_path):
    """The tiny city as one UTF-8 CSV per table."""
    folder = tmp_path / "city"
    folder.mkdir()
    for name, rows in tiny_city().items():
        write_table(rows, folder / f"{name}.csv")
    return folder


@pytest.fixture
def tiny():
    return tiny_city()


@pytest.fixture
def write():
    return write_table
