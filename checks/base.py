"""The pieces every suite shares: what a check is, the scope it runs on, and the Great Expectations engine.

Great Expectations is imported lazily (``Engine``), never when this module is imported: the CLI imports the
``checks`` package on every command and the library takes seconds to load.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from checks.results import CheckResult
from inspections.timeunits import VN_TZ
from inspections.weeks import Week

if TYPE_CHECKING:
    from checks.data import Inputs

#: Builds one Great Expectations expectation, given the ``great_expectations.expectations`` module.
ExpectationFactory = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Noun:
    """What a check counts, in both languages (``sự kiện`` / ``events``)."""

    vi: str
    en: str  # plural
    en_one: str

    def count(self, n: int, lang: str) -> str:
        """``3 hồ sơ``, ``1 dossier``, ``1,234 dossiers``."""
        word = self.vi if lang == "vi" else self.en_one if n == 1 else self.en
        return f"{number(n, lang)} {word}"


EVENTS = Noun("sự kiện", "events", "event")
DOSSIERS = Noun("hồ sơ", "dossiers", "dossier")
VIOLATIONS = Noun("vi phạm", "violations", "violation")
UNITS = Noun("đơn vị", "units", "unit")


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation with its verdict policy and the sentences an inspector reads.

    Message templates are ``str.format`` strings; they may use ``{n}`` (the unexpected count with its noun,
    "3 hồ sơ"), ``{total}`` (the element count with its noun) and any key of ``values_vi`` / ``values_en``.
    """

    expectation: str  # stable English id, e.g. "events.event_id is unique"
    column: str | None
    blocking: bool
    build: ExpectationFactory
    fail_vi: str
    fail_en: str
    ok_vi: str
    ok_en: str
    values_vi: Mapping[str, str] = field(default_factory=dict)
    values_en: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)  # recorded in the details


@dataclass(frozen=True, slots=True)
class Scope:
    """A week (events that occurred in it, dossiers received in it; local time) or the whole warehouse."""

    week: Week | None

    @property
    def name(self) -> str | None:
        return str(self.week) if self.week is not None else None

    @property
    def start(self) -> datetime:
        """The first instant of the week (UTC); the epoch for the whole warehouse."""
        return _local_midnight(self.week.start) if self.week else datetime(1970, 1, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the week (UTC); the end of ClickHouse DateTime for the whole warehouse."""
        return _local_midnight(self.week.end) if self.week else datetime(2106, 1, 1, tzinfo=UTC)

    def params(self) -> dict[str, Any]:
        """Bound parameters of the scoped queries (``warehouse/sql/quality_*.sql``)."""
        return {"whole": int(self.week is None), "start": self.start, "end": self.end}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VN_TZ).astimezone(UTC)


class Engine:
    """One ephemeral Great Expectations context for a run; each frame becomes a whole-dataframe batch."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        self.gx = gx
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            # tqdm bars on stderr would garble the CLI summary and logs.
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            analytics_enabled=False,
        )
        self.context = gx.get_context(project_config=config, mode="ephemeral")
        self.source = self.context.data_sources.add_pandas("warehouse")
        self._assets = 0

    def validate(
        self, suite: str, frame: Any, checks: Sequence[Check], id_columns: Sequence[str]
    ) -> list[tuple[Check, dict[str, Any]]]:
        """Each check's Great Expectations result (as a dict) on ``frame`` (a pandas DataFrame)."""
        self._assets += 1
        asset = self.source.add_dataframe_asset(f"{suite}_{self._assets}")
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": frame}
        )
        expectations = self.gx.expectations
        gx_suite = self.gx.ExpectationSuite(name=suite)
        for i, check in enumerate(checks):
            expectation = check.build(expectations)
            expectation.meta = {"check": i}
            gx_suite.add_expectation(expectation)
        result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
        if id_columns:
            result_format["unexpected_index_column_names"] = list(id_columns)
        outcome = batch.validate(gx_suite, result_format=result_format)
        by_index: dict[int, dict[str, Any]] = {}
        for r in outcome.results:
            assert r.expectation_config is not None  # set on every result of a suite validation
            by_index[int(r.expectation_config.meta["check"])] = {
                "success": bool(r.success),
                "result": dict(r.result or {}),
                "exception": _exception_message(r.exception_info),
            }
        return [(check, by_index[i]) for i, check in enumerate(checks)]


