"""Batch credit checks (批量信用核查): a list of subjects in, every row checked and reported.

A credit office receives lists — the applicants for a licence, the bidders in a tender — as a
spreadsheet with a column of unified social credit codes among other columns. :func:`read_list`
reads it (CSV in UTF-8 or GB18030, or XLSX, through
:func:`~credit_scoring.records.reading.read_file`, every cell as text), and :func:`check_list`
checks each code against the served snapshot as :func:`~credit_scoring.measures.credit_check`
checks one subject: its name, grade, lists in force, the measures of ``models/measures.yaml``
that apply with their legal basis and the records behind each, and whether an incentive (the
green channel) applies.

No row is dropped: the result has one :class:`CheckedRow` per row of the file, in the file's
order, with the row's own cells as they were. A code that cannot be checked — empty, malformed,
wrong in its check character only, unknown to the snapshot — or a row that could not be read is
reported in its place with the reason; a code seen before is checked again and says which row it
repeats. :meth:`BatchCheck.xlsx` writes the result sheet and the 汇总 sheet that counts them.

Examples
--------
>>> listed = read_list(Path("applicants.xlsx"))  # doctest: +SKIP
>>> batch = check_list(served, listed, "licensing", dt.date(2026, 10, 9))  # doctest: +SKIP
>>> batch.counts()["checked"]  # doctest: +SKIP
9412
>>> Path("result.xlsx").write_bytes(batch.xlsx())  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from credit_scoring.errors import FileRejected, SubjectNotFound
from credit_scoring.grading import GradeInForce
from credit_scoring.measures import AppliedMeasure, CreditCheck, credit_check
from credit_scoring.policies import GRADE_LABELS, load_measures
from credit_scoring.policies.measures import MeasuresPolicy
from credit_scoring.records.codes import (
    LIST_TYPES,
    RECORD_TABLES,
    USCC_ALPHABET,
    IdStatus,
    uscc_check_char,
    uscc_status,
)
from credit_scoring.records.reading import read_file
from credit_scoring.snapshots.serving import Served
from credit_scoring.snapshots.standing import in_force
from credit_scoring.spreadsheets import csv_bytes, xlsx_bytes

__all__ = [
    "DEFAULT_COLUMN",
    "OUTCOMES",
    "RESULT_COLUMNS",
    "BatchCheck",
    "CheckedRow",
    "ListFile",
    "ListRow",
    "check_list",
    "read_list",
    "read_list_bytes",
]

DEFAULT_COLUMN = "统一社会信用代码"
# Every outcome a row can have, in the order the summary lists them.
OUTCOMES = {
    "checked": "已核查",
    "checked_flagged": "已核查（校验位不符）",
    "unknown": "未查到主体",
    "checksum_mismatch": "校验位错误",
    "malformed": "代码格式错误",
    "missing": "代码为空",
    "unreadable": "行无法读取",
}
# The columns the result adds after the list's own.
RESULT_COLUMNS = ["行号", "核查结果", "原因", "重复", "主体名称", "信用等级", "名单状态",
                  "适用措施", "法律依据", "触发记录", "绿色通道"]  # fmt: skip
_MAX_NAMED_COLUMNS = 30  # a missing-column error lists at most this many of the file's columns


@dataclass(frozen=True)
class ListRow:
    """One row of the list: its number as a spreadsheet shows it (the header is row 1) and its
    cells by column; ``unreadable`` says why a row could not be split into cells (then empty)."""

    number: int
    cells: dict[str, str]
    unreadable: str | None = None


@dataclass(frozen=True)
class ListFile:
    """A list as read: its name, its columns, the column of codes and every row in file order."""

    name: str
    columns: list[str]
    column: str
    rows: list[ListRow]


def read_list(path: Path, column: str = DEFAULT_COLUMN, *, name: str | None = None) -> ListFile:
    """Read the list at ``path`` (CSV or XLSX); ``name`` is how errors name it (default: the
    path). Raises :class:`FileRejected` for an unreadable file, a missing column or no rows."""
    shown = Path(name) if name else Path(path)
    try:
        raw = read_file(path)
    except FileRejected as error:  # named as given: an upload's temporary path is no name
        reason = error.reason_en.replace(str(path), shown.name)
        raise FileRejected(shown, reason, error.reason_zh) from None
    columns = raw.data.column_names
    if column not in columns:
        named = columns[:_MAX_NAMED_COLUMNS]
        more = f" … (+{len(columns) - len(named)})" if len(columns) > len(named) else ""
        found_en, found_zh = ", ".join(named) + more, "、".join(named) + more
        raise FileRejected(shown, f"no column {column!r}; the columns are: {found_en}",
                           f"缺少列“{column}”；文件中的列：{found_zh}")  # fmt: skip
    rows = [ListRow(int(n), cells) for n, cells in zip(raw.row_numbers, raw.data.to_pylist(),
                                                        strict=True)]  # fmt: skip
    rows += [ListRow(u.row, {}, f"{u.detail}: {u.text[:200]}") for u in raw.unreadable]
    if not rows:
        raise FileRejected(shown, "no rows under the header", "表头下没有数据行")
    rows.sort(key=lambda row: row.number)
    return ListFile(shown.name, columns, column, rows)


def read_list_bytes(content: bytes, name: str, column: str = DEFAULT_COLUMN) -> ListFile:
    """An uploaded list: ``content`` is read as a file named ``name`` (the upload's own name,
    which errors give rather than a temporary file's)."""
    with tempfile.TemporaryDirectory() as folder:
        # read_file goes by the content, but openpyxl refuses a workbook without its suffix.
        path = Path(folder) / "list.xlsx"
        path.write_bytes(content)
        return read_list(path, column, name=Path(name).name or "upload")


@dataclass(frozen=True)
class CheckedRow:
    """One row of the list with its outcome (a key of :data:`OUTCOMES`) and, when the subject
    was checked, what the check found; ``repeat_of`` is the row where the code first came."""

    number: int
    cells: dict[str, str]
    code: str
    outcome: str
    reason: str = ""
    repeat_of: int | None = None
    name: str | None = None
    grade: GradeInForce | None = None
    lists: tuple[dict[str, Any], ...] = ()  # the list entries in force on the day
    measures: tuple[AppliedMeasure, ...] = ()
    green_channel: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row as plain JSON-ready values (the API's ``?format=json``)."""
        return {
            "row": self.number, "uscc": self.code, "outcome": self.outcome,
            "outcome_zh": OUTCOMES[self.outcome], "reason": self.reason,
            "repeat_of": self.repeat_of, "name": self.name,
            "grade": self.grade.grade if self.grade else None,
            "lists": [entry["kind"] for entry in self.lists],
            "measures": [asdict(m) for m in self.measures],
            "green_channel": self.green_channel, "cells": self.cells,
        }  # fmt: skip


@dataclass(frozen=True)
class BatchCheck:
    """Every row of a list checked for one scenario on one day, from one snapshot."""

    file: str
    column: str
    columns: list[str]
    scenario: str
    scenario_zh: str
    day: dt.date
    snapshot_id: str
    policy_version: str
    scenario_measures: dict[str, str]  # code → text of every measure the scenario has
    rows_in: int  # the rows read from the file, readable or not
    rows: list[CheckedRow]

    def counts(self) -> dict[str, int]:
        """Rows per outcome, every outcome listed (zero included)."""
        found = Counter(row.outcome for row in self.rows)
        return {outcome: found[outcome] for outcome in OUTCOMES}

    def measure_counts(self) -> dict[str, int]:
        """Rows per measure of the scenario (a repeated code counts in each of its rows)."""
        found = Counter(m.code for row in self.rows for m in row.measures)
        return {code: found[code] for code in self.scenario_measures}

    def repeats(self) -> int:
        """Rows whose code came in an earlier row."""
        return sum(row.repeat_of is not None for row in self.rows)

    def summary(self) -> dict[str, Any]:
        """What was checked and how many rows came out each way, as JSON-ready values."""
        return {
            "file": self.file, "column": self.column, "scenario": self.scenario,
            "day": self.day.isoformat(), "snapshot_id": self.snapshot_id,
            "policy_version": self.policy_version, "rows_in": self.rows_in,
            "rows": len(self.rows),
            "outcomes": self.counts(), "repeats": self.repeats(),
            "measures": self.measure_counts(),
        }  # fmt: skip

    def result_frame(self) -> pd.DataFrame:
        """The list's own columns as they were, then :data:`RESULT_COLUMNS`, one row per row."""
        added = _unused_names(RESULT_COLUMNS, self.columns)
        records = [
            [*(row.cells.get(c, "") for c in self.columns), *_result_cells(row)]
            for row in self.rows
        ]
        return pd.DataFrame(records, columns=[*self.columns, *added], dtype=object)

    def summary_frame(self) -> pd.DataFrame:
        """The 汇总 sheet: what was checked, then rows per outcome, repeats and measure."""
        lines: list[tuple[str, str, object]] = [
            ("核查信息", "文件", self.file), ("核查信息", "代码列", self.column),
            ("核查信息", "场景", f"{self.scenario_zh}（{self.scenario}）"),
            ("核查信息", "核查日期", self.day.isoformat()),
            ("核查信息", "信用快照", self.snapshot_id),
            ("核查信息", "措施清单版本", self.policy_version),
        ]  # fmt: skip
        lines += [("核查结果", OUTCOMES[o], n) for o, n in self.counts().items()]
        lines.append(("重复", "代码与前面某行相同的行", self.repeats()))
        lines += [("适用措施", f"{code} {self.scenario_measures[code]}", n)
                  for code, n in self.measure_counts().items()]  # fmt: skip
        lines += [("合计", "输入行数", self.rows_in), ("合计", "输出行数", len(self.rows))]
        return pd.DataFrame(lines, columns=["类别", "项目", "数值"])

    def xlsx(self) -> bytes:
        """The workbook: the result sheet (核查结果) and the summary sheet (汇总)."""
        return xlsx_bytes({"核查结果": self.result_frame(), "汇总": self.summary_frame()})

    def csv(self) -> bytes:
        """The result sheet alone, as CSV in UTF-8 with a BOM."""
        return csv_bytes(self.result_frame())


def check_list(
    served: Served,
    listed: ListFile,
    scenario: str,
    day: dt.date,
    policy: MeasuresPolicy | None = None,
) -> BatchCheck:
    """Check every row of ``listed`` for ``scenario`` on ``day`` against ``served``.

    Each distinct code is checked once (a list can repeat a bidder in every lot); its rows share
    the answer. Raises :class:`~credit_scoring.errors.InvalidInput` for an unknown scenario.
    """
    policy = policy or load_measures()
    credit_check(policy, [], scenario, day)  # an unknown scenario fails before any row
    answers: dict[str, CheckedRow] = {}
    first_rows: dict[str, int] = {}
    rows = []
    for row in listed.rows:
        if row.unreadable is not None:
            rows.append(CheckedRow(row.number, row.cells, "", "unreadable", row.unreadable))
            continue
        code = row.cells[listed.column].strip().upper()  # as ingestion reads a USCC
        if code not in answers:
            answers[code] = _check_code(served, policy, code, scenario, day)
        first = first_rows.setdefault(code, row.number) if code else row.number
        repeat_of = first if first != row.number else None
        rows.append(replace(answers[code], number=row.number, cells=row.cells, repeat_of=repeat_of))
    return BatchCheck(
        file=listed.name, column=listed.column, columns=listed.columns, scenario=scenario,
        scenario_zh=policy.scenarios[scenario].zh, day=day, snapshot_id=served.snapshot_id,
        policy_version=policy.version, rows_in=len(listed.rows), rows=rows,
        scenario_measures={m.code: m.text.zh for m in policy.measures if scenario in m.scenarios},
    )  # fmt: skip


def _check_code(
    served: Served, policy: MeasuresPolicy, code: str, scenario: str, day: dt.date
) -> CheckedRow:
    """The answer for one code, with no row number or cells yet."""
    if not code:
        return CheckedRow(0, {}, code, "missing", "该行未填写统一社会信用代码")
    status = uscc_status(code)
    if status is IdStatus.MALFORMED:
        return CheckedRow(0, {}, code, "malformed", _malformed_reason(code))
    try:
        name = served.subject(code, ("name",))["name"]
        grade = GradeInForce.of(served.grade(code))
    except SubjectNotFound:
        if status is IdStatus.CHECKSUM_MISMATCH:
            typo = f"{_check_char_reason(code)}，疑似录入错误；信用档案中无此代码"
            return CheckedRow(0, {}, code, "checksum_mismatch", typo)
        return CheckedRow(0, {}, code, "unknown", f"信用快照{served.snapshot_id}中无此主体")
    records = served.standing(code)
    result = credit_check(policy, records, scenario, day, grade)
    lists = tuple(r for r in records if r["record_table"] == "list_entries"
                  and in_force(r, day, public_only=False))  # fmt: skip
    # Registries hold a few codes that fail only the check character (DESIGN.md §3): such a
    # subject is known, so it is checked, and the row says its code is irregular.
    outcome, reason = "checked", ""
    if status is IdStatus.CHECKSUM_MISMATCH:
        outcome, reason = "checked_flagged", f"{_check_char_reason(code)}，但信用档案登记的即此代码"
    return CheckedRow(0, {}, code, outcome, reason, None, name, grade, lists,
                      tuple(result.measures), _green_channel(policy, result))  # fmt: skip


def _malformed_reason(code: str) -> str:
    if len(code) != 18:
        return f"长度为{len(code)}位，统一社会信用代码应为18位"
    position, char = next((i, c) for i, c in enumerate(code, 1) if c not in USCC_ALPHABET)
    return f"第{position}位“{char}”不是统一社会信用代码的字符（数字及除I、O、Z、S、V外的大写字母）"


def _check_char_reason(code: str) -> str:
    return f"校验位应为“{uscc_check_char(code[:17])}”，实为“{code[17]}”"


def _green_channel(policy: MeasuresPolicy, result: CreditCheck) -> str:
    """是 with the incentives that apply, 否, or 本场景无 when the scenario has no incentive."""
    if not any(m.kind == "incentive" and result.scenario in m.scenarios for m in policy.measures):
        return "本场景无"
    granted = [f"{m.code} {m.text_zh}" for m in result.measures if m.kind == "incentive"]
    return f"是（{'；'.join(granted)}）" if granted else "否"


def _result_cells(row: CheckedRow) -> list[object]:
    """The values of :data:`RESULT_COLUMNS` for one row; empty where nothing was checked."""
    head = [row.number, OUTCOMES[row.outcome], row.reason,
            f"同第{row.repeat_of}行" if row.repeat_of else ""]  # fmt: skip
    if row.grade is None:
        return [*head, "", "", "", "", "", "", ""]
    grade = f"{row.grade.grade}（{GRADE_LABELS[row.grade.grade]}）"
    lists = "；".join(f"{LIST_TYPES.label(e['kind'])}（{e['start']}起）" for e in row.lists)
    measures = "；".join(f"{m.code} {m.text_zh}" for m in row.measures)
    basis = "；".join(f"{m.code}：{m.basis}" for m in row.measures)
    evidence = "；".join(
        f"{m.code}：{'、'.join(_record_label(r) for r in m.records)}" for m in row.measures
    )
    return [*head, row.name, grade, lists or "无", measures or "无", basis, evidence,
            row.green_channel]  # fmt: skip


def _record_label(record: dict[str, Any]) -> str:
    """``行政处罚 CF0001（城管罚〔2025〕3号）``, ``严重失信主体名单 HB0002``, or the grade's
    own title (``信用等级 D（信用风险高）``)."""
    table = record["record_table"]
    if table == "grades":
        return str(record["title"])
    if table == "list_entries":
        return f"{LIST_TYPES.label(record['kind'])} {record['record_id']}"
    label = f"{RECORD_TABLES.label(table)} {record['record_id']}"
    return label + (f"（{record['decision_no']}）" if record["decision_no"] else "")


def _unused_names(names: list[str], taken: list[str]) -> list[str]:
    """``names``, each suffixed while the list has a column of that name (a result re-checked)."""
    out = []
    for name in names:
        while name in taken:
            name += "（本次）"
        out.append(name)
    return out
