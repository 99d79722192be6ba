"""What the suites validate: pandas frames read from the warehouse for the run's scope, each read once and
shared by every suite that needs it, and the reference data the suites judge them against (the
catalogue, for when the warehouse holds no snapshot of it, and the rulebooks).

The run's dependencies are given one by one (no platform object): the suites use exactly these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any

from checks.formatting import naive_utc
from checks.scope import Scope
from inspections.catalogue import Catalogue
from inspections.metrics import period_as_of
from inspections.rulebook import Rulebooks
from inspections.timeunits import VN_TZ
from warehouse.base import Warehouse, WarehouseError
from warehouse.load_runs import recorded_runs
from warehouse.queries import load_sql
from warehouse.store import epoch_us

#: A week's end less this is its last second (``Inputs.newest_events``).
_SECOND = timedelta(seconds=1)
#: A unit with events in each of ``ACTIVE_WEEKS`` weeks of 7 days in a row, then none in the last 7 days up to
#: the reference, fell silent (the freshness suite): a whole week, as long as a week's report, of a unit that
#: was never silent so long before (a commune with a dossier a month is not flagged). It is flagged every
#: week it stays silent, up to ``SILENT_WEEKS`` weeks: two months, longer than any closure (Tết: nine days),
#: after which its source is known to be gone, or the unit closed without a reform in the catalogue.
ACTIVE_WEEKS = 4
SILENT_WEEKS = 8
_WEEK = timedelta(days=7)
_FIRST_DAY, _LAST_DAY = date(1970, 1, 2), date(2100, 1, 1)

#: How many events dated in the future outside the scope's frames a run reads (``Inputs.events_after``):
#: enough to name them and count most; a clock wrong for a whole feed is counted in ``total`` all the same.
FUTURE_EXAMPLES = 1000

#: Tables the suites read; a warehouse without them has not been initialised.
REQUIRED_TABLES = ("events", "dossiers", "violations", "catalogue_snapshots", "units", "procedures")


@dataclass(frozen=True, slots=True)
class CatalogueCodes:
    units: frozenset[str]
    procedures: frozenset[str]
    source: str  # "warehouse snapshot N" or "platform catalogue (no snapshot in the warehouse)"
    #: Units a reform ended, and the first day they no longer exist (``Unit.valid_to``).
    ended: Mapping[str, date] = field(default_factory=dict)


@dataclass
class Inputs:
    """The run's warehouse, scope, clock and reference data; frames are read lazily and shared."""

    wh: Warehouse
    scope: Scope
    now: datetime
    catalogue: Catalogue  # the codes when the warehouse holds no catalogue snapshot
    rulebooks: Rulebooks  # the (rule, severity) pairs a stored violation may carry
    checked_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.checked_at = self.now.astimezone(UTC).replace(microsecond=0)

    def _frame(
        self, sql_name: str, columns: Sequence[str], datetimes: Sequence[str] = (), **params: Any
    ) -> Any:
        # pandas is imported on use (~0.8 s measured, 2 CPUs, warm cache): see ``checks.formatting.jsonable``.
        import pandas as pd  # type: ignore[import-untyped]

        rows = self.wh.query(load_sql(sql_name), {**self.scope.params(), **params})
        frame = pd.DataFrame(rows, columns=list(columns))
        for column in datetimes:
            # Naive UTC: Great Expectations' pandas metrics drop (and pandas warns about) time zones.
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
        return frame

    @cached_property
    def event_copies(self) -> Any:
        """Events in scope plus every other stored copy of their ids (``in_scope`` tells them apart);
        ``occurred_epoch`` is ``occurred_at`` in epoch seconds."""
        import pandas as pd  # on use, as in ``_frame``

        frame = self._frame(
            "quality_events",
            ["event_id", "dossier_id", "type", "occurred_at", "occurred_at_us", "unit_code", "procedure_code",
             "channel", "to_unit_code", "in_scope"],
            ["occurred_at"],
        )  # fmt: skip
        frame["in_scope"] = frame["in_scope"].astype(bool)
        # Range expectations on integers are several times faster than on datetimes in Great Expectations.
        frame["occurred_epoch"] = (frame["occurred_at"] - pd.Timestamp(0)) // pd.Timedelta(seconds=1)
        return frame

    @cached_property
    def events(self) -> Any:
        """Events that occurred in scope (FINAL: one row per sorting key)."""
        copies = self.event_copies
        return copies[copies["in_scope"]].reset_index(drop=True)

    @cached_property
    def event_versions(self) -> Any:
        """The event ids in scope stored with more than one content (``quality_event_versions``, raw rows:
        FINAL keeps one row of a sorting key whatever its content): ``versions``, their number."""
        frame = self._frame(
            "quality_event_versions", ["event_id", "dossier_id", "occurred_at", "versions"], ["occurred_at"]
        )
        return frame.astype({"versions": "int64"})  # typed when empty too

    @cached_property
    def dossier_events(self) -> Any:
        """Every event of the dossiers in scope, wherever its time falls (``quality_dossier_events``);
        ``occurred_epoch`` is ``occurred_at`` in epoch seconds."""
        import pandas as pd  # on use, as in ``_frame``

        frame = self._frame(
            "quality_dossier_events", ["event_id", "dossier_id", "occurred_at"], ["occurred_at"]
        )
        frame["occurred_epoch"] = (frame["occurred_at"] - pd.Timestamp(0)) // pd.Timedelta(seconds=1)
        return frame

    @cached_property
    def dossiers(self) -> Any:
        """The dossier projection: the dossiers the week's form counts (``scope``; all for the whole
        warehouse). ``received_on`` and ``due_on``: the dates of ``received_at`` and ``due_at`` in
        Vietnam's time, which the rulebook compares ("comparing calendar dates in Asia/Ho_Chi_Minh")."""
        frame = self._frame(
            "quality_dossiers",
            ["dossier_id", "unit_code", "procedure_code", "channel", "received_at", "due_at", "end_type",
             "end_at"],
            ["received_at", "due_at", "end_at"],
        )  # fmt: skip
        for column, day in (("received_at", "received_on"), ("due_at", "due_on")):
            local = frame[column].dt.tz_localize(UTC).dt.tz_convert(VN_TZ)
            frame[day] = local.dt.normalize().dt.tz_localize(None)
        return frame

    def events_after(self, latest: datetime) -> tuple[Any, int]:
        """Events dated after ``latest`` wherever they lie, whatever the scope (``quality_future_events``):
        at most ``FUTURE_EXAMPLES`` of them, the earliest first, with ``occurred_epoch``; and how many there
        are. A dossier dated wholly in the future is in no week's frames until its dates have passed, when
        it is no longer in the future (review)."""
        import pandas as pd  # on use, as in ``_frame``

        frame = self._frame(
            "quality_future_events",
            ["event_id", "dossier_id", "occurred_at", "total"],
            ["occurred_at"],
            latest=latest,
            limit=FUTURE_EXAMPLES,
        )
        total = int(frame["total"].iloc[0]) if len(frame) else 0
        frame = frame.drop(columns="total")
        frame["occurred_epoch"] = (frame["occurred_at"] - pd.Timestamp(0)) // pd.Timedelta(seconds=1)
        return frame, total

    @cached_property
    def dossier_ends(self) -> Any:
        """How the ended dossiers having events in scope ended."""
        return self._frame("quality_dossier_ends", ["dossier_id", "end_type", "end_at"], ["end_at"])

    @cached_property
    def violations(self) -> Any:
        return self._frame(
            "quality_violations",
            ["dossier_id", "rule_id", "event_id", "kind", "severity", "rulebook_version", "state"],
        )

    @cached_property
    def violation_dossiers(self) -> Any:
        """The open violations in scope and whether their dossier has stored events (``has_events``)."""
        return self._frame("quality_violation_dossiers", ["dossier_id", "rule_id", "event_id", "has_events"])

    @cached_property
    def outcome_spans(self) -> Any:
        """The outcome rows of the dossiers the scope's form counts: ``dossier_id``, ``valid_from_key``,
        ``valid_to_key`` (epoch microseconds) and whether the dossier has stored events."""
        week = self.scope.week
        # The whole warehouse: days ClickHouse's Date holds (it is not read then: ``whole``).
        start_day, end_day = (week.start, week.end) if week is not None else (_FIRST_DAY, _LAST_DAY)
        return self._frame(
            "quality_outcome_spans",
            ["dossier_id", "valid_from_key", "valid_to_key", "has_events"],
            start_day=start_day,
            end_day=end_day,
            t=epoch_us(period_as_of(end_day)) if week is not None else 0,
        )

    @cached_property
    def outcome_in_force(self) -> Any:
        """The dossiers of ``dossiers`` received by the scope's last instant (a week's, or ``now`` for the
        whole warehouse) and whether an outcome row is in force then (``in_force``): the form counts a
        dossier by that row, and leaves one with a gap in its history there out of the figures."""
        instant = self.outcome_instant
        rows = self.wh.query(
            load_sql("quality_outcome_in_force"), {**self.scope.params(), "t": epoch_us(instant)}
        )
        frame = self.dossiers
        received = frame["received_at"].notna() & (frame["received_at"] <= naive_utc(instant))
        frame = frame.loc[received, ["dossier_id", "received_at", "end_at"]].reset_index(drop=True)
        return frame.assign(in_force=frame["dossier_id"].isin({d for (d,) in rows}).astype(int))

    @property
    def outcome_instant(self) -> datetime:
        """The instant the scope's form is taken at: a week's last, or ``now`` for the whole warehouse."""
        week = self.scope.week
        return period_as_of(week.end) if week is not None else self.now

    @cached_property
    def newest_events(self) -> Any:
        """Per unit, the newest event time in the whole warehouse not after the reference: ``now``, and for
        a week its end if earlier. An event dated in the future (a typo, a clock) would keep the data
        "fresh" for as long as it stands; an event of a later week kept a week whose events never came
        "fresh" (a backfilled week with a gap in the feed: ops review). ``windows``: a bit per week of 7
        days counted back from the reference in which the unit had events (bit 0: the last 7 days)."""
        # A week's end is the first second after it: an event then (a date-only source's next Monday
        # 00:00) is the next week's.
        reference = self.now if self.scope.week is None else min(self.now, self.scope.end - _SECOND)
        frame = self._frame(
            "quality_newest_events",
            ["unit_code", "newest", "events", "recent", "windows"],
            ["newest"],
            now=reference,
            now_s=int(reference.timestamp()),
            recent_from=reference - _WEEK,
            week_seconds=int(_WEEK.total_seconds()),
            # The weeks a unit silent for up to SILENT_WEEKS weeks was active in before (bits 0 to 11).
            windows_from=reference - (SILENT_WEEKS + ACTIVE_WEEKS) * _WEEK,
        )
        return frame.astype({"windows": "uint64", "recent": "int64"})  # typed when empty too

    @cached_property
    def dossier_partitions(self) -> Any:
        """Per dossier with events stored by the sink (one of them in scope): how many partitions of the
        events topic they came through (``partitions``), and which (``sources``)."""
        return self._frame("quality_dossier_partitions", ["dossier_id", "partitions", "sources"])

    @cached_property
    def load_runs(self) -> Any:
        """Every recorded load run, newest first, whatever the scope (an interrupted load may have stored
        events of any week): ``state`` is completed, recovered or unfinished."""
        import pandas as pd  # on use, as in ``_frame``

        runs = recorded_runs(self.wh, limit=100_000)
        return pd.DataFrame(
            [(r.run_id, r.source, r.started_at.isoformat(), r.state) for r in runs],
            columns=["run_id", "source", "started_at", "state"],
        )

    @cached_property
    def catalogue_codes(self) -> CatalogueCodes:
        """The newest catalogue snapshot in the warehouse (the given catalogue when none is stored)."""
        ((snapshot, count),) = self.wh.query("SELECT max(snapshot), count() FROM catalogue_snapshots")
        if count:
            rows = self.wh.query(load_sql("quality_catalogue_codes"), {"snapshot": snapshot})
            ended = self.wh.query(load_sql("quality_ended_units"), {"snapshot": snapshot})
            return CatalogueCodes(
                frozenset(code for kind, code in rows if kind == "unit"),
                frozenset(code for kind, code in rows if kind == "procedure"),
                f"warehouse snapshot {snapshot}",
                dict(ended),
            )
        return CatalogueCodes(
            frozenset(self.catalogue.units),
            frozenset(self.catalogue.procedures),
            "platform catalogue (no snapshot in the warehouse)",
            {u.code: u.valid_to for u in self.catalogue.units.values() if u.valid_to is not None},
        )


def require_tables(wh: Warehouse) -> None:
    """A clear error when the warehouse has not been initialised (instead of a missing-table error)."""
    rows = wh.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN %(names)s",
        {"names": REQUIRED_TABLES},
    )
    missing = sorted(set(REQUIRED_TABLES) - {name for (name,) in rows})
    if missing:
        raise WarehouseError(
            f"the warehouse {wh.url} has no table {', '.join(missing)}: "
            "run `dossier-audit warehouse init` first"
        )
