"""Which pseudonymisation key a warehouse's applicants are pseudonymised under, by its fingerprint (an HMAC
of a fixed text under the key, ``schemas.pseudonym.Pseudonymiser.fingerprint``; never the key).

A warehouse restored from a backup beside a ``.env`` without its key, or loaded by a command run with
another key, mixed two keys without a word: a known applicant got a second pseudonym (their dossiers no
longer linked), a file loaded again was all ``event_id.conflict`` rejections, and a load killed mid-way could
never be finished by loading its file again, since the digest of the file is keyed too (review of the
upgrade seat). The first command that writes with a configured key records its fingerprint (``warehouse
init``, ``warehouse load`` and what goes through it); a later one under another key is refused before it
stores anything, unless it is told the key changed on purpose (``warehouse init --new-pseudonym-key``): the
newest fingerprint recorded is the warehouse's key from then on. A key made up for one process (none
configured: ``stable`` false, which the commands warn of) is neither compared nor recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

from warehouse.base import Warehouse, WarehouseError
from warehouse.queries import load_sql

__all__ = ["KeyCheck", "KeyMismatch", "check_key", "newest_fingerprint"]

#: What :func:`check_key` did: nothing to check (no key configured), the warehouse's key, recorded for a
#: warehouse without events, adopted by one holding events unchecked, or changed on purpose.
KeyCheck = Literal["unconfigured", "same", "recorded", "adopted", "changed"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: Where an operator reads how to restore the key, or change it on purpose.
_GUIDE = "docs/operators-guide.md, 'Backing up and restoring'"


class KeyMismatch(WarehouseError):
    """The configured key is not the one the warehouse's applicants are pseudonymised under (one line for
    the user, exit 2, before anything is stored)."""


def newest_fingerprint(wh: Warehouse) -> str | None:
    """The fingerprint of the key the warehouse's applicants are pseudonymised under (the newest recorded),
    ``None`` before any was recorded."""
    rows = wh.query(load_sql("pseudonym_key_newest"))
    return str(rows[0][0]) if rows else None


def check_key(
    wh: Warehouse,
    fingerprint: str | None,
    *,
    new_key: bool = False,
    on_adopted: Callable[[str], None] | None = None,
) -> KeyCheck:
    """Raise :class:`KeyMismatch` when ``fingerprint`` (the configured key's; ``None`` for a key made up for
    this process: nothing done) is not the warehouse's newest one, unless ``new_key``; record it when the
    warehouse has none, or with ``new_key``. Returns what it did (:data:`KeyCheck`).

    A warehouse that holds events and no fingerprint (written before fingerprints were recorded, or only
    by commands without a key) takes the first configured key, which nothing can check against its
    pseudonyms: ``"adopted"``, which the commands say, with what to do if it is the wrong one (diff review:
    a backup from before restored beside another ``.env`` took that key without a word). ``on_adopted`` is
    told so at once, with :func:`_adopted_warning`'s text: a command that fails after the check would never
    say it, and the next one finds the key the warehouse's (review of the fixes).

    Two writers recording different keys at once on a warehouse without one: the one whose row is not the
    newest is refused once it has written its own (a narrower race, not none)."""
    if fingerprint is None:
        if new_key:
            raise KeyMismatch(
                "--new-pseudonym-key: no DOSSIER_AUDIT_PSEUDONYM_KEY is configured (this process made one "
                "up, which no other can repeat): set the new key first"
            )
        return "unconfigured"
    newest = newest_fingerprint(wh)
    if newest == fingerprint:
        return "same"
    if newest is not None and not new_key:
        raise KeyMismatch(
            f"the warehouse's applicants are pseudonymised under another key (fingerprint {newest}) than the "
            f"configured DOSSIER_AUDIT_PSEUDONYM_KEY (fingerprint {fingerprint}): configure the warehouse's "
            "key (restored from the deployment's backup; `dossier-audit run` keeps its key in "
            "<workdir>/pseudonym.key), or, to change the key on purpose, run `dossier-audit warehouse init "
            f"--new-pseudonym-key` once ({_GUIDE}); refused before writing any data"
        )
    held = newest is None and bool(wh.query(load_sql("events_any")))
    now = datetime.now(UTC)
    recorded_us = (now - _EPOCH) // _MICROSECOND
    wh.insert(
        "pseudonym_keys", ["fingerprint", "recorded_at", "recorded_us"],
        [[fingerprint], [now.replace(microsecond=0)], [recorded_us]],
    )  # fmt: skip
    if newest is None and newest_fingerprint(wh) != fingerprint:  # another writer recorded its own meanwhile
        return check_key(wh, fingerprint, new_key=False)  # refused (its key is the newest), or the same
    if held and on_adopted is not None:
        on_adopted(_adopted_warning(fingerprint))
    return "changed" if newest is not None else "adopted" if held else "recorded"


def _adopted_warning(fingerprint: str | None) -> str:
    """What a command says when it adopted the configured key (:func:`check_key`'s ``"adopted"``)."""
    return (
        f"recorded the configured DOSSIER_AUDIT_PSEUDONYM_KEY (fingerprint {fingerprint}) as the "
        "warehouse's: it held events from before keys were recorded, which cannot be checked against it. If "
        "they were pseudonymised under another key (a backup restored beside another .env), restore that key "
        "and run "
        f"`dossier-audit warehouse init --new-pseudonym-key` with it ({_GUIDE})"
    )
