"""The ``optimal`` design: inclusion probabilities that maximise the violations a plan expects.

Over the subjects not due (the ``due`` stratum is taken with certainty beforehand), with ``p_i``
the model's probability of a violation (the grade record's ``pd``), the graded draw's
probabilities ``s_i`` solve the linear program

    maximise    sum_i p_i s_i
    subject to  sum_i s_i = K                      (the graded draw's size: budget n less m)
                l <= s_i <= 1                      (the floor, below)
                s_i = 1 in the strata of ``certain``   (全覆盖, e.g. D)
                mean_A s <= mean_B s <= mean_C s <= mean_D s   (over the grade strata)

and the exploration draw follows as in every design: ``pi_i = s_i + (1 - s_i) c`` with
``c = m / (N - K)``. ``pi`` is affine in ``s`` with one ``c`` for all, so maximising the
expected violations found, ``sum pi_i p_i``, is maximising ``sum s_i p_i``; the floor
``pi_i >= floor * n / N`` is ``s_i >= l = max(0, (floor * n / N - c) / (1 - c))`` (with the
default exploration share of 20% and a floor of a fifth of the uniform rate, the exploration
draw alone keeps it and ``l = 0``); and the grades' mean ``pi`` are monotone exactly when their
mean ``s`` are.

**Why mean, not per subject.** Monotone *on average* is the promise the policy's ratios make
(a grade's rate), and the one the ``pps`` design keeps. Per subject it would rank every subject
graded C by a legal override (a key-attention list, a revocation) or by its domain's own
cut-offs above every B, whatever its risk, and spend the budget where the model expects least.

**Solution.** Without the monotone constraint this is a fractional knapsack: every subject at its
lower bound, then the rest of the budget to the highest ``p`` first, each up to 1 (moving mass
from a subject to one of higher ``p`` never lowers the objective, so an optimum fills in order of
``p``). Subjects of equal ``p`` share equally — equal risk, equal probability; any split among
them is optimal and this one is the symmetric one. With the constraint, grades whose means are
equal at an optimum form consecutive blocks of the chain A–B–C–D; a block held at one common
rate is worth, per unit of budget, the size-weighted mean ``p`` of its grades' marginal subjects
(each grade filling its riskiest first), a concave piecewise-linear value. So each partition of
the chain into consecutive blocks (at most 8) is again a fractional knapsack over *segments* —
a group of equal-``p`` subjects, or a stretch of a block's rate over which each of its grades'
marginal subject is fixed. The relaxation (each grade its own block) is solved first and is the
optimum whenever its grade means come out monotone — whenever the grades follow the model's risk,
as cut-offs on ``pd`` make them. Otherwise the optimum is the best partition whose blocks come out
monotone: the optimum's own blocks are one of the partitions, whose knapsack, dropping the
strict inequalities between the blocks, cannot do better (a better point could be approached
from the optimum without leaving the feasible set). Tests compare it with
``scipy.optimize.linprog`` on random small frames, ties included.

Deterministic: sorting is stable, arithmetic is NumPy's on the frame's canonical order, so a
plan's ``s`` are recomputed to the bit by ``plan verify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise, product

import numpy as np

from credit_scoring.errors import InfeasiblePlan
from credit_scoring.policies.sampling import DUE, GRADES, OptimalDesign

__all__ = ["optimal_probabilities"]

_TOLERANCE = 1e-12  # relative: rounding in the rates of two blocks is not a violation


@dataclass(frozen=True)
class _Unit:
    """Subjects filled together by ``p``: one grade of the chain, or every other free subject."""

    rows: np.ndarray  # positions in the free subjects, riskiest first (stable)
    values: np.ndarray  # the distinct p, descending
    counts: np.ndarray  # subjects per distinct p


def optimal_probabilities(
    strata: np.ndarray, risk: np.ndarray, *, graded: int, exploration: int,
    design: OptimalDesign,
) -> np.ndarray:  # fmt: skip
    """Each subject's probability ``s_i`` of being taken by the graded draw (see the module).

    ``graded`` counts the due subjects and the graded draw (``Allocation.graded``);
    ``exploration`` is the exploration draw's size ``m``.

    Examples
    --------
    >>> import numpy as np
    >>> strata = np.array(["A", "A", "B", "B", "D"])
    >>> risk = np.array([0.01, 0.02, 0.10, 0.10, 0.60])
    >>> optimal_probabilities(strata, risk, graded=2, exploration=0, design=OptimalDesign(floor=0))
    array([0. , 0. , 0.5, 0.5, 1. ])
    """
    s = np.zeros(len(strata))
    due = strata == DUE
    s[due] = 1.0
    drawable = np.flatnonzero(~due)
    size = graded - int(due.sum())
    certain = np.isin(strata[drawable], design.certain)
    if (size <= 0 or not len(drawable)) and not certain.any():
        return s
    p = risk[drawable]
    if np.isnan(p).any():
        raise InfeasiblePlan(
            "the optimal design needs the model's probability (pd) of every subject; some grades "
            "have none (graded by the rule scorecard alone?): train a model or use 'stratified'"
        )
    left = len(drawable) - size
    c = exploration / left if left else 0.0
    n = size + exploration
    floor = design.floor * n / len(drawable)  # a share of the uniform rate
    low = max(0.0, (floor - c) / (1 - c)) if c < 1 else 0.0
    rest = size - int(certain.sum()) - low * int((~certain).sum())
    if certain.sum() > size or rest < -1e-9 * size:
        raise InfeasiblePlan(
            f"the optimal design takes {int(certain.sum()):,} subjects of "
            f"{', '.join(design.certain)} with certainty and keeps every other at a floor "
            f"probability of {low:.4g}, which needs more than the {size:,} inspections the budget "
            "leaves after its exploration share: raise the budget or shorten optimal.certain"
        )
    free = np.flatnonzero(~certain)
    taken = np.where(certain, 1.0, 0.0)
    extra = _fill(strata[drawable][free], p[free], max(rest, 0.0), 1.0 - low)
    taken[free] = np.minimum(low + extra, 1.0)  # never above 1 by a rounding
    s[drawable] = taken
    return s


def _fill(strata: np.ndarray, p: np.ndarray, amount: float, room: float) -> np.ndarray:
    """The extra probability above the floor, ``[0, room]`` each, ``amount`` in all, that
    maximises ``sum p * extra`` with the grades' mean extra monotone."""
    chain = [g for g in GRADES if (strata == g).any()]
    others = np.flatnonzero(~np.isin(strata, chain))
    units = [_unit(np.flatnonzero(strata == g), p) for g in chain] + [_unit(others, p)]
    best: tuple[float, np.ndarray] | None = None
    # Cuts between consecutive grades: all cut first (the relaxation), then coarser partitions.
    for cuts in product((True, False), repeat=max(len(chain) - 1, 0)):
        blocks = _blocks(len(chain), cuts)
        extra, rates = _knapsack(units, blocks, amount, room, len(p))
        if not _monotone(rates):
            continue
        value = float(p @ extra)
        if best is None or value > best[0] + _TOLERANCE * max(abs(value), 1.0):
            best = (value, extra)
        if all(cuts):  # the relaxation is feasible, hence optimal
            break
    assert best is not None  # one block holding every grade is always monotone
    return best[1]


