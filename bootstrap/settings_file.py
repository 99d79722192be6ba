"""What pydantic-settings passes over with at most a warning, refused instead: a line of the settings file
that is not ``NAME=value``, and a ``DOSSIER_AUDIT_`` name that is no setting; the settings file read as
written (:class:`LiteralDotEnv`); what a field accepts, in words; and the one error type of the settings
(``bootstrap.settings`` reads them, and says what it cannot use with it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, get_args

from pydantic.fields import FieldInfo
from pydantic_settings import DotEnvSettingsSource

from bootstrap.suggestions import did_you_mean

_ALTERNATION = re.compile(r"^\^\(([\w|-]+)\)\$$")


class SettingsError(ValueError):
    """A setting the platform cannot use, said in one line that names its variable and what it accepts.

    Raised instead of pydantic's ``ValidationError``, whose text spans lines and echoes ``input_value``:
    the value of a secret (a key, a password, a warehouse URL with its password) must never be printed.
    """


def check_names(environ: Mapping[str, str], env_file: Path | None, known: frozenset[str]) -> None:
    """Refuse, in one line, what pydantic-settings would pass over with at most a warning: a line of the
    settings file that is not ``NAME=value`` (python-dotenv skips it: a pseudonym key written
    ``DOSSIER_AUDIT_PSEUDONYM_KEY 0123…`` was dropped, and applicants got a one-off key's pseudonyms; one of
    ours written without ``=`` at all is read as no value), and
    a ``DOSSIER_AUDIT_`` name that is no setting (a misspelt one is ignored: ``…_RULEBOK_VERSION=1`` left
    rulebook 2 in force), in the file or the environment. Other names are left alone: a settings file may
    be a deployment's shared ``.env``. ``known``: the variables of the settings.

    Also refused: a setting empty in the environment that the file gives a value. The environment wins and
    empty reads as unset, so the file's value was dropped without a word: docker compose passes
    ``DOSSIER_AUDIT_NOTIFY_WEBHOOK`` to its daemon, empty when .env has none, and a webhook written in
    settings.env told nobody of a failed run (review)."""
    import io

    from dotenv.parser import parse_stream

    names = [(name, "in the environment") for name in environ]
    given: set[str] = set()  # ours the file gives a value that is not blank
    if env_file is not None:
        try:
            text = env_file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise SettingsError(f"cannot read settings file {env_file}: it is not UTF-8 text") from None
        except OSError as exc:
            raise SettingsError(f"cannot read settings file {env_file}: {exc.strerror or exc}") from None
        lines: dict[str, int] = {}
        for binding in parse_stream(io.StringIO(text)):
            # A bare name is a binding without a value to python-dotenv (``DOSSIER_AUDIT_PSEUDONYM_KEY``
            # alone left the key unset, silently: review of 2026-12-04); only ours are refused, a shared
            # ``.env`` may mean something by the others.
            bare = binding.value is None and (binding.key or "").upper().startswith("DOSSIER_AUDIT_")
            skipped = len(binding.original.string) - len(binding.original.string.lstrip("\r\n"))
            line = binding.original.string[:skipped].count("\n") + binding.original.line
            if binding.error or bare:
                raise SettingsError(
                    f"cannot read settings file {env_file}: line {line} is not NAME=value (nor a # comment)"
                    f"{_quote_hint(binding.original.string) if binding.error else ''}"
                )
            if binding.key is not None:
                names.append((binding.key, f"in settings file {env_file}"))
                key = binding.key.upper()
                if key.startswith("DOSSIER_AUDIT_"):
                    # The last one won, silently: an operator who added a line below the one they meant to
                    # change saw no effect, or the wrong one (review).
                    if key in lines:
                        raise SettingsError(
                            f"{binding.key} is set twice in settings file {env_file} (lines {lines[key]} and "
                            f"{line}): keep one"
                        )
                    lines[key] = line
                    if (binding.value or "").strip():
                        given.add(key)
    for name, where in names:
        upper = name.upper()
        if upper.startswith("DOSSIER_AUDIT_") and upper not in known:
            hint = did_you_mean(upper, known, n=1, cutoff=0.8)
            raise SettingsError(f"unknown setting {name} {where}{hint}")
    for name, value in environ.items():
        if name.upper() in given and not value.strip():
            raise SettingsError(
                f"{name} is empty in the environment, which wins over its value in settings file {env_file}: "
                "set it in the environment (with docker compose: in .env), or unset it there"
            )


class LiteralDotEnv(DotEnvSettingsSource):
    """The settings file read as it is written: python-dotenv expands ``${NAME}`` in a value by default, so
    a key or password holding ``${`` changed silently (``…_PSEUDONYM_KEY=ab${HOME}cd`` became another key:
    review of 2026-12-04). Names as pydantic-settings takes them with the settings' configuration (not case
    sensitive, empty values kept).

    ``_read_env_file`` is pydantic-settings' own hook, not public API: the alternative, a source of our own,
    would redo how it decodes each field's value. A release that renamed it would bring the expansion back
    silently, so ``tests/bootstrap/test_settings.py::test_the_settings_file_is_read_as_written`` holds it,
    and the dependency stays below the next major version."""

    def _read_env_file(self, file_path: Path) -> Mapping[str, str | None]:
        from dotenv import dotenv_values

        values = dotenv_values(file_path, encoding=self.env_file_encoding or "utf-8", interpolate=False)
        return {name.lower(): value for name, value in values.items()}


def _quote_hint(text: str) -> str:
    """Why a ``NAME=value`` line with a quoted value did not read: a quote not closed, or text after the
    closing one (``"v"i"``). The value is never quoted: it may be a key or a password."""
    # python-dotenv runs a double-quoted value on over line breaks: the entry it could not read may hold the
    # lines after; the quote that broke it is on its first.
    first = next((line for line in text.splitlines() if line.strip()), "")
    name, equals, value = first.strip().partition("=")
    value = value.strip()
    if not equals or not name.strip() or value[:1] not in ("'", '"'):
        return ""
    quote = value[0]
    unescaped = re.sub(r"\\.", "", value[1:]) if quote == '"' else value[1:]
    if quote not in unescaped:
        return f": its value opens a quote ({quote}) that the line does not close"
    rest = unescaped[unescaped.index(quote) + 1 :].strip()
    if rest and not rest.startswith("#"):
        return f": its value goes on after its closing quote ({quote}); quote all of it, or none"
    return ""


def not_a_file(path: Path) -> str:
    """Why ``path`` cannot be read as a settings file, in a few words: what it is instead."""
    if path.is_dir():
        return "it is a directory"
    if path.exists():
        return "it is not a regular file"
    return "no such file"


def pattern_choices(pattern: str | None) -> tuple[str, ...]:
    """The values a ``^(a|b|c)$`` pattern allows (none for any other pattern): the settings' error lines
    and the README's configuration table both say them."""
    match = _ALTERNATION.match(pattern or "")
    return tuple(match.group(1).split("|")) if match else ()


def accepted_values(info: FieldInfo) -> str | None:
    """What a field accepts, in words (``one of 1, 2``, ``an integer ≥ 1``, ``true or false``), if simple."""
    annotation = info.annotation
    choices = get_args(annotation) if getattr(annotation, "__origin__", None) is Literal else ()
    for item in info.metadata:
        choices = pattern_choices(getattr(item, "pattern", None)) or choices
    if choices:
        return "one of " + ", ".join(str(c) for c in choices)
    if annotation is bool:
        return "true or false"
    kinds: dict[object, str] = {int: "an integer", float: "a number", int | None: "an integer"}
    kind = kinds.get(annotation)
    if kind is None:
        return None
    bounds = [
        f"{symbol} {getattr(item, attr)}"
        for item in info.metadata
        for attr, symbol in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"))
        if getattr(item, attr, None) is not None
    ]
    return " ".join([kind, " and ".join(bounds)]) if bounds else kind
