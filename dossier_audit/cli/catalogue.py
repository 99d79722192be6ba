"""``dossier-audit catalogue``: check a catalogue file, import the national procedure list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape

from dossier_audit.cli.app import catalogue_app
from dossier_audit.cli.common import UsageError, err, guarded, readable, refuse_overwriting_inputs
from dossier_audit.whole_files import written_whole
from inspections.catalogue import Catalogue
from inspections.files.catalogue import dump_catalogue, load_catalogue
from inspections.files.national import import_national
from inspections.timeunits import NO_LIMIT

#: What a national list that is JSON but not of the portal's shape makes the importer raise (a list where
#: an object belongs, a name missing, ``Infinity`` as a weight, nesting deeper than the parser's stack).
_NOT_THE_SHAPE = (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError)


@catalogue_app.command("check")
def catalogue_check(path: Annotated[Path, typer.Argument(help="Catalogue YAML.")]) -> None:
    """Validate a catalogue file; every problem is reported with its line and column."""

    def go() -> Any:
        readable(path)
        try:
            return load_catalogue(path)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None

    cat = guarded(go)
    err.print(
        f"{escape(str(path))}: ok — {len(cat.procedures)} procedures, {len(cat.units)} units, "
        f"{len(cat.fields)} fields",
        highlight=False,
    )
    for warning in _gaps(cat):
        err.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)


def _gaps(cat: Catalogue) -> list[str]:
    """What a valid catalogue still lacks for an audit of real data (the national list imported as it is:
    no units, no publication): "ok" alone read as ready (review)."""
    gaps = []
    if not cat.units:
        gaps.append("no units: add your province's units (docs/catalogue-format.md); every dossier's unit is "
                    "looked up in them")  # fmt: skip
    unpublished = sum(1 for p in cat.procedures.values() if not p.publications)
    if unpublished:
        total = len(cat.procedures)
        gaps.append(f"{unpublished:,} of {total:,} procedures are published by no unit or level: their "
                    "dossiers are UNPUBLISHED_PROCEDURE")  # fmt: skip
    if cat.meta.incomplete:
        gaps.append("the catalogue says it is incomplete (meta incomplete: true, an automatic import)")
    # A catalogue whose procedures almost all lack a time or their components is one not filled in (the
    # national list imported as it is, meta edited): "ok" alone read as ready, and every dossier was on
    # time and every document excess (review of 2026-12-06). Some procedures have neither, by law.
    total = len(cat.procedures)
    untimed = sum(  # without a limit, whatever its dated changes say
        1 for p in cat.procedures.values()
        if p.max_time == NO_LIMIT and all(t.max_time == NO_LIMIT for t in p.time_limits)
    )  # fmt: skip
    if total and untimed >= _MOST * total:
        gaps.append(f"{untimed:,} of {total:,} procedures have no legal maximum time (max_time: none): their "
                    "dossiers are never late by the clock; give each its time")  # fmt: skip
    bare = sum(1 for p in cat.procedures.values() if not p.components)
    if total and bare >= _MOST * total:
        gaps.append(f"{bare:,} of {total:,} procedures list no components: every document handed in for "
                    "them is EXCESS_DOCUMENTS; give each its components")  # fmt: skip
    return gaps


#: The share of procedures without a time or components from which a catalogue reads as not filled in.
_MOST = 0.9


def _import_problem(exc: Exception) -> str:
    """One line for why the national list could not be imported (pydantic's own text spans lines)."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    if isinstance(exc, KeyError):
        return f"missing key {exc}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return " ".join(str(exc).split()) or type(exc).__name__


#: The file is completed by hand after the import: a second import wrote over that work without a word
#: (review of 2026-12-06), which ``calendar draft`` never did.
_EXISTS = (
    "{out} exists; the import never overwrites a file (it is completed by hand): remove it or choose another"
)


@catalogue_app.command("import-national")
def catalogue_import(
    procedures: Annotated[Path, typer.Argument(help="national_procedures.json")],
    out: Annotated[Path, typer.Option("--out", help="Catalogue YAML to write.")],
    fields: Annotated[Path | None, typer.Option("--fields", help="national_fields.json")] = None,
) -> None:
    """Import the national portal's procedure list (real codes and names) as a catalogue file."""

    def go() -> Catalogue:
        refuse_overwriting_inputs({"--out": out}, {"PROCEDURES": procedures, "--fields": fields})
        if out.exists() or out.is_symlink():
            raise UsageError(_EXISTS.format(out=out))
        readable(procedures)
        if fields is not None:
            readable(fields)
        try:
            cat = import_national(procedures, fields)
        except OSError as exc:
            raise UsageError(f"cannot read {exc.filename or procedures}: {exc.strerror or exc}") from None
        except _NOT_THE_SHAPE as exc:
            raise UsageError(f"cannot import {procedures}: {_import_problem(exc)}") from None
        text = dump_catalogue(cat)
        try:
            # Whole or not at all (a write cut short left a partial file the next import refused as one
            # completed by hand: the diff review), and never over a file.
            with written_whole(out, overwrite=False) as fh:
                fh.write(text.encode("utf-8"))
        except FileExistsError:
            raise UsageError(_EXISTS.format(out=out)) from None
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
        return cat

    cat = guarded(go)
    err.print(
        f"wrote {escape(str(out))}: {len(cat.procedures)} procedures, with no processing times, components "
        "or publications (the national list has none): complete it by hand (docs/catalogue-format.md) and "
        "run `dossier-audit catalogue check` on it before any audit",
        highlight=False,
    )
