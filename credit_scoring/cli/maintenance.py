"""Keeping an installation whole: ``backup``, ``restore``, ``store verify``, ``audit verify``,
``audit lock-down``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import Db, Json, Mlruns, Snapshots, WorkflowDb

if TYPE_CHECKING:
    from credit_scoring.workflows.chain import ChainReport

app = typer.Typer()
store_app = typer.Typer(help="The records store: verify, migrate.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log: verify its chain, lock it down.",
                        no_args_is_help=True)  # fmt: skip


@app.command()
@cli.fails_cleanly
def backup(
    out: Annotated[Path, typer.Option(help="A new or empty folder for the backup.")],
    db: Db = None,
    workflow_db: WorkflowDb = None,
    snapshots: Snapshots = None,
    mlruns: Mlruns = None,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for a writer to release the store.")
    ] = 60.0,
    as_json: Json = False,
) -> None:
    """Copy the store, the workflow database, the snapshots and the registry, with SHA-256s.

    Safe while the service runs: writers wait (503, retry) for the seconds the store takes.
    """
    from credit_scoring.backup import make_backup

    config = cli.settings(db_path=db, workflow_db_url=workflow_db, snapshot_dir=snapshots,
                          mlruns=mlruns)  # fmt: skip
    manifest = make_backup(config, out, wait_seconds=wait)
    if as_json:
        cli.print_json({"out": str(out), **manifest.model_dump(mode="json", exclude={"files"}),
                        "files": len(manifest.files)})  # fmt: skip
        return
    size = sum(f.bytes for f in manifest.files.values())
    audit = manifest.audit
    cli.console.print(
        f"backup {out}: {len(manifest.files)} files, {size / 2**20:,.1f} MB — store (schema "
        f"{manifest.store_schema_version}, {sum(manifest.store_rows.values()):,} rows), "
        f"workflow database ({audit.entries:,} audit entries), snapshots (current "
        f"{manifest.current_snapshot or 'none'}), registry "
        f"{'included' if manifest.sources['registry'] else 'none'}",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
    cli.console.print(f"audit chain head: entry {audit.head_id}, {audit.head_sha256}; keep it "
                      "apart from the database (audit verify --through)", highlight=False,
                      soft_wrap=True)  # fmt: skip
    if audit.problems:
        cli.errors.print(f"warning: the audit chain copied has {audit.problems} problem(s); "
                         "run `credit-scoring audit verify`", highlight=False)  # fmt: skip


@app.command()
@cli.fails_cleanly
def restore(
    backup_dir: Annotated[Path, typer.Argument(help="The backup folder (with manifest.json).")],
    db: Db = None,
    workflow_db: WorkflowDb = None,
    snapshots: Snapshots = None,
    mlruns: Mlruns = None,
    as_json: Json = False,
) -> None:
    """Restore a backup into empty places; refuses a backup whose files fail their SHA-256.

    The registry goes to --mlruns (default CREDIT_SCORING_MLRUNS, else ./mlruns).
    """
    from credit_scoring.backup import restore_backup

    config = cli.settings(db_path=db, workflow_db_url=workflow_db, snapshot_dir=snapshots,
                          mlruns=mlruns)  # fmt: skip
    done = restore_backup(backup_dir, config)
    summary = {"store": str(config.db_path), "workflow_db": done.workflow_url,
               "snapshots": str(done.snapshot_dir),
               "registry": str(done.registry) if done.registry else None,
               "store_ok": done.store.ok, "store_problems": done.store.problems,
               "audit": _chain_summary(done.chain)}  # fmt: skip
    if as_json:
        cli.print_json(summary)
    else:
        cli.console.print(f"restored {backup_dir} (taken {done.manifest.created_at:%Y-%m-%d %H:%M}"
                          f" UTC) into {config.db_path}, {done.workflow_url}, {done.snapshot_dir}"
                          + (f", {done.registry}" if done.registry else ""), highlight=False,
                          soft_wrap=True)  # fmt: skip
        _print_chain(done.chain)
    _fail_on([*done.store.problems, *done.chain.problems], "the restored copy")


@store_app.command("verify")
@cli.fails_cleanly
def store_verify(db: Db = None, as_json: Json = False) -> None:
    """Read every block (checksums), compare the schema and the row counts with the ingest log."""
    from credit_scoring.records.integrity import verify_store

    check = verify_store(cli.settings(db_path=db).db_path)
    if as_json:
        cli.print_json({"path": str(check.path), "ok": check.ok, "bytes": check.bytes,
                        "schema_version": check.schema_version, "tables": check.tables,
                        "problems": check.problems})  # fmt: skip
    elif check.ok:
        cli.console.print(
            f"store {check.path}: whole — {check.bytes / 2**20:,.1f} MB, schema version "
            f"{check.schema_version}, {len(check.tables)} tables, "
            f"{sum(check.tables.values()):,} rows read; every block's checksum, the schema and "
            "the ingest log agree", highlight=False, soft_wrap=True,
        )  # fmt: skip
    _fail_on(check.problems, f"the store {check.path}", then="restore it from a backup")


@store_app.command("migrate")
@cli.fails_cleanly
def store_migrate(db: Db = None) -> None:
    """Bring an older store to this version's schema (read-only readers — the service, reports,
    checks — refuse an older store until it is migrated; back it up first)."""
    from credit_scoring.errors import StoreNotFound
    from credit_scoring.records.store import Store

    path = cli.settings(db_path=db).db_path
    if not path.is_file():  # opening for writing would create an empty store
        raise StoreNotFound(f"{path}: no records store here")
    with Store(path) as store:  # a writable open migrates
        steps = store.con.execute(
            "SELECT version, migrated_at FROM schema_meta ORDER BY version"
        ).fetchall()
    cli.console.print(f"store {path}: schema version {steps[-1][0]}; migrations applied: "
                      + ", ".join(f"{v} ({at:%Y-%m-%d %H:%M})" for v, at in steps),
                      highlight=False, soft_wrap=True)  # fmt: skip


@audit_app.command("verify")
@cli.fails_cleanly
def audit_verify(
    workflow_db: WorkflowDb = None,
    through: Annotated[
        str | None,
        typer.Option(help="A head SHA-256 recorded earlier (a backup's): the chain must reach it."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Recompute the audit chain and the hash of every row it vouches for (cases, keys, listing
    cases, sanction tasks, interviews, verifications, re-grades, issued reports); any edit,
    insertion, replacement or deletion outside the library is named."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.chain import verify_chain

    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    report = verify_chain(engine, through=through)
    if as_json:
        cli.print_json(_chain_summary(report))
    else:
        _print_chain(report)
    _fail_on(report.problems, "the audit log", then="it was changed outside the library")


@audit_app.command("lock-down")
@cli.fails_cleanly
def audit_lock_down(
    role: Annotated[str, typer.Option(help="The PostgreSQL role the service connects as.")],
    workflow_db: WorkflowDb = None,
    as_json: Json = False,
) -> None:
    """PostgreSQL, as the tables' owner: ROLE may append to the audit log, never change it."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.privileges import REWRITING, lock_down

    held = lock_down(connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url), role)
    if as_json:
        cli.print_json({"role": role, **held})
        return
    rights = [right for right in REWRITING if held[right]]
    cli.console.print(f"role {role}: may read and append to the audit log; "
                      + (f"still holds {', '.join(rights)}" if rights else
                         "no UPDATE, DELETE or TRUNCATE on it"), highlight=False)  # fmt: skip
    if held["owner"]:
        cli.errors.print(f"warning: {role} owns the tables and can grant itself the rights back; "
                         "run the service as a role that does not", highlight=False)  # fmt: skip


