"""``dossier-audit warehouse``: init, load, status."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from dossier_audit.cli.app import warehouse_app
from dossier_audit.cli.common import (
    CataloguePath,
    Rejections,
    err,
    file_progress,
    guarded,
    parse_instant,
    platform_for,
    print_ingest,
    readable,
    warehouse_session,
)
from dossier_audit.jobs.warehouse import init, load_file
from inspections.timeunits import VN_TZ
from warehouse.projection import status


@warehouse_app.command("init")
def warehouse_init(
    warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse URL.")],
    catalogue: CataloguePath = None,
) -> None:
    """Create or upgrade the schema (idempotent) and store the catalogue and calendar."""

    def go() -> dict[str, Any]:
        platform = platform_for(catalogue)
        with warehouse_session(warehouse, create=True) as wh:
            return init(platform, wh)

    result = guarded(go)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    applied = ", ".join(result["migrations_applied"]) or "none (up to date)"
    err.print(f"schema version {result['schema_version']}; migrations applied: {applied}", highlight=False)


@warehouse_app.command("load")
def warehouse_load(
    file: Annotated[Path, typer.Argument(help="JSONL events file.")],
    warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse URL.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluate the rulebook at (default: now).")
    ] = None,
    catalogue: CataloguePath = None,
) -> None:
    """Validate FILE, store valid and rejected events, fold its dossiers and evaluate the rulebook."""

    def go() -> Any:
        instant = parse_instant(as_of) if as_of else datetime.now(VN_TZ)
        path = readable(file)
        platform = platform_for(catalogue)
        progress, tick = file_progress(path)
        with progress or nullcontext(), warehouse_session(warehouse, create=True) as wh:
            return load_file(platform, wh, path, instant, on_progress=tick)

    result = guarded(go)
    sys.stdout.write(orjson.dumps(result.to_json_dict()).decode() + "\n")
    rejections = Rejections()
    rejections.samples = result.rejections
    print_ingest(result.stats, rejections)
    err.print(
        f"stored {result.events_written:,} events and {result.rejected_written:,} rejected lines; folded "
        f"{result.dossiers_folded:,} dossiers: {result.violations_open:,} open violations, "
        f"{result.violations_retracted:,} retracted ({result.seconds:.1f} s)",
        highlight=False,
    )


@warehouse_app.command("status")
def warehouse_status(warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse URL.")]) -> None:
    """Counts, the newest event time and the schema version."""

    def go() -> dict[str, Any]:
        with warehouse_session(warehouse) as wh:
            return status(wh)

    result = guarded(go)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    for key, value in result.items():
        err.print(f"{key:>16}: {value}", highlight=False)


# Commands of other concerns live in their own modules; importing them registers them on ``app``.
