"""Keyed pseudonymisation of ``data.applicant`` (personal data that must never be stored in clear).

HMAC-SHA256 keeps pseudonyms stable for one key (the same applicant links across dossiers) while the
clear value cannot be recovered or brute-forced from a list of citizen ids without the key.
"""

from __future__ import annotations

import hmac
import re
from hashlib import sha256
from typing import Any

import orjson

from schemas.events import AnyEvent

PREFIX = "hmac-sha256:"
MIN_KEY_BYTES = 16

_PSEUDONYM = re.compile(r"hmac-sha256:[0-9a-f]{64}")
# ``"applicant": <string or number>`` anywhere in a line, including a string cut off by truncation.
_RAW_APPLICANT = re.compile(
    rb'("applicant"\s*:\s*)("(?:[^"\\]|\\.)*(?:"|\\?\Z)|-?[0-9][0-9.eE+-]*)',
    re.DOTALL,
)


class Pseudonymiser:
    """Replaces applicant values with ``hmac-sha256:<hex>`` under a secret key."""

    __slots__ = ("_mac",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray):
            raise TypeError(f"pseudonymisation key must be bytes, not {type(key).__name__}")
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(
                f"pseudonymisation key is {len(key)} bytes; need at least {MIN_KEY_BYTES} random bytes"
            )
        self._mac = hmac.new(bytes(key), digestmod=sha256)

    def pseudonymise(self, value: str) -> str:
        """The pseudonym of ``value``; a value that already is a pseudonym is returned unchanged."""
        if _PSEUDONYM.fullmatch(value):
            return value
        mac = self._mac.copy()  # cheaper than re-keying for every value
        mac.update(value.encode("utf-8", "surrogatepass"))
        return PREFIX + mac.hexdigest()

    def _any(self, value: Any) -> str:
        # Not a string only in unknown extra fields; hash its canonical JSON rather than keep it.
        if isinstance(value, str):
            return self.pseudonymise(value)
        return self.pseudonymise(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())

    def apply(self, event: AnyEvent) -> AnyEvent:
        """``event`` with ``data.applicant`` pseudonymised (also when it is an unknown extra field)."""
        data = event.data
        applicant = getattr(data, "applicant", None)
        if applicant is None:
            return event
        pseudonym = self._any(applicant)
        if pseudonym == applicant:
            return event
        return event.model_copy(update={"data": data.model_copy(update={"applicant": pseudonym})})

    def scrub_raw(self, raw: bytes) -> bytes:
        """A rejected line with every applicant value pseudonymised: what dead-letter stores keep.

        A JSON object's ``data.applicant`` is replaced structurally (any JSON type); then every remaining
        ``"applicant": "..."`` or numeric value is replaced textually, which also covers broken lines.
        Lines without an applicant are returned byte for byte.
        """
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            data = obj.get("data")
            if isinstance(data, dict) and data.get("applicant") is not None:
                pseudonym = self._any(data["applicant"])
                if pseudonym != data["applicant"]:
                    data["applicant"] = pseudonym
                    raw = orjson.dumps(obj)
        return _RAW_APPLICANT.sub(self._replace_match, raw)

    def _replace_match(self, match: re.Match[bytes]) -> bytes:
        prefix, token = match.group(1), match.group(2)
        text: str
        try:
            decoded = orjson.loads(token)
            text = decoded if isinstance(decoded, str) else token.decode()
        except orjson.JSONDecodeError:  # cut-off string: hash what is there
            text = token.lstrip(b'"').decode("utf-8", "replace")
        return prefix + b'"' + self.pseudonymise(text).encode() + b'"'
