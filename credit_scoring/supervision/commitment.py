"""The plan's commitment (一公开): a SHA-256 published before the draw, checkable by anyone.

The digest covers, as UTF-8 text, in this order:

1. the line ``credit-scoring plan commitment v1``;
2. ``seed=<seed>``;
3. the plan's parameters as canonical JSON (keys sorted, no spaces, non-ASCII kept): the date,
   budget, design, scope, stratum sizes, policy version and digest, and the digest of the
   inspector pool and recusal inputs;
4. one line per eligible subject, in canonical (USCC) order: ``uscc,stratum,risk`` with the risk
   in Python's shortest round-trip form (``repr``) or ``nan``.

Each part ends with a newline. Change the seed, any parameter or any subject, its stratum or
its risk, and the digest changes; revealing the seed after the draw lets anyone recompute it
and rerun the draw (``credit-scoring plan verify``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import pandas as pd

__all__ = ["canonical_json", "commitment", "table_digest"]

_HEADER = "credit-scoring plan commitment v1"


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)  # fmt: skip


def _subject_lines(uscc: pd.Series, strata: pd.Series, risk: pd.Series) -> str:
    risks = map(repr, risk.to_numpy(float).tolist())  # repr(nan) is "nan"
    rows = zip(uscc.astype(str).tolist(), strata.astype(str).tolist(), risks, strict=True)
    return "".join(f"{code},{stratum},{r}\n" for code, stratum, r in rows)


def commitment(
    seed: int, parameters: Mapping[str, object], uscc: pd.Series, strata: pd.Series,
    risk: pd.Series,
) -> str:  # fmt: skip
    """The hex SHA-256 over the seed, the parameters and the eligible list.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, strata, risk = pd.Series(["X1", "X2"]), pd.Series(["A", "D"]), pd.Series([.1, .5])
    >>> a = commitment(7, {"budget": 1}, codes, strata, risk)
    >>> a == commitment(7, {"budget": 1}, codes, strata, risk)
    True
    >>> a == commitment(8, {"budget": 1}, codes, strata, risk)
    False
    """
    digest = hashlib.sha256()
    digest.update(f"{_HEADER}\nseed={int(seed)}\n".encode())
    digest.update((canonical_json(dict(parameters)) + "\n").encode())
    digest.update(_subject_lines(uscc, strata, risk).encode())
    return digest.hexdigest()


def table_digest(frame: pd.DataFrame, columns: list[str]) -> str:
    """SHA-256 of ``columns`` of ``frame``, one line per row in the frame's order.

    Cells (text, booleans or empty) are joined by U+001F; an empty cell is empty text.
    """
    if frame.empty:
        return hashlib.sha256(b"").hexdigest()
    cells = [_text(frame[column]) for column in columns]
    lines = cells[0]
    for cell in cells[1:]:
        lines = lines + "\x1f" + cell
    return hashlib.sha256("".join(lines + "\n").encode()).hexdigest()


def _text(column: pd.Series) -> pd.Series:
    values = column.astype(object)
    return values.astype(str).where(values.notna(), "")
