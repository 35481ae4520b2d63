"""Types shared by the request models: a validated USCC."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from credit_scoring.records.codes import IdStatus, uscc_check_char, uscc_status

__all__ = ["Uscc", "check_uscc"]

EXAMPLE_USCC = "91350200776049653A"


def check_uscc(value: str) -> str:
    """A unified social credit code (GB 32100-2015), upper-cased; the error says what is wrong."""
    code = value.strip().upper()
    status = uscc_status(code)
    if status is IdStatus.MALFORMED:
        raise ValueError(
            "not a unified social credit code: 18 characters of 0-9 and A-Z without I, O, S, V, Z"
        )
    if status is IdStatus.CHECKSUM_MISMATCH:
        raise ValueError(f"check character is {code[17]}, expected {uscc_check_char(code[:17])}")
    return code


Uscc = Annotated[
    str,
    Field(min_length=18, max_length=18, examples=[EXAMPLE_USCC]),
    AfterValidator(check_uscc),
]
