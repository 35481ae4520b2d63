"""The hot paths write their JSON directly; it must be exactly what the response models say."""

from __future__ import annotations

import json

from pydantic import TypeAdapter

from api.convert import explanation_json, grade_json, grade_public
from api.schemas.subjects import ExplanationPublic, GradePublic

EXPLANATION = TypeAdapter(ExplanationPublic)


def test_grade_and_explanation_json_equal_the_models_for_every_subject(service, samples):
    served = service.served
    usccs = served.snapshot.tables["grades"].column("uscc").to_pylist()
    # After a regrade the overlay (JSON from the workflow database) is served: cover it too.
    service.post(f"/v1/subjects/{samples.penalised[0]}/regrade", "reviewer")
    served = service.served
    assert served.regrades
    for uscc in usccs:
        for body in (grade_json(served, uscc), explanation_json(served, uscc)):
            json.loads(body, parse_constant=_not_json)  # strict JSON: no NaN or Infinity
        grade = GradePublic.model_validate_json(grade_json(served, uscc))
        assert grade == grade_public(served, uscc)
        explanation = EXPLANATION.validate_json(explanation_json(served, uscc))
        served_as = {"snapshot_id": served.snapshot_id, "regraded_at": served.regraded_at(uscc)}
        expected = EXPLANATION.validate_python({**served.explanation(uscc).as_dict(), **served_as})
        assert explanation == expected


def test_the_routes_serve_that_json(service, samples):
    uscc = samples.black_listed[0]
    response = service.get(f"/v1/subjects/{uscc}/explanation", "regulator")
    assert response.headers["content-type"] == "application/json"
    assert EXPLANATION.validate_python(response.json()).uscc == uscc


def _not_json(constant):
    raise AssertionError(f"{constant} is not JSON")
