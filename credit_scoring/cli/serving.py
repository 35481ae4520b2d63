"""What the HTTP service serves and how it is reached: ``publish``, ``snapshots``, ``serve``,
``keys``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credit_scoring.cli import _common as cli
from credit_scoring.cli._options import (
    AsOf,
    DaskWorkers,
    Db,
    EngineOption,
    Json,
    Mlruns,
    Snapshots,
    WorkflowDb,
)

app = typer.Typer()
snapshots_app = typer.Typer(help="Published snapshots: list, prune.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: create, revoke, list.", no_args_is_help=True)


@app.command()
@cli.fails_cleanly
def publish(
    as_of: AsOf,
    db: Db = None,
    mlruns: Mlruns = None,
    snapshots: Snapshots = None,
    keep: Annotated[
        int | None,
        typer.Option(min=1, help="Then delete all but this many newest snapshots (default: none)."),
    ] = None,
    engine: EngineOption = None,
    dask_workers: DaskWorkers = None,
    as_json: Json = False,
) -> None:
    """Grade and explain every subject and publish the result as the current snapshot.

    A sharded store's snapshot has one part per shard, each written where it was computed."""
    from credit_scoring.distributed import jobs
    from credit_scoring.snapshots import prune_snapshots
    from credit_scoring.snapshots.publish import manifest_summary

    config = cli.settings(db_path=db, mlruns=mlruns, snapshot_dir=snapshots, engine=engine,
                          dask_workers=dask_workers)  # fmt: skip
    day = cli.parse_date(as_of)
    with cli.opened_store(config, read_only=True) as store:
        grader = cli.load_grader(store, config)
    with cli.engine(config) as running:
        manifest = jobs.publish(config.db_path, config.snapshot_dir, as_of=day, grader=grader,
                                engine=running)  # fmt: skip
    deleted = prune_snapshots(config.snapshot_dir, keep=keep) if keep is not None else []
    if as_json:
        cli.print_json({**manifest_summary(manifest), "deleted_snapshots": deleted})
        return
    cli.console.print(
        f"snapshot {manifest.snapshot_id}: {manifest.subjects:,} subjects as of {as_of}; "
        f"now current under {config.snapshot_dir}"
    )
    cli.console.print(cli.grading_line(grader.describe()))
    if deleted:
        cli.console.print(f"deleted {len(deleted)} older snapshot(s): {', '.join(deleted)}")


@snapshots_app.command("list")
@cli.fails_cleanly
def snapshots_list(snapshots: Snapshots = None, as_json: Json = False) -> None:
    """Every published snapshot, newest first; the one served is marked current."""
    from credit_scoring.snapshots import current_snapshot_id, published_snapshots

    root = cli.settings(snapshot_dir=snapshots).snapshot_dir
    current = current_snapshot_id(root)
    rows = [
        {"snapshot_id": m.snapshot_id, "current": m.snapshot_id == current, "as_of": m.as_of,
         "created_at": m.created_at, "subjects": m.subjects, "source": m.source,
         "model_version": m.model_version,
         "megabytes": round(_folder_bytes(root / m.snapshot_id) / 2**20, 1)}
        for m in published_snapshots(root)
    ]  # fmt: skip
    cli.show(rows, as_json, "Snapshots 快照")


@snapshots_app.command("prune")
@cli.fails_cleanly
def snapshots_prune(
    keep: Annotated[int, typer.Option(min=1, help="How many newest snapshots to keep.")],
    snapshots: Snapshots = None,
    as_json: Json = False,
) -> None:
    """Delete all but the newest KEEP snapshots; the current one is always kept."""
    from credit_scoring.snapshots import prune_snapshots

    deleted = prune_snapshots(cli.settings(snapshot_dir=snapshots).snapshot_dir, keep=keep)
    if as_json:
        cli.print_json({"deleted_snapshots": deleted})
        return
    cli.console.print(
        f"deleted {len(deleted)} snapshot(s)" + (f": {', '.join(deleted)}" if deleted else "")
    )


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


@app.command()
@cli.fails_cleanly
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API (settings from CREDIT_SCORING_* environment variables).

    Forwarded client addresses are believed only from CREDIT_SCORING_FORWARDED_ALLOW_IPS.
    """
    import uvicorn

    proxies = cli.settings().forwarded_allow_ips
    # One app per worker process, built by the factory from the environment.
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", proxy_headers=bool(proxies),
                forwarded_allow_ips=proxies or "")  # fmt: skip


@keys_app.command("create")
@cli.fails_cleanly
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    role: Annotated[str, typer.Option(help="public, regulator, reviewer, analyst or admin.")],
    workflow_db: WorkflowDb = None,
    as_json: Json = False,
) -> None:
    """Create a key; its secret is printed once and never stored."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.keys import create_key

    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    info, token = create_key(engine, name=name, role=role, actor=cli.operator())
    if as_json:
        cli.print_json({**info.public(), "api_key": token})
        return
    cli.console.print(f"key {info.key_id} for {name} ({role}); keep it, it is not shown again:")
    cli.console.print(token, highlight=False, soft_wrap=True)


@keys_app.command("revoke")
@cli.fails_cleanly
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (second part of the key).")],
    workflow_db: WorkflowDb = None,
    as_json: Json = False,
) -> None:
    """Revoke a key: the service refuses it within seconds."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.keys import revoke_key

    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    info = revoke_key(engine, key_id, actor=cli.operator())
    if as_json:
        cli.print_json(info.public())
        return
    cli.console.print(f"key {info.key_id} ({info.name}, {info.role}) revoked at {info.revoked_at}")


@keys_app.command("list")
@cli.fails_cleanly
def keys_list(workflow_db: WorkflowDb = None, as_json: Json = False) -> None:
    """List keys (never their secrets)."""
    from credit_scoring.workflows import connect
    from credit_scoring.workflows.keys import list_keys

    engine = connect(cli.settings(workflow_db_url=workflow_db).workflow_db_url)
    cli.show([info.public() for info in list_keys(engine)], as_json, "API keys")
