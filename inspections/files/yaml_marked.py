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
    whose author listed a day or a unit twice was read as if the first entry were not there. Keys are
    compared as the mapping would compare them (``1`` and ``1.0`` are one key). A merge key's keys are not
    the mapping's own: overriding them is what a merge is for."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # unhashable: the base constructor says so, where it stands
                    continue
                if first is not key_node:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"{_shown(key)} is repeated (first at line {first.start_mark.line + 1})",
                        key_node.start_mark,
                    )  # fmt: skip
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


def _shown(key: Any) -> str:
    """A key as its author wrote it, quoted: ``'Sở Tư pháp'``, ``2025-01-27`` (a date as a date)."""
    text = key.isoformat() if hasattr(key, "isoformat") else str(key)
    return repr(text[:60])
