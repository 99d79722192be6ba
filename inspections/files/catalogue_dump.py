"""Writing catalogue YAML files: the inverse of ``inspections.files.catalogue``'s reading (a dumped
catalogue reads back equal). A module of its own so that the reader, with its error locating, stays small."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from inspections.catalogue import Catalogue, Procedure, Unit
from inspections.timeunits import ProcessingTime, TimeUnit

__all__ = ["dump_catalogue", "write_catalogue"]

# The C implementation is several times faster; fall back to pure Python where libyaml is missing.
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Never writes anchors and aliases: shared date objects would otherwise become `&id001`."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _time_text(t: ProcessingTime) -> str:
    if t.unit is TimeUnit.NONE:
        return "none"
    return f"{t.amount:g} {t.unit.value}"


def _unit_dict(u: Unit) -> dict[str, Any]:
    out: dict[str, Any] = {"code": u.code, "name": u.name, "level": u.level.value}
    if u.parent is not None:
        out["parent"] = u.parent
    out["valid_from"] = u.valid_from
    if u.valid_to is not None:
        out["valid_to"] = u.valid_to
    if u.successor is not None:
        out["successor"] = u.successor
    return out


def _procedure_dict(p: Procedure) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": p.code,
        "name": p.name,
        "field": p.field,
        "max_time": _time_text(p.max_time),
    }
    if p.time_limits:
        out["time_limits"] = [
            {"valid_from": t.valid_from, "max_time": _time_text(t.max_time)} for t in p.time_limits
        ]
    if p.financial_obligation:
        out["financial_obligation"] = True
    if p.weight is not None:
        out["weight"] = p.weight
    if p.source:
        out["source"] = p.source
    out["components"] = [
        {"code": c.code, "name": c.name, **({} if c.mandatory else {"mandatory": False})}
        for c in p.components
    ]
    pubs = []
    for pub in p.publications:
        d: dict[str, Any] = {"unit": pub.unit} if pub.unit is not None else {"level": str(pub.level)}
        d["valid_from"] = pub.valid_from
        if pub.valid_to is not None:
            d["valid_to"] = pub.valid_to
        pubs.append(d)
    out["publications"] = pubs
    return out


def dump_catalogue(catalogue: Catalogue) -> str:
    """The catalogue as YAML text that :func:`loads_catalogue` reads back to an equal catalogue."""
    doc = {
        "catalogue": catalogue.meta.model_dump(mode="json"),
        "fields": [f.model_dump() for f in catalogue.fields.values()],
        "units": [_unit_dict(u) for u in catalogue.units.values()],
        "procedures": [_procedure_dict(p) for p in catalogue.procedures.values()],
    }
    text: str = yaml.dump(
        doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False
    )
    return text


def write_catalogue(catalogue: Catalogue, path: str | Path) -> None:
    """Write the catalogue as YAML to ``path`` (UTF-8)."""
    Path(path).write_text(dump_catalogue(catalogue), encoding="utf-8")
