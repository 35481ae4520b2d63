"""The sharded store and the dask engine from the command line, as a user runs them."""

import json

from typer.testing import CliRunner

from credit_scoring.cli import app
from tests.distributed.conftest import AS_OF

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [*args])


def test_shard_then_grade_and_plan_on_dask(city_db, tmp_path):
    shards = tmp_path / "shards"
    split = _run("shard", "--db", str(city_db), "--shards", "3", "--out", str(shards), "--json")
    assert split.exit_code == 0, split.output
    counts = json.loads(split.stdout)["subjects"]
    assert len(counts) == 3 and min(counts) > 0
    graded = _run("grade", "--as-of", str(AS_OF), "--db", str(shards), "--engine", "dask",
                  "--dask-workers", "2", "--out", str(tmp_path / "grades"), "--json")  # fmt: skip
    assert graded.exit_code == 0, graded.output
    summary = json.loads(graded.stdout)
    assert summary["subjects"] == sum(summary["grades"].values()) > 1000
    assert sorted(p.name for p in (tmp_path / "grades").iterdir()) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet",
    ]  # fmt: skip
    planned = _run("plan", "--as-of", str(AS_OF), "--seed", "3", "--rate", "0.05", "--db",
                   str(shards), "--engine", "dask", "--json")  # fmt: skip
    assert planned.exit_code == 0, planned.output
    plan_id = json.loads(planned.stdout)["plan_id"]
    verified = _run("plan", "verify", plan_id, "--db", str(shards))
    assert verified.exit_code == 0 and "commitment ok" in verified.stdout


def test_ingest_into_a_sharded_store_reports_a_run_per_shard(city_dir, tmp_path):
    from credit_scoring.distributed.layout import ShardLayout

    ShardLayout.create(tmp_path / "shards", 2)
    result = _run("ingest", "subjects", str(city_dir / "subjects.csv"), "--db",
                  str(tmp_path / "shards"), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert isinstance(runs, list) and 1 <= len(runs) <= 2
    assert sum(r["accepted"] + r["flagged"] for r in runs) >= 3


def test_wrong_engines_and_directories_fail_with_one_line(city_db, tmp_path):
    wrong = _run("grade", "--as-of", str(AS_OF), "--db", str(city_db), "--engine", "spark")
    assert wrong.exit_code == 1 and "engine: Input should be 'local' or 'dask'" in wrong.stderr
    (tmp_path / "plain").mkdir()
    not_sharded = _run("features", "--as-of", str(AS_OF), "--db", str(tmp_path / "plain"))
    assert not_sharded.exit_code == 1 and "is a directory, not a records store" in (
        not_sharded.stderr
    )
