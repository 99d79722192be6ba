"""Writes to the warehouse: events, rejected events, dossier projections, outcome histories, violations,
the catalogue and calendar snapshots, and report runs. Every write is a batched, columnar insert; every
table is a ReplacingMergeTree keyed so that writing the same thing twice changes nothing logically."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
from pydantic_core import TzInfo

from inspections.calendar import WorkingCalendar
from inspections.calendar_days import CalendarDay
from inspections.catalogue import Catalogue
from inspections.metrics import DossierOutcome
from inspections.outcomes import ends_waiting
from inspections.timeline import DossierFacts
from schemas.validation import Rejection
from warehouse.base import Warehouse

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Epoch seconds of the first and last UTC instants a ``datetime`` holds (years 1 and 9999).
_FIRST, _LAST = -62_135_596_800, 253_402_300_799
#: The zones of validated events (pydantic's) and of ``datetime.timezone``: fixed offsets.
_FIXED = (TzInfo, timezone)


def epoch_us(t: datetime) -> int:
    """Microseconds since the epoch (exact, unlike float timestamps)."""
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _whole_seconds(t: datetime, key: int) -> int:
    """The epoch seconds ``arrow_columns.build_column`` stores for ``_utc(t).replace(microsecond=0)`` (the
    floor of its float ``timestamp()``), given ``key``, :func:`epoch_us` of ``t``: the same integer, and the
    same error where ``_utc(t)`` fails, without building that ``datetime``.

    That datetime is the instant's UTC time less its microseconds: a whole number of seconds, whose float
    timestamp is exact (far below 2**53), so the floor is the key's whole seconds, ``key // 10**6`` (the
    key: the same instant's exact microseconds). ``_utc`` fails only when the UTC time is out of the
    years ``datetime`` holds; that, and times that are not plain datetimes with a fixed offset, take the
    conversion itself."""
    whole = key // 1_000_000
    if type(t) is datetime and type(t.tzinfo) in _FIXED and _FIRST <= whole <= _LAST:
        return whole
    return math.floor(datetime.timestamp(_utc(t).replace(microsecond=0)))


def now_version() -> int:
    """A version number for ReplacingMergeTree: later writes win."""
    return epoch_us(datetime.now(UTC))


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


class Batch:
    """Column buffers for one table, flushed as one columnar insert."""

    def __init__(self, wh: Warehouse, table: str, columns: Sequence[str], size: int = 50_000) -> None:
        self.wh, self.table, self.columns, self.size = wh, table, list(columns), size
        self.data: list[list[Any]] = [[] for _ in self.columns]
        self.written = 0

    def add(self, *values: Any) -> None:
        for column, value in zip(self.data, values, strict=True):
            column.append(value)
        if len(self.data[0]) >= self.size:
            self.flush()

    def extend(self, columns: Sequence[Sequence[Any]]) -> None:
        """Add rows given as columns (``columns[i]`` holds values of ``self.columns[i]``); flushes at every
        ``size`` rows, like :meth:`add`."""
        count = len(columns[0])
        start = 0
        while start < count:
            stop = min(count, start + self.size - len(self.data[0]))
            whole = start == 0 and stop == count
            for column, values in zip(self.data, columns, strict=True):
                column.extend(values if whole else values[start:stop])
            start = stop
            if len(self.data[0]) >= self.size:
                self.flush()

    def flush(self) -> None:
        if self.data[0]:
            self.written += self.wh.insert(self.table, self.columns, self.data)
            self.data = [[] for _ in self.columns]


REJECTION_COLUMNS = ("source", "source_offset", "raw_hash", "raw", "reason_code", "reason", "rejected_at")


def rejection_row(rejection: Rejection, source: str, scrubbed_raw: bytes, at: datetime) -> tuple[Any, ...]:
    """One ``rejected_events`` row; ``scrubbed_raw`` has any clear applicant already replaced."""
    text = scrubbed_raw.decode("utf-8", "replace").rstrip("\n")
    digest = hashlib.blake2b(scrubbed_raw, digest_size=8).hexdigest()
    return (source, rejection.line_no or 0, digest, text, rejection.code, rejection.message, at)


DOSSIER_COLUMNS = (
    "dossier_id", "unit_code", "procedure_code", "field_code", "channel", "received_at", "due_at", "end_type",
    "end_at", "waiting", "supplement_requests", "supplement_seconds", "apologies", "status",
    "outcome_received_on", "outcome_keys", "events", "last_event_at", "as_of", "version",
)  # fmt: skip


#: Where a ``dossiers`` row holds its history's keys (:func:`epoch_us` of each change point), which
#: :func:`outcome_rows` takes from there rather than computing them again.
DOSSIER_KEYS = DOSSIER_COLUMNS.index("outcome_keys")
#: Where it holds the receive day its history's rows sort under (``None`` without history).
DOSSIER_RECEIVED_ON = DOSSIER_COLUMNS.index("outcome_received_on")


def dossier_row(
    facts: DossierFacts,
    field_code: str | None,
    status: str | None,
    history: Sequence[tuple[datetime, DossierOutcome]],
    version: int,
) -> tuple[Any, ...]:
    received = facts.received
    end = facts.end_event
    return (
        facts.dossier_id, facts.unit_code, facts.procedure_code, field_code,
        received.data.channel if received is not None else None,
        _utc(received.occurred_at) if received is not None else None,
        _utc(facts.due_at) if facts.due_at is not None else None,
        end.type.value if end is not None else None, _utc(end.occurred_at) if end is not None else None,
        int(ends_waiting(facts)), len(facts.supplement_requests), int(facts.supplement_time.total_seconds()),
        len(facts.apologies), status or "none", history[0][1].received_on if history else None,
        [epoch_us(t) for t, _ in history], len(facts.events),
        _utc(facts.events[-1].occurred_at) if facts.events else _utc(facts.as_of), _utc(facts.as_of), version,
    )  # fmt: skip


OUTCOME_COLUMNS = (
    "dossier_id", "generation", "valid_from", "valid_from_key", "valid_to_key", "unit_code", "procedure_code",
    "field_code", "received_on", "channel", "ended_on", "status", "working_days", "returned_channel",
)  # fmt: skip
#: The end of an open interval: the last change point holds forever.
FOREVER = 2**64 - 1
#: The column :func:`outcome_rows` gives as epoch seconds with ``seconds=True``
#: (``arrow_columns.build_column(seconds=True)``).
OUTCOME_SECONDS = ("valid_from",)


def outcome_rows(
    history: Sequence[tuple[datetime, DossierOutcome]],
    field_code: str | None,
    generation: int,
    keys: Sequence[int] | None = None,
    *,
    seconds: bool = False,
) -> list[tuple[Any, ...]]:
    """The history as rows, each valid until the next change point. ``keys``: :func:`epoch_us` of each
    change point, if the caller has them (the ``dossiers`` row's, :data:`DOSSIER_KEYS`); ``seconds``:
    ``valid_from`` as the epoch seconds its column stores (:data:`OUTCOME_SECONDS`), the key's, rather than
    a UTC datetime to convert."""
    if keys is None:
        keys = [epoch_us(t) for t, _ in history]
    count = len(keys)
    field = field_code or ""
    rows = []
    for i, (valid_from, o) in enumerate(history):
        key = keys[i]
        rows.append((
            o.dossier_id, generation,
            _whole_seconds(valid_from, key) if seconds else _utc(valid_from).replace(microsecond=0),
            key, keys[i + 1] if i + 1 < count else FOREVER, o.unit_code, o.procedure_code, field,
            o.received_on, o.channel, o.ended_on, o.status, o.working_days, o.returned_channel,
        ))  # fmt: skip
    return rows


def outcome_tombstones(
    dossier_id: str, received_on: date, stale_keys: Iterable[int], generation: int, *, seconds: bool = False
) -> Iterable[tuple[Any, ...]]:
    """Rows that replace history rows a dossier no longer has: same sorting key, an empty interval."""
    for key in stale_keys:
        at = _EPOCH + timedelta(microseconds=key)
        yield (
            dossier_id, generation, _whole_seconds(at, key) if seconds else at.replace(microsecond=0), key,
            key, "", "", "", received_on, "direct", None, "early", 0, None,
        )  # fmt: skip


VIOLATION_COLUMNS = (
    "dossier_id", "rule_id", "event_id", "state", "kind", "severity", "unit_code", "procedure_code",
    "occurred_at", "legal_basis", "rulebook_version", "evidence", "detail", "as_of", "producer", "version",
)  # fmt: skip


def violation_row(
    v: dict[str, Any], state: str, as_of: datetime, producer: str, version: int
) -> tuple[Any, ...]:
    """One ``violations`` row from the ``audit --json`` shape (kept whole in ``detail``)."""
    return (
        v["dossier_id"], v["rule_id"], v["event_id"] or "", state, v["kind"], v["severity"], v["unit_code"],
        v["procedure_code"], _utc(datetime.fromisoformat(v["occurred_at"])), v["legal_basis"],
        v["rulebook_version"], orjson.dumps(v["evidence"]).decode(), orjson.dumps(v).decode(), _utc(as_of),
        producer, version,
    )  # fmt: skip


@dataclass
class CatalogueSnapshot:
    snapshot: int
    rows: dict[str, int] = field(default_factory=dict)


def store_catalogue(wh: Warehouse, catalogue: Catalogue, calendar: WorkingCalendar) -> CatalogueSnapshot:
    """Write the catalogue and the calendar as a new snapshot (readers use the newest one)."""
    snap = now_version()
    result = CatalogueSnapshot(snap)

    def put(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            wh.insert(
                table, ["snapshot", *columns], [[snap] * len(rows), *map(list, zip(*rows, strict=True))]
            )
        result.rows[table] = len(rows)

    put("fields", ["code", "name"], [(f.code, f.name) for f in catalogue.fields.values()])
    put(
        "units",
        ["code", "name", "parent", "level", "valid_from", "valid_to", "successor"],
        [(u.code, u.name, u.parent, u.level.value, u.valid_from, u.valid_to, u.successor)
         for u in catalogue.units.values()],
    )  # fmt: skip
    procedures = list(catalogue.procedures.values())
    put(
        "procedures",
        ["code", "name", "field_code", "max_amount", "max_unit", "financial_obligation", "weight", "source"],
        [(p.code, p.name, p.field, float(p.max_time.amount), p.max_time.unit.value,
          int(p.financial_obligation), p.weight, p.source) for p in procedures],
    )  # fmt: skip
    put(
        "components",
        ["procedure_code", "code", "name", "mandatory", "position"],
        [
            (p.code, c.code, c.name, int(c.mandatory), i)
            for p in procedures
            for i, c in enumerate(p.components)
        ],
    )
    put(
        "publications",
        ["procedure_code", "position", "unit_code", "level", "valid_from", "valid_to"],
        [(p.code, i, pub.unit, pub.level.value if pub.level else None, pub.valid_from, pub.valid_to)
         for p in procedures for i, pub in enumerate(p.publications)],
    )  # fmt: skip
    put(
        "procedure_time_limits",
        ["procedure_code", "position", "valid_from", "max_amount", "max_unit"],
        [(p.code, i, t.valid_from, float(t.max_time.amount), t.max_time.unit.value)
         for p in procedures for i, t in enumerate(p.time_limits)],
    )  # fmt: skip
    days = calendar.to_rows()
    put(
        "calendar_days",
        ["day", "is_working_day", "kind", "name_vi", "name_en", "replaces", "source", "confidence"],
        [_calendar_row(d) for d in days],
    )
    meta = catalogue.meta
    wh.insert(
        "catalogue_snapshots",
        ["snapshot", "name", "catalogue_version", "sample", "source", "loaded_at", "digest"],
        [[snap], [meta.name], [meta.version], [int(meta.sample)], [meta.source], [datetime.now(UTC)],
         [snapshot_digest(catalogue, calendar)]],
    )  # fmt: skip
    return result


def snapshot_digest(catalogue: Catalogue, calendar: WorkingCalendar) -> str:
    """A digest (SHA-256, hex) of the catalogue and calendar a snapshot is made from: what
    ``catalogue_read.store_if_changed`` compares, so the same files make the same digest in any process."""
    h = hashlib.sha256()
    for part in (
        # Not ``incomplete``: the snapshot keeps no such flag, so flipping it alone stored an identical
        # snapshot at each load and told the operator to restart the detectors (review).
        catalogue.meta.model_dump(mode="json", exclude={"incomplete"}),
        [catalogue.procedures[code].model_dump(mode="json") for code in sorted(catalogue.procedures)],
        [catalogue.units[code].model_dump(mode="json") for code in sorted(catalogue.units)],
        [catalogue.fields[code].model_dump(mode="json") for code in sorted(catalogue.fields)],
        [_calendar_row(day) for day in calendar.to_rows()],
    ):
        h.update(orjson.dumps(part, option=orjson.OPT_SORT_KEYS, default=str) + b"\n")
    return h.hexdigest()


def _calendar_row(day: CalendarDay) -> tuple[Any, ...]:
    return (
        day.date, int(day.is_working_day), day.kind or "", day.holiday_name_vi or "",
        day.holiday_name_en or "", day.replaces, day.source or "",
        day.confidence.value if day.confidence else "",
    )  # fmt: skip
