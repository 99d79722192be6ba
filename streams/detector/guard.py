"""Poison records in the detector: a message whose processing raises becomes a dead letter, and the batch
around it is processed as if it had not been there.

Why: the detector acknowledges a batch only once it is processed, so an exception on one message used to
stop the worker, and after the restart the same message came again, stopped it again, and its partition
never moved (a crash loop that also held every other dossier of the partition back). Unreadable messages
were already dead letters (:func:`streams.detector.inlet.decode`) and a dossier the rulebook cannot judge
gets ``AUDIT_ERROR``; this covers what is left: anything else a message makes raise, now or after a
future change.

The core's :meth:`~streams.detector.core.DetectorCore.apply` takes a partition's messages of a batch at
once. When it raises, it is run again one message at a time, so that the one that raises is found and
dead-lettered and every other is applied; the core ignores an event it already holds, so the messages the
failed call had taken in before it raised are not counted twice, and every dossier of the batch is then
evaluated again, since the failed call may have taken a dossier's new events in without evaluating them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from schemas.events import AnyEvent
from streams.detector.core import DetectorCore, Outcome
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
    """``core.apply(partition, items, floor_us)``; when it raises, the items one at a time (see the module
    doc). Returns the outcome and the items that raised, as (index, error)."""
    try:
        return core.apply(partition, items, floor_us), []
    except MemoryError:
        raise
    except Exception:  # which item is to blame is found below
        pass
    outcome = Outcome()
    failed: list[tuple[int, Exception]] = []
    for index, item in enumerate(items):
        try:
            step = core.apply(partition, [item], floor_us)
        except MemoryError:
            raise
        except Exception as exc:
            failed.append((index, exc))
            continue
        outcome.extend(step)
        outcome.as_of_us = step.as_of_us if step.as_of_us is not None else outcome.as_of_us
    state = core.partition(partition)
    for dossier_id in sorted({event.dossier_id for event, _ in items}):
        try:
            again = state.reevaluate(dossier_id)
        except MemoryError:
            raise
        except Exception as exc:  # its verdict stays as last published; its next event evaluates it again
            log.warning(
                "dossier not evaluated again after a poison record",
                extra={"dossier_id": dossier_id, "reason": describe_error(exc)},
            )
            continue
        outcome.extend(again)
        outcome.as_of_us = again.as_of_us if again.as_of_us is not None else outcome.as_of_us
    return outcome, failed
