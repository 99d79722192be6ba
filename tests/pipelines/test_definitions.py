"""The Dagster definitions: they load without touching the environment, and their graph (assets,
dependencies, partitions, checks, jobs, schedule, sensor) equals the committed snapshot.

Regenerate the snapshot after an intended change: ``UPDATE_SNAPSHOTS=1 pytest tests/pipelines``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, Definitions, WeeklyPartitionsDefinition

from inspections.weeks import Week
from pipelines.definitions import build_definitions, defs
from pipelines.partitions import PartitionKeyError, key_of_week, week_of_key, weekly_partitions

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def graph_snapshot(definitions: Definitions) -> dict[str, Any]:
    repo = definitions.get_repository_def()
    graph = repo.asset_graph
    assets: dict[str, Any] = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "group": node.group_name,
            "materializable": node.is_materializable,
            "kinds": sorted(node.kinds),
            "partitions": None
            if partitions is None
            else {
                "type": type(partitions).__name__,
                "start": str(getattr(partitions, "start", None)),
                "timezone": getattr(partitions, "timezone", None),
                "cron": getattr(partitions, "cron_schedule", None),
                "fmt": getattr(partitions, "fmt", None),
                "end": str(getattr(partitions, "end", None)),
            },
        }
    checks = {
        key.to_user_string(): {"blocking": graph.get(key).blocking}
        for key in sorted(graph.asset_check_keys, key=lambda k: k.to_user_string())
    }
    schedules = {
        s.name: {"cron": s.cron_schedule, "timezone": s.execution_timezone, "job": s.job_name}
        for s in repo.schedule_defs
    }
    sensors = {
        s.name: {
            "jobs": sorted(j.name for j in s.jobs) if s.has_jobs else [],  # a run-status sensor starts none
            "interval": s.minimum_interval_seconds,
            "default_status": s.default_status.value,
        }
        for s in repo.sensor_defs
    }
    jobs = sorted(j.name for j in repo.get_all_jobs() if not j.name.startswith("__"))
    return {
        "assets": assets,
        "checks": checks,
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
        "resources": sorted(repo.get_top_level_resources()),
    }


def test_graph_equals_the_snapshot():
    current = graph_snapshot(defs)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected, "graph changed: review, then UPDATE_SNAPSHOTS=1 pytest tests/pipelines"


def test_definitions_are_loadable_and_report_assets_follow_the_quality_run():
    Definitions.validate_loadable(defs)
    graph = defs.get_repository_def().asset_graph
    for report in ("leadership_report", "audit_packs"):
        assert AssetKey("data_quality") in graph.get(AssetKey(report)).parent_keys
    # Every suite of checks/ is a check, blocking exactly when the suite blocks.
    from checks import SUITES

    blocking = {k.name: graph.get(k).blocking for k in graph.asset_check_keys}
    assert blocking == {f"{s.name}_suite": s.blocking for s in SUITES}
    assert any(blocking.values()) and not all(blocking.values())


def test_dagster_loads_the_project_without_reading_the_environment():
    # `dagster definitions validate` in the repository root finds the module through [tool.dagster]. A
    # warehouse URL that cannot be opened and a language that does not exist change nothing: building the
    # definitions reads no settings and connects nowhere.
    env = {**os.environ, "DOSSIER_AUDIT_WAREHOUSE": "nonsense://x", "DOSSIER_AUDIT_LANG": "klingon"}
    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run(
        [str(dagster), "definitions", "validate"],
        check=False,
        env=env,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful for code location dossier_audit" in done.stdout + done.stderr


def test_partition_start_is_configurable():
    later = build_definitions(start=date(2025, 6, 4))  # a Wednesday: partitions start on its Monday
    partitions = later.get_repository_def().asset_graph.get(AssetKey("weekly_metrics")).partitions_def
    assert isinstance(partitions, WeeklyPartitionsDefinition)
    assert partitions.get_first_partition_key() == "2025-06-02"


def test_partition_keys_are_the_mondays_of_local_weeks():
    partitions = weekly_partitions()
    keys = partitions.get_partition_keys_in_range(
        partitions.get_partition_key_range_for_time_window(
            partitions.time_window_for_partition_key("2025-10-27")
        )
    )
    assert keys == ["2025-10-27"]
    window = partitions.time_window_for_partition_key("2025-10-27")
    assert window.start.isoformat() == "2025-10-27T00:00:00+07:00"
    assert window.end.isoformat() == "2025-11-03T00:00:00+07:00"
    assert week_of_key("2025-10-27") == Week.parse("2025-W44")
    assert key_of_week(Week.parse("2026-W01")) == "2025-12-29"
    # The first key is 2019-W01's Monday (the calendar's first year: a province's 2023 history could not be
    # backfilled from 2024); the last, the last week within the supported years.
    assert partitions.get_first_partition_key() == "2018-12-31"
    later = partitions.get_partition_keys(current_time=datetime(2060, 1, 1, tzinfo=UTC))
    assert later[-1] == "2050-12-19" and week_of_key(later[-1]) == Week.parse("2050-W51")


@pytest.mark.parametrize(
    ("key", "error"),
    [("2025-10-28", "is a Tuesday"), ("2025-W44", "not a weekly partition key"), ("", "not a weekly"),
     # Outside the supported years, as the commands refuse them (review of 2026-12-04: Dagster built a
     # report of 2051-W01 with a 9,3 % on-time rate).
     ("2050-12-26", "'2050-W52' ends on 2051-01-01, after the supported years"),
     ("1999-12-27", "starts on 1999-12-27, before the supported years"),
     ("2051-01-02", "outside the supported")],
)  # fmt: skip
def test_bad_partition_keys_are_refused_clearly(key, error):
    with pytest.raises(PartitionKeyError, match=error):
        week_of_key(key)


def test_the_warehouse_resource_reads_the_platforms_settings(tmp_path, monkeypatch):
    """A platform given a settings file read its catalogue from it while the warehouse resource fell back
    to the environment's warehouse (review of 2026-12-04): both read one set of settings now."""
    from pipelines.definitions import default_resources
    from pipelines.resources import PlatformResource, WarehouseResource

    monkeypatch.delenv("DOSSIER_AUDIT_WAREHOUSE", raising=False)
    monkeypatch.delenv("DOSSIER_AUDIT_CONFIG_FILE", raising=False)
    settings_file = tmp_path / "site.env"
    settings_file.write_text(f"DOSSIER_AUDIT_WAREHOUSE=chdb://{tmp_path}/site-warehouse\n", encoding="utf-8")
    platform = PlatformResource(env_file=str(settings_file))
    assert WarehouseResource().resolved_url(platform) == f"chdb://{tmp_path}/site-warehouse"
    assert WarehouseResource(url="chdb:///given").resolved_url(platform) == "chdb:///given"
    # The run's platform resource, whichever it is: the warehouse held a platform of its own, which a
    # platform given by key or configured in the launchpad never reached (ops review).
    assert "platform" not in WarehouseResource.model_fields
    assert set(default_resources()) == {"warehouse", "platform", "alert_thresholds"}


def test_every_job_runs_its_steps_in_one_process():
    """The embedded warehouse is one process's at a time: the assets' own job (the UI's "Materialize",
    backfills from an asset's page) ran its steps in parallel processes, which failed on it (ops review)."""
    from dagster import in_process_executor

    from pipelines.definitions import defs

    repo = defs.get_repository_def()
    jobs = [repo.get_job(name) for name in repo.job_names]
    assert any(job.name.startswith("__ASSET_JOB") for job in jobs)
    assert {job.name: job.executor_def.name for job in jobs} == dict.fromkeys(
        (job.name for job in jobs), in_process_executor.name
    )
