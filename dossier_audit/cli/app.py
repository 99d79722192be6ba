"""The command tree: the root ``dossier-audit`` app and its groups. Commands register themselves on
these from their concern's module; ``dossier_audit.cli.main`` imports them all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from bootstrap.settings import CONFIG_FILE_VARIABLE
from dossier_audit.cli.common import (
    fail,
)

app = typer.Typer(
    name="dossier-audit",
    help="Audit how one-stop departments handle administrative-procedure dossiers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


catalogue_app = typer.Typer(help="Catalogue files: check, import the national list.", no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")


warehouse_app = typer.Typer(help="The ClickHouse warehouse: init, load, status.", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")


worker_app = typer.Typer(help="Stream workers: the warehouse sink and the violation detector.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(worker_app, name="worker")


@app.callback()
def _global_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (DOSSIER_AUDIT_<NAME>=value lines); environment variables win over it.",
        ),
    ] = None,
) -> None:
    """Audit how one-stop departments handle administrative-procedure dossiers."""
    if config is not None:
        if not config.is_file():
            raise fail(f"cannot read settings file {config}: no such file")

        # Through the environment so that child workers (the main job's detector) read it too.
        os.environ[CONFIG_FILE_VARIABLE] = str(config.resolve())
