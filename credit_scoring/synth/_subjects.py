"""The register of the synthetic city: who the subjects are, and the ``subjects`` table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from credit_scoring.records import codes
from credit_scoring.synth import _vocab as v
from credit_scoring.synth._common import (
    NO_DAY,
    Timeline,
    date_array,
    day_number,
    stream,
    uniform_days,
)
from credit_scoring.synth._ids import (
    ascii_strings,
    join_text,
    resident_id_matrix,
    take_text,
    uscc_matrix,
)

_DEREGISTERED, _REVOKED = 0.06, 0.01  # shares of subjects leaving the register in the window
_NEW_ENTRANTS = 0.22  # share registered inside the window
_SECOND_DOMAIN = 0.12
# Legal representatives: 60% born in Ningbo's districts, the rest elsewhere.
_N_OTHER = len(v.ID_REGIONS) - len(v.DISTRICT_CODES)
_ID_REGION_WEIGHTS = np.r_[np.full(6, 0.6 / 6), np.full(_N_OTHER, 0.4 / _N_OTHER)]


@dataclass
class Subjects:
    """Subject attributes as parallel arrays; subject ``i`` is row ``i`` of every array."""

    type_idx: np.ndarray  # into codes.SUBJECT_TYPES.codes
    region_idx: np.ndarray  # into _vocab.DISTRICT_CODES
    domain: np.ndarray  # primary domain, into codes.DOMAINS.codes
    domain2: np.ndarray  # a second domain or -1
    registered: np.ndarray  # day of registration
    exit_day: np.ndarray  # day of deregistration or revocation, NO_DAY if still registered
    status: np.ndarray  # into codes.SUBJECT_STATUSES.codes
    uscc: np.ndarray  # (n, 18) ASCII codes; planting may break some check characters
    spare_uscc: np.ndarray  # valid codes of nobody, for planted rows

    @property
    def n(self) -> int:
        return len(self.type_idx)

    @property
    def department(self) -> np.ndarray:
        """The supervising department: the bureau of the primary domain in the district."""
        bureau = np.asarray(v.DOMAIN_BUREAU)[self.domain]
        return self.region_idx.astype(np.int64) * len(v.BUREAUS) + bureau

    def first_active(self, timeline: Timeline) -> np.ndarray:
        return np.maximum(self.registered, timeline.start_day)

    def last_active(self, timeline: Timeline) -> np.ndarray:
        return np.minimum(self.exit_day - 1, timeline.end_day)


def draw_subjects(seed: int, n: int, timeline: Timeline) -> Subjects:
    """Types, districts, domains, registration and exit days, and distinct USCCs."""
    rng = stream(seed, "subjects")
    type_idx = rng.choice(4, size=n, p=np.asarray(v.SUBJECT_TYPE_WEIGHTS)).astype(np.int8)
    region_idx = rng.choice(6, size=n, p=np.asarray(v.DISTRICT_WEIGHTS)).astype(np.int8)
    domain = np.empty(n, dtype=np.int8)
    for t, weights in enumerate(v.DOMAIN_WEIGHTS):
        rows = type_idx == t
        p = np.asarray(weights) / sum(weights)
        domain[rows] = rng.choice(v.N_DOMAINS, size=int(rows.sum()), p=p)
    shift = rng.integers(1, v.N_DOMAINS, size=n)
    domain2 = np.where(rng.random(n) < _SECOND_DOMAIN, (domain + shift) % v.N_DOMAINS, -1)
    registered = _registration_days(rng, type_idx, timeline)
    exit_day, status = _exits(rng, registered, timeline)
    n_spare = 64 + n // 200
    spare_types = rng.integers(0, 2, size=n_spare)
    spare_regions = rng.integers(0, 6, size=n_spare)
    all_codes = uscc_matrix(
        rng,
        np.concatenate([type_idx, spare_types]),
        np.concatenate([region_idx, spare_regions]),
        v.DISTRICT_CODES,
    )
    return Subjects(
        type_idx, region_idx, domain, domain2.astype(np.int8), registered, exit_day, status,
        all_codes[:n], all_codes[n:],
    )  # fmt: skip


def _registration_days(
    rng: np.random.Generator, type_idx: np.ndarray, timeline: Timeline
) -> np.ndarray:
    """Older firms before the window (individual businesses younger), some entrants inside it."""
    n = len(type_idx)
    mean_age = np.array([9.0, 6.0, 15.0, 20.0])[type_idx]
    age_years = np.minimum(rng.exponential(mean_age), 40.0) + 0.01
    before = timeline.start_day - 1 - (age_years * 365.25).astype(np.int64)
    last_entry = max(timeline.start_day, timeline.end_day - 60)
    inside = uniform_days(rng, np.full(n, timeline.start_day), np.full(n, last_entry))
    return np.where(rng.random(n) < _NEW_ENTRANTS, inside, before)


def _exits(
    rng: np.random.Generator, registered: np.ndarray, timeline: Timeline
) -> tuple[np.ndarray, np.ndarray]:
    """A few subjects are deregistered or revoked inside the window, at least 120 days in."""
    n = len(registered)
    earliest = np.maximum(registered, timeline.start_day) + 120
    possible = earliest <= timeline.end_day
    day = uniform_days(rng, earliest, np.maximum(earliest, timeline.end_day))
    u = rng.random(n)
    status = np.where(u < _DEREGISTERED, 1, np.where(u < _DEREGISTERED + _REVOKED, 2, 0))
    status = np.where(possible, status, 0).astype(np.int8)
    return np.where(status > 0, day, NO_DAY), status


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Chinese personal names: a common surname and one or two given characters."""
    surnames = list(v.SURNAMES)
    given = [*v.GIVEN_CHARS, ""]
    first = rng.integers(0, len(v.GIVEN_CHARS), size=n)
    second = np.where(
        rng.random(n) < 0.7, rng.integers(0, len(v.GIVEN_CHARS), size=n), len(given) - 1
    )
    return join_text(
        take_text(surnames, rng.integers(0, len(surnames), size=n)),
        take_text(given, first),
        take_text(given, second),
    )


