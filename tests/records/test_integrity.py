"""A damaged store is one line naming the file and what to do, in every command; ``store verify``
reads every block and checks the schema and the rows against the ingest log."""

import os
import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.errors import StoreDamaged
from credit_scoring.records.ingestion import ingest_directory, ingest_file
from credit_scoring.records.integrity import verify_store
from credit_scoring.records.store import SCHEMA_VERSION, Store
from tests.conftest import TODAY, tiny_city, write_table

runner = CliRunner()
AS_OF = TODAY.isoformat()
COMMANDS = [
    ["features", "--as-of", AS_OF, "--out", "{tmp}/features.parquet"],
    ["publish", "--as-of", AS_OF, "--snapshots", "{tmp}/snapshots"],
    ["grade", "--as-of", AS_OF, "--out", "{tmp}/grades.csv"],
    ["explain", "91350200776049653A", "--as-of", AS_OF],
    ["plan", "list"],
    ["store", "verify"],
]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("integrity-city")
    for name, rows in tiny_city().items():
        write_table(rows, folder / f"{name}.csv")
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, folder, today=TODAY)
    return folder


@pytest.fixture
def copy(template, tmp_path):
    shutil.copyfile(template / "credit.duckdb", tmp_path / "credit.duckdb")
    return tmp_path / "credit.duckdb"


def _cut(path, share):
    os.truncate(path, int(path.stat().st_size * share))


def _flip_a_byte_of(path, table):
    """Damage one data block of ``table`` the way a failing disk does: one byte changed."""
    with duckdb.connect(str(path), read_only=True) as con:
        block = con.execute(f"SELECT min(block_id) FROM pragma_storage_info('{table}') "
                            "WHERE block_id >= 0").fetchone()[0]  # fmt: skip
        size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    with open(path, "r+b") as handle:
        handle.seek(3 * 4096 + block * size + 100)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))


def _one_line_for_each_command(path, tmp_path, commands=COMMANDS):
    for command in commands:
        args = [a.format(tmp=tmp_path) for a in command] + ["--db", str(path)]
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (command, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (command, result.stderr)
        assert lines[0].startswith(f"error: {path}: the records store is damaged (")
        assert "restore it from a backup" in lines[0]


@pytest.mark.parametrize("share", [0.9, 0.5])
def test_a_store_cut_short_is_one_line_naming_it_in_every_command(copy, tmp_path, share):
    _cut(copy, share)
    with pytest.raises(StoreDamaged, match="cut short"):  # it no longer opens silently
        Store(copy, read_only=True)
    _one_line_for_each_command(copy, tmp_path)


def test_a_block_failing_its_checksum_is_one_line_too_and_verify_names_the_table(copy, tmp_path):
    _flip_a_byte_of(copy, "penalties")
    _one_line_for_each_command(copy, tmp_path, COMMANDS[:4])  # those that read penalties
    # It opens (data blocks are read lazily); verify reads them all and names the table.
    assert verify_store(copy).problems[0].startswith("table penalties: unreadable (Corrupt")
    result = runner.invoke(app, ["store", "verify", "--db", str(copy)])
    assert result.exit_code == 1 and "table penalties: unreadable" in result.stderr


def test_a_whole_store_verifies_after_updates(copy, tmp_path):
    rows = tiny_city()["penalties"]
    rows[0]["fine_amount"] = "800"  # an update: the old version moves to history
    with Store(copy) as store:
        ingest_file(store, "penalties", write_table(rows, tmp_path / "penalties.csv"), today=TODAY)
    check = verify_store(copy)
    assert check.ok, check.problems
    assert check.tables["penalties"] == 2 and check.tables["penalties_history"] == 1
    result = runner.invoke(app, ["store", "verify", "--db", str(copy)])
    assert result.exit_code == 0 and "whole" in result.stdout


def test_rows_lost_or_added_behind_the_ingest_log_are_found(copy):
    with duckdb.connect(str(copy)) as con:
        query = "SELECT run_id FROM ingest_runs WHERE table_name = 'penalties'"
        run = con.execute(query).fetchone()
        con.execute("DELETE FROM penalties WHERE record_id = 'CF1'")
        con.execute("INSERT INTO complaints SELECT * REPLACE ('TS9' AS record_id) FROM complaints "
                    "WHERE record_id = 'TS1'")  # fmt: skip
    problems = verify_store(copy).problems
    assert f"penalties: ingest run {run[0]} wrote 2 rows; the store holds 1 of them" in problems
    assert "penalties: 1 current rows; the ingest log accounts for 2" in problems
    assert "complaints: 3 current rows; the ingest log accounts for 2" in problems
    result = runner.invoke(app, ["store", "verify", "--db", str(copy)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: the store {copy}: ")


def test_a_schema_changed_behind_the_program_is_found(copy):
    with duckdb.connect(str(copy)) as con:
        con.execute("ALTER TABLE subjects ADD COLUMN website VARCHAR")
        con.execute("DROP TABLE plan_inspectors")
    problems = verify_store(copy).problems
    version = SCHEMA_VERSION
    assert f"table plan_inspectors: missing (expected at schema version {version})" in problems
    assert f"table subjects: columns differ from schema version {version}" in problems
