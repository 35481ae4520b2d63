"""Every kind of bad input a caller can send is a 4xx problem naming what was wrong: never a 500,
never a traceback (issue 12: library errors used to reach callers as 500)."""

from __future__ import annotations

REQUEST = {"as_of": "2026-09-30", "seed": 7}


def _requests(samples):
    uscc, record = samples.penalised
    objection = {"uscc": uscc, "record_table": "penalties", "record_id": record, "reason": "x",
                 "filed_by": "x"}  # fmt: skip
    return [
        # (method, path, role, body, status, field the problem names or None)
        ("post", "/v1/plans", "regulator", {**REQUEST, "budget": 10_000_000}, 422, None),
        ("post", "/v1/plans", "regulator", {**REQUEST, "rate": 0.1, "budget": 3}, 422, None),
        ("post", "/v1/plans", "regulator", {**REQUEST, "department": "无此部门"}, 422,
         "department"),
        ("post", "/v1/plans", "regulator", {**REQUEST, "as_of": "2026-02-30"}, 422, None),
        ("post", "/v1/plans", "regulator", {**REQUEST, "as_of": "0001-01-01"}, 422, "as_of"),
        ("post", "/v1/plans", "regulator", {**REQUEST, "rate": 1e-300}, 422, "rate"),
        ("get", "/v1/plans/P00000000-000000000000", "regulator", None, 404, None),
        ("post", "/v1/objections", None, {**objection, "record_id": "NO-SUCH"}, 404, None),
        ("post", "/v1/objections", None, {**objection, "record_table": "subjects"}, 422, None),
        ("post", "/v1/objections/999999/decision", "reviewer",
         {"upheld": True, "note": "x"}, 404, None),
        ("post", "/v1/repairs/999999/decision", "reviewer",
         {"approve": True, "note": "x"}, 404, None),
        ("get", "/v1/subjects/91350200776049653A/grade", "regulator", None, 404, None),
        ("post", "/v1/credit-checks", "regulator", {"uscc": uscc, "scenario": "lottery"}, 422,
         None),
        ("get", "/public/lists/nothing", None, None, 422, None),
    ]  # fmt: skip


def test_every_bad_request_is_a_4xx_problem_without_internals(service, samples):
    for method, path, role, body, status, field in _requests(samples):
        kwargs = {"json": body} if body is not None else {}
        response = getattr(service, method)(path, role, **kwargs)
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["content-type"] == "application/problem+json", path
        problem = response.json()
        assert problem["status"] == status and problem["detail"], path
        assert "Traceback" not in response.text and "credit_scoring/" not in response.text
        if field:
            assert problem["field"] == field


def test_a_busy_store_is_a_503_that_tells_nothing_about_the_machine(service, samples):
    import subprocess
    import sys

    store = service.settings.db_path
    holder = subprocess.Popen(  # another process writing: DuckDB allows one writer per file
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(30)", str(store)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        uscc, _ = samples.penalised
        busy = service.get(f"/v1/subjects/{uscc}/records", "reviewer")
        assert busy.status_code == 503 and busy.headers["retry-after"]
        detail = busy.json()["detail"]
        assert "busy" in detail
        assert str(store) not in busy.text and "PID" not in busy.text and "python" not in busy.text
        # Objections live in the workflow database: listing them needs no store.
        assert service.get("/v1/objections", "reviewer").status_code == 200
    finally:
        holder.kill()
        holder.wait()