def _unit(rows: np.ndarray, p: np.ndarray) -> _Unit:
    rows = rows[np.argsort(-p[rows], kind="stable")]
    values, counts = np.unique(-p[rows], return_counts=True)
    return _Unit(rows, -values, counts)


def _blocks(n_grades: int, cuts: Sequence[bool]) -> list[list[int]]:
    """The chain's grades (by position) in consecutive blocks, cut where ``cuts`` says."""
    if not n_grades:
        return []
    blocks, current = [], [0]
    for position, cut in enumerate(cuts, start=1):
        if cut:
            blocks.append(current)
            current = []
        current.append(position)
    return [*blocks, current]


def _segments(units: list[_Unit], block: list[int], room: float) -> tuple[np.ndarray, np.ndarray]:
    """The block's value per unit of budget (slope) over stretches of its common rate, and each
    stretch's length in budget; the block's grades move together, in proportion to their sizes.
    """
    sizes = np.array([units[g].counts.sum() for g in block], dtype=float)
    # Each grade's marginal subject changes where its groups' cumulated room ends, in rate.
    ends = [np.cumsum(units[g].counts) * room / size for g, size in zip(block, sizes, strict=True)]
    for end in ends:
        end[-1] = room
    cuts = np.unique(np.concatenate([[0.0], *ends]))
    start, stop = cuts[:-1], cuts[1:]
    slope = np.zeros(len(start))
    for g, end, size in zip(block, ends, sizes, strict=True):
        group = np.minimum(np.searchsorted(end, start, side="right"), len(end) - 1)
        slope += size * units[g].values[group]
    total = sizes.sum()
    return slope / total, (stop - start) * total


