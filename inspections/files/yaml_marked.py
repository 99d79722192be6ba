"""Reading a data file's YAML so that a value its tag cannot read is an error at that value: PyYAML's
constructors raise a bare ``ValueError``, ``IndexError`` or ``KeyError`` there, without a line. Shared by
the catalogue's loader (``catalogue_yaml``) and the calendar's (``calendar_parse``).
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MarkedConstruction", "UniqueKeys", "where_and_what"]


class MarkedConstruction:
    """Mixed into a safe loader (pure Python or libyaml's): a value its explicit or implicit tag cannot
    read (``!!int abc``, ``!!bool maybe``, a date ``2025-02-30``) is a ``ConstructorError`` marked at the
    value, which the file's reader reports with its line and column."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except yaml.MarkedYAMLError:
            raise
        except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError) as exc:
            shown = repr(node.value)[:60]
            tag = node.tag.rsplit(":", 1)[-1]
            if tag == "timestamp" and isinstance(exc, ValueError) and str(exc):
                problem = f"{shown} is not a date: {exc}"  # "day is out of range for month"
            else:
                problem = f"cannot read {shown} as {tag} ({type(exc).__name__})"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


#: The tag of a merge key (``<<: *base``): its keys are the base's, which the mapping's own may override.
_MERGE = "tag:yaml.org,2002:merge"


class UniqueKeys:
    """Mixed into a safe loader: a mapping that repeats a key is a ``ConstructorError`` at the repeat, naming
    the line of the first. PyYAML keeps the last value silently, so a calendar override or a ``--units`` map
    whose author listed a day or a unit twice was read as if the first entry were not there.

    A mapping's own keys are noted as it is composed, before any merge: PyYAML's merge (``flatten_mapping``)
    rewrites a mapping's pairs in place, and a check of its pairs at construction took a merged key the
    mapping overrides for a repeat (review of the diff). They are compared once built, as the mapping
    compares them: ``1``, ``1.0`` and ``true`` are one key, ``2025`` and ``2_025`` too (a check of the text as
    written let those through, and the last value won: review). A merge key's keys are not the mapping's
    own: overriding them is what a merge is for."""

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node: yaml.MappingNode = super().compose_mapping_node(anchor)  # type: ignore[misc]
        own: dict[yaml.Node, list[yaml.Node]] | None = getattr(self, "_own_keys", None)
        if own is None:
            own = {}
            self._own_keys = own
        own[node] = [key for key, _ in node.value if key.tag != _MERGE]
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        keys = getattr(self, "_own_keys", {}).get(node)
        seen: dict[Any, yaml.Node] = {}
        for key_node in keys or ():
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # unhashable: the base constructor says so, where it stands
                continue
            if first is not key_node:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
                raise yaml.constructor.ConstructorError(
                    None, None, f"{shown[:60]!r} is repeated (first at line {first.start_mark.line + 1})",
                    key_node.start_mark,
                )  # fmt: skip
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


def where_and_what(error: yaml.MarkedYAMLError) -> str:
    """A marked YAML error as one line, "line L, column C: problem", without PyYAML's ``"<unicode string>"``
    and caret: how the calendar override's and the ``--units`` map's readers say it."""
    mark = error.problem_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{error.problem or error.context or 'not YAML'}"
