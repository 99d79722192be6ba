"""Everything Dagster loads: ``dagster dev -m pipelines.definitions`` (or ``[tool.dagster]``).

Building the definitions reads no environment and connects nowhere: the resources resolve the platform
settings (``DOSSIER_AUDIT_*``) and open the warehouse only when an asset or the sensor runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dagster import Definitions, in_process_executor

from pipelines.assets import build_assets
from pipelines.notify import build_failure_notifier
from pipelines.partitions import DEFAULT_START, weekly_partitions
from pipelines.resources import PlatformResource, WarehouseResource
from pipelines.schedules import build_final_schedule, build_weekly_job, build_weekly_schedule
from pipelines.sensors import AlertThresholds, alert_job, build_alert_sensor


def default_resources() -> dict[str, Any]:
    return {
        "warehouse": WarehouseResource(),  # its URL from the run's platform resource's settings
        "platform": PlatformResource(),
        "alert_thresholds": AlertThresholds(),
    }


def build_definitions(
    *, start: date = DEFAULT_START, resources: Mapping[str, Any] | None = None
) -> Definitions:
    """The weekly assets (partitions from the week of ``start``), their checks, the weekly job and
    schedule, the alert job and sensor, the failed runs' notifier; ``resources`` override the defaults by
    key."""
    partitions = weekly_partitions(start)
    weekly_job = build_weekly_job()
    return Definitions(
        assets=build_assets(partitions),
        jobs=[weekly_job, alert_job],
        schedules=[build_weekly_schedule(weekly_job, start), build_final_schedule(weekly_job, start)],
        sensors=[build_alert_sensor(), build_failure_notifier()],
        resources={**default_resources(), **(resources or {})},
        # Every job's steps in one process, the assets' own job too (the UI's "Materialize" and backfills):
        # the embedded warehouse is one process's at a time, and parallel steps failed on it (ops review).
        executor=in_process_executor,
    )


defs = build_definitions()