def _knapsack(
    units: list[_Unit], blocks: list[list[int]], amount: float, room: float, n: int
) -> tuple[np.ndarray, list[float]]:
    """The fractional knapsack of one partition: each block's common rate, the free subjects by
    ``p``; returns the extra per subject and the blocks' rates (chain order)."""
    free = units[-1]
    slopes = [free.values]
    lengths = [free.counts * room]
    owners = [np.full(len(free.values), -1)]
    for index, block in enumerate(blocks):
        slope, length = _segments(units, block, room)
        slopes.append(slope)
        lengths.append(length)
        owners.append(np.full(len(slope), index))
    slope, length, owner = (np.concatenate(x) for x in (slopes, lengths, owners))
    order = np.argsort(-slope, kind="stable")
    slope, length, owner = slope[order], length[order], owner[order]
    filled = _fill_in_order(slope, length, amount)
    extra = np.zeros(n)
    _spread(free, float(filled[owner == -1].sum()), room, extra)
    rates = []
    for index, block in enumerate(blocks):
        total = float(sum(units[g].counts.sum() for g in block))
        rate = min(float(filled[owner == index].sum()) / total, room)
        rates.append(rate)
        for g in block:
            _spread(units[g], rate * units[g].counts.sum(), room, extra)
    return extra, rates


def _monotone(rates: list[float]) -> bool:
    return all(a <= b + _TOLERANCE * max(b, 1.0) for a, b in pairwise(rates))


def _fill_in_order(slope: np.ndarray, length: np.ndarray, amount: float) -> np.ndarray:
    """Fill segments by descending slope until ``amount``; the marginal slope's segments share
    what is left in proportion to their lengths."""
    filled = np.zeros(len(length))
    if amount <= 0 or not len(length):
        return filled
    reached = np.cumsum(length)
    if amount >= reached[-1]:
        return length.copy()
    marginal = slope[np.searchsorted(reached, amount, side="left")]
    above = slope > marginal
    filled[above] = length[above]
    tied = slope == marginal
    filled[tied] = length[tied] * (amount - length[above].sum()) / length[tied].sum()
    return filled


def _spread(unit: _Unit, mass: float, room: float, extra: np.ndarray) -> None:
    """Give ``mass`` to the unit's riskiest subjects first, up to ``room`` each; a group of
    equal ``p`` shares its part equally."""
    if not len(unit.rows) or mass <= 0:
        return
    capacity = unit.counts * room
    before = np.concatenate([[0.0], np.cumsum(capacity)[:-1]])
    share = np.clip(mass - before, 0.0, capacity) / unit.counts  # per subject of each group
    extra[unit.rows] = np.repeat(share, unit.counts)
