"""Reading catalogue YAML files (format: ``docs/catalogue-format.md``); writing them is
``catalogue_dump``'s, re-exported here.

A bad file is rejected with a :class:`CatalogueError` listing every problem found, each located at
the line and column of the offending YAML node; whatever the bytes, loading gives a catalogue or that
error, never another exception (``catalogue_yaml`` turns the text into nodes and data under that rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from inspections.catalogue import (
    Catalogue,
    CatalogueMeta,
    Procedure,
    ProcedureField,
    Unit,
)
from inspections.files.catalogue_dump import dump_catalogue, write_catalogue
from inspections.files.catalogue_yaml import (
    CatalogueError,
    Problem,
    decode,
    duplicate_keys,
    end_of,
    parse_yaml,
    within,
)
from inspections.files.whole_file import MIB, read_whole
from schemas.unseen import unseen

__all__ = [
    "MAX_CATALOGUE_BYTES",
    "CatalogueError",
    "Problem",
    "dump_catalogue",
    "load_catalogue",
    "loads_catalogue",
    "sample_catalogue",
    "write_catalogue",
]

_SECTIONS = ("catalogue", "fields", "units", "procedures")
_Loc = tuple[str | int, ...]
_M = TypeVar("_M", bound=BaseModel)


def _format_loc(loc: _Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _child(node: yaml.Node, key: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(key node, value node) of ``key`` in a mapping, or (item, item) of an index in a sequence."""
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item = node.value[key]
        return item, item
    return None


class _Report:
    """Collects problems, locating each through the composed node tree."""

    def __init__(self, source: str, root: yaml.Node | None, text: str) -> None:
        self.source = source
        self.root = root
        self.end = end_of(text)  # where a mark past the last line is put
        self.problems: list[Problem] = []

    def mark_of(self, loc: _Loc, *, at_key: bool = False) -> tuple[int, int]:
        node = self.root
        if node is None:
            return 1, 1
        for part in loc:
            found = _child(node, part)
            if found is None:
                break
            node = found[0] if at_key and part == loc[-1] else found[1]
        return within(self.end, node.start_mark.line + 1, node.start_mark.column + 1)

    def add(self, loc: _Loc, message: str, *, at_key: bool = False) -> None:
        line, col = self.mark_of(loc, at_key=at_key)
        self.problems.append(Problem(self.source, line, col, _format_loc(loc), message))

    def line_of(self, loc: _Loc) -> int:
        return self.mark_of(loc)[0]


