"""Code lists and identifier checks: the single source for validation, synthetic data and labels.

Every enumerated value in the data contract (DESIGN.md §3) is a :class:`CodeList` of English
codes with their Chinese labels. Input files may carry either; :meth:`CodeList.parse` maps both
to the code. The identifier checks follow GB 32100-2015 (unified social credit code, USCC) and
GB 11643-1999 (resident identity number); both come in a scalar form and a vectorised form over
numpy arrays that ingestion uses on millions of rows, and generators that the synthetic city
uses, so generated codes are valid by construction.

Examples
--------
>>> uscc_status("91350200776049653A")
<IdStatus.VALID: 'valid'>
>>> uscc_status("91350203M0001QAY9B")
<IdStatus.CHECKSUM_MISMATCH: 'checksum_mismatch'>
>>> SEVERITIES.parse("严重")
'serious'
>>> mask_resident_id("11010519491231002X")
'110105********002X'
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "BOOLEAN_FALSE",
    "BOOLEAN_TRUE",
    "COMMITMENT_TYPES",
    "COMPLAINT_CHANNELS",
    "COMPLAINT_OUTCOMES",
    "DOMAINS",
    "EVENT_TYPES",
    "FULFILMENTS",
    "INSPECTION_RESULTS",
    "INTERVIEW_TYPES",
    "LIST_TYPES",
    "PENALTY_TYPES",
    "RECORD_TABLES",
    "SEVERITIES",
    "SUBJECT_STATUSES",
    "SUBJECT_TYPES",
    "USCC_ALPHABET",
    "CodeList",
    "IdStatus",
    "generate_resident_ids",
    "generate_usccs",
    "mask_operator_name",
    "mask_person_name",
    "mask_resident_id",
    "resident_id_check_char",
    "resident_id_status",
    "resident_id_statuses",
    "uscc_check_char",
    "uscc_status",
    "uscc_statuses",
]


@dataclass(frozen=True)
class CodeList:
    """An enumeration of English codes, each with its Chinese label.

    ``aliases`` maps further spellings seen in real exports (e.g. ``"责令停产停业"``) to codes.
    """

    name: str
    labels: Mapping[str, str]
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str) -> str:
        """The Chinese label of ``code``."""
        return self.labels[code]

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (code, upper-case code, label, alias) mapped to its code."""
        table: dict[str, str] = {}
        for code, label in self.labels.items():
            table[code] = code
            table[code.upper()] = code
            table[label] = code
        table.update(self.aliases)
        return table

    def parse(self, value: str) -> str:
        """Map a code, a Chinese label or an alias to the code; ``ValueError`` if unknown."""
        try:
            return self.lookup()[value.strip()]
        except KeyError:
            raise ValueError(f"{value!r} is not a {self.name} code") from None

    def __contains__(self, code: object) -> bool:
        return code in self.labels


