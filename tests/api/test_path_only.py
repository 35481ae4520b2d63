"""The hottest routes skip FastAPI's parameter solving, and answer exactly as if they did not.

Each case is sent to the service and to a reference copy of it whose path_only routes are
rebuilt with FastAPI's own handler: status, headers and body must be byte for byte the same.
"""

from __future__ import annotations

import pytest
from fastapi import Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import api.auth
from api import create_app
from api.auth import Role, RoleRoute, allow
from api.path_only import is_path_only, path_only

from .conftest import start_service
from .test_roles import ENDPOINTS

HOT = ["/v1/subjects/{uscc}/grade", "/v1/subjects/{uscc}/explanation"]

# (role, subject): a key of that role ("unknown": a key no one was given), a subject code.
CASES = [
    ("regulator", "{graded}"),  # 200
    ("reviewer", "{graded_lower}"),  # 200: upper-cased first
    (None, "{graded}"),  # 401: this endpoint needs a key
    ("unknown", "{graded}"),  # 401: unknown key
    ("public", "{graded}"),  # 403
    (None, "not-a-code"),  # 401 before 422: the role is checked first
    ("regulator", "not-a-code"),  # 422: too short
    ("regulator", "91350200776049653I"),  # 422: I is not in the alphabet
    ("regulator", "91350200776049653A1"),  # 422: too long
    ("regulator", "91350200776049653B"),  # 404, saying the check character should be A
    ("regulator", "91350200776049653A"),  # 404: a valid code the snapshot does not know
]


def _solved_by_fastapi(app):
    """``app`` with its path_only routes rebuilt to go through FastAPI's own handler."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api.auth, "is_path_only", lambda route: False)
        for i, route in enumerate(app.router.routes):
            if isinstance(route, APIRoute) and is_path_only(route):
                app.router.routes[i] = RoleRoute(
                    route.path, route.endpoint, methods=list(route.methods),
                    response_model=route.response_model, tags=route.tags,
                    openapi_extra=route.openapi_extra,
                )  # fmt: skip
    return app


def _answers(client, keys, samples):
    graded = samples.penalised[0]
    answers = []
    for path in HOT:
        for role, code in CASES:
            code = code.format(graded=graded, graded_lower=graded.lower())
            headers = {"X-API-Key": keys.get(role, "csk_00000000_nope")} if role else {}
            response = client.get(path.format(uscc=code), headers=headers)
            answers.append((path, role, code, response.status_code, dict(response.headers),
                            response.content))  # fmt: skip
    return answers


@pytest.fixture(scope="module")
def reference(service):
    app = _solved_by_fastapi(create_app(service.settings))
    with TestClient(app) as client:
        yield client


def test_the_hottest_routes_answer_as_fastapis_own_handler_does(service, reference, samples):
    served = _answers(service.client, service.keys, samples)
    expected = _answers(reference, service.keys, samples)
    assert {a[3] for a in served} == {200, 401, 403, 404, 422}
    for got, want in zip(served, expected, strict=True):
        assert got == want, f"{got[:4]} differs from FastAPI's own answer"


def test_before_a_snapshot_loads_both_answer_503_alike(service, samples, tmp_path):
    client, settings = start_service(service.folder, service.settings.workflow_db_url,
                                     snapshot_dir=tmp_path / "no-snapshots")  # fmt: skip
    reference = TestClient(_solved_by_fastapi(create_app(settings)))
    with client, reference:
        for path in HOT:
            url = path.format(uscc=samples.penalised[0])
            got = client.get(url, headers=service.headers("regulator"))
            want = reference.get(url, headers=service.headers("regulator"))
            assert got.status_code == 503 and got.headers["retry-after"] == "5"
            assert (got.status_code, dict(got.headers), got.content) == (
                want.status_code, dict(want.headers), want.content)  # fmt: skip


def test_the_hottest_routes_are_path_only_and_in_the_roles_table(service):
    routes = {r.path: r for r in service.client.app.router.routes if isinstance(r, APIRoute)}
    assert [path for path in HOT if is_path_only(routes[path])] == HOT
    tested = {template.replace("{u}", "{uscc}") for _, template, *_ in ENDPOINTS}
    assert set(HOT) <= tested  # test_roles.py checks every role on them


def test_an_endpoint_that_needs_more_than_its_path_is_refused_when_the_app_is_built():
    @path_only
    async def with_query(uscc: str, request: Request, page: int = Query(1)) -> Response:
        return Response()

    with pytest.raises(TypeError, match="takes only path parameters"):
        RoleRoute("/x/{uscc}", with_query, methods=["GET"], **allow(Role.admin))

    @path_only
    async def returning_a_dict(uscc: str, request: Request) -> dict[str, str]:
        return {}

    with pytest.raises(TypeError, match="returns a Response"):
        RoleRoute("/y/{uscc}", returning_a_dict, methods=["GET"], **allow(Role.admin))


def test_the_schema_of_the_hottest_routes_is_unchanged(service):
    schema = service.client.get("/openapi.json").json()
    grade = schema["paths"]["/v1/subjects/{uscc}/grade"]["get"]
    assert grade["parameters"][0]["name"] == "uscc"
    assert grade["parameters"][0]["schema"]["minLength"] == 18
    assert grade["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GradePublic"
    }
    assert "422" in grade["responses"]