def _pydantic_message(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "enum":
        return f"{value!r} is not one of {err['ctx']['expected']}"
    if kind == "extra_forbidden":
        return "unknown key"
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        # YAML reads an unquoted `1.004222` as a number: the usual mistake with procedure codes.
        message += f" (got the number {value!r}; quote codes in YAML)"
    return message


def _validate(model: type[_M], data: Any, loc: _Loc, report: _Report) -> _M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            sub = tuple(p for p in err["loc"] if isinstance(p, str | int))
            report.add(loc + sub, _pydantic_message(err), at_key=err["type"] == "extra_forbidden")
        return None


def _section(data: Mapping[str, Any], key: str, report: _Report) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        report.add((key,), "must be a list")
        return []
    return value


#: The dates a catalogue may hold: those a warehouse's Date columns store (ClickHouse's ``Date``). A "valid
#: to 9999-12-31" was refused by a server's insert, and stored as 2149-06-06 by the embedded engine; the 18.16
#: server shows dates after 2105 as 0000-00-00 to a ``reports`` query (review), so its year ends the range.
FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(2105, 12, 31)


def _check_interval(start: date, end: date | None, loc: _Loc, report: _Report) -> None:
    if end is not None and end <= start:
        report.add((*loc, "valid_to"), f"valid_to {end} is not after valid_from {start}")
    _check_dates(loc, report, valid_from=start, valid_to=end)


def _check_dates(loc: _Loc, report: _Report, **dates: date | None) -> None:
    for name, day in dates.items():
        if day is not None and not FIRST_DATE <= day <= LAST_DATE:
            still = " (leave valid_to out for one still in force)" if name == "valid_to" else ""
            report.add(
                (*loc, name),
                f"{name} {day} is outside {FIRST_DATE}..{LAST_DATE}, the dates a warehouse holds{still}",
            )


def _unique(items: Sequence[tuple[int, BaseModel, str]], section: str, what: str, report: _Report) -> None:
    first: dict[str, int] = {}
    for index, _, code in items:
        if code in first:
            line = report.line_of((section, first[code]))
            report.add((section, index, "code"), f"duplicate {what} code {code!r} (first at line {line})")
        else:
            first[code] = index


def _check_chains(units: Sequence[tuple[int, Unit]], attr: str, report: _Report) -> None:
    """Report each cycle in the ``parent`` or ``successor`` graph once, at its first unit in the file."""
    nxt = {u.code: getattr(u, attr) for _, u in units}
    index_of = {u.code: i for i, u in units}
    done: set[str] = set()
    for _, unit in units:
        path: list[str] = []
        on_path: set[str] = set()
        code: str | None = unit.code
        while code is not None and code in nxt and code not in done and code not in on_path:
            path.append(code)
            on_path.add(code)
            code = nxt[code]
        if code is not None and code in on_path:
            cycle = path[path.index(code) :]
            start = min(cycle, key=lambda c: index_of[c])
            shown = " -> ".join([*cycle[cycle.index(start) :], *cycle[: cycle.index(start)], start])
            report.add(("units", index_of[start], attr), f"cycle in {attr}s: {shown}")
        done.update(path)


def _blemish(code: str) -> str | None:
    """What a reader of ``code`` would not notice and an event's code would not have (``None``: nothing): a
    blank at its start or end (a space, a no-break space), or a character not seen at all (a zero-width
    space, a byte order mark, a soft hyphen: ``schemas.unseen``). Codes are matched character for character,
    so such a code matched no event: every dossier of a padded procedure was judged against no procedure
    (``UNKNOWN_PROCEDURE``, never late), and ``catalogue check`` said "ok" (review of real exports)."""
    hidden = next((char for char in code if unseen(char)), None)
    if hidden is not None:
        return f"the invisible character U+{ord(hidden):04X}"
    if code != code.strip():
        return "a blank at its start or end"
    return None


def _check_codes(loc: _Loc, report: _Report, **codes: str | None) -> None:
    for name, code in codes.items():
        blemish = None if code is None else _blemish(code)
        if blemish is not None:
            report.add(
                (*loc, name),
                f"{name} {code!r} holds {blemish}, which no code has: no event's code would match it",
            )


def _raw_codes(data: Mapping[str, Any], section: str) -> set[str]:
    items = data.get(section)
    if not isinstance(items, list):
        return set()
    return {item["code"] for item in items if isinstance(item, dict) and isinstance(item.get("code"), str)}


def _build(data: Any, report: _Report, base: Catalogue | None) -> Catalogue | None:
    if not isinstance(data, dict):
        report.add((), "the document must be a mapping with keys " + ", ".join(_SECTIONS))
        return None
    for key in data:
        if key not in _SECTIONS:
            report.add(
                (str(key),), f"unknown top-level key (expected one of {', '.join(_SECTIONS)})", at_key=True
            )
    meta = None
    if "catalogue" not in data:
        report.add((), "missing top-level key 'catalogue'")
    else:
        meta = _validate(CatalogueMeta, data["catalogue"], ("catalogue",), report)

    fields = [
        (i, f, f.code)
        for i, raw in enumerate(_section(data, "fields", report))
        if (f := _validate(ProcedureField, raw, ("fields", i), report)) is not None
    ]
    units = [
        (i, u)
        for i, raw in enumerate(_section(data, "units", report))
        if (u := _validate(Unit, raw, ("units", i), report)) is not None
    ]
    procedures = [
        (i, p)
        for i, raw in enumerate(_section(data, "procedures", report))
        if (p := _validate(Procedure, raw, ("procedures", i), report)) is not None
    ]

    for i, f, _ in fields:
        _check_codes(("fields", i), report, code=f.code)
    for i, u in units:
        _check_codes(("units", i), report, code=u.code, parent=u.parent, successor=u.successor)
    for i, p in procedures:
        _check_codes(("procedures", i), report, code=p.code, field=p.field)
        for j, c in enumerate(p.components):
            _check_codes(("procedures", i, "components", j), report, code=c.code)
        for j, pub in enumerate(p.publications):
            _check_codes(("procedures", i, "publications", j), report, unit=pub.unit)

    _unique(fields, "fields", "field", report)
    _unique([(i, u, u.code) for i, u in units], "units", "unit", report)
    _unique([(i, p, p.code) for i, p in procedures], "procedures", "procedure", report)

    # Items that failed validation still count as known, so one bad unit does not cascade into
    # "unknown unit" reports at every reference to it.
    unit_codes = _raw_codes(data, "units") | (set(base.units) if base else set())
    field_codes = _raw_codes(data, "fields") | (set(base.fields) if base else set())

    for i, u in units:
        _check_interval(u.valid_from, u.valid_to, ("units", i), report)
        for attr in ("parent", "successor"):
            target = getattr(u, attr)
            if target is not None and target not in unit_codes:
                report.add(("units", i, attr), f"{attr} {target!r} is not a unit of the catalogue")
    _check_chains(units, "parent", report)
    _check_chains(units, "successor", report)

    for i, p in procedures:
        if p.field not in field_codes:
            report.add(("procedures", i, "field"), f"field {p.field!r} is not a field of the catalogue")
        comp_first: dict[str, int] = {}
        for j, c in enumerate(p.components):
            if c.code in comp_first:
                report.add(
                    ("procedures", i, "components", j, "code"),
                    f"duplicate component code {c.code!r} in procedure {p.code!r}",
                )
            comp_first.setdefault(c.code, j)
        for j, pub in enumerate(p.publications):
            loc: _Loc = ("procedures", i, "publications", j)
            _check_interval(pub.valid_from, pub.valid_to, loc, report)
            if pub.unit is not None and pub.unit not in unit_codes:
                report.add((*loc, "unit"), f"publication names unknown unit {pub.unit!r}")
        for j, limit in enumerate(p.time_limits):
            _check_dates(("procedures", i, "time_limits", j), report, valid_from=limit.valid_from)

    if report.problems or meta is None:
        return None
    return Catalogue(
        procedures=(p for _, p in procedures),
        units=(u for _, u in units),
        fields=(f for _, f, _ in fields),
        meta=meta,
    )


def loads_catalogue(text: str, source_name: str = "<catalogue>", base: Catalogue | None = None) -> Catalogue:
    """Parse and validate catalogue YAML text; raise :class:`CatalogueError` listing every problem.

    ``base``: a catalogue this file will be merged over; its units and fields count as known when
    checking references (the result holds only this file's content).
    """
    node, data = parse_yaml(text, source_name)
    report = _Report(source_name, node, text)
    report.problems.extend(duplicate_keys(node, source_name))
    catalogue = _build(data, report, base)
    if report.problems or catalogue is None:
        raise CatalogueError(source_name, report.problems)
    return catalogue


#: The largest catalogue file read, in bytes. The national list of all 2,395 procedures imports to 0.8 MB;
#: a province's own, completed with components, units and publications, stays a few MB. 32 MiB is some
#: forty national lists, and parsing it already takes minutes and gigabytes: a larger file is not one.
MAX_CATALOGUE_BYTES = 32 * MIB


def load_catalogue(path: str | Path, base: Catalogue | None = None) -> Catalogue:
    """Read and validate a catalogue YAML file (see :func:`loads_catalogue`). A directory or a device, or a
    file or stream over :data:`MAX_CATALOGUE_BYTES`, is an ``OSError`` (``whole_file``): never parsed."""
    data = read_whole(Path(path), MAX_CATALOGUE_BYTES, "a catalogue")
    return loads_catalogue(decode(data, str(path)), str(path), base)


@cache
def sample_catalogue() -> Catalogue:
    """The bundled sample province catalogue ("Tỉnh Mẫu", ``sample: true``), loaded once."""
    resource = resources.files("inspections").joinpath("data", "sample_province.yaml")
    return loads_catalogue(resource.read_text(encoding="utf-8"), "sample_province.yaml")
