"""``dossier-audit run``: the main job on the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bootstrap.settings import load_settings
from dossier_audit.cli.app import app
from dossier_audit.cli.common import (
    CataloguePath,
    UsageError,
    err,
    fail,
    guarded,
    platform_for,
    stream_failure,
)
from dossier_audit.cli.inputs import event_file
from dossier_audit.cli.instants import parse_instant


@app.command()
def run(
    workdir: Annotated[
        Path | None,
        typer.Option(
            help="Working directory: sample data, the chdb warehouse, logs (default .dossier-audit)."
        ),
    ] = None,
    events: Annotated[
        Path | None, typer.Option("--events", help="Your own events JSONL instead of the sample.")
    ] = None,
    catalogue: CataloguePath = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Evaluation time (default: end of the sample, or the newest event of --events)."
        ),
    ] = None,
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Where reports go (default ./reports).")
    ] = None,
    bootstrap_servers: Annotated[
        str | None,
        typer.Option("--bootstrap-servers", help="Use this Kafka instead of starting the embedded broker."),
    ] = None,
) -> None:
    """The main job: the bundled sample province (or your events) through Kafka, the detector, the
    warehouse and Dagster into reports under ./reports/, with a summary."""
    from dossier_audit.jobs.main import MainJobError, main_job
    from streams.kafka import StreamError

    def go() -> Any:
        settings = load_settings(
            workdir=workdir, catalogue=catalogue, reports_dir=reports, bootstrap_servers=bootstrap_servers
        )
        platform_for(catalogue)  # a bad catalogue fails here with one clear line
        instant = parse_instant(as_of) if as_of is not None else None  # before any directory is made

        def folders() -> None:  # once the inputs are known good: a missing --events left empty ones (review)
            for path, option in ((settings.workdir, "--workdir"), (settings.reports_dir, "--reports")):
                folder(path, option)

        try:
            if events is None:
                folders()
                return main_job(settings, events=None, as_of=instant, console=err)
            with event_file(events) as path:  # a pipe or stdin (-) is spooled to a temporary file
                folders()
                return main_job(settings, events=path, as_of=instant, console=err)
        except MainJobError as exc:  # a stage failed (not a usage error): exit 1
            raise fail(str(exc), 1) from None
        except StreamError as exc:  # e.g. --bootstrap-servers that never answer: exit 2, as for ingest
            raise stream_failure(exc) from None

    guarded(go)


def folder(path: Path, option: str) -> None:
    """``path`` is a folder, or one is created there; else a ``UsageError`` naming ``option`` (a file in
    the way was a traceback from the middle of the run)."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder {option} {path}: {exc.strerror or exc}") from None
