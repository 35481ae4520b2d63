"""The ``credit-scoring`` command line: thin commands over the library, one module per group.

Each command parses its options, calls the library and prints a short summary (or, with
``--json``, one JSON object on stdout); a failure prints one line saying why and exits 1.
Defaults for paths and URLs come from :class:`credit_scoring.settings.Settings`
(``CREDIT_SCORING_*``). A command imports the heavy libraries it needs when it runs, so the
light ones start at once.

========================  =====================================================
module                    commands
========================  =====================================================
``records``               ``demo-data``, ``ingest``, ``report disclosure``
``reports``               ``report subject``, ``report verify``
``statistics``            ``report statistics`` (for higher authorities)
``grading``               ``features``, ``train``, ``grade``, ``explain``
``workflows``             ``objection …``, ``repair …``
``supervision``           ``plan …``, ``evaluate``, ``frequencies``
``serving``               ``publish``, ``snapshots …``, ``serve``, ``keys …``
``demo``                  ``demo``
``checks``                ``check`` (batch credit checks of a list)
``maintenance``           ``backup``, ``restore``, ``store verify``, ``audit …``
``lists``                 ``lists …`` (list identification: identify, notice, decide, exits)
``sanctions``             ``sanctions …`` (joint measures' tasks, responses, statistics)
``_render*``              terminal rendering (rich tables and progress)
========================  =====================================================
"""

import os

import typer

from credit_scoring.cli import (
    checks,
    commitments,
    demo,
    grading,
    interviews,
    lists,
    maintenance,
    publicity,  # noqa: F401  (its command joins the plan group)
    records,
    reports,  # noqa: F401  (its commands join the report group)
    sanctions,
    serving,
    statistics,  # noqa: F401  (its command joins the report group)
    supervision,
    workflows,
)

__all__ = ["app"]

# LightGBM's OpenMP threads spin while waiting; on a shared 2-core machine that stalls training
# tenfold (NOTES.md). Passive waiting must be chosen before LightGBM loads, so here, at start-up.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

app = typer.Typer(
    help="Tiered public-credit scoring and graded supervision (信用分级分类监管).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for group in (demo, records, grading, supervision, serving, checks, maintenance):
    app.registered_commands.extend(group.app.registered_commands)
app.add_typer(records.report_app, name="report")
app.add_typer(workflows.objection_app, name="objection")
app.add_typer(workflows.repair_app, name="repair")
app.add_typer(supervision.plan_app, name="plan")
app.add_typer(serving.snapshots_app, name="snapshots")
app.add_typer(serving.keys_app, name="keys")
app.add_typer(maintenance.store_app, name="store")
app.add_typer(maintenance.audit_app, name="audit")
app.add_typer(lists.app, name="lists")
app.add_typer(sanctions.app, name="sanctions")
app.add_typer(commitments.commitments_app, name="commitments")
app.add_typer(interviews.interviews_app, name="interviews")
