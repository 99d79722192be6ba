"""Reading a data file's YAML so that a value its tag cannot read is an error at that value: PyYAML's
constructors raise a bare ``ValueError``, ``IndexError`` or ``KeyError`` there, without a line. Shared by
the catalogue's loader (``catalogue_yaml``) and the calendar's (``calendar_parse``).
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MarkedConstruction", "UniqueKeys"]


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

    Checked as each mapping is composed, on the keys as written (their resolved tag and text: ``'x'`` and
    ``"x"`` are one key, ``1`` and ``1.0`` two, as ``catalogue_yaml.duplicate_keys`` compares them), before
    any merge: PyYAML's merge (``flatten_mapping``) rewrites a mapping's pairs in place, and a check at
    construction took a merged key its mapping overrides for a repeat (review of the diff). A merge key's
    keys are not the mapping's own: overriding them is what a merge is for."""

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:
        node: yaml.MappingNode = super().compose_mapping_node(anchor)  # type: ignore[misc]
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                continue
            first = seen.setdefault((key_node.tag, key_node.value), key_node)
            if first is not key_node:
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"{key_node.value[:60]!r} is repeated (first at line {first.start_mark.line + 1})",
                    key_node.start_mark,
                )  # fmt: skip
        return node
