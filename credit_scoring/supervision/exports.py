"""Exports for the people who carry a plan out: CSV (UTF-8 with BOM) and XLSX, Chinese headers.

The export doubles as the results form: its headers are the ``inspections`` contract's Chinese
names (记录编号, 抽查计划编号, 统一社会信用代码, 随机抽取, 入样概率, 检查部门, 检查人员) plus two
blank columns, 检查日期 and 检查结果, for the inspectors to fill in. The filled-in file is then
ingested as it is (``credit-scoring ingest inspections FILE``); the other columns — the
subject's address, the inspectors' names, the 抽查事项 of the subject's domain, the date a
mandated inspection is due — are for the inspectors and ignored by ingestion.

The XLSX has a first sheet ``计划说明`` with the plan's id, seed, commitment and policy, so a
printed plan can be checked against the published commitment; a sheet ``抽查事项清单`` with each
domain's checklist (item, legal basis, method) from ``models/sampling.yaml``; then one sheet per
department (inspections without a department on ``未归属部门``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from credit_scoring.policies import STRATUM_LABELS
from credit_scoring.records.codes import DOMAINS
from credit_scoring.spreadsheets import csv_bytes, xlsx_bytes
from credit_scoring.supervision.plan import Plan

__all__ = [
    "CHECKLIST_HEADERS",
    "PLAN_HEADERS",
    "checklist_table",
    "percent",
    "plan_csv_bytes",
    "plan_xlsx_bytes",
    "write_plan",
]

PLAN_HEADERS = {
    "record_id": "记录编号",
    "plan_id": "抽查计划编号",
    "uscc": "统一社会信用代码",
    "name": "名称",
    "address": "地址",
    "grade": "信用等级",
    "stratum": "抽样层",
    "domains": "监管领域",
    "checklist": "抽查事项",
    "due_by": "法定检查期限",
    "department": "检查部门",
    "region_code": "行政区划代码",
    "inclusion_prob": "入样概率",
    "random_sample": "随机抽取",
    "exploration": "探索性抽取",
    "inspectors": "检查人员",
    "inspector_names": "检查人员姓名",
    "assignment": "分派状态",
    "inspection_date": "检查日期",
    "result": "检查结果",
}
CHECKLIST_HEADERS = {"domain": "监管领域", "item": "抽查事项", "basis": "检查依据",
                     "method": "检查方式"}  # fmt: skip
_STRATUM_ZH = {s: (f"{s} {label}" if len(s) == 1 else label) for s, label in STRATUM_LABELS.items()}
_ASSIGNMENT_ZH = {"assigned": "已分派", "pending": "待分派"}
_NO_DEPARTMENT = "未归属部门"


def percent(rate: float | None) -> str | None:
    """A rate as a clerk reads it: ``0.0025000000000000005`` is ``0.25%`` (four significant
    digits, no float noise); ingestion reads such a percentage back as the probability."""
    if rate is None or pd.isna(rate):
        return None
    return f"{float(rate) * 100:.4g}%"


def _checklists(plan: Plan) -> dict[str, list[dict[str, str]]]:
    """The 抽查事项 per domain of the policy the plan was drawn under (none in older plans)."""
    return dict(plan.parameters["policy"].get("checklists", {}))


def _each(text: str | None, lookup: Mapping[str, str], separator: str) -> str | None:
    """What ``lookup`` says of each ``;``-listed domain, joined (None when it says nothing)."""
    found = [lookup[d] for d in (text or "").split(";") if d in lookup]
    return separator.join(found) or None


def _readable(plan: Plan) -> pd.DataFrame:
    items = plan.items.sort_values("uscc", kind="stable").reset_index(drop=True)
    items = items.assign(record_id=[f"{plan.plan_id}-{k:05d}" for k in range(1, len(items) + 1)])
    items = items.sort_values(["department", "uscc"], na_position="last", kind="stable")
    checklist = {domain: "；".join(entry["item"] for entry in entries)
                 for domain, entries in _checklists(plan).items()}  # fmt: skip
    table = items.assign(
        plan_id=plan.plan_id,
        inspection_date=None,
        result=None,
        stratum=items["stratum"].map(_STRATUM_ZH),
        domains=items["domains"].map(lambda text: _each(text, DOMAINS.labels, "、")),
        checklist=items["domains"].map(lambda text: _each(text, checklist, "；")),
        inclusion_prob=items["inclusion_prob"].map(percent),
        random_sample=items["random_sample"].map({True: "是", False: "否"}),
        exploration=items["exploration"].map({True: "是", False: "否"}),
        assignment=items["assignment"].map(_ASSIGNMENT_ZH),
    )
    return table[list(PLAN_HEADERS)].rename(columns=PLAN_HEADERS)


def checklist_table(plan: Plan) -> pd.DataFrame:
    """The 抽查事项清单 of the domains the plan inspects: item, legal basis and method."""
    domains = {d for text in plan.items["domains"].dropna() for d in text.split(";")}
    rows = [{"domain": DOMAINS.labels.get(domain, domain), **entry}
            for domain, entries in _checklists(plan).items() if domain in domains
            for entry in entries]  # fmt: skip
    return pd.DataFrame(rows, columns=list(CHECKLIST_HEADERS)).rename(columns=CHECKLIST_HEADERS)


def plan_csv_bytes(plan: Plan) -> bytes:
    """The plan's inspections as CSV, UTF-8 with a BOM so Excel opens the Chinese correctly.

    Examples
    --------
    >>> plan_csv_bytes(plan)[:3] == b"\\xef\\xbb\\xbf"  # doctest: +SKIP
    True
    """
    return csv_bytes(_readable(plan))


def plan_xlsx_bytes(plan: Plan) -> bytes:
    """The plan as XLSX: a summary sheet, then one sheet of inspections per department."""
    table = _readable(plan)
    department = PLAN_HEADERS["department"]
    about = pd.DataFrame(
        {
            "项目": ["抽查计划编号", "计划日期", "随机种子", "承诺值 (SHA-256)", "抽样设计",
                     "抽查数量", "其中法定频次到期", "抽样政策版本", "信用等级版本"],
            "内容": [plan.plan_id, plan.as_of.isoformat(), plan.seed, plan.commitment,
                     plan.design, plan.budget, int((plan.items["stratum"] == "due").sum()),
                     plan.policy_version, plan.grades_version],
        }
    )  # fmt: skip
    sheets = {"计划说明": about, "抽查事项清单": checklist_table(plan)}
    for name, rows in table.groupby(table[department].fillna(_NO_DEPARTMENT), sort=True):
        sheets[str(name)] = rows
    return xlsx_bytes(sheets)


def write_plan(plan: Plan, path: Path) -> Path:
    """Write the plan to ``path``: ``.xlsx`` as a workbook, anything else as CSV with a BOM."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = plan_xlsx_bytes(plan) if path.suffix.lower() == ".xlsx" else plan_csv_bytes(plan)
    path.write_bytes(data)
    return path
