"""A bounded property-based fuzz of the OpenAPI schema (schemathesis): no request gets a 5xx.

Every operation is called with generated path parameters, queries and bodies, as a reviewer
(the role that reaches the most code) and without a key. The run is bounded — a few examples
per operation — so it stays in the default suite; a deeper run is the same test with
``FUZZ_EXAMPLES`` raised.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))


def test_no_generated_request_gets_a_server_error(service):
    schema = schemathesis.openapi.from_asgi("/openapi.json", service.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def no_server_error(case):
            for role in ("reviewer", None):
                response = case.call(headers=service.headers(role))
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path}: {response.text}"
                )

        no_server_error()
