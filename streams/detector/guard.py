"""Poison records in the detector: a message whose processing raises becomes a dead letter, and the batch
around it is processed as if it had not been there.

Why: the detector acknowledges a batch only once it is processed, so an exception on one message used to
stop the worker, and after the restart the same message came again, stopped it again, and its partition
never moved (a crash loop that also held every other dossier of the partition back). Unreadable messages
were already dead letters (:func:`streams.detector.inlet.decode`) and a dossier the rulebook cannot judge
gets ``AUDIT_ERROR``; this covers what is left: anything else a message makes raise, now or after a
future change.

A message can make the detector raise at two moments, handled differently:
  - while its event is taken into its dossier
    (:meth:`~streams.detector.partition_state.PartitionState.take`): the message is to blame. The items are
    taken one at a time, so an item that raises is found without a second pass; it leaves nothing behind
    and becomes a dead letter, and the batch is then settled (watermark, timers, evaluations) exactly as the
    batch without it would be (its dossier, if held, is only flagged ``PINNED``: the warehouse stores the
    event, so it is never evicted and read back);
  - while a dossier is evaluated: the dossier is to blame, not a message, and the core handles it as the
    batch audit does (``AUDIT_ERROR`` for that dossier, rulebook v2 amendment 12, every other dossier judged
    as if nothing had happened; see :mod:`streams.detector.partition_state`). Nothing is dead-lettered
    then: the events are valid, and they are kept, persisted and judged again with the dossier's next event.

Either way, what the core did to its state is in the outcome returned, so it is published and persisted
before the batch is acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from schemas.events import AnyEvent
from streams.detector.core import DetectorCore, Outcome
from streams.detector.dossier import PINNED
from streams.detector.inlet import Scrub, decode
from streams.messages import DeadLetter, describe_error

__all__ = ["UNPROCESSABLE", "UNREADABLE_STATE", "apply_isolating", "decode_guarded", "unprocessable"]

log = logging.getLogger(__name__)

#: Reason code of a message whose processing made the detector raise.
UNPROCESSABLE = "detector.unprocessable"
#: Label (in the ``poison_records`` metric) of a stored dossier state that could not be read back.
UNREADABLE_STATE = "detector.state_unreadable"

Item = tuple[AnyEvent, bytes]


def unprocessable(message: Any, now: datetime, scrub: Scrub, error: Exception) -> DeadLetter:
    """The dead letter of a message whose processing raised ``error``, logged on one line."""
    if isinstance(error, MemoryError):  # the process's trouble, not the message's
        raise error
    source = f"kafka:{message.topic}/{message.partition}"
    reason = f"the detector cannot process this record: {describe_error(error)}"
    log.warning(
        "poison record dead-lettered",
        extra={"reason_code": UNPROCESSABLE, "source": source, "offset": message.offset, "reason": reason},
    )
    raw = message.value if message.value is not None else b""
    try:
        scrubbed = scrub(raw)
    except Exception:  # the scrubbing is what failed: keep nothing of the message rather than all of it
        scrubbed = b""
    return DeadLetter(source, message.offset, UNPROCESSABLE, reason, scrubbed, now)


def decode_guarded(message: Any, now: datetime, scrub: Scrub) -> Item | DeadLetter:
    """:func:`~streams.detector.inlet.decode`, with any exception it raises made a dead letter."""
    try:
        return decode(message, now, scrub)
    except Exception as exc:
        return unprocessable(message, now, scrub, exc)


def apply_isolating(
    core: DetectorCore, partition: int, items: Sequence[Item], floor_us: int | None
) -> tuple[Outcome, list[tuple[int, Exception]]]:
    """``core.apply(partition, items, floor_us)``, the items whose taking in raises left out (see the module
    doc): the outcome is that of the batch without them. Returns it and those items, as (index, error)."""
    state = core.partition(partition)
    outcome = Outcome()
    touched: dict[str, int] = {}
    failed: list[tuple[int, Exception]] = []
    take = state.take
    for index, item in enumerate(items):
        try:
            take((item,), outcome, touched)
        except MemoryError:
            raise
        except Exception as exc:
            failed.append((index, exc))
            held = state.dossiers.get(item[0].dossier_id)
            if held is not None:  # the warehouse stores the event, the state lacks it: never read back
                held.flags |= PINNED
                outcome.dirty.add(held.dossier_id)
    state.settle(touched, floor_us, outcome)
    for dossier_id, reason in outcome.unjudged:
        log.warning(
            "dossier not judged, not even as AUDIT_ERROR", extra={"dossier_id": dossier_id, "reason": reason}
        )
    return outcome, failed
