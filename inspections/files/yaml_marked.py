"""Reading a data file's YAML so that a value its tag cannot read is an error at that value: PyYAML's
constructors raise a bare ``ValueError``, ``IndexError`` or ``KeyError`` there, without a line. Shared by
the catalogue's loader (``catalogue_yaml``) and the calendar's (``calendar_parse``).
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MarkedConstruction"]


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
