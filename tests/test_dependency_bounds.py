"""Both ends of the pandas range pyproject.toml allows are tested (issue 19): ``make test`` runs
on the newest, ``make test-lowest`` runs the ingestion tests on the floor, pinned in
``constraints/lowest.txt``; CI runs both. A floor raised in one file and not the other fails here.
"""

import re
import tomllib
from pathlib import Path

import pandas as pd
from packaging.requirements import Requirement
from packaging.version import Version

REPOSITORY = Path(__file__).resolve().parents[1]


def _pandas_requirement() -> Requirement:
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    [pandas] = [r for r in map(Requirement, project["dependencies"]) if r.name == "pandas"]
    return pandas


def _pinned(path: Path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return dict(line.split("==") for line in lines if line)


def test_the_lowest_pandas_allowed_is_the_one_pinned_for_the_lowest_run():
    floors = [s.version for s in _pandas_requirement().specifier if s.operator == ">="]
    assert len(floors) == 1, "pandas needs one floor in pyproject.toml"
    pinned = _pinned(REPOSITORY / "constraints" / "lowest.txt")["pandas"]
    assert Version(pinned) == Version(floors[0])


def test_ci_runs_the_ingestion_tests_on_the_lowest_pandas():
    makefile = (REPOSITORY / "Makefile").read_text()
    recipe = re.search(r"^test-lowest:.*?(?=^\S|\Z)", makefile, re.M | re.S)
    assert recipe, "the Makefile has no test-lowest target"
    assert "-c constraints/lowest.txt" in recipe.group() and "tests/records" in recipe.group()
    ci = (REPOSITORY / ".ci" / "run").read_text().splitlines()
    assert "make test" in ci and "make test-lowest" in ci


def test_the_newest_run_has_a_pandas_the_range_allows():
    # The range's top is bounded, so "the highest allowed" is a release line CI has run.
    requirement = _pandas_requirement()
    assert any(s.operator == "<" for s in requirement.specifier)
    assert requirement.specifier.contains(pd.__version__)
