"""The words of a refused setting (``bootstrap.settings``): one line per problem, naming the variable (and the
command-line option of a value given there), never quoting a secret. Apart from the settings' fields so
that the model stays one screenful of declarations."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from bootstrap.settings_file import accepted_values

__all__ = ["SECRET_FIELDS", "explain", "variable_of"]

#: Fields whose values are never quoted in a message: secrets, the warehouse URL (it holds a password) and
#: the failed runs' webhook (its path is its token).
SECRET_FIELDS = frozenset(
    {
        "pseudonym_key",
        "sasl_password",
        "warehouse",
        "console_session_secret",
        "detector_history",
        "console_cases_warehouse",
        "notify_webhook",
    }
)
#: Fields never quoted either: a password typed into them by mistake (``user:pw@host:9092``) stays unseen.
_UNQUOTED_FIELDS = SECRET_FIELDS | {"bootstrap_servers", "sasl_username"}
#: The command-line option of an overridable field, where it is not the field's name with dashes.
_OPTIONS = {"partitions": "--topic-partitions", "allowed_lateness_seconds": "--allowed-lateness",
            "reports_dir": "--reports", "group_join_timeout_seconds": "--join-timeout",
            "sink_group_id": "--group-id", "sink_from_group": "--from-group",
            "detector_history": "--history-warehouse",
            "idle_partition_timeout_seconds": "--idle-partition-timeout"}  # fmt: skip


def variable_of(field: str) -> str:
    """The environment variable of a settings field."""
    return f"DOSSIER_AUDIT_{field.upper()}"


def explain(exc: ValidationError, overrides: Mapping[str, object], fields: Mapping[str, FieldInfo]) -> str:
    """One line for every problem pydantic found in the settings (``fields``: their model's), naming
    variables (and the option, for a value given on the command line), quoting no secret."""
    parts: list[str] = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        info = fields.get(field)
        if info is None:  # a check across fields: its message names the variables
            parts.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        value = error.get("input")
        shown = "" if field in _UNQUOTED_FIELDS or not isinstance(value, str) else f"={value[:60]!r}"
        accepted = accepted_values(info)
        reason = f"must be {accepted}" if accepted else str(error["msg"]).removeprefix("Value error, ")
        name = variable_of(field)
        if field in overrides:
            name = _OPTIONS.get(field, "--" + field.replace("_", "-")) + f" (or {name})"
        parts.append(f"{name}{shown}: {reason}")
    return "bad setting: " + "; ".join(parts)
