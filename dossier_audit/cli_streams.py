"""``dossier-audit`` commands of the streaming concern: the broker, ingestion, the workers, violations."""

from __future__ import annotations

import typer

from dossier_audit.cli import app

worker_app = typer.Typer(help="Stream workers: the warehouse sink and the violation detector.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(worker_app, name="worker")