def _exception_message(info: Any) -> str | None:
    """The error a check raised (``exception_info``: flat for one expectation, keyed by metric in a suite)."""
    if not isinstance(info, Mapping):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    for nested in info.values():
        message = _exception_message(nested)
        if message is not None:
            return message
    return None


@dataclass
class SuiteRun:
    """What a suite module gets: the inputs of the run and the engine, and where its results go."""

    suite: str
    inputs: Inputs
    engine: Engine
    results: list[CheckResult] = field(default_factory=list)

    def validate(
        self,
        frame: Any,
        checks: Sequence[Check],
        noun: Noun,
        *,
        id_columns: Sequence[str] = (),
    ) -> None:
        """Validate ``checks`` on ``frame`` and append their results."""
        for check, r in self.engine.validate(self.suite, frame, checks, id_columns):
            self.results.append(self.result(check, r, noun))

    def result(self, check: Check, r: Mapping[str, Any], noun: Noun) -> CheckResult:
        res = r["result"]
        success = bool(r["success"]) and r["exception"] is None
        if "element_count" in res:
            total, unexpected = int(res["element_count"] or 0), int(res.get("unexpected_count") or 0)
        else:  # an aggregate (e.g. the column's max): one observed value, right or wrong
            total, unexpected = 1, int(not success)
        details: dict[str, Any] = {"params": dict(check.params)}
        if "observed_value" in res:
            details["observed"] = res["observed_value"]
        if res.get("partial_unexpected_counts"):
            details["unexpected_values"] = res["partial_unexpected_counts"][:10]
        if res.get("partial_unexpected_index_list"):
            details["examples"] = res["partial_unexpected_index_list"][:10]
        if r["exception"] is not None:
            details["error"] = str(r["exception"])
            vi = f"Không kiểm tra được ({check.expectation}): {r['exception']}"
            en = f"Could not be checked ({check.expectation}): {r['exception']}"
        else:
            vi = (check.ok_vi if success else check.fail_vi).format(
                n=noun.count(unexpected, "vi"), total=noun.count(total, "vi"), **check.values_vi
            )
            en = (check.ok_en if success else check.fail_en).format(
                n=noun.count(unexpected, "en"), total=noun.count(total, "en"), **check.values_en
            )
        inputs = self.inputs
        return CheckResult(
            suite=self.suite,
            expectation=check.expectation,
            column=check.column,
            success=success,
            blocking=check.blocking,
            unexpected_count=unexpected,
            element_count=total,
            message_vi=vi,
            message_en=en,
            checked_at=inputs.checked_at,
            week=inputs.scope.name,
            details=jsonable(details),
        )


def number(n: int, lang: str) -> str:
    """``1.234`` in Vietnamese, ``1,234`` in English."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "vi" else text


def naive_utc(t: datetime) -> datetime:
    """The frames hold naive UTC times (Great Expectations mishandles time-zone-aware pandas columns)."""
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo is not None else t


def local_time(t: datetime | None, lang: str) -> str:
    """An instant (naive = UTC) as an inspector reads it: Vietnamese local time."""
    if t is None:
        return "không có" if lang == "vi" else "none"
    local = (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).astimezone(VN_TZ)
    return local.strftime("%H:%M %d/%m/%Y") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M (UTC+7)")


def jsonable(value: Any) -> Any:
    """Great Expectations results hold numpy and pandas scalars; make them plain JSON values."""
    import pandas as pd  # type: ignore[import-untyped]

    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars and datetime64
    if callable(item):
        return jsonable(item())
    return str(value)
