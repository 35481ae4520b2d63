"""The draw: a plan's budget split over the strata, the graded draw, then the exploration draw.

The design, in the order the draw runs:

0. **Mandated.** Every subject of the stratum ``due`` (its mandated inspection falls due in the
   plan's period) is taken with certainty, ``s_i = 1``, on top of the random draw's budget.
1. **Allocation.** The exploration share ``m = round(share * n)`` of the random budget ``n`` is
   set aside; the rest goes to the strata in proportion to ``relative_rate * N_g``, a
   stratum never getting more than its ``N_g`` subjects (the excess goes to the others), and
   rounded by largest remainder so the sizes add up exactly.
2. **Graded draw.** Inside each stratum, a fixed number ``n_g`` of distinct subjects, with
   stratum probabilities ``s_i`` that sum to ``n_g``:

   * ``stratified``: ``s_i = n_g / N_g``; the first ``n_g`` of a random permutation, i.e. simple
     random sampling without replacement;
   * ``pps``: ``s_i = min(1, c * risk_i)`` with ``c`` set so they sum to ``n_g`` (subjects at 1
     are taken with certainty); systematic PPS on a randomly ordered list: a uniform start ``u``
     and the points ``u, u + 1, ...`` on the cumulated ``s``. Each ``s_i <= 1`` interval holds at
     most one point and is hit with probability exactly ``s_i``, whatever the order;
   * ``optimal``: ``s_i`` maximise the violations the plan expects, ``sum s_i * risk_i``, under a
     floor, certain strata and monotone grade means (:mod:`credit_scoring.supervision.optimal`);
     one systematic draw over every stratum (the ``s_i`` sum to the graded total, not to each
     stratum's ``n_g``), so each stratum's count is random and the draw's size fixed. Its
     allocation keeps the ratio designs' split, which its own draw uses only in total: the
     evaluation compares the designs at that split.

3. **Exploration.** ``m`` subjects drawn uniformly without replacement from the subjects in
   scope that the graded draw left. Its size is fixed and the graded draw's total ``n_S`` is
   fixed, so every subject left over is explored with probability ``m / (N - n_S)`` whatever
   the graded draw picked. Hence the exact probability of being in the final sample is

       pi_i = s_i + (1 - s_i) * m / (N - n_S),

   and every subject in scope has a positive probability. The budget is spent exactly: the
   sample has ``n`` distinct subjects.

Reproducible bit for bit: the frame comes in canonical order (by USCC), strata are visited in
the fixed order of :data:`STRATA`, and the only random numbers used are uniform doubles from a
seeded PCG64 (``Generator.random``, whose stream NumPy keeps stable), permutations being the
stable argsort of those doubles. The ``due`` stratum, visited first, draws no random number,
so a plan without due subjects is the draw of before that stratum existed, to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from credit_scoring.errors import InfeasiblePlan
from credit_scoring.policies.sampling import (
    DUE,
    PLAN_STRATA,
    STRATA,
    OptimalDesign,
    SamplingPolicy,
)
from credit_scoring.supervision.optimal import optimal_probabilities

__all__ = [
    "Allocation",
    "Draw",
    "allocate",
    "draw_sample",
    "inclusion_probabilities",
    "stratum_probabilities",
]

_DRAW_STREAM = 0  # the inspector assignment draws from stream 1 of the same seed
_RISK_FLOOR = 1e-6  # keeps every subject of a stratum drawable under PPS


@dataclass(frozen=True)
class Allocation:
    """How many subjects each stratum's graded draw takes, and the exploration draw's size."""

    stratum_sizes: dict[str, int]
    exploration: int
    eligible: dict[str, int]

    @classmethod
    def of_plan(cls, parameters: dict[str, Any], strata: np.ndarray) -> Allocation:
        """The allocation a stored plan committed to (``due`` is absent from older plans)."""
        sizes = parameters["stratum_sizes"]
        return cls({s: int(sizes.get(s, 0)) for s in PLAN_STRATA}, int(parameters["exploration"]),
                   _counts(strata))  # fmt: skip

    @property
    def graded(self) -> int:
        return sum(self.stratum_sizes.values())

    @property
    def total(self) -> int:
        return self.graded + self.exploration


@dataclass(frozen=True)
class Draw:
    """One draw over a frame: what was picked, how, and with what exact probability."""

    selected: np.ndarray  # bool per frame row
    explored: np.ndarray  # bool: picked by the exploration draw (else by its stratum)
    stratum_prob: np.ndarray  # s_i
    exploration_prob: np.ndarray  # (1 - s_i) * m / (N - n_S)
    inclusion_prob: np.ndarray  # s_i + exploration_prob: exact probability of being picked


def _counts(strata: np.ndarray) -> dict[str, int]:
    return {s: int(np.count_nonzero(strata == s)) for s in PLAN_STRATA}


def allocate(strata: np.ndarray, budget: int, policy: SamplingPolicy) -> Allocation:
    """Take every due subject, then split ``budget`` random inspections between the exploration
    draw and the strata.

    Examples
    --------
    >>> import numpy as np
    >>> from credit_scoring.policies.sampling import load_sampling_policy
    >>> strata = np.array(["due"] * 3 + ["A"] * 50 + ["B"] * 40 + ["D"] * 10)
    >>> allocate(strata, 20, load_sampling_policy()).stratum_sizes
    {'due': 3, 'A': 1, 'B': 5, 'C': 0, 'D': 10, 'complaint': 0}
    """
    counts = _counts(strata)
    drawable = len(strata) - counts[DUE]
    if budget < 0 or budget > drawable:
        raise InfeasiblePlan(f"the budget of {budget} random inspections must lie in "
                             f"[0, {drawable}], the number of eligible subjects not already "
                             "due for a mandated inspection")  # fmt: skip
    exploration = int(np.floor(policy.exploration_share * budget + 0.5))
    weights = {s: policy.relative_rates[s] * counts[s] for s in STRATA}
    quotas = _capped_quotas(budget - exploration, weights, counts)
    if quotas is None:  # every stratum with a positive rate is full: explore the rest
        quotas = {s: float(counts[s]) if weights[s] > 0 else 0.0 for s in STRATA}
    sizes = {DUE: counts[DUE], **_largest_remainder(quotas, counts)}
    exploration = budget - sum(sizes.values()) + counts[DUE]
    return Allocation(sizes, exploration, counts)


def _capped_quotas(
    total: int, weights: dict[str, float], counts: dict[str, int]
) -> dict[str, float] | None:
    """Real quotas proportional to ``weights``, none above its stratum's size."""
    quotas = dict.fromkeys(weights, 0.0)
    open_strata = [s for s in weights if weights[s] > 0]
    left = float(total)
    while open_strata and left > 0:
        mass = sum(weights[s] for s in open_strata)
        full = [s for s in open_strata if left * weights[s] / mass >= counts[s]]
        if not full:
            for s in open_strata:
                quotas[s] = left * weights[s] / mass
            return quotas
        for s in full:  # take-all strata; their excess is shared by the others
            quotas[s] = float(counts[s])
            left -= counts[s]
            open_strata.remove(s)
    return quotas if left <= 0 else None


