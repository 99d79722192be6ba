"""The values ``deploy/env.example`` leaves at ``CHANGE_ME`` for the operator to set, refused where a setting
reads them (``bootstrap.settings``): each check raises ``ValueError`` with the words pydantic puts after the
variable's name, never quoting the value (a key, a password, a URL holding one).

A value left so was taken as it is: a key of nine bytes (refused for its length, which sent the operator
looking for a length problem), a ClickHouse password the server accepts as written (its users file reads
the variable), a trusted proxy of that name (none connects from it): each service that reads one stops
instead, in one line naming it (review).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from schemas.pseudonym import MIN_KEY_BYTES

PLACEHOLDER = "CHANGE_ME"
_WHERE = f"is still {PLACEHOLDER} (deploy/env.example)"


def key(value: SecretStr | None) -> SecretStr | None:
    """A key (pseudonymisation, console sessions): set, and long enough."""
    if value is not None and value.get_secret_value().strip() == PLACEHOLDER:
        raise ValueError(f"{_WHERE}: set a random key, e.g. 32 hex digits")
    if value is not None and len(value.get_secret_value().encode()) < MIN_KEY_BYTES:
        raise ValueError(f"must be at least {MIN_KEY_BYTES} bytes (a random key, e.g. 32 hex digits)")
    return value


def url(value: str | None) -> str | None:
    """A warehouse URL whose password is not the placeholder (percent-encoded or not)."""
    if value is not None and _url_password(value) == PLACEHOLDER:
        raise ValueError(
            f"holds the password {PLACEHOLDER} (deploy/env.example): set the ClickHouse passwords in .env to "
            "random ones, before the warehouse's first start"
        )
    return value


def password(value: SecretStr | None) -> SecretStr | None:
    if value is not None and value.get_secret_value().strip() == PLACEHOLDER:
        raise ValueError(f"{_WHERE}: set the broker's password")
    return value


def proxies(value: str) -> str:
    """The console's trusted proxies (comma-separated): none of them the placeholder."""
    if any(part.strip() == PLACEHOLDER for part in value.split(",")):
        raise ValueError(f"{_WHERE}: give the address the TLS proxy connects from (docs/console.md)")
    return value


def blank_is_unset(value: object) -> object:
    """An empty value taken as unset: docker compose passes ``${VAR:-}`` from .env as an empty variable."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def webhook(value: SecretStr | None) -> SecretStr | None:
    """The failed runs' webhook: an http(s) URL, not the placeholder (never quoted: it holds a token)."""
    if value is not None:
        http_url(value.get_secret_value(), quote=False)
    return value


def http_url(value: str | None, *, quote: bool = True) -> str | None:
    """An absolute http(s) URL with a host, not the placeholder; ``quote``: the message may show it."""
    if value is None:
        return value
    if PLACEHOLDER in value:
        raise ValueError(f"{_WHERE}: give the address, or unset it")
    if any(char.isspace() or not char.isprintable() for char in value):
        raise ValueError("holds a space or a control character: a bad paste? Give the address alone")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        shown = f" ({value!r})" if quote else ""
        raise ValueError(f"is not an http:// or https:// address with a host{shown}")
    return value


def _url_password(text: str) -> str | None:
    """The password of a URL (percent-decoded), ``None`` without one or for a URL ``urlsplit`` cannot read
    (the warehouse says what is wrong with it when it is opened)."""
    try:
        found = urlsplit(text).password
    except ValueError:
        return None
    return unquote(found) if found is not None else None
