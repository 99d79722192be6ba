"""The command tree: the root ``dossier-audit`` app and its groups. Commands register themselves on
these from their concern's module; ``dossier_audit.cli.main`` imports them all.

Also the CLI's edge for what no command sees: click's usage errors (a missing option, a bad ``--port``)
and the clickhouse-driver's log records.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import rich_utils

from bootstrap.settings import CONFIG_FILE_VARIABLE
from bootstrap.settings_file import not_a_file
from dossier_audit.cli import helptext
from dossier_audit.cli.common import err, fail, quiet_driver_logs

app = typer.Typer(
    name="dossier-audit",
    help="Audit how one-stop departments handle administrative-procedure dossiers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


catalogue_app = typer.Typer(help="Catalogue files: check, import the national list.", no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")


calendar_app = typer.Typer(help="Calendar files: draft next year's from the statutory pattern, check one.",
                           no_args_is_help=True)  # fmt: skip
app.add_typer(calendar_app, name="calendar")


warehouse_app = typer.Typer(help="The ClickHouse warehouse: init, load, status.", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")


import_app = typer.Typer(help="Import source data as contract events: the national portal's DVCQG format.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(import_app, name="import")


export_app = typer.Typer(help="Export the event log for process mining: XES, OCEL 2.0.", no_args_is_help=True)
app.add_typer(export_app, name="export")


worker_app = typer.Typer(help="Stream workers: the warehouse sink and the violation detector.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(worker_app, name="worker")


_rich_format_error = rich_utils.rich_format_error


def _format_usage_error(self: Any) -> None:
    """A usage error off a terminal is one unwrapped ``error:`` line.

    typer draws click's usage errors ("Missing option '--out'", "'x' is not a valid integer") in a rich
    panel 80 columns wide whatever the output is, so a long path or value in them was split across lines
    with box borders in between; on a terminal the panel stays. Installed over typer's formatter (typer
    looks it up on ``typer.rich_utils`` when it reports an error); exit codes are click's (2).
    """
    if err.is_terminal:
        _rich_format_error(self)
        return
    if type(self).__name__ == "NoArgsIsHelpError":  # the help was printed: nothing to add
        return
    ctx = getattr(self, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    err.print(f"error: {self.format_message()}{where}", markup=False, highlight=False, soft_wrap=True)


rich_utils.rich_format_error = _format_usage_error
helptext.install()


def _print_version(value: bool) -> None:
    if value:
        print(f"dossier-audit {helptext.version()}")
        raise typer.Exit()


@app.callback()
def _global_options(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (DOSSIER_AUDIT_<NAME>=value lines); environment variables win over it.",
        ),
    ] = None,
) -> None:
    """Audit how one-stop departments handle administrative-procedure dossiers."""
    quiet_driver_logs()
    if config is not None:
        if not config.is_file():
            raise fail(f"cannot read settings file {config}: {not_a_file(config)}")

        # Through the environment so that child workers (the main job's detector) read it too.
        os.environ[CONFIG_FILE_VARIABLE] = str(config.resolve())