def _largest_remainder(quotas: dict[str, float], counts: dict[str, int]) -> dict[str, int]:
    total = int(np.floor(sum(quotas.values()) + 0.5))
    sizes = {s: int(np.floor(q)) for s, q in quotas.items()}
    # Ties go to the stratum listed first, so the rounding is deterministic.
    by_remainder = sorted(quotas, key=lambda s: (-(quotas[s] - sizes[s]), STRATA.index(s)))
    for s in by_remainder:
        if sum(sizes.values()) >= total:
            break
        if sizes[s] < counts[s]:
            sizes[s] += 1
    return sizes


def stratum_probabilities(
    strata: np.ndarray, risk: np.ndarray, allocation: Allocation, design: str, *,
    optimal: OptimalDesign | None = None,
) -> np.ndarray:  # fmt: skip
    """Each subject's probability ``s_i`` of being taken by its stratum's graded draw
    (``optimal``: the optimal design's constraints, default :class:`OptimalDesign`)."""
    if design == "optimal":
        return optimal_probabilities(strata, risk, graded=allocation.graded,
                                     exploration=allocation.exploration,
                                     design=optimal or OptimalDesign())  # fmt: skip
    s = np.zeros(len(strata))
    for stratum, size in allocation.stratum_sizes.items():
        members = strata == stratum
        if size == 0:
            continue
        if stratum == DUE or design == "stratified":  # due: size is the stratum's, s_i = 1
            s[members] = size / allocation.eligible[stratum]
        else:
            s[members] = _pps_probabilities(risk[members], size)
    return s


