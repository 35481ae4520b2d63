"""The demo city graded, explained and planned exactly as before the one-grading-path redesign.

The fixtures under ``tests/data/demo_before_redesign/`` were captured with the code of commit
12c22aa (before issue 12): the demo at 3,000 subjects, seed 0, its snapshot tables as of the
city's end and the plan the demo draws. The same run through today's code must give the same
tables: strings and grades exactly, floats to 1e-9 (LightGBM is deterministic here, but a
different CPU may round its last bit differently).
"""

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from credit_scoring.demo import DEMO_END, run_demo
from credit_scoring.records.store import Store
from credit_scoring.snapshots import build_snapshot

BEFORE = Path(__file__).parent / "data" / "demo_before_redesign"


@pytest.fixture(scope="module")
def demo_now(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo-now")
    result = run_demo(work, n_subjects=3000, seed=0)
    with Store(result.db, read_only=True) as store:
        built = build_snapshot(store, as_of=DEMO_END, tracking_root=work / "mlruns")
    return result, built


def _before(name: str) -> pd.DataFrame:
    return pq.read_table(BEFORE / f"{name}.parquet").to_pandas()


def _same(now: pd.DataFrame, before: pd.DataFrame) -> None:
    assert list(now.columns) == list(before.columns)
    pd.testing.assert_frame_equal(
        now.reset_index(drop=True), before.reset_index(drop=True),
        check_dtype=False, check_exact=False, rtol=0, atol=1e-9,
    )  # fmt: skip


def test_grades_are_those_before_the_redesign(demo_now):
    _, built = demo_now
    _same(built.tables["grades"].sort_values("uscc", ignore_index=True), _before("grades"))


def test_explanations_are_those_before_the_redesign(demo_now):
    _, built = demo_now
    _same(built.tables["explanations"], _before("explanations"))


def test_the_plan_is_the_one_drawn_before_the_redesign(demo_now):
    result, _ = demo_now
    assert result.plan.commitment == (BEFORE / "plan_commitment.txt").read_text("utf-8")
    _same(result.plan.items, _before("plan_items"))
    _same(result.plan.frame, _before("plan_frame"))
