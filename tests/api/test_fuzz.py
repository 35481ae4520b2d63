"""A bounded property-based fuzz of the OpenAPI schema (schemathesis): every response is one the
document describes, and none is a 5xx.

Every operation is called with generated path parameters, queries and bodies, as a role it
admits, without a key and as a role it refuses, and each response is held to the document
(issue 19): its status is declared, its media type and headers are, its body matches the schema
(every error is problem details), and a request the document calls valid is not refused as
invalid (a 422 validation-error: a pattern or a bound the document lacks). The run is bounded —
a few examples per operation — so it stays in the default suite; a deeper run is the same test
with ``FUZZ_EXAMPLES`` raised.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.auth import Role

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# For each operation, a role that reaches its handler: the one that can do the most there.
PREFERRED = ("reviewer", "regulator", "admin", "analyst")


def test_every_generated_request_gets_a_response_the_document_describes(service):
    schema = schemathesis.openapi.from_asgi("/openapi.json", service.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 46
    failures = []
    for operation in operations:
        try:
            _conformance(service, operation)()
        # Every operation runs, then each failure is listed (schemathesis raises a group).
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)


def _conformance(service, operation):
    callers = _callers(operation.definition.raw.get("x-roles", []))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy())
    def conforms(case):
        for role in callers:
            headers = service.headers(role)
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
            _not_refused_as_invalid(case, response)

    return conforms


def _callers(admitted: list[str]) -> list[str | None]:
    """Who calls an operation: a role it admits, no key, and a role it refuses (403)."""
    keyed = [r for r in PREFERRED if r in admitted]
    refused = [str(r) for r in Role if r is not Role.public and str(r) not in admitted]
    return [*keyed[:1], None, *refused[:1]]


def _not_refused_as_invalid(case, response):
    """The generated request is valid by the document: FastAPI's validation must agree. (A 422
    of another kind is the library's: a rule the schema cannot say, such as a date in the
    past.)"""
    if response.status_code == 422:
        problem = response.json()
        assert problem["type"] != "/problems/validation-error", (
            f"{case.method} {case.formatted_path}: the document allows what the service "
            f"refuses: {problem['detail']}"
        )
