"""The human reports of the week: the leadership report (HTML, PDF, XLSX) and the per-unit audit packs.

Both are written into a staging directory and then moved over the previous files, so re-materializing a
week (a backfill) leaves exactly one set of files and none from an earlier run.
"""

# No ``from __future__ import annotations``: Dagster reads context and resource types from annotations.

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    PartitionsDefinition,
    asset,
)

import checks.results as quality_results
from pipelines.assets.common import (
    GROUP,
    WITHHELD_NOTE,
    paths_metadata,
    report_run,
    week_of,
)
from pipelines.assets.quality import DATA_QUALITY
from pipelines.resources import PlatformResource, WarehouseResource
from reporting import api as reporting_api
from reporting.staging import publish, staged


def build_report_assets(partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        partitions_def=partitions,
        group_name=GROUP,
        deps=["weekly_metrics", "violation_summary", DATA_QUALITY],
        kinds={"html", "pdf", "xlsx"},
        description="The weekly violation report for leadership: report.html, report.pdf, report.xlsx "
        "(Vietnamese by default). Built after the week's data-quality run, whose failures it states on "
        "its first page.",
    )
    def leadership_report(
        context: AssetExecutionContext, warehouse: WarehouseResource, platform: PlatformResource
    ) -> MaterializeResult[None]:
        week = week_of(context)
        out_dir = platform.week_dir(week)
        lang = platform.report_lang
        with (
            warehouse.open_for_step(platform, context.retry_number) as wh,
            report_run(context, wh, "leadership_report", platform, week) as run,
        ):
            blocking = [r for r in quality_results.latest_results(wh, week) if r.blocking and not r.success]
            with staged(out_dir, "leadership_report") as staging:
                built = platform.platform()
                written = reporting_api.write_weekly_report(
                    built.catalogue, platform.report_header(), wh, week, staging, calendar=built.calendar
                )
                paths = publish(staging, out_dir, written)
            (out_dir / WITHHELD_NOTE).unlink(missing_ok=True)  # built again: no longer withheld
            run.detail = {
                "paths": [str(p) for p in paths],
                "blocking_quality_failures": len(blocking),
                # What the alert sensor compares the week's figures with later (pipelines.final_figures).
                "final": written.final,
                "province": written.counters,
            }
        return MaterializeResult(
            metadata={
                "week": str(week),
                "lang": lang,
                "final": written.final,  # the figures were final when built (not provisional)
                "built_on_failed_data": bool(blocking),
                "blocking_quality_failures": len(blocking),
                **paths_metadata(paths, out_dir),
            }
        )

    @asset(
        partitions_def=partitions,
        group_name=GROUP,
        deps=["violation_summary", DATA_QUALITY],
        kinds={"xlsx", "html"},
        description="One audit pack per unit with dossiers in the week (units/<unit code>.xlsx and .html; a "
        "code that is not a plain national code gets a slug and a short hash of it): "
        "every violating dossier with its rule, legal basis and evidence timeline, plus a reproducible "
        "random sample of clean dossiers for on-site verification.",
    )
    def audit_packs(
        context: AssetExecutionContext, warehouse: WarehouseResource, platform: PlatformResource
    ) -> MaterializeResult[None]:
        week = week_of(context)
        out_dir = platform.week_dir(week)
        lang = platform.report_lang
        with (
            warehouse.open_for_step(platform, context.retry_number) as wh,
            report_run(context, wh, "audit_packs", platform, week) as run,
        ):
            with staged(out_dir, "audit_packs") as staging:
                written = reporting_api.write_audit_packs(
                    platform.platform().catalogue,
                    platform.report_header(),
                    wh,
                    week,
                    staging,
                    sample_size=platform.audit_sample_size,
                    calendar=platform.platform().calendar,
                )
                paths = publish(staging, out_dir, written)
            units = sorted({p.stem for p in paths if p.parent.name == "units"})
            run.detail = {"units": units, "files": len(paths)}
        return MaterializeResult(
            metadata={"week": str(week), "lang": lang, "units": len(units), **paths_metadata(paths, out_dir)}
        )

    return [leadership_report, audit_packs]
