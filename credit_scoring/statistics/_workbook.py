"""The statistics workbook: a 说明 sheet, then one sheet per table with Chinese headers, rates as
percentages and a bar chart (openpyxl) beside the figures.

Text cells are neutralised as every export's are (:mod:`credit_scoring.spreadsheets`): a name
that looks like a formula is written as text, never run.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from credit_scoring.policies import GRADE_LABELS, GRADES
from credit_scoring.records.codes import RECORD_TABLES
from credit_scoring.spreadsheets import neutralised
from credit_scoring.statistics._report import Statistics
from credit_scoring.statistics._units import ALL

__all__ = ["SHEETS", "statistics_xlsx_bytes"]

_PERCENT = "0.0%"
_UNIT = {"department": "部门", "region_code": "行政区划代码"}


@dataclass(frozen=True)
class _Chart:
    title: str
    series: tuple[str, ...]  # columns of the table
    rows: Literal["total", "units", "all"]  # the total block, the rows after it, or every row
    categories: str = "label"  # the column naming each bar
    stacked: bool = False
    percent: bool = False


@dataclass(frozen=True)
class _Sheet:
    title: str
    table: str  # the attribute of Statistics
    headers: dict[str, str]  # column -> Chinese header, in the sheet's order
    explains: str  # what the sheet counts, for the 说明 sheet
    chart: _Chart | None = None
    label: Callable[[pd.DataFrame], pd.Series] | None = None  # a first column naming each row
    label_header: str = "统计单元"
    codes: dict[str, Mapping[str, str]] = field(default_factory=dict)  # column -> code labels


def _unit_label(table: pd.DataFrame) -> pd.Series:
    region = table["region_code"].astype(str)
    return table["department"].where(region == ALL, table["department"] + "（" + region + "）")


def _grade_headers(prefix: str = "", suffix: str = "") -> dict[str, str]:
    return {g: f"{prefix}{g}级{suffix}" for g in GRADES}


_SHEETS = (
    _Sheet(
        "信用等级分布",
        "grades",
        {
            **_UNIT,
            "subjects": "期末评级主体数",
            **_grade_headers(suffix="主体数"),
            **{f"{g}_share": f"{g}级占比（{GRADE_LABELS[g]}）" for g in GRADES},
            "upgraded": "等级上调",
            "downgraded": "等级下调",
        },
        "期末（统计期最后一日）各信用等级的主体数与占比；"
        "与期初（统计期前一日）相比等级上调、下调的主体数。",
        _Chart("期末信用等级分布", GRADES, "units", stacked=True),
        _unit_label,
    ),
    _Sheet(
        "等级迁移矩阵",
        "migrations",
        {**_UNIT, "from_grade": "期初等级", **_grade_headers(prefix="期末"), "total": "合计"},
        "期初等级（行）到期末等级（列）的主体数；期初未评级为统计期内新增主体。首个区块为合计。",
        _Chart("等级迁移（全部）", GRADES, "total", categories="from_grade"),
    ),
    _Sheet(
        "双公示",
        "disclosure",
        {
            "table": "类别",
            "authority": "决定机关",
            "decisions": "决定数",
            "rejected": "入库拒收数",
            "published": "已公示数",
            "reporting_rate": "报送率",
            "compliance_rate": "合规率",
            "timeliness_rate_7wd": "及时率（7个工作日）",
            "timeliness_rate_20wd": "及时率（20个工作日）",
            "wrong_codes": "错码数",
            "duplicate_codes": "重码数",
            "uscc_errors": "重错码数",
            "uscc_error_rate": "重错码率",
        },
        "统计期内作出的行政许可、行政处罚决定（轻微处罚不公示，不计）按决定机关统计的报送率、"
        "合规率、及时率，公示情况计至“公示统计截至”日；错码为代码格式错误（拒收）或校验位不符"
        "（标记），重码为同一代码在主体名录中对应多个名称；"
        "重错码率 = 重错码数 /（决定数 + 拒收数）。",
        _Chart(
            "双公示指标",
            ("reporting_rate", "compliance_rate", "timeliness_rate_7wd", "uscc_error_rate"),
            "all",
            percent=True,
        ),
        lambda t: t["table"].map(RECORD_TABLES.label) + "·" + t["authority"],
        "统计对象",
        {"table": RECORD_TABLES.labels},
    ),
    _Sheet(
        "重码明细",
        "duplicate_codes",
        {"uscc": "统一社会信用代码", "names": "对应名称", "decisions": "本期决定数"},
        "统计期内决定所用、在主体名录中对应多个名称的代码（同一文件中代码相同、名称不同的行）。",
    ),
    _Sheet(
        "信用承诺",
        "commitments",
        {
            **_UNIT,
            "signed": "签署承诺",
            "due": "到期承诺",
            "fulfilled": "核查履约",
            "breached": "核查违约",
            "fulfilment_rate": "履约率",
        },
        "统计期内签署、到期的信用承诺，以及统计期内核查为履约、违约的承诺；"
        "履约率 = 履约 /（履约 + 违约）。",
        _Chart("信用承诺", ("signed", "due", "fulfilled", "breached"), "units"),
        _unit_label,
    ),
    _Sheet(
        "异议与修复",
        "cases",
        {
            **_UNIT,
            "objections_filed": "异议受理",
            "objections_decided": "异议办结",
            "objections_upheld": "其中异议成立",
            "objections_overdue": "逾期未办结异议",
            "objections_late": "超期办结异议",
            "repairs_filed": "修复申请",
            "repairs_ineligible": "不符合条件退回",
            "repairs_decided": "修复办结",
            "repairs_approved": "其中修复通过",
            "repairs_overdue": "逾期未办结修复",
            "repairs_late": "超期办结修复",
            "imported_objections_filed": "外部异议受理（导入）",
            "imported_objections_decided": "外部异议办结（导入）",
            "imported_repairs_approved": "外部修复通过（导入）",
        },
        "本系统办理的异议、信用修复：统计期内受理、办结；逾期未办结为期末仍未办结且已过办理时限；"
        "超期办结为期内办结但晚于时限。外部办理、以记录事件导入的另列，无时限可判。",
        _Chart(
            "异议与修复",
            (
                "objections_filed",
                "objections_decided",
                "objections_overdue",
                "repairs_filed",
                "repairs_decided",
                "repairs_overdue",
            ),
            "units",
        ),
        _unit_label,
    ),
    _Sheet(
        "双随机检查",
        "inspections",
        {
            **_UNIT,
            "grade": "信用等级",
            "planned": "计划检查",
            "done": "已检查",
            "violations": "发现问题",
            "violation_rate": "问题发现率",
        },
        "计划检查为统计期内制定的抽查计划所列检查（按计划所用等级）；已检查为统计期内的检查记录，"
        "按所执行计划的等级，计划外检查按期初等级；发现问题按抽查政策所列检查结果计。"
        "首个区块为合计。",
        _Chart("检查与发现问题（全部）", ("planned", "done", "violations"), "total", "grade"),
    ),
    _Sheet(
        "期末适用措施",
        "measures",
        {
            "code": "措施代码",
            "kind": "类型",
            "text": "措施内容",
            "scenario_text": "应用场景",
            "subjects": "适用主体数",
            "share": "占评级主体比例",
        },
        "尚无措施实际实施记录：此表为统计期最后一日按生效记录与期末等级进行信用核查时，"
        "各联合奖惩措施在各场景下适用的主体数（期末适用，非已实施）。",
        _Chart("期末适用措施", ("subjects",), "all"),
        lambda t: t["code"] + " " + t["scenario_text"],
        "统计对象",
        {"kind": {"incentive": "激励", "punishment": "惩戒"}},
    ),
)
SHEETS = ("说明", *(sheet.title for sheet in _SHEETS))


def statistics_xlsx_bytes(stats: Statistics) -> bytes:
    """The workbook of ``stats``: 说明 first, then a sheet per table (see :data:`SHEETS`)."""
    book = Workbook()
    _notes(book.active, stats)
    for sheet in _SHEETS:
        _write_sheet(book.create_sheet(sheet.title), sheet, getattr(stats, sheet.table))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _notes(ws: Worksheet, stats: Statistics) -> None:
    grading = stats.grading
    scorer = (f"{grading['source']}（模型 {grading['model_version']}，等级政策 "
              f"{grading['policy_version']}）")  # fmt: skip
    if grading.get("fallback"):
        scorer += f"；{grading['fallback']}"
    ws.title = "说明"
    rows = [
        ("统计期间", stats.period),
        ("起止日期", f"{stats.start.isoformat()} 至 {stats.end.isoformat()}"),
        ("期初评级日", stats.opening.isoformat()),
        ("期末评级日", stats.end.isoformat()),
        ("公示统计截至", stats.reported_on.isoformat()),
        ("统计范围", stats.department or "全部部门"),
        ("评级依据", scorer),
        ("统计单元", "按主体的监管部门（抽查政策所列部门）与行政区划代码统计，“全部”为合计。"),
        ("", ""),
        *((sheet.title, sheet.explains) for sheet in _SHEETS),
    ]
    ws.append(["项目", "内容"])
    for row in rows:
        ws.append([neutralised(v) for v in row])
    ws["A1"].font = ws["B1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 100


def _write_sheet(ws: Worksheet, sheet: _Sheet, table: pd.DataFrame) -> None:
    readable = {column: table[column].map(labels) for column, labels in sheet.codes.items()}
    shown = table.assign(**readable)[list(sheet.headers)]
    headers = list(sheet.headers.values())
    if sheet.label is not None:
        shown.insert(0, "label", sheet.label(table))
        headers.insert(0, sheet.label_header)
    ws.append(headers)
    for row in shown.itertuples(index=False):
        ws.append([_cell(value) for value in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    columns = list(shown.columns)
    for position, column in enumerate(columns, start=1):
        letter = get_column_letter(position)
        ws.column_dimensions[letter].width = _width([headers[position - 1], *shown[column]])
        if column.endswith(("_rate", "_share")) or column == "share":  # rates, as fractions
            for (cell,) in ws.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = _PERCENT
    if sheet.chart is not None:
        _add_chart(ws, sheet.chart, table, columns, headers)


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return neutralised("；".join(map(str, value)))
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # a numpy number: openpyxl wants Python's
        return value.item()
    return neutralised(value)


def _width(values: list[Any]) -> float:
    """Characters wide enough for the longest value (a Chinese character counts as two)."""
    longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(v)) for v in values)
    return min(60, max(8, longest + 2))


def _add_chart(
    ws: Worksheet, chart: _Chart, table: pd.DataFrame, columns: list[str], headers: list[str]
) -> None:
    """A bar chart of ``chart.series`` over its rows, to the right of the table."""
    first, last = _chart_rows(chart.rows, table)
    if last < first:
        return
    bars = BarChart()
    # One bar group per unit reads best horizontally, first unit on top; grades as columns.
    bars.type = "col" if chart.rows == "total" else "bar"
    if bars.type == "bar":  # categories top-down, the value axis kept at the bottom
        bars.x_axis.scaling.orientation = "maxMin"
        bars.y_axis.crosses = "max"
    bars.title = chart.title
    if chart.stacked:
        bars.grouping, bars.overlap = "stacked", 100
    for column in chart.series:
        position = columns.index(column) + 1
        values = Reference(ws, min_col=position, min_row=first + 2, max_row=last + 2)
        bars.series.append(Series(values, title=headers[position - 1]))
    position = columns.index(chart.categories) + 1
    bars.set_categories(Reference(ws, min_col=position, min_row=first + 2, max_row=last + 2))
    if chart.percent:
        bars.y_axis.number_format = "0%"
    bars.x_axis.delete = bars.y_axis.delete = False  # openpyxl 3.1 hides the axes otherwise
    bars.width = 24
    bars.height = max(8.0, 0.5 * (last - first + 1) + 4) if bars.type == "bar" else 8.0
    ws.add_chart(bars, f"{get_column_letter(len(columns) + 2)}2")


def _chart_rows(rows: str, table: pd.DataFrame) -> tuple[int, int]:
    """The first and last row of the table (from 0) that a chart plots."""
    if rows == "all":
        return 0, len(table) - 1
    totals = int((table["department"] == ALL).sum())  # the total block comes first
    return (0, totals - 1) if rows == "total" else (totals, len(table) - 1)