SUBJECT_TYPES = CodeList(
    "subject_type",
    {
        "enterprise": "企业",
        "individual_business": "个体工商户",
        "social_org": "社会组织",
        "public_institution": "事业单位",
    },
    {"个体户": "individual_business", "法人企业": "enterprise"},
)
SUBJECT_STATUSES = CodeList(
    "status",
    {"active": "存续", "deregistered": "注销", "revoked": "吊销"},
    {"在业": "active", "开业": "active", "正常": "active"},
)
DOMAINS = CodeList(
    "domain",
    {
        "street_shop": "沿街商户",
        "catering": "餐饮",
        "construction_site": "建筑工地",
        "muck_transport": "渣土运输",
        "outdoor_ads": "户外广告",
        "shared_vehicles": "互联网租赁车辆",
        "parking": "停车场",
        "gas_heating": "燃气热力",
        "landscaping": "园林绿化",
        "sanitation": "市容环卫",
        "market": "集贸市场",
    },
)
PENALTY_TYPES = CodeList(
    "penalty_type",
    {
        "warning": "警告",
        "criticism": "通报批评",
        "fine": "罚款",
        "confiscation": "没收违法所得、没收非法财物",
        "licence_suspension": "暂扣许可证件",
        "downgrade": "降低资质等级",
        "licence_revocation": "吊销许可证件",
        "business_restriction": "限制开展生产经营活动",
        "suspension": "责令停产停业",
        "closure": "责令关闭",
        "employment_ban": "限制从业",
        "detention": "行政拘留",
        "other": "其他",
    },
    {
        "没收违法所得": "confiscation",
        "没收非法财物": "confiscation",
        "没收": "confiscation",
        "暂扣许可证": "licence_suspension",
        "吊销许可证": "licence_revocation",
        "吊销营业执照": "licence_revocation",
        "停产停业": "suspension",
        "license_suspension": "licence_suspension",
        "license_revocation": "licence_revocation",
    },
)
SEVERITIES = CodeList(
    "severity",
    {"minor": "轻微", "general": "一般", "serious": "严重"},
    {"较重": "serious"},
)
COMMITMENT_TYPES = CodeList(
    "commitment_type",
    {
        "approval_substitute": "审批替代型",
        "voluntary": "主动型",
        "industry": "行业自律型",
        "repair": "信用修复型",
    },
    {"告知承诺": "approval_substitute", "主动承诺": "voluntary", "信用修复": "repair"},
)
FULFILMENTS = CodeList(
    "fulfilment",
    {"fulfilled": "已履约", "breached": "未履约", "pending": "履约中"},
    {"违约": "breached", "待核查": "pending"},
)
COMPLAINT_OUTCOMES = CodeList(
    "outcome",
    {"substantiated": "属实", "unsubstantiated": "不属实", "pending": "核查中"},
    {"部分属实": "substantiated"},
)
COMPLAINT_CHANNELS = CodeList(
    "channel",
    {"12345": "12345热线", "12315": "12315平台", "12319": "12319城建热线", "other": "其他"},
)
INSPECTION_RESULTS = CodeList(
    "result",
    {
        "compliant": "未发现问题",
        "rectified": "责令整改",
        "violation": "发现违法违规",
        "not_found": "未发现主体",
    },
    {"合格": "compliant", "已整改": "rectified", "不合格": "violation", "查无下落": "not_found"},
)
INTERVIEW_TYPES = CodeList(
    "interview_type",
    {"prompt": "提示约谈", "warning": "警示约谈"},  # 谁认定、谁约谈 (Shijiazhuang seed)
    {"提示": "prompt", "警示": "warning"},
)
LIST_TYPES = CodeList(
    "list_type",
    {
        "red": "守信激励名单",
        "black": "严重失信主体名单",
        "key_attention": "重点关注名单",
        "judgment_debtor": "失信被执行人",
    },
    {"红名单": "red", "黑名单": "black", "重点关注": "key_attention"},
)
EVENT_TYPES = CodeList(
    "event_type",
    {
        "objection_filed": "提出异议",
        "objection_upheld": "异议成立",
        "objection_rejected": "异议不成立",
        "corrected": "更正",
        "revoked": "撤销",
        "repair_approved": "信用修复通过",
        "publicity_ended": "公示期满",
    },
)
RECORD_TABLES = CodeList(
    "table",
    {
        "licences": "行政许可",
        "penalties": "行政处罚",
        "commitments": "信用承诺",
        "complaints": "投诉举报",
        "inspections": "检查结果",
        "list_entries": "名单",
    },
)

BOOLEAN_TRUE = frozenset({"true", "1", "yes", "y", "t", "是", "真"})
BOOLEAN_FALSE = frozenset({"false", "0", "no", "n", "f", "否", "假"})


class IdStatus(enum.Enum):
    """Outcome of an identifier check. Only ``MALFORMED`` is unusable as a key."""

    VALID = "valid"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    MALFORMED = "malformed"


_STATUS_BY_INDEX = (IdStatus.VALID, IdStatus.CHECKSUM_MISMATCH, IdStatus.MALFORMED)


