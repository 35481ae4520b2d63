"""Types shared by the request models: a validated USCC."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from credit_scoring.records.codes import USCC_ALPHABET

__all__ = ["ItemId", "Uscc", "check_uscc"]

EXAMPLE_USCC = "91350200776049653A"
_SHAPE = re.compile(f"[{USCC_ALPHABET}]{{18}}")


def check_uscc(value: str) -> str:
    """A unified social credit code (GB 32100-2015), upper-cased; the error says what is wrong.

    A code that fails only its check character passes: registries hold a few such codes and the
    store keeps them flagged (DOMAIN.md), so refusing them here would lock real subjects out.
    Looking one up that is not there answers 404, saying what the check character should be.
    """
    code = value.strip().upper()
    if not _SHAPE.fullmatch(code):  # uscc_status's MALFORMED, without computing the check
        raise ValueError(
            "not a unified social credit code: 18 characters of 0-9 and A-Z without I, O, S, V, Z"
        )
    return code


Uscc = Annotated[
    str,
    Field(min_length=18, max_length=18, examples=[EXAMPLE_USCC]),
    AfterValidator(check_uscc),
]

# Ids are SQL integers: a larger number is no id at all (and would overflow the driver).
ItemId = Annotated[int, Field(ge=1, le=2**31 - 1, examples=[1])]
