"""The synthetic city: a seeded, documented generative model of a city's public credit records.

:func:`generate_city` writes one CSV file per table of the data contract (DESIGN.md §3), in the
formats real exports come in, plus a truth file that is never ingested. Everything is drawn with
numpy generators seeded from ``seed`` (one independent stream per stage), vectorised, and
independent of today's date: the same arguments give byte-identical files.

Generative model
----------------
**Register.** Subjects are individual businesses (68%), enterprises (28%), social organisations
and public institutions (2% each) in Ningbo's six urban districts (330203 海曙 ... 330213 奉化).
Each has a primary city-management domain drawn by type (shops, catering and markets for
individual businesses; construction, muck transport, advertising ... for enterprises), 12% a
second one, a GB/T 4754 industry code of the domain, a name, an address, a legal representative
with a valid resident ID, and a valid, distinct USCC (GB 32100 with the GB 11714 organisation
check inside). 78% registered before the window (ages exponential, up to 40 years), 22% inside
it; 6% are deregistered and 1% revoked inside the window, at least 120 days after the start of
their active life. No subject has a record before its registration.

**Latent risk.** Per subject and calendar quarter, a log-intensity of violations
``x[i, q] = mu_i + a[i, q] + season(q)``: ``mu_i = -2.35 + type + domain + 0.85 z_i`` (muck
transport and construction worst, public institutions best), ``a`` an AR(1) with coefficient 0.8
and innovation sd 0.35, plus rare shocks (3% a quarter, about +1.2, then decaying), and a small
summer peak. True violations are ``Poisson(exp(x) * exposure)``, exposure being the share of the
quarter the subject is active: about 5.7 per subject over the default window, very unequally
spread. Each violation gets a day, a duration (1 + exponential, mean 40 days, at most 180), a
domain (primary, or the second one), a violation type of that domain, and a severity: its gravity
``0.7 x + N(0, 1)`` cut at fixed quantiles gives 40% minor, 53% general, 7% serious, so serious
ones come mostly from high-risk subjects.

**Channels** (the only way violations reach the records; no column is computed from ``x``):

* *patrols* catch 12-30% of violations (by domain) while they go on; a penalty follows after a
  procedure lag (0-2 days for minor ones, 1-6 weeks general, 3-13 weeks serious), decided on a
  working day of the official calendar;
* *complaints*: 5-15% of violations draw a complaint within two weeks (85% substantiated), and
  unfounded complaints arrive as Poisson noise by domain times a per-subject visibility that is
  independent of risk (97% unsubstantiated); channel 12345/12319/12315/other; closed within 15
  working days, so those received just before ``end`` are pending;
* *inspections*: each quarter each department (a bureau of a district) draws a simple random
  sample from its register (subjects registered before the quarter, deregistered ones lingering
  for up to a year) at 1% a quarter with random rounding: ``random_sample=true`` and
  ``inclusion_prob = k / N`` of the stratum. 30% of complaints are followed by a targeted
  inspection (``random_sample=false``, no probability). An inspection sees an ongoing violation
  with probability 0.85 (result ``violation`` 70%, ``rectified`` 30%), else ``compliant``;
  a subject deregistered by then is ``not_found``. Two distinct active inspectors of the
  department are drawn at random. Half of the violations found end in a penalty;
* *penalties*: a violation is penalised at the earlier of patrol and inspection. Penalty types
  follow severity (minor: warning or criticism; general: fine, with warning, confiscation or
  licence suspension; serious: revocation, suspension, business restriction or closure, mostly
  with a large fine); fines are log-normal in yuan, three times higher for organisations. 1%
  more penalties are erroneous: against random subjects with no violation behind them;
* *publication* of licences and penalties: 62% within 1-3 working days, 24% within 4-7, 9%
  within 8-20, 3% within 21-45, 2% never (and 70% of minor penalties are not published);
  inspection results mostly within 20 working days. A date after ``end`` is left blank.

**Administration.** Licences by domain (holding rate and validity period per domain): a first
decision after registration (or at a random phase for older subjects), renewals before expiry;
``valid_to`` may lie after ``end``. Commitments: approval-substitute at 40% of licences
(due in 6 months), voluntary (Poisson), industry campaigns (twice a year per domain, 2.5% sign),
and repair commitments; a commitment is breached with probability 0.35 if a true violation
happens in its term (else 0.02), and pending while not yet verified. Record events: every
erroneous penalty is objected to, upheld and then corrected or revoked within days; 1.5% of
genuine penalties draw a rejected objection; 15% of general penalties are repaired at least 3
months after the decision (repair commitment, then ``repair_approved``). Lists by rule: black
after two serious penalties within 365 days, key attention after three general ones, judgment
debtors from unpaid fines (3%) and unrelated debts, red lists each January for 3% of subjects
clean for three years; see ``_lists`` for removals.

**Files.** See ``_writers.FORMATS``: subjects and complaints in GB18030 with Chinese headers and
labels (complaint dates as ``YYYY年MM月DD日``), licences with ``XK_*`` headers in UTF-8 with BOM,
penalties with ``CF_*`` headers (``CF_NR_FK`` in 10,000 yuan, ``CF_CFLB`` as Chinese labels),
commitments with ``YYYY/MM/DD`` dates, the rest English. Bad rows: see ``_bad``. The truth file
``truth/latent.parquet`` has one row per subject: ``uscc``, registration and exit dates,
``risk_<YYYY>Q<k>`` (expected violations in that quarter, ``exp(x)``; NaN while not active) and
``violations_<YYYY>`` (true violations that year, observed or not).

**Where each part lives.** ``_subjects`` (register), ``_latent`` (risk, violations, truth),
``_enforcement`` (patrols, complaints, inspections), ``_penalties``, ``_admin`` (licences,
commitments), ``_events``, ``_lists``, ``_inspectors``; ``_tables`` turns frames into typed
tables, ``_writers`` into files, ``_bad`` plants defects, ``_output`` writes it all, and
``_ids`` builds USCCs and resident IDs vectorised (a million in about a second).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from credit_scoring.errors import InvalidInput
from credit_scoring.synth._output import write_outputs
from credit_scoring.synth._simulation import simulate

__all__ = ["CityFiles", "generate_city"]

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class CityFiles:
    """What :func:`generate_city` wrote.

    Attributes
    ----------
    out_dir : Path
    files : dict of str to Path
        One CSV file per contract table, in ingestion order of ``contract.TABLES``.
    truth : Path
        The latent truth (Parquet); never ingested.
    row_counts : dict of str to int
        Data rows per file, planted bad rows included.
    planted : dict of str to dict of str to int
        Per table, per reason code, the rows planted on purpose. ``ID_CHECKSUM_MISMATCH`` rows
        are flagged by ingestion and kept; every other planted row must be rejected.
    """

    out_dir: Path
    files: dict[str, Path]
    truth: Path
    row_counts: dict[str, int]
    planted: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def manifest(self) -> Path:
        return self.out_dir / "manifest.json"

    @property
    def expected_rejects(self) -> int:
        """Rows ingestion must reject: every planted row except the flagged checksum ones."""
        return sum(
            count
            for reasons in self.planted.values()
            for reason, count in reasons.items()
            if reason != "ID_CHECKSUM_MISMATCH"
        )


def generate_city(
    out_dir: Path,
    *,
    n_subjects: int = 20_000,
    seed: int = 0,
    start: dt.date = dt.date(2020, 1, 1),
    end: dt.date = dt.date(2026, 9, 30),
    bad_rows: bool = True,
    progress: Progress | None = None,
) -> CityFiles:
    """Write a synthetic city's record files, its truth file and a manifest into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Created if missing; existing files of the same names are replaced.
    n_subjects : int
        Subjects in the register (about 6-8 records each over the default window).
    seed : int
        Same seed, same arguments: byte-identical files.
    start, end : datetime.date
        The window; every event date lies inside it (term dates such as ``valid_to`` may not).
    bad_rows : bool
        Plant about 0.05% deliberately bad rows per table (at least one per applicable reason)
        and a few subjects whose USCC fails only its check character.
    progress : callable, optional
        Called as ``progress(stage, fraction)`` when a stage completes; fraction ends at 1.0.

    Returns
    -------
    CityFiles

    Examples
    --------
    >>> import tempfile
    >>> city = generate_city(Path(tempfile.mkdtemp()), n_subjects=500, seed=1)
    >>> sorted(city.files) == sorted(city.row_counts)
    True
    >>> city.planted["penalties"]["FUTURE_DATE"]
    1
    """
    if n_subjects < 1:
        raise InvalidInput(f"n_subjects must be at least 1; got {n_subjects}", field="subjects")
    if (end - start).days < 180:
        raise InvalidInput(f"the window {start}..{end} must span at least 180 days", field="end")
    report: Progress = progress or (lambda stage, fraction: None)
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    truth = out_dir / "truth" / "latent.parquet"
    world = simulate(seed, n_subjects, start, end, truth, bad_rows=bad_rows, report=report)
    files, rows, planted = write_outputs(world, out_dir, bad_rows=bad_rows, report=report)
    city = CityFiles(out_dir, files, truth, rows, planted)
    report("done", 1.0)
    return city
