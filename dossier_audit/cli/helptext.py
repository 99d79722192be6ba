"""``--help`` in the words command-line users expect, and ``--version`` (issue 15).

typer 0.29 prints every option's Python type in angle brackets: ``--help <bool>``, ``--json <bool>``,
``--warehouse <str>``, ``--unit <list[str]>``. A flag takes no value, so it gets none; a value is named as
click names it (``TEXT``, ``INTEGER``, ``PATH``…), a repeatable one with an ellipsis, choices as
``[a|b]``. Installed once by :mod:`dossier_audit.cli.app` over typer's display function; an explicit
``metavar`` is kept as it is. ``display_type_rich`` is typer's internal (0.29; pyproject pins the tested
range): on a typer without it, :func:`install` changes nothing and typer's own labels show. So is
``_usage_display_name``, which names an argument on the usage line (``FILE`` rather than ``{file}``), and
``rich_utils._make_command_help``, the one-line summary of each command in a group's list: with rich markup
(typer's default) it keeps the docstring's line breaks, so a summary broke off mid-sentence ("JSON lines
on" / "stdout."), where a command's own ``--help`` joins them. And ``rich_utils._fix_linebreaks``, which
keeps them in a command's later paragraphs too: ``metrics``, ``ingest``, ``check`` and ``import dvcqg`` broke
each line of their docstring where it ends in the source and again at the terminal's width.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from typer import core, rich_utils

_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "file": "FILE",
          "directory": "DIRECTORY", "datetime": "DATETIME", "bool": "BOOLEAN"}  # fmt: skip
_LABEL = re.compile(r"<(?:list\[(?P<item>[^\]]+)\]|(?P<one>[^>]+))>(?P<more>\.\.\.)?")


def plain_type(label: str | None) -> str | None:
    """``<str>`` → ``TEXT``, ``<list[str]>`` → ``TEXT …``, ``<a|b>`` → ``[a|b]``; other text unchanged."""
    if label is None:
        return None
    match = _LABEL.fullmatch(label)
    if match is None:
        return label
    inner = match["item"] or match["one"]
    word = f"[{inner}]" if "|" in inner else _NAMES.get(inner, inner.upper())
    return f"{word} …" if match["item"] or match["more"] else word


def _plain(original: Callable[[Any, Any], str | None]) -> Callable[[Any, Any], str | None]:
    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None  # a flag takes no value
        shown = original(self, ctx)
        return shown if getattr(self, "metavar", None) is not None else plain_type(shown)

    display_type_rich.__doc__ = original.__doc__
    return display_type_rich


def _usage_name(self: Any) -> str:
    """An argument on the usage line as command-line users read it: ``FILE``, ``[PATH]``, ``PATHS...``
    (typer 0.29 writes a required one ``{file}``: review of 2026-12-04); an explicit metavar as it is."""
    metavar = getattr(self, "metavar", None)
    name = metavar if metavar is not None else str(self.name).upper()
    if not self.required:
        name = f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def _joined(original: Callable[..., Any]) -> Callable[..., Any]:
    def _make_command_help(*, help_text: str, markup_mode: Any) -> Any:
        first = inspect.cleandoc(help_text).split("\n\n")[0]
        if not first.startswith("\b"):  # click's mark for a paragraph kept as written
            help_text = " ".join(first.split("\n"))
        return original(help_text=help_text, markup_mode=markup_mode)

    _make_command_help._joined = True  # type: ignore[attr-defined]
    return _make_command_help


def _paragraphs(paragraphs: list[str], markup_mode: Any) -> str:
    """A command's paragraphs after its first, each joined into one line for the terminal to wrap (one
    marked ``\b`` as written), blank lines between them as typer writes them."""
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split("\n")) for p in paragraphs)


def install() -> None:
    """Replace typer's type labels, its arguments' names on the usage line in ``--help``, its commands'
    summaries in a group's list and its joining of their later paragraphs (idempotent; on a typer without
    these internals, its own show)."""
    summary = getattr(rich_utils, "_make_command_help", None)
    if callable(summary) and not getattr(summary, "_joined", False):
        rich_utils._make_command_help = _joined(summary)
    if callable(getattr(rich_utils, "_fix_linebreaks", None)):
        rich_utils._fix_linebreaks = _paragraphs
    if callable(getattr(core.TyperArgument, "_usage_display_name", None)):
        core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
    for cls in (core.TyperOption, core.TyperArgument):
        current = getattr(cls, "display_type_rich", None)
        if current is None or not callable(current):
            continue  # another typer: its display is left alone
        if not getattr(current, "_plain", False):
            replaced = _plain(current)
            replaced._plain = True  # type: ignore[attr-defined]
            setattr(cls, "display_type_rich", replaced)  # noqa: B010 - a method replaced on the class


def version() -> str:
    """The installed distribution's version (``dossier-audit --version``)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("dossier-audit")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
