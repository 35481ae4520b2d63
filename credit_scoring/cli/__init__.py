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
``grading``               ``features``, ``train``, ``grade``, ``explain``
``workflows``             ``objection …``, ``repair …``
``supervision``           ``plan …``, ``evaluate``, ``frequencies``
``serving``               ``publish``, ``snapshots …``, ``serve``, ``keys …``
``demo``                  ``demo``
``_render*``              terminal rendering (rich tables and progress)
========================  =====================================================
"""

import os

import typer

from credit_scoring.cli import demo, grading, records, serving, supervision, workflows

__all__ = ["app"]

# LightGBM's OpenMP threads spin while waiting; on a shared 2-core machine that stalls training
# tenfold (NOTES.md). Passive waiting must be chosen before LightGBM loads, so here, at start-up.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

app = typer.Typer(
    help="Tiered public-credit scoring and graded supervision (信用分级分类监管).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
for group in (demo, records, grading, supervision, serving):
    app.registered_commands.extend(group.app.registered_commands)
app.add_typer(records.report_app, name="report")
app.add_typer(workflows.objection_app, name="objection")
app.add_typer(workflows.repair_app, name="repair")
app.add_typer(supervision.plan_app, name="plan")
app.add_typer(serving.snapshots_app, name="snapshots")
app.add_typer(serving.keys_app, name="keys")