def _pps_probabilities(risk: np.ndarray, size: int) -> np.ndarray:
    """``min(1, c * risk)`` summing to ``size``: the take-all set grows until none exceeds 1."""
    if np.isnan(risk).any():
        raise InfeasiblePlan(
            "the pps design needs the model's probability (pd) of every subject; some grades "
            "have none (graded by the rule scorecard alone?): train a model or use 'stratified'"
        )
    weight = np.maximum(risk, _RISK_FLOOR)
    if size >= len(weight):
        return np.ones(len(weight))
    certain = np.zeros(len(weight), dtype=bool)
    while True:
        scale = (size - certain.sum()) / weight[~certain].sum()
        newly = ~certain & (weight * scale >= 1)
        if not newly.any():
            return np.where(certain, 1.0, weight * scale)
        certain |= newly


def inclusion_probabilities(
    strata: np.ndarray, risk: np.ndarray, allocation: Allocation, design: str, *,
    optimal: OptimalDesign | None = None,
) -> np.ndarray:  # fmt: skip
    """The exact ``pi_i`` a draw would give, without drawing (for comparing designs)."""
    s = stratum_probabilities(strata, risk, allocation, design, optimal=optimal)
    left = len(strata) - allocation.graded
    return s + (1 - s) * (allocation.exploration / left if left else 0.0)


def draw_sample(
    strata: np.ndarray, risk: np.ndarray, allocation: Allocation, design: str, seed: int, *,
    optimal: OptimalDesign | None = None,
) -> Draw:  # fmt: skip
    """Draw the graded sample then the exploration sample; see the module docstring.

    ``strata`` and ``risk`` must be in the frame's canonical order: the same inputs and seed
    give the same sample, bit for bit. ``optimal``: the optimal design's constraints.
    """
    rng = np.random.default_rng([seed, _DRAW_STREAM])
    n = len(strata)
    s = stratum_probabilities(strata, risk, allocation, design, optimal=optimal)
    selected = np.zeros(n, dtype=bool)
    selected[strata == DUE] = True  # certain: no random number is drawn for them
    if design == "optimal":
        _draw_across_strata(strata, s, allocation, rng, selected)
    else:
        _draw_by_stratum(strata, s, allocation, design, rng, selected)
    rest = np.flatnonzero(~selected)
    order = rest[np.argsort(rng.random(len(rest)), kind="stable")]
    explored = np.zeros(n, dtype=bool)
    explored[order[: allocation.exploration]] = True
    left = n - allocation.graded
    exploration_prob = (1 - s) * (allocation.exploration / left if left else 0.0)
    return Draw(selected | explored, explored, s, exploration_prob, s + exploration_prob)


def _draw_by_stratum(
    strata: np.ndarray, s: np.ndarray, allocation: Allocation, design: str,
    rng: np.random.Generator, selected: np.ndarray,
) -> None:  # fmt: skip
    """Each stratum's fixed-size draw, in the order of :data:`STRATA`: the first ``n_g`` of a
    random permutation (stratified) or systematic PPS on it (pps)."""
    for stratum in STRATA:
        members = np.flatnonzero(strata == stratum)
        order = members[np.argsort(rng.random(len(members)), kind="stable")]
        size = allocation.stratum_sizes[stratum]
        if design == "stratified":
            selected[order[:size]] = True
        elif size:
            selected[order[_systematic(s[order], size, rng.random())]] = True


def _draw_across_strata(
    strata: np.ndarray, s: np.ndarray, allocation: Allocation, rng: np.random.Generator,
    selected: np.ndarray,
) -> None:  # fmt: skip
    """One systematic draw of the graded total over every subject not due, randomly ordered:
    each is hit with probability exactly ``s_i`` (all at most 1, summing to the total)."""
    members = np.flatnonzero(strata != DUE)
    order = members[np.argsort(rng.random(len(members)), kind="stable")]
    size = allocation.graded - allocation.stratum_sizes[DUE]
    if size:
        selected[order[_systematic(s[order], size, rng.random())]] = True


def _systematic(probabilities: np.ndarray, size: int, start: float) -> np.ndarray:
    """Positions hit by the points ``start + k`` (k < size) on the cumulated probabilities."""
    cumulated = np.cumsum(probabilities)
    cumulated *= size / cumulated[-1]  # absorb rounding so the last interval ends at ``size``
    points = start + np.arange(size)
    hits = np.minimum(np.searchsorted(cumulated, points, side="right"), len(cumulated) - 1)
    if len(np.unique(hits)) != size:  # only float rounding could do this; never hide it
        raise InfeasiblePlan("systematic PPS hit a subject twice (probabilities not below 1)")
    return hits
