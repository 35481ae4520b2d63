"""Every kind of bad input on the command line ends in one line saying why and exit code 1:
never a traceback (issue 12: some failures reached users as Python tracebacks)."""

import subprocess
import sys

import pytest

BAD = [
    # (arguments, what the one line says)
    (["ingest", "fines", "subjects.csv"], "unknown table 'fines'"),
    (["ingest", "subjects", "nope.csv"], "file not found"),
    (["ingest", "subjects", "subjects.csv", "--today", "2026-13-01"], "--today: '2026-13-01'"),
    (["features", "--as-of", "yesterday"], "--as-of: 'yesterday' is not a date"),
    (["grade", "--as-of", "2026-09-30", "--db", "missing.duckdb"], "no records store here"),
    (["explain", "91350200776049653A", "--db", "missing.duckdb"], "no records store here"),
    (["explain", "91350200776049653A", "--as-of", "2026-02-30"], "--as-of: '2026-02-30'"),
    (["explain", "91110000000000000X"], "no subject 91110000000000000X"),
    (["plan", "--as-of", "2026-09-30"], "plan needs --as-of and --seed"),
    (["plan", "--as-of", "2026-09-30", "--seed", "1", "--department", "无此部门"],
     "department '无此部门' is not in the sampling policy"),
    (["plan", "--as-of", "2026-09-30", "--seed", "1", "--rate", "2"], "rate must lie in (0, 1]"),
    (["plan", "--as-of", "2026-09-30", "--seed", "1", "--design", "best"], "--design must be"),
    (["plan", "verify", "P0"], "no inspection plan 'P0'"),
    (["evaluate", "--plan", "P0"], "no inspection plan 'P0'"),
    (["objection", "file", "91350200776049653A", "penalties", "NO-SUCH", "--reason", "x",
      "--filed-by", "x"], "no record 'NO-SUCH'"),
    (["objection", "decide", "999", "--upheld", "--reviewer", "r"], "no objection 999"),
    (["repair", "decide", "999", "--approve", "--reviewer", "r"], "no repair 999"),
    (["keys", "create", "--name", "x", "--role", "king"], "role must be one of"),
    (["keys", "revoke", "nope"], "no API key 'nope'"),
]  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder with a tiny store (three subjects, their records) and its workflow database."""
    from tests.conftest import tiny_city, write_table

    folder = tmp_path_factory.mktemp("bad-input")
    for table, rows in tiny_city().items():
        write_table(rows, folder / f"{table}.csv")
    for table in ("subjects", "penalties"):
        _run(["ingest", table, f"{table}.csv", "--today", "2026-11-29"], folder)
    return folder


def _run(args, folder):
    env_free = [sys.executable, "-c", "from credit_scoring.cli import app; app()"]
    return subprocess.run(
        [*env_free, *args], cwd=folder, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "CREDIT_SCORING_DB_PATH": "c.duckdb",
             "CREDIT_SCORING_WORKFLOW_DB_URL": "sqlite:///w.db"},
    )  # fmt: skip


@pytest.mark.parametrize(("args", "says"), BAD, ids=[" ".join(a[:2]) for a, _ in BAD])
def test_bad_input_fails_with_one_line_and_exit_1(folder, args, says):
    done = _run(args, folder)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    assert says in " ".join(lines), done.stderr
