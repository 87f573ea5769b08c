"""`machimap plan …`: renewal planning from the command line, for notebooks and checks (the
projection per building as CSV, coverage figures); the same layers/planning/ functions the
staff pages call."""

from __future__ import annotations

import typer

from api.cli.common import app

plan_app = typer.Typer(
    help="Renewal planning (公共施設等総合管理計画): projection, coverage.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")
