"""The data contract of DESIGN.md §3: tables, columns, header aliases, keys and cross-field rules.

A :class:`Table` lists its :class:`Column` objects in the order they are stored. Each column knows
the headers it may arrive under (English name, Chinese name, national 双公示 field codes) and the
unit scale of each (``CF_NR_FK`` is in 10,000 yuan). Validation, the store schema and the
synthetic city all read this module, so a column is declared exactly once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from credit_scoring.errors import InvalidInput
from credit_scoring.records import codes
from credit_scoring.records.codes import CodeList

__all__ = ["TABLES", "WORKFLOW_TABLES", "Column", "Kind", "Table", "UnknownTable", "table"]


class UnknownTable(InvalidInput, KeyError):
    """No table of the contract has that name (a ``KeyError`` too, as it was before)."""

    def __str__(self) -> str:  # KeyError's own would quote the message
        return str(self.args[0])


class Kind(enum.Enum):
    """How a column's text is parsed and what it is stored as."""

    TEXT = "text"
    USCC = "uscc"
    USCC_LIST = "uscc_list"
    RESIDENT_ID = "resident_id"
    REGION = "region"
    INDUSTRY = "industry"
    CODE = "code"
    CODE_LIST = "code_list"
    EVENT_DATE = "event_date"  # when something happened: never after the ingest date
    TERM_DATE = "term_date"  # a term's end (valid_to, due_date): may lie in the future
    AMOUNT = "amount"  # money in yuan, not negative
    PROBABILITY = "probability"  # in (0, 1]
    BOOL = "bool"

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES.get(self, "VARCHAR")


