"""``dossier-audit catalogue``: check a catalogue file, import the national procedure list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dossier_audit.cli.app import catalogue_app
from dossier_audit.cli.common import UsageError, err, guarded, readable
from inspections.files.catalogue import CatalogueError, dump_catalogue, load_catalogue
from inspections.files.national import import_national


@catalogue_app.command("check")
def catalogue_check(path: Annotated[Path, typer.Argument(help="Catalogue YAML.")]) -> None:
    """Validate a catalogue file; every problem is reported with its line and column."""

    def go() -> Any:
        readable(path)
        try:
            return load_catalogue(path)
        except CatalogueError as exc:
            raise UsageError(str(exc)) from None

    cat = guarded(go)
    err.print(
        f"{path}: ok — {len(cat.procedures)} procedures, {len(cat.units)} units, {len(cat.fields)} fields"
    )


@catalogue_app.command("import-national")
def catalogue_import(
    procedures: Annotated[Path, typer.Argument(help="national_procedures.json")],
    out: Annotated[Path, typer.Option("--out", help="Catalogue YAML to write.")],
    fields: Annotated[Path | None, typer.Option("--fields", help="national_fields.json")] = None,
) -> None:
    """Import the national portal's procedure list (real codes and names) as a catalogue file."""

    def go() -> Any:
        readable(procedures)
        if fields is not None:
            readable(fields)
        try:
            return import_national(procedures, fields)
        except (ValueError, KeyError) as exc:
            raise UsageError(f"cannot import {procedures}: {exc}") from None

    cat = guarded(go)
    out.write_text(dump_catalogue(cat), encoding="utf-8")
    err.print(f"wrote {out}: {len(cat.procedures)} procedures")
