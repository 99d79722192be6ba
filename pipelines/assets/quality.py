"""The week's data-quality run: every Great Expectations suite, stored in the warehouse (the reports read
it) and reported to Dagster as one asset check per suite (see ``pipelines.asset_checks``)."""

# No ``from __future__ import annotations``: Dagster reads context and resource types from annotations.

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    PartitionsDefinition,
    asset,
)

import checks as quality
from pipelines.asset_checks import check_results, check_specs
from pipelines.assets.common import GROUP, paths_metadata, report_run, week_of, withhold, write_json
from pipelines.assets.warehouse_tables import DOSSIERS, EVENTS, LOAD_RUNS, VIOLATIONS
from pipelines.resources import PlatformResource, WarehouseResource

DATA_QUALITY = AssetKey("data_quality")
QUALITY_FILE = "quality.json"


def build_quality_assets(partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        key=DATA_QUALITY,
        partitions_def=partitions,
        group_name=GROUP,
        deps=[EVENTS, DOSSIERS, VIOLATIONS, LOAD_RUNS],  # what its suites read (two were left out: review)
        kinds={"great_expectations", "clickhouse"},
        check_specs=check_specs(DATA_QUALITY),
        description="Great Expectations suites on the events, the dossier projection, the violations and "
        "the load runs for the week; the results are stored in the warehouse before any report of the week "
        "is built. File: quality.json.",
    )
    def data_quality(
        context: AssetExecutionContext, warehouse: WarehouseResource, platform: PlatformResource
    ) -> MaterializeResult:  # type: ignore[type-arg]  # Dagster rejects a subscripted one here
        week = week_of(context)
        out_dir = platform.week_dir(week)
        with (
            warehouse.open_for_step(platform, context.retry_number) as wh,
            report_run(context, wh, "data_quality", platform, week) as run,
        ):
            components = platform.platform()
            result = quality.run_checks(components.catalogue, components.rulebooks, wh, week)
            quality.store_results(wh, result)
            failures = result.blocking_failures
            path = write_json(
                out_dir / QUALITY_FILE,
                result.to_json_dict(),
            )
            run.detail = {
                "quality_run_id": result.run_id,
                "expectations": len(result.results),
                "failed": sum(not r.success for r in result.results),
                "blocking_failed": len(failures),
            }
            halted = bool(failures) and platform.halt_on_blocking_failure
            if halted:  # the check fails the step once this block has ended: the row says so, and why
                run.status = "failed"
                run.detail["reports_withheld"] = True
        if halted:  # the reports are skipped: none stale may stay
            withhold(out_dir, failures)
        if failures:
            context.log.warning(
                "%s: %d blocking data-quality check(s) failed: %s",
                week,
                len(failures),
                "; ".join(f"{r.suite}/{r.expectation}" for r in failures),
            )
        return MaterializeResult(
            metadata={
                "week": str(week),
                "quality_run_id": result.run_id,
                "success": result.success,
                **run.detail,
                **paths_metadata([path], out_dir),
            },
            check_results=check_results(
                DATA_QUALITY,
                result.results,
                week=str(week),
                halt_on_blocking_failure=platform.halt_on_blocking_failure,
            ),
        )

    return [data_quality]
