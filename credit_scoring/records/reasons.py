"""Why a row was rejected or flagged: stable codes with plain reasons in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FLAG_CODES", "REASONS", "Issue", "describe"]

# code -> (Chinese, English); {column}, {value}, {other} and {expected} are filled in per issue.
REASONS: dict[str, tuple[str, str]] = {
    "MISSING_REQUIRED": ("必填字段“{column}”为空", "required field {column} is empty"),
    "INVALID_USCC": (
        "“{value}”不是有效的统一社会信用代码（应为18位，字符取自0-9A-HJ-NPQRTUWXY）",
        "{value!r} is not a unified social credit code (18 characters from 0-9A-HJ-NPQRTUWXY)",
    ),
    "ID_CHECKSUM_MISMATCH": (
        "“{value}”校验码不符，已标记保留",
        "{value!r} fails its check character; kept and flagged",
    ),
    "INVALID_ID": (
        "“{value}”不是有效的居民身份证号码",
        "{value!r} is not a resident identity number (GB 11643)",
    ),
    "UNKNOWN_CODE": (
        "“{column}”的取值“{value}”不在代码表中（可选：{expected}）",
        "{value!r} is not a {column} code; expected one of {expected}",
    ),
    "INVALID_DATE": (
        "“{value}”不是有效日期（YYYY-MM-DD、YYYY/MM/DD或YYYY年MM月DD日）",
        "{value!r} is not a valid date (YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日)",
    ),
    "FUTURE_DATE": (
        "“{column}”为{value}，晚于入库日期{other}",
        "{column} {value} is after the ingest date {other}",
    ),
    "DATE_ORDER": ("“{column}”{value}早于“{other}”", "{column} {value} precedes {other}"),
    "INVALID_AMOUNT": (
        "“{value}”不是有效金额（非负数）",
        "{value!r} is not an amount (a number ≥ 0)",
    ),
    "INVALID_PROBABILITY": (
        "“{value}”不是(0, 1]区间内的概率",
        "{value!r} is not a probability in (0, 1]",
    ),
    "INVALID_BOOL": ("“{value}”不是是/否值", "{value!r} is not a yes/no value"),
    "INVALID_REGION": ("“{value}”不是6位行政区划代码", "{value!r} is not a 6-digit region code"),
    "INVALID_INDUSTRY": (
        "“{value}”不是国民经济行业分类代码",
        "{value!r} is not an industry code (GB/T 4754, e.g. H6210)",
    ),
    "UNKNOWN_SUBJECT": (
        "主体“{value}”不在主体名录中，请先导入主体表",
        "subject {value} is not in the subjects table; ingest subjects first",
    ),
    "UNKNOWN_RECORD": (
        "“{other}”表中没有编号为“{value}”的记录",
        "there is no record {value!r} in table {other}",
    ),
    "DUPLICATE_KEY": (
        "与本文件第{other}行编号相同但内容不同",
        "same key as row {other} of this file but different content",
    ),
    "MALFORMED_ROW": (
        "行格式错误（{other}），可能文件被截断",
        "malformed row ({other}); truncated file?",
    ),
    "ENCODING": ("该行编码与文件其余部分不同（{other}）", "the row's encoding differs ({other})"),
    "FORMULA_WITHOUT_VALUE": (
        "“{column}”的公式单元格{other}没有保存计算结果：请在 Excel 中打开并保存后再导入",
        "{column}: the formula in cell {other} was saved without its value; open the file in "
        "Excel, save it, and import it again",
    ),
    "MERGED_CELL": (
        "“{column}”位于合并单元格{other}中，只有左上角单元格有值：请取消合并、逐行填写后再导入",
        "{column} is inside the merged cells {other}, whose value only the top-left cell holds; "
        "unmerge them, fill in every row, and import again",
    ),
}

# Codes that keep the row (flagged) unless the ingest is strict.
FLAG_CODES = frozenset({"ID_CHECKSUM_MISMATCH"})


@dataclass(frozen=True)
class Issue:
    """One problem with one value of one row of an input file."""

    row: int
    column: str
    value: str
    code: str
    action: str  # "rejected" or "flagged"
    reason_zh: str
    reason_en: str


def describe(
    code: str, column: str = "", value: object = "", other: object = "", expected: str = ""
) -> tuple[str, str]:
    """The Chinese and English reason for ``code``, filled in."""
    zh, en = REASONS[code]
    fields = {"column": column, "value": value, "other": other, "expected": expected}
    return zh.format(**fields), en.format(**fields)