def _chain_summary(report: ChainReport) -> dict[str, Any]:
    return {"ok": report.ok, "entries": report.entries, "sealed_entries": report.sealed_entries,
            "head_id": report.head_id, "head_sha256": report.head_sha256, "rows": report.rows,
            "problems": report.problems, "warnings": report.warnings}  # fmt: skip


def _print_chain(report: ChainReport) -> None:
    entries = f"{report.entries:,} entries"
    if report.sealed_entries:
        entries += f" ({report.sealed_entries:,} from before the chain, sealed)"
    if report.ok:
        line = (f"audit log intact: {entries}; head entry {report.head_id} {report.head_sha256}; "
                f"{report.rows:,} rows match their last entry")  # fmt: skip
    else:
        line = f"audit log: {len(report.problems)} problem(s) in {entries}"
    cli.console.print(line, highlight=False, soft_wrap=True)
    for warning in report.warnings:
        cli.errors.print(f"warning: {warning}", highlight=False, soft_wrap=True)


def _fail_on(problems: list[str], what: str, *, then: str = "") -> None:
    """Each problem on its own line, then one line saying what failed; exit 1."""
    if not problems:
        return
    for problem in problems:
        cli.errors.print(f"  {problem}", highlight=False, soft_wrap=True)
    cli.errors.print(f"[red]error:[/red] {what}: {len(problems)} problem(s)"
                     + (f"; {then}" if then else ""), highlight=False, soft_wrap=True)  # fmt: skip
    raise typer.Exit(1)


@app.command()
@cli.fails_cleanly
def shard(
    shards: Annotated[int, typer.Option(min=1, help="How many shards (by USCC hash).")],
    out: Annotated[Path, typer.Option(help="A new, empty directory for the sharded store.")],
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Split a records store into shards by USCC hash, for `--engine dask` (the store is only
    read). Every command then takes the directory as `--db`."""
    from credit_scoring.distributed.layout import split_store
    from credit_scoring.records.store import Store

    source = cli.settings(db_path=db).db_path
    with cli.console.status("splitting…") as status:
        layout = split_store(
            source, shards, out,
            progress=lambda done, total: status.update(f"shard {done} of {total} written"),
        )  # fmt: skip
    counts = []
    for path in layout.paths:
        with Store(path, read_only=True) as store:
            counts.append(store.count("subjects"))
    if as_json:
        cli.print_json({"out": out, "shards": shards, "subjects": counts})
        return
    cli.console.print(
        f"{sum(counts):,} subjects of {source} in {shards} shards under {out} "
        f"({min(counts):,} to {max(counts):,} a shard); use --db {out}",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
