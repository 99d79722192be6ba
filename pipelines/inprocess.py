"""Materialize one week's reports through Dagster, in this process (the main job and tests call this):
no daemon and no code server.

The run uses an ephemeral Dagster instance (nothing is kept in ``DAGSTER_HOME``) and the in-process
executor, so a warehouse session the caller already holds can be lent to the assets: chdb allows one
session per warehouse directory per process.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dagster import DagsterInstance, ExecuteInProcessResult, WeeklyPartitionsDefinition, materialize

from bootstrap.platform import Platform
from bootstrap.settings import Settings
from checks.engine import preload as preload_checks
from inspections.weeks import Week
from pipelines.assets import build_assets
from pipelines.partitions import DEFAULT_START, key_of_week, week_of_key, weekly_partitions
from pipelines.resources import PlatformResource, WarehouseResource, lend
from pipelines.sensors import AlertThresholds
from reporting.api import preload as preload_writers
from warehouse.base import Warehouse


@dataclass(frozen=True)
class WeekMaterialization:
    """Where a week's files are, and what the run found."""

    week: Week
    partition_key: str
    run_id: str
    success: bool
    out_dir: Path
    metrics: Path | None
    violations: Path | None
    quality: Path | None
    report_files: list[Path]
    audit_packs: list[Path]
    blocking_quality_failures: int
    #: The steps that failed (with ``raise_on_error=False``): (step, the error's type and message).
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Each materialized asset's metadata (plain values), by asset key string.
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each asset check's outcome, ``{"data_quality:events_suite": True, ...}``.
    checks: dict[str, bool] = field(default_factory=dict)


def preload() -> None:
    """Import, ahead of :func:`materialize_week`, what it imports on use: Great Expectations for the quality
    checks, the report and pack writers, Dagster's instance storage (an ephemeral instance, made and
    disposed). Some 8 s of a 12 s materialization of a small week were these imports; the main job runs
    this while it waits for its detector."""
    preload_checks()
    preload_writers()
    with DagsterInstance.ephemeral():
        pass


def partitions_for(week: Week, now: datetime) -> WeeklyPartitionsDefinition:
    """Weekly partitions that hold ``week``: from before it if it precedes the default start, and up to
    it if it has not ended yet at ``now`` (a report on the week so far). A week outside the supported years
    is refused (``PartitionKeyError``), as the commands refuse it."""
    week_of_key(key_of_week(week))
    ahead = (week.start - Week.last_complete(now).start).days // 7
    return weekly_partitions(min(DEFAULT_START, week.start), end_offset=max(0, ahead))


@contextmanager
def _lent(obj: Any | None) -> Iterator[str]:
    if obj is None:
        yield ""
        return
    with lend(obj) as key:
        yield key


def materialize_week(
    settings: Settings,
    week: Week,
    *,
    warehouse: Warehouse | None = None,
    platform: Platform | None = None,
    raise_on_error: bool = True,
    log_level: str = "WARNING",
) -> WeekMaterialization:
    """Materialize every weekly asset (and check) of ``week`` into ``settings.reports_dir/<week>/``.

    ``warehouse``: an open session to use (and leave open); otherwise ``settings.warehouse_url`` is opened
    per asset. ``platform``: reuse its loaded catalogue and calendar. ``log_level``: of Dagster's console
    log (it logs every step at DEBUG). Re-running a week overwrites its files.
    """
    platform = platform or Platform(settings)
    partitions = partitions_for(week, datetime.now(UTC))
    key = key_of_week(week)
    with _lent(platform) as platform_key, _lent(warehouse) as warehouse_key:
        resources = {
            # A command waits for no server: it says at once that it cannot reach it (the daemon's runs
            # try again, ``WarehouseResource.open_for_step``).
            "warehouse": WarehouseResource(
                url="" if warehouse_key else settings.warehouse_url,
                lent_warehouse=warehouse_key,
                unavailable_retries=0,
            ),
            "platform": PlatformResource(
                lent_platform=platform_key, reports_dir=str(settings.reports_dir), lang=settings.lang
            ),
            "alert_thresholds": AlertThresholds(),
        }
        with DagsterInstance.ephemeral() as instance, _signal_handlers_kept():
            result = materialize(
                build_assets(partitions),
                partition_key=key,
                instance=instance,
                resources=resources,
                raise_on_error=raise_on_error,
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
                tags={"dossier_audit/week": str(week)},
            )
            return _summarise(result, week, key, settings.reports_dir / str(week))


@contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """The stopping signals' handlers as they were, once Dagster's in-process run is over: it left SIGTERM to
    Python's Ctrl-C handler, so a SIGTERM to `run` after its report stage said "interrupted (Ctrl-C)" and
    exited 130, not by the signal (found with the main job's flaky SIGTERM test)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            if handler is not None:
                signal.signal(sig, handler)


def _plain(value: Any) -> Any:
    """A metadata value as plain Python (``MetadataValue.path`` → str, ``.json`` → dict, ...)."""
    return getattr(value, "value", value)


def _summarise(result: ExecuteInProcessResult, week: Week, key: str, out_dir: Path) -> WeekMaterialization:
    metadata: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        metadata[materialization.asset_key.to_user_string()] = {
            k: _plain(v) for k, v in materialization.metadata.items()
        }
    checks = {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
        for e in result.get_asset_check_evaluations()
    }

    def paths(asset: str) -> list[Path]:
        return [Path(p) for p in metadata.get(asset, {}).get("paths", [])]

    def one(asset: str) -> Path | None:
        found = paths(asset)
        return found[0] if found else None

    return WeekMaterialization(
        week=week,
        partition_key=key,
        run_id=result.run_id,
        success=result.success,
        out_dir=out_dir,
        metrics=one("weekly_metrics"),
        violations=one("violation_summary"),
        quality=one("data_quality"),
        report_files=paths("leadership_report"),
        audit_packs=paths("audit_packs"),
        blocking_quality_failures=int(metadata.get("data_quality", {}).get("blocking_failed", 0)),
        metadata=metadata,
        checks=checks,
        failures=[_failure(event) for event in result.get_step_failure_events()],
    )


def _failure(event: Any) -> tuple[str, str]:
    """A failed step's key and its error in one line (the user code's exception, not Dagster's wrapper)."""
    error = event.step_failure_data.error
    while (
        error is not None
        and error.cause is not None
        and "DagsterExecutionStepExecutionError" in (error.cls_name or "")
    ):
        error = error.cause
    if error is None:
        return str(event.step_key), "failed"
    message = " ".join(str(error.message).split())
    return str(event.step_key), message if len(message) <= 300 else message[:299] + "…"
