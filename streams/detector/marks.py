"""Final marks: which partitions have been finalized at an ``as_of``, up to which events-topic offset, and
judged by which inputs. Written by whichever worker finalized them into the ``partitions`` table's
changelog, read by every worker to know when a replay is complete (:mod:`streams.detector.supervision`).

A mark names its inputs (:func:`inputs_digest`: the rulebook versions and parameters, the catalogue's and
the calendar's contents, the code's revision), so that a re-run after any of them changed finalizes again
rather than take the old verdicts for the new ones. It counts only when it :meth:`~FinalMark.covers` the
partition's current end at the same instant with the same inputs.

:class:`FinalMarks` reads the changelog with one consumer kept between polls, and only the records written
since its last read (the changelog is compacted by key: a mark's partition has one key, so an old mark is
replaced, never needed again).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel

from inspections.catalogue import Procedure
from inspections.rulebook import RULES_REVISION
from streams.detector.app_internals import topic_partitions
from streams.kafka import KafkaConfig
from streams.offsets import true_end_offsets

__all__ = ["FINAL_PREFIX", "FinalMark", "FinalMarks", "inputs_digest"]

#: The key prefix of final marks in the ``partitions`` table (whose own keys are partition numbers).
FINAL_PREFIX = b"final:"


@dataclass(frozen=True)
class FinalMark:
    """Partition ``partition`` was finalized at ``as_of_us`` with every event below ``offset`` of the events
    topic, judged by the inputs ``inputs`` names (:func:`inputs_digest`): the violations it published are
    the batch audit's at that instant for those events. A mark whose offset is below the partition's current
    end is stale (events came after it)."""

    partition: int
    as_of_us: int
    offset: int
    inputs: str = ""

    def key(self) -> bytes:
        return FINAL_PREFIX + b"%d" % self.partition

    def encode(self) -> bytes:
        return orjson.dumps(
            {"p": self.partition, "as_of_us": self.as_of_us, "offset": self.offset, "inputs": self.inputs}
        )

    def covers(self, as_of_us: int, end: int, inputs: str) -> bool:
        """Whether the partition is finalized at ``as_of_us`` up to its current ``end``, by ``inputs``."""
        return self.as_of_us == as_of_us and self.offset >= end and self.inputs == inputs

    @staticmethod
    def decode(key: bytes | None, value: bytes | None) -> FinalMark | None:
        """The mark of a record of the ``partitions`` changelog; None for any other record (or an
        unreadable mark: the partition is then finalized again, which is slow but exact). A mark written
        before marks named their inputs names none: it covers nothing."""
        if key is None or not value or not key.startswith(FINAL_PREFIX):
            return None
        try:
            doc = orjson.loads(value)
            mark = FinalMark(
                int(doc["p"]), int(doc["as_of_us"]), int(doc["offset"]), str(doc.get("inputs", ""))
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return None
        return mark if key == mark.key() else None


class FinalMarks:
    """The newest final mark of each partition in a changelog topic, read to its true end with a plain
    consumer (no group) that is kept, each read starting where the last one stopped."""

    def __init__(self, kafka: KafkaConfig) -> None:
        self.kafka = kafka
        self._consumer: AIOKafkaConsumer | None = None
        self._next: dict[TopicPartition, int] = {}  # per changelog partition: where the next read starts
        self._marks: dict[int, FinalMark] = {}
        self._topic: str | None = None

    async def read(self, topic: str) -> dict[int, FinalMark]:
        if topic != self._topic:
            self._topic, self._next, self._marks = topic, {}, {}
        consumer = self._consumer
        if consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.kafka.bootstrap_servers, group_id=None, enable_auto_commit=False,
                auto_offset_reset="earliest", fetch_max_wait_ms=50, **self.kafka.aiokafka_options(),
            )  # fmt: skip
            await consumer.start()
            self._consumer = consumer
        try:
            await self._read_new(consumer, topic)
        except BaseException:
            await self.close()  # a fresh consumer next time; what was read stays read
            raise
        return dict(self._marks)

    async def _read_new(self, consumer: AIOKafkaConsumer, topic: str) -> None:
        tps = await topic_partitions(consumer, topic)
        ends = await true_end_offsets(consumer, tps) if tps else {}  # moves the positions: seek below
        pending = {tp for tp in tps if ends[tp] > self._next.get(tp, 0)}
        for tp in pending:
            start = self._next.get(tp, 0)
            if start:
                consumer.seek(tp, start)
            else:
                await consumer.seek_to_beginning(tp)
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=500, max_records=50_000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    mark = FinalMark.decode(record.key, record.value)
                    if mark is not None:
                        self._marks[mark.partition] = mark
                    self._next[tp] = record.offset + 1
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    self._next[tp] = ends[tp]
                    pending.discard(tp)

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()


# --- what a verdict depends on besides the events -------------------------------------------------------


def inputs_digest(auditor: Any) -> str:
    """A digest (16 hex digits) of what the verdicts depend on besides the events and ``as_of``: the
    rulebook versions with their effective dates and parameters, the contents of the catalogue and the
    calendar (their data, not only their names or versions, which a changed file may keep), and the code's
    revision (``inspections.rulebook.RULES_REVISION``, from 1 on: a correction released within a version).
    Objects of another shape (a test's fake) are described by their type and ``repr``."""
    h = blake2b(digest_size=8)
    if RULES_REVISION:  # 0 adds nothing: the digests of the releases before it stay what they were
        h.update(_canonical(["rules revision", RULES_REVISION]))
    for book in getattr(getattr(auditor, "rulebooks", None), "versions", ()):
        h.update(_canonical(["rulebook", book.version, book.effective_from, book.params]))
    catalogue: Any = getattr(auditor, "catalogue", None)
    if all(hasattr(catalogue, name) for name in ("procedures", "units", "fields", "meta")):
        h.update(
            _canonical(["catalogue", catalogue.meta, catalogue.procedures, catalogue.units, catalogue.fields])
        )
    else:
        h.update(_canonical(["catalogue", type(catalogue).__qualname__, repr(catalogue)]))
    calendar: Any = getattr(auditor, "calendar", None)
    if hasattr(calendar, "to_rows") and hasattr(calendar, "working_hours"):
        h.update(_canonical(["calendar", calendar.to_rows(), calendar.working_hours]))
    else:
        h.update(_canonical(["calendar", type(calendar).__qualname__, repr(calendar)]))
    return h.hexdigest()


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, default=_plain, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS) + b"\n"


#: Per model, the fields added after digests were first stored, left out of them while empty (``_plain``).
_ADDED_EMPTY: dict[type, tuple[str, ...]] = {Procedure: ("time_limits",)}


def _plain(value: Any) -> Any:
    """What orjson does not serialise itself, as plain data."""
    if isinstance(value, BaseModel):
        dumped = value.model_dump(mode="json")
        # A field a release adds with an empty default is left out while empty: an unchanged catalogue
        # keeps its digest across the upgrade, and its final marks hold (``time_limits``: diff review).
        for name in _ADDED_EMPTY.get(type(value), ()):
            if not dumped.get(name):
                dumped.pop(name, None)
        return dumped
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, AbstractSet):
        return sorted(value, key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return repr(value)
