"""Importer of the national portal's public procedure list into an (incomplete) catalogue.

The national list gives real codes, names and popularity weights, but neither processing times,
components, fields nor publications: imported procedures have no maximum time, no components and
no publications, and the catalogue is marked ``incomplete``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inspections.catalogue import Catalogue, CatalogueMeta, Procedure, ProcedureField
from inspections.files.catalogue import MAX_CATALOGUE_BYTES, write_catalogue
from inspections.files.whole_file import read_whole
from inspections.timeunits import NO_LIMIT

__all__ = ["UNCLASSIFIED_FIELD", "import_national", "write_national_catalogue"]

#: The national list does not link procedures to fields; imported procedures go here.
UNCLASSIFIED_FIELD = ProcedureField(code="UNCLASSIFIED", name="Chưa phân loại (nhập từ danh sách quốc gia)")


def _read_json(path: Path) -> dict[str, Any]:
    # Bounded as a catalogue is: a device is refused, a pipe (<(cat f)) read up to the bound (whole_file).
    data = json.loads(read_whole(path, MAX_CATALOGUE_BYTES, "a national list").decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level")
    return data


def _note(entry: dict[str, Any]) -> str:
    parts = ["national portal list"]
    if entry.get("vertical_sector"):
        parts.append("vertical sector")
    audiences = entry.get("audiences") or []
    if audiences:
        parts.append("audiences: " + ", ".join(str(a) for a in audiences))
    return "; ".join(parts)


def import_national(procedures_json: Path, fields_json: Path | None = None) -> Catalogue:
    """Build a catalogue from ``national_procedures.json`` (and optionally ``national_fields.json``).

    Codes and names are kept verbatim; ``portal_weight`` becomes ``weight``. A code listed twice keeps
    its first entry.
    """
    data = _read_json(Path(procedures_json))
    procedures: dict[str, Procedure] = {}
    for entry in data["procedures"]:
        code = str(entry["code"])
        if code in procedures:
            continue
        weight = entry.get("portal_weight")
        procedures[code] = Procedure(
            code=code,
            name=str(entry["name"]),
            field=UNCLASSIFIED_FIELD.code,
            max_time=NO_LIMIT,
            weight=int(weight) if weight is not None else None,
            source=_note(entry),
        )
    fields = [UNCLASSIFIED_FIELD]
    sources = [str(data.get("source", procedures_json))]
    if fields_json is not None:
        fdata = _read_json(Path(fields_json))
        named: dict[str, str] = {}
        for f in fdata["fields"]:
            code, name = str(f["id"]), str(f["name"])
            # Refused rather than dropped (review): a catalogue keeps one field per code, so the second
            # name was lost, and a field called UNCLASSIFIED replaced the imported procedures' own.
            if code == UNCLASSIFIED_FIELD.code:
                raise ValueError(f"{fields_json}: field id {code!r} is the imported procedures' field")
            if named.get(code, name) != name:
                raise ValueError(
                    f"{fields_json}: field id {code!r} is listed twice, as {named[code]!r} and {name!r}"
                )
            if code not in named:
                named[code] = name
                fields.append(ProcedureField(code=code, name=name))
        sources.append(str(fdata.get("source", fields_json)))
    meta = CatalogueMeta(
        name="Danh mục TTHC quốc gia (nhập tự động, chưa đầy đủ)",
        version="imported",
        sample=False,
        incomplete=True,
        source="Imported, incomplete: no processing times, components or publications. "
        + " | ".join(sources),
    )
    return Catalogue(procedures=procedures.values(), units=(), fields=fields, meta=meta)


def write_national_catalogue(procedures_json: Path, out: Path, fields_json: Path | None = None) -> Catalogue:
    """Import the national list and write it as catalogue YAML to ``out``; return the catalogue."""
    catalogue = import_national(procedures_json, fields_json)
    write_catalogue(catalogue, out)
    return catalogue
