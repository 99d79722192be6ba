"""Records in: the hand-over of the events topic's messages from the fetch loop to the agent, and their
decoding into events or dead letters.

The hand-over is a buffer rather than Faust's per-message stream because that path costs more than the
rulebook (see :mod:`streams.detector`); it is bounded (four batches) so a slow agent holds the fetch loop
back instead of filling the memory. Decoding never raises: a message that is not a valid contract event,
or whose key is not its dossier, becomes a dead letter (its raw bytes scrubbed of applicant data) and the
stream goes on.

A valid event's raw bytes go to the state changelog, so an applicant a foreign producer left in clear is
scrubbed from them. Scrubbing re-parses the message (~17 µs), and a tenth of the platform's own events carry
an applicant, already pseudonymised: for those the scrub is skipped when it provably returns the bytes as
they are (:func:`may_hold_clear_applicant`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from schemas.events import AnyEvent, has_unknown_members
from schemas.pseudonym_form import PSEUDONYM as _PSEUDONYM
from schemas.validation import Rejection, parse_event
from streams.messages import KEY_MISMATCH, DeadLetter, key_mismatch

__all__ = ["Inlet", "Scrub", "conflict_letter", "decode", "may_hold_clear_applicant"]

#: Removes applicant data from a raw message (``Pseudonymiser.scrub_raw``).
Scrub = Callable[[bytes], bytes]


def may_hold_clear_applicant(event: AnyEvent) -> bool:
    """Whether the raw bytes of a valid ``event`` may hold an applicant in clear, i.e. whether
    ``Pseudonymiser.scrub_raw`` may change them; False only when it provably returns them unchanged.

    Without unknown members, the only member of a valid event's JSON that names the applicant is
    ``data.applicant`` (the validator refused repeated keys, and no other declared name is an applicant
    name), and its value is the parsed one: a pseudonym or ``null`` is left as it is, so nothing changes.
    Any unknown member (where an applicant may hide at any depth, in any case) keeps the scrub."""
    if has_unknown_members(event):
        return True
    applicant = event.data.__dict__.get("applicant")
    return applicant is not None and (
        not isinstance(applicant, str) or _PSEUDONYM.fullmatch(applicant) is None
    )


class Inlet:
    """Messages of the events topic handed over by the fetch loop, taken by the agent in batches."""

    def __init__(self, batch_max: int) -> None:
        self.batch_max = batch_max
        self.limit = 4 * batch_max
        self.items: list[Any] = []
        self._nonempty = asyncio.Event()
        self._full = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()

    def put(self, message: Any) -> None:
        items = self.items
        items.append(message)
        n = len(items)
        if n == 1:
            self._nonempty.set()
        if n >= self.batch_max:
            self._full.set()
            if n >= self.limit:
                self._room.clear()

    @property
    def has_room(self) -> bool:
        return len(self.items) < self.limit

    async def wait_for_room(self) -> None:
        await self._room.wait()

    async def take(self, wait: float) -> list[Any]:
        """The next batch: as soon as one is full, else what arrived within ``wait`` of the first."""
        while not self.items:
            self._nonempty.clear()
            await self._nonempty.wait()
        if len(self.items) < self.batch_max and wait > 0:
            self._full.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), wait)
        batch = self.items[: self.batch_max]
        del self.items[: self.batch_max]
        if len(self.items) < self.limit:
            self._room.set()
        return batch

    def clear(self) -> None:
        self.items.clear()
        self._room.set()


def decode(message: Any, now: datetime, scrub: Scrub) -> tuple[AnyEvent, bytes] | DeadLetter:
    """The event a message carries, with its raw bytes; or the dead letter saying why it carries none."""
    raw = message.value
    if raw is None:
        return DeadLetter(
            _source(message), message.offset, "json.invalid", "empty message (no value)", b"", now
        )
    parsed = parse_event(raw)
    if isinstance(parsed, Rejection):
        return DeadLetter(_source(message), message.offset, parsed.code, parsed.message, scrub(raw), now)
    mismatch = key_mismatch(message.key, parsed.dossier_id)
    if mismatch is not None:  # the dossier's events may be spread over partitions: its verdict would be wrong
        return DeadLetter(_source(message), message.offset, KEY_MISMATCH, mismatch, scrub(raw), now)
    # A foreign producer may have left an applicant in clear: the raw bytes go to the changelog, so scrub;
    # and the event is judged as scrubbed, as the sink stores it: a document repeating the applicant was
    # quoted in clear by EXCESS_DOCUMENTS' evidence (the diff review of 2026-12-06).
    if not may_hold_clear_applicant(parsed):
        return parsed, raw
    scrubbed = scrub(raw)
    again = parse_event(scrubbed)
    return (parsed if isinstance(again, Rejection) else again), scrubbed


def _source(message: Any) -> str:
    """Where a dead letter's message came from (built only for dead letters: most messages are valid)."""
    return f"kafka:{message.topic}/{message.partition}"


def conflict_letter(event: AnyEvent, message: Any, now: datetime, scrub: Scrub) -> DeadLetter:
    """The dead letter of an event whose ``event_id`` the core already holds with other content."""
    return DeadLetter(
        _source(message), message.offset, "event_id.conflict",
        f"event_id {event.event_id!r} was already seen with different content; the first version is kept",
        scrub(message.value), now,
    )  # fmt: skip