def subjects_table(seed: int, subjects: Subjects) -> pa.Table:
    """The ``subjects`` table in contract order (English codes, ``date32`` dates)."""
    rng = stream(seed, "subjects.table")
    n = subjects.n
    types = list(codes.SUBJECT_TYPES.codes)
    domain_codes = list(codes.DOMAINS.codes)
    primary = take_text(domain_codes, subjects.domain)
    has_second = pa.array(subjects.domain2 >= 0)
    both = join_text(primary, ";", take_text(domain_codes, np.maximum(subjects.domain2, 0)))
    industries, industry_idx = v.pick_per_domain(rng, v.INDUSTRY_CODES, subjects.domain)
    born = subjects.registered - rng.integers(22 * 365, 60 * 365, size=n)
    born = np.maximum(born, day_number(dt.date(1940, 1, 1)))
    resident_ids = resident_id_matrix(
        rng, v.ID_REGIONS, _ID_REGION_WEIGHTS, born.astype("datetime64[D]")
    )
    return pa.table(
        {
            "uscc": ascii_strings(subjects.uscc),
            "name": _subject_names(rng, subjects),
            "subject_type": take_text(types, subjects.type_idx),
            "region_code": take_text(v.DISTRICT_CODES, subjects.region_idx),
            "industry_code": take_text(industries, industry_idx),
            "registered_date": date_array(subjects.registered),
            "status": take_text(codes.SUBJECT_STATUSES.codes, subjects.status),
            "domains": pc.if_else(has_second, both, primary),
            "legal_rep_name": person_names(rng, n),
            "legal_rep_id": ascii_strings(resident_ids),
            "address": _addresses(rng, subjects.region_idx),
            "subject": np.arange(n, dtype=np.int64),
        }
    )


def _subject_names(rng: np.random.Generator, subjects: Subjects) -> pa.Array:
    """宁波华鑫广告有限公司, 海曙区兴旺便利店, 宁波市鄞州区园艺协会 ..."""
    n = subjects.n
    prefixes = [
        pattern.format(district=d)
        for pattern in ("宁波", "{district}", "宁波市{district}", "宁波市{district}")
        for d in v.DISTRICT_NAMES
    ]
    prefix = take_text(prefixes, subjects.type_idx.astype(np.int64) * 6 + subjects.region_idx)
    chars = list(v.TRADE_CHARS)
    trade = join_text(
        take_text(chars, rng.integers(0, len(chars), size=n)),
        take_text(chars, rng.integers(0, len(chars), size=n)),
    )
    words, word_idx = v.pick_per_domain(rng, v.NAME_WORDS, subjects.domain)
    suffix = take_text(v.NAME_SUFFIX, subjects.type_idx)
    return join_text(prefix, trade, take_text(words, word_idx), suffix)


def _addresses(rng: np.random.Generator, region_idx: np.ndarray) -> pa.Array:
    n = len(region_idx)
    towns = [f"浙江省宁波市{d}" for d in v.DISTRICT_NAMES]
    numbers = pc.cast(pa.array(rng.integers(1, 1000, size=n)), pa.string())
    road = take_text(v.ROADS, rng.integers(0, len(v.ROADS), size=n))
    return join_text(take_text(towns, region_idx), road, numbers, "号")