_SQL_TYPES = {
    Kind.USCC_LIST: "VARCHAR[]",
    Kind.CODE_LIST: "VARCHAR[]",
    Kind.EVENT_DATE: "DATE",
    Kind.TERM_DATE: "DATE",
    Kind.AMOUNT: "DOUBLE",
    Kind.PROBABILITY: "DOUBLE",
    Kind.BOOL: "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    """One column of a table and every header it may arrive under."""

    name: str
    kind: Kind
    zh: str
    required: bool = False
    code_list: CodeList | None = None
    # Further headers; the value is the factor that converts that header's unit to ours.
    aliases: Mapping[str, float] = field(default_factory=dict)

    def headers(self) -> dict[str, float]:
        """Every accepted header (compared case-insensitively) with its unit factor."""
        return {self.name: 1.0, self.zh: 1.0, **self.aliases}


@dataclass(frozen=True)
class Table:
    """A table of the contract: its columns, its key and the rules across columns."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # (earlier, later): when both are present, ``later`` may not precede ``earlier``.
    date_order: tuple[tuple[str, str], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def references_subjects(self) -> bool:
        """Whether each row names a subject that must already be in ``subjects``."""
        return self.name not in {"subjects", "inspectors"} and "uscc" in self.column_names

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.name} has no column {name!r}")

    def header_map(self) -> dict[str, tuple[str, float]]:
        """Normalised header → (column name, unit factor)."""
        return {
            normalise_header(header): (column.name, factor)
            for column in self.columns
            for header, factor in column.headers().items()
        }


def normalise_header(header: str) -> str:
    """Headers compare without case, surrounding spaces, BOM or full-width brackets."""
    header = header.replace("\ufeff", "").strip().lower()
    return header.replace("（", "(").replace("）", ")")


def _record_id(zh: str = "记录编号") -> Column:
    return Column("record_id", Kind.TEXT, zh, required=True, aliases={"id": 1.0, "编号": 1.0})


def _uscc(**aliases: float) -> Column:
    return Column("uscc", Kind.USCC, "统一社会信用代码", required=True, aliases=aliases)


_C = Column
_SUBJECTS = Table(
    "subjects",
    "市场主体",
    (
        _uscc(),
        _C("name", Kind.TEXT, "名称", required=True, aliases={"主体名称": 1.0}),
        _C("subject_type", Kind.CODE, "主体类型", True, codes.SUBJECT_TYPES),
        _C("region_code", Kind.REGION, "行政区划代码", required=True),
        _C("industry_code", Kind.INDUSTRY, "行业代码"),
        _C("registered_date", Kind.EVENT_DATE, "成立日期"),
        _C("status", Kind.CODE, "登记状态", code_list=codes.SUBJECT_STATUSES),
        _C("domains", Kind.CODE_LIST, "监管领域", code_list=codes.DOMAINS),
        _C("legal_rep_name", Kind.TEXT, "法定代表人", aliases={"法定代表人姓名": 1.0}),
        _C("legal_rep_id", Kind.RESIDENT_ID, "法定代表人身份证号"),
        _C("address", Kind.TEXT, "地址", aliases={"住所": 1.0, "经营场所": 1.0}),
    ),
    key=("uscc",),
)
_LICENCES = Table(
    "licences",
    "行政许可",
    (
        _record_id(),
        _uscc(xk_xdr_shxym=1.0),
        _C(
            "licence_name",
            Kind.TEXT,
            "许可证书名称",
            True,
            aliases={"许可事项": 1.0, "xk_xkzs": 1.0},
        ),
        _C("decision_no", Kind.TEXT, "许可决定书文号", required=True, aliases={"xk_wsh": 1.0}),
        _C("decision_date", Kind.EVENT_DATE, "许可决定日期", True, aliases={"xk_jdrq": 1.0}),
        _C("valid_from", Kind.TERM_DATE, "有效期自", aliases={"xk_yxqz": 1.0}),
        _C("valid_to", Kind.TERM_DATE, "有效期至", aliases={"xk_yxqzi": 1.0}),
        _C("licence_category", Kind.TEXT, "许可类别", aliases={"xk_xklb": 1.0}),
        _C("authority", Kind.TEXT, "许可机关", aliases={"xk_xkjg": 1.0}),
        _C("published_date", Kind.EVENT_DATE, "公示日期"),
    ),
    key=("record_id",),
    date_order=(("decision_date", "published_date"), ("valid_from", "valid_to")),
)
_PENALTIES = Table(
    "penalties",
    "行政处罚",
    (
        _record_id(),
        _uscc(cf_xdr_shxym=1.0),
        _C("decision_no", Kind.TEXT, "处罚决定书文号", required=True, aliases={"cf_wsh": 1.0}),
        _C("violation_type", Kind.TEXT, "违法行为类型", required=True, aliases={"cf_wfxw": 1.0}),
        _C(
            "penalty_types", Kind.CODE_LIST, "处罚类别", True, codes.PENALTY_TYPES, {"cf_cflb": 1.0}
        ),
        _C("decision_date", Kind.EVENT_DATE, "处罚决定日期", True, aliases={"cf_jdrq": 1.0}),
        _C("severity", Kind.CODE, "失信程度", True, codes.SEVERITIES),
        _C("fine_amount", Kind.AMOUNT, "罚款金额", aliases={"cf_nr_fk": 10_000.0}),
        _C("confiscated_amount", Kind.AMOUNT, "没收金额", aliases={"cf_nr_wfff": 10_000.0}),
        _C("legal_basis", Kind.TEXT, "处罚依据", aliases={"cf_yj": 1.0}),
        _C("authority", Kind.TEXT, "处罚机关", aliases={"cf_cfjg": 1.0}),
        _C("published_date", Kind.EVENT_DATE, "公示日期"),
    ),
    key=("record_id",),
    date_order=(("decision_date", "published_date"),),
)
_COMMITMENTS = Table(
    "commitments",
    "信用承诺",
    (
        _record_id(),
        _uscc(),
        _C("commitment_type", Kind.CODE, "承诺类型", True, codes.COMMITMENT_TYPES),
        _C("signed_date", Kind.EVENT_DATE, "承诺日期", required=True),
        _C("due_date", Kind.TERM_DATE, "履约期限"),
        _C("fulfilment", Kind.CODE, "履约状态", True, codes.FULFILMENTS),
        _C("verified_date", Kind.EVENT_DATE, "核查日期"),
        _C("domain", Kind.CODE, "监管领域", code_list=codes.DOMAINS),
    ),
    key=("record_id",),
    date_order=(("signed_date", "due_date"), ("signed_date", "verified_date")),
)
_COMPLAINTS = Table(
    "complaints",
    "投诉举报",
    (
        _record_id(),
        _uscc(),
        _C("received_date", Kind.EVENT_DATE, "受理日期", required=True),
        _C("outcome", Kind.CODE, "核查结果", True, codes.COMPLAINT_OUTCOMES),
        _C("channel", Kind.CODE, "渠道", code_list=codes.COMPLAINT_CHANNELS),
        _C("category", Kind.TEXT, "问题类别"),
        _C("closed_date", Kind.EVENT_DATE, "办结日期"),
    ),
    key=("record_id",),
    date_order=(("received_date", "closed_date"),),
)
_INSPECTIONS = Table(
    "inspections",
    "检查结果",
    (
        _record_id(),
        _uscc(),
        _C("inspection_date", Kind.EVENT_DATE, "检查日期", required=True),
        _C("result", Kind.CODE, "检查结果", True, codes.INSPECTION_RESULTS),
        _C("plan_id", Kind.TEXT, "抽查计划编号"),
        _C("department", Kind.TEXT, "检查部门"),
        _C("inspectors", Kind.TEXT, "检查人员"),
        _C("random_sample", Kind.BOOL, "随机抽取"),
        _C("inclusion_prob", Kind.PROBABILITY, "入样概率"),
        _C("published_date", Kind.EVENT_DATE, "公示日期"),
    ),
    key=("record_id",),
    date_order=(("inspection_date", "published_date"),),
)
_LIST_ENTRIES = Table(
    "list_entries",
    "名单",
    (
        _record_id(),
        _uscc(),
        _C("list_type", Kind.CODE, "名单类型", True, codes.LIST_TYPES),
        _C("entered_date", Kind.EVENT_DATE, "列入日期", required=True),
        _C("removed_date", Kind.EVENT_DATE, "移出日期"),
        _C("reason", Kind.TEXT, "列入事由"),
        _C("authority", Kind.TEXT, "认定机关"),
    ),
    key=("record_id",),
    date_order=(("entered_date", "removed_date"),),
)
_INSPECTORS = Table(
    "inspectors",
    "执法人员",
    (
        _C("inspector_id", Kind.TEXT, "执法证号", required=True),
        _C("name", Kind.TEXT, "姓名", required=True),
        _C("department", Kind.TEXT, "所属部门", required=True),
        _C("region", Kind.REGION, "辖区"),
        _C("conflicts", Kind.USCC_LIST, "回避对象"),
        _C("active", Kind.BOOL, "在岗"),
    ),
    key=("inspector_id",),
)
_RECORD_EVENTS = Table(
    "record_events",
    "记录变更事件",
    (
        _C("record_id", Kind.TEXT, "记录编号", required=True),
        _C("table", Kind.CODE, "记录表", True, codes.RECORD_TABLES),
        _C("event_type", Kind.CODE, "事件类型", True, codes.EVENT_TYPES),
        _C("event_date", Kind.EVENT_DATE, "事件日期", required=True),
        _C("actor", Kind.TEXT, "经办人"),
        _C("note", Kind.TEXT, "说明"),
    ),
    # An event has no id of its own: one event of a kind per record and day.
    key=("table", "record_id", "event_type", "event_date"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _SUBJECTS,
        _LICENCES,
        _PENALTIES,
        _COMMITMENTS,
        _COMPLAINTS,
        _INSPECTIONS,
        _LIST_ENTRIES,
        _INSPECTORS,
        _RECORD_EVENTS,
    )
}


# Records a workflow writes into the store rather than a file brings (``records/revisions.py``):
# kept like the tables above, current and ``_history``, but not ingested. A warning interview
# (约谈) joins the subject's credit record when it is held (credit_scoring.workflows.interviews).
_INTERVIEWS = Table(
    "interviews",
    "约谈记录",
    (
        _record_id(),
        _uscc(),
        _C("interview_type", Kind.CODE, "约谈类型", True, codes.INTERVIEW_TYPES),
        _C("interview_date", Kind.EVENT_DATE, "约谈日期", required=True),
        _C("department", Kind.TEXT, "约谈部门", required=True),
        _C("reason", Kind.TEXT, "约谈事由"),
        _C("rectification", Kind.TEXT, "整改要求"),
        _C("rectify_by", Kind.TERM_DATE, "整改期限"),
        _C("rectified_date", Kind.EVENT_DATE, "整改完成日期"),
        _C("interviewers", Kind.TEXT, "约谈人员"),
    ),
    key=("record_id",),
    date_order=(("interview_date", "rectify_by"), ("interview_date", "rectified_date")),
)
WORKFLOW_TABLES: dict[str, Table] = {_INTERVIEWS.name: _INTERVIEWS}


def table(name: str) -> Table:
    """The contract of table ``name``; an unknown name is an error listing the known tables."""
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise UnknownTable(
            f"unknown table {name!r}; known tables: {known}", field="table"
        ) from None
