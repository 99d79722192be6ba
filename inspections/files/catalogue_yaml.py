"""Reading catalogue YAML text: bytes to text to a YAML node tree and its data, where every failure is a
:class:`CatalogueError` located at a line and column, never another exception.

PyYAML alone gives up without a line in three places: bytes that are not UTF-8 (Python's decoder knows
only a byte offset), characters YAML does not allow (libyaml reports a byte offset), and a timestamp-shaped
scalar that is not a real day (``2025-02-30``: a bare ``ValueError`` from ``datetime.date``). Those are
handled here; the catalogue's own checks (``inspections.files.catalogue``) locate the rest.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from inspections.files.yaml_marked import MarkedConstruction

__all__ = ["CatalogueError", "Problem", "decode", "duplicate_keys", "parse_yaml"]

# The C implementation is several times faster; fall back to pure Python where libyaml is missing.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: The characters YAML 1.1 does not allow in a stream (PyYAML's reader refuses the same).
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a catalogue file, at a 1-based line and column."""

    source: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CatalogueError(ValueError):
    """A catalogue file was rejected; ``problems`` lists every problem found, in file order."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(sorted(problems, key=lambda p: (p.line, p.column)))
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) in catalogue\n{lines}")


#: What YAML counts as a line break (PyYAML's reader).
_BREAKS = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


def end_of(text: str) -> tuple[int, int]:
    """The 1-based (line, column) of the end of ``text``, for :func:`within` (found once per file)."""
    return _at(text, len(text))


def within(end: tuple[int, int], line: int, column: int) -> tuple[int, int]:
    """A 1-based (line, column) as given, or ``end`` (:func:`end_of`) when it lies past the last line: PyYAML
    marks the end of a text without a final line break, and an empty document's node, on the line after it."""
    return (line, column) if line <= end[0] else end


def _at(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of ``text[index]``, lines broken as YAML breaks them (:data:`_BREAKS`: a
    file of CR-only lines was all line 1)."""
    breaks = list(_BREAKS.finditer(text, 0, index))
    line_start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - line_start + 1


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark is accepted and dropped), else an error at the first bad byte."""
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[: exc.start].decode("utf-8")
        line, column = _at(before + "?", len(before))
        message = f"not UTF-8 text: byte 0x{body[exc.start]:02x} ({exc.reason}); save the file as UTF-8"
        raise CatalogueError(source, [Problem(source, line, column, "", message)]) from None


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    """A YAML timestamp, or its text when it names no real instant (``2025-02-30``, hour 25): the model
    checks then report it at its line and path (``units[3].valid_from``) like any bad value."""
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError, AttributeError):  # AttributeError: `!!timestamp x`, no match at all
        return str(node.value)


class _Loader(MarkedConstruction, _BaseLoader):  # type: ignore[misc]
    """The safe loader, but a timestamp that is not a real day is text (see :func:`_timestamp`), and a
    value its explicit tag cannot read (``!!int abc``, ``!!int`` of nothing, ``!!bool maybe``) is an error at
    the value (``yaml_marked``)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def parse_yaml(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for locating problems) and the data of one YAML document."""
    bad = _NOT_YAML.search(text)
    if bad is not None:
        line, column = _at(text, bad.start())
        message = f"character U+{ord(bad.group()):04X} is not allowed in YAML"
        raise CatalogueError(source, [Problem(source, line, column, "", message)])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = within(end_of(text), mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m)
        raise CatalogueError(source, [Problem(source, line, col, "", f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as exc:
        raise CatalogueError(source, [Problem(source, 1, 1, "", f"YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return node, data


def duplicate_keys(node: yaml.Node | None, source: str) -> Iterator[Problem]:
    """PyYAML silently keeps the last of repeated mapping keys; a catalogue file must not repeat any.

    Each node is visited once: an alias is the same node object as its anchor, so a walk that followed
    aliases would take exponential time on nested aliases (a "billion laughs" file)."""
    stack = [node] if node is not None else []
    visited: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in current.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        yield Problem(
                            source,
                            k.start_mark.line + 1,
                            k.start_mark.column + 1,
                            "",
                            f"duplicate key {k.value!r} (first at line {seen[k.value]})",
                        )
                    else:
                        seen[k.value] = k.start_mark.line + 1
                stack.append(v)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