# --- USCC, GB 32100-2015 ----------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
# Code point -> value 0..30, or -1 for a character outside the alphabet.
_USCC_VALUE = np.full(128, -1, dtype=np.int64)
for _value, _char in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_char)] = _value


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character of a USCC whose first 17 characters are given."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_status(code: str) -> IdStatus:
    """Check one USCC: length, alphabet, then the check character."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return IdStatus.MALFORMED
    return IdStatus.VALID if uscc_check_char(code[:17]) == code[17] else IdStatus.CHECKSUM_MISMATCH


def uscc_statuses(codes: Iterable[str | None]) -> np.ndarray:
    """Vectorised :func:`uscc_status`: an array of :class:`IdStatus` values, one per code.

    Missing values (``None``) are ``MALFORMED``; the caller reports them as missing first.
    """
    chars = _codepoints(codes, width=18)
    values = _USCC_VALUE[np.minimum(chars[:, :18], 127)]
    values[chars[:, :18] > 127] = -1
    malformed = (values < 0).any(axis=1) | _longer_than(chars, 18)
    values = np.where(values < 0, 0, values)
    expected = (31 - (values[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    mismatch = ~malformed & (expected != values[:, 17])
    index = np.where(malformed, 2, np.where(mismatch, 1, 0))
    return np.asarray(_STATUS_BY_INDEX, dtype=object)[index]


def _codepoints(codes: Iterable[str | None], width: int) -> np.ndarray:
    """An (n, width + 1) int array of code points; short strings pad with 0, which no alphabet has.

    The extra column tells whether a string is longer than ``width``.
    """
    as_text = np.asarray([c if isinstance(c, str) else "" for c in codes], dtype=f"<U{width + 1}")
    if as_text.size == 0:
        return np.zeros((0, width + 1), dtype=np.int64)
    return as_text.view(np.uint32).reshape(len(as_text), width + 1).astype(np.int64)


def _longer_than(chars: np.ndarray, width: int) -> np.ndarray:
    return chars[:, width] != 0


# --- Organisation code, GB 11714 (positions 9-17 of a USCC) ------------------------------------

_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_ORG_BODY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # kept inside the USCC alphabet


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def _org_check_char(body8: str) -> str:
    total = sum(_org_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


# --- Resident identity number, GB 11643-1999 ---------------------------------------------------

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    """The check character of an 18-digit resident ID whose first 17 digits are given."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_status(value: str) -> IdStatus:
    """Check one resident ID: 18 characters (with check) or a legacy 15-digit ID (no check)."""
    value = value.strip().upper()
    if len(value) == 15 and value.isdigit():
        return IdStatus.VALID if _valid_birth_date("19" + value[6:12]) else IdStatus.MALFORMED
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return IdStatus.MALFORMED
    if not _valid_birth_date(value[6:14]):
        return IdStatus.MALFORMED
    ok = resident_id_check_char(value[:17]) == value[17]
    return IdStatus.VALID if ok else IdStatus.CHECKSUM_MISMATCH


def resident_id_statuses(values: Iterable[str | None]) -> np.ndarray:
    """Vectorised over a column of mostly valid IDs; the rare oddities take the scalar path."""
    return np.asarray(
        [resident_id_status(v) if isinstance(v, str) else IdStatus.MALFORMED for v in values],
        dtype=object,
    )


def _valid_birth_date(yyyymmdd: str) -> bool:
    try:
        born = dt.datetime.strptime(yyyymmdd, "%Y%m%d").date()
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def mask_resident_id(value: str | None) -> str | None:
    """Keep the region (first 6) and the last 4 characters: ``110105********002X``."""
    if value is None:
        return None
    value = value.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_person_name(name: str | None) -> str | None:
    """Keep the surname only: ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``."""
    if not name:
        return name
    name = name.strip()
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_operator_name(name: str | None, operator: str | None) -> str | None:
    """An individual business's name with its operator's own name in it masked.

    A 个体工商户 without a trade name is registered under its operator's name (``张三``, or
    ``张三小吃店``): that is a natural person's name, so it is masked like one (``张*``,
    ``张*小吃店``). A trade name (``源聚便利店``) is left as it is.
    """
    operator = (operator or "").strip()
    if not name or len(operator) < 2 or operator not in name:
        return name
    return name.replace(operator, mask_person_name(operator) or "")


# --- Generators for the synthetic city ---------------------------------------------------------

# Registering authority and category (positions 1-2) by subject type, GB 32100 Annex.
_USCC_PREFIX = {
    "enterprise": "91",
    "individual_business": "92",
    "social_org": "51",
    "public_institution": "12",
}


def generate_usccs(
    rng: np.random.Generator, subject_types: Iterable[str], region_codes: Iterable[str]
) -> list[str]:
    """Valid, distinct-with-high-probability USCCs for the given subject types and regions.

    The organisation code (positions 9-17) carries its own GB 11714 check character, so
    generated codes pass both checks like real ones.
    """
    types = list(subject_types)
    regions = list(region_codes)
    n = len(types)
    bodies = rng.integers(0, len(_ORG_BODY_ALPHABET), size=(n, 8))
    alphabet = np.array(list(_ORG_BODY_ALPHABET))
    body_strings = ["".join(row) for row in alphabet[bodies]]
    codes = []
    for subject_type, region, body in zip(types, regions, body_strings, strict=True):
        first17 = _USCC_PREFIX[subject_type] + region + body + _org_check_char(body)
        codes.append(first17 + uscc_check_char(first17))
    return codes


def generate_resident_ids(
    rng: np.random.Generator, region_codes: Iterable[str], born_from: dt.date, born_to: dt.date
) -> list[str]:
    """Valid 18-character resident IDs with birth dates uniform in ``[born_from, born_to]``."""
    regions = list(region_codes)
    n = len(regions)
    span = (born_to - born_from).days
    offsets = rng.integers(0, span + 1, size=n)
    sequences = rng.integers(0, 1000, size=n)
    ids = []
    for region, offset, sequence in zip(regions, offsets, sequences, strict=True):
        born = born_from + dt.timedelta(days=int(offset))
        first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
        ids.append(first17 + resident_id_check_char(first17))
    return ids
