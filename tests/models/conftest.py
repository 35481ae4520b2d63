"""Data shared by the model tests, built once per session: the quality tests need 20k rows."""

import pytest

from .datasets import Split, cancer_table, credit_table, split


@pytest.fixture(scope="session")
def credit_split() -> Split:
    return split(*credit_table())


@pytest.fixture(scope="session")
def cancer_split() -> Split:
    return split(*cancer_table())


@pytest.fixture(scope="session")
def small_credit() -> Split:
    """A few thousand rows of the credit table, for behaviour (not quality) tests."""
    return split(*credit_table(n=4_000, seed=1))
