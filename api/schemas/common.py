"""Types shared by the models: a validated USCC, a day the calendar knows, a moment in UTC."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, PlainSerializer, WithJsonSchema
from pydantic.json_schema import JsonDict

from credit_scoring.records.codes import USCC_ALPHABET

__all__ = ["NOT_BLANK", "USCC_PATTERN", "ItemId", "KnownDay", "Uscc", "UtcDatetime", "check_uscc"]

EXAMPLE_USCC = "91350200776049653A"
_SHAPE = re.compile(f"[{USCC_ALPHABET}]{{18}}")
# What check_uscc accepts, for the OpenAPI document: 18 characters of the alphabet, in either
# case (the code is upper-cased). Only documented: check_uscc's message says what is wrong.
USCC_PATTERN = "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"


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
    Field(min_length=18, max_length=18, examples=[EXAMPLE_USCC],
          json_schema_extra={"pattern": USCC_PATTERN}),
    AfterValidator(check_uscc),
]  # fmt: skip

# A moment in UTC, written as Python writes it (2026-10-09T08:30:00.123456+00:00): the hottest
# routes write their JSON by hand with isoformat(), and pydantic's own "Z" would differ.
UtcDatetime = Annotated[
    AwareDatetime,
    PlainSerializer(dt.datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

# A day the calendar and the store know. JSON Schema bounds numbers, not dates: the document
# gives the years as a pattern (2000 to 2100, as the bounds), so a client generated from it
# sends no day the service refuses.
KnownDay = Annotated[
    dt.date,
    Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31),
          json_schema_extra={"pattern": "^(?:20[0-9]{2}|2100)-"}),
]  # fmt: skip

# For a text that may not be empty in a model that strips its texts (str_strip_whitespace): a
# blank one is empty once stripped, so the document asks for a character other than white space
# (ECMA-262's \s, the document's, lacks U+0085, which the strip removes).
NOT_BLANK: JsonDict = {"pattern": r"[^\s\u0085]"}

# Ids are SQL integers: a larger number is no id at all (and would overflow the driver).
ItemId = Annotated[int, Field(ge=1, le=2**31 - 1, examples=[1])]
