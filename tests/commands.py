"""Resolve command lines against the real command-line interfaces, without running anything.

Used by the compose and the documentation tests: a command resolves when its words name a command of the
command tree (typer's ``dossier-audit`` app, or an installed click console script such as
``dagster-daemon``) and the command accepts its arguments and options (``make_context``: parsing and type
conversion only; the command's function is never called).

typer ≥ 0.29 carries its own copy of click (``typer._click``), so nothing here relies on ``isinstance``
checks against ``click`` classes: groups are what has ``get_command``, options what says it is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any

import click
import typer.exceptions
import typer.main


def _typer_usage_errors() -> tuple[type[Exception], ...]:
    """typer's own click exception base, when typer carries its own click."""
    try:
        from typer._click.exceptions import ClickException
    except ImportError:  # pragma: no cover - older typer uses click itself
        return ()
    return (ClickException,)


_USAGE_ERRORS: tuple[type[Exception], ...] = (click.ClickException, *_typer_usage_errors())
_EXITS: tuple[type[BaseException], ...] = (click.exceptions.Exit, typer.exceptions.Exit)

#: ``FILE``, ``URL``, ``T``, ``RULE_ID``: a word the reader replaces (synopsis style).
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*$")
#: What a placeholder option value is tried as, in order, until the option's type accepts one.
_EXAMPLES = ("1", "1.0", "2025-11-24", "2025-W45", "true")


class CommandError(Exception):
    """The command line does not resolve; the message says which word or option is wrong."""


@dataclass(frozen=True)
class Resolved:
    """A command line that resolved: the sub-command words and the leaf command."""

    program: str
    path: tuple[str, ...]
    command: Any

    @property
    def name(self) -> str:
        return " ".join((self.program, *self.path))


@cache
def dossier_audit() -> Any:
    """The ``dossier-audit`` command tree, as the console script builds it."""
    from dossier_audit.cli import app

    return typer.main.get_command(app)


def console_script(name: str) -> Any | None:
    """The click command behind an installed console script, or ``None`` if it is not installed.

    Some scripts are plain functions calling a click group (dagster-daemon's ``main``): the module's
    ``cli`` object is used then.
    """
    for ep in entry_points(group="console_scripts"):
        if ep.name != name:
            continue
        obj = ep.load()
        if not hasattr(obj, "make_context"):
            module = __import__(ep.module, fromlist=["cli"])
            obj = getattr(module, "cli", None)
        if obj is None or not hasattr(obj, "make_context"):
            raise CommandError(f"console script {name!r} ({ep.value}) is not a click command")
        return obj
    return None


def is_group(command: Any) -> bool:
    return hasattr(command, "get_command") and hasattr(command, "list_commands")


def options(command: Any) -> dict[str, Any]:
    """Every option spelling of ``command`` → its parameter."""
    out: dict[str, Any] = {}
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            for spelling in (*param.opts, *param.secondary_opts):
                out[spelling] = param
    return out


def _placeholder_values(command: Any, args: list[str]) -> dict[int, Any]:
    """Positions in ``args`` holding a placeholder given as an option's value → that option."""
    spellings = options(command)
    found: dict[int, Any] = {}
    for i, token in enumerate(args):
        param = spellings.get(token)
        if param is None or param.is_flag or param.count or i + 1 >= len(args):
            continue
        if PLACEHOLDER.match(args[i + 1]):
            found[i + 1] = param
    return found


def _parse(command: Any, info_name: str, args: list[str], parent: Any) -> None:
    ctx = command.make_context(info_name, list(args), parent=parent)  # click consumes the list it is given
    ctx.close()


def resolve(
    argv: Sequence[str], *, root: Any = None, program: str = "dossier-audit", placeholders: bool = False
) -> Resolved:
    """Resolve ``argv`` (the words after the program) against ``root`` (default: ``dossier-audit``).

    ``placeholders``: option values written as placeholders (``--seed N``) are replaced by an example
    value the option's type accepts, as a reader would.
    """
    command = root if root is not None else dossier_audit()
    args = list(argv)
    path: list[str] = []
    parent: Any = None
    while is_group(command) and args and not args[0].startswith("-"):
        ctx = command.context_class(command, info_name=" ".join((program, *path)), parent=parent)
        sub = command.get_command(ctx, args[0])
        if sub is None:
            known = ", ".join(sorted(command.list_commands(ctx)))
            raise CommandError(f"`{' '.join((program, *path))}` has no command {args[0]!r} (it has: {known})")
        path.append(args.pop(0))
        parent = ctx
        command = sub
    name = " ".join((program, *path))
    if is_group(command) and "--help" not in args:
        raise CommandError(f"`{name}` is a group: name one of its commands")
    if "--help" in args:
        return Resolved(program, tuple(path), command)  # the words resolved; parsing would print the help
    trials = {i: iter(_EXAMPLES) for i in _placeholder_values(command, args)} if placeholders else {}
    while True:
        try:
            _parse(command, name, args, parent)
            break
        except _EXITS:
            break  # an eager option such as --version: the words resolved
        except _USAGE_ERRORS as exc:
            failed = getattr(getattr(exc, "param", None), "name", None)
            given = _placeholder_values(command, args)
            retry = next((i for i in trials if failed and getattr(given.get(i), "name", "") == failed), None)
            if retry is None:
                message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
                raise CommandError(f"`{name}`: {message}") from None
            value = next(trials[retry], None)
            if value is None:
                raise CommandError(
                    f"`{name}`: no example value fits the placeholder at {args[retry]!r}"
                ) from None
            args[retry] = value
    return Resolved(program, tuple(path), command)
