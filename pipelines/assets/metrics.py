"""The week's figures: the reporting form per unit, field and procedure (with indicator 2.1 / 766 points)
and the violation summary. Each is written as JSON under ``<reports_dir>/<week>/``."""

# No ``from __future__ import annotations``: Dagster reads context and resource types from annotations.

from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from pipelines.assets.common import GROUP, paths_metadata, report_run, week_of, write_json
from pipelines.assets.warehouse_tables import DOSSIERS, VIOLATIONS
from pipelines.resources import PlatformResource, WarehouseResource
from reporting import api as reporting_api

METRICS_FILE = "metrics.json"
VIOLATIONS_FILE = "violations.json"


def form_figures(form: Any) -> dict[str, Any]:
    """Headline figures of a reporting form in ``ReportingForm.to_json_dict()`` shape (missing → absent)."""
    if not isinstance(form, dict):
        return {}
    figures: dict[str, Any] = {}
    for section in ("received", "resolved", "in_progress"):
        value = form.get(section)
        if isinstance(value, dict) and isinstance(value.get("total"), int):
            figures[f"{section}_total"] = value["total"]
    for key in ("on_time_rate", "progress_points_766"):
        if isinstance(form.get(key), int | float):
            figures[key] = float(form[key])
    return figures


def group_counts(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, int]:
    """How many entries each of ``keys`` holds (``units: 12``), for the keys present as collections."""
    return {k: len(data[k]) for k in keys if isinstance(data.get(k), dict | list)}


def summary_figures(data: dict[str, Any]) -> dict[str, int | float]:
    """The violation summary's headline numbers (those present)."""
    keys = (
        "total",
        "previous_total",
        "change",
        "previous_8_weeks_avg",
        "dossiers",
        "findings",
        "not_checkable",
    )
    return {
        k: data[k] for k in keys if isinstance(data.get(k), int | float) and not isinstance(data[k], bool)
    }


def rules_table(data: dict[str, Any]) -> str | None:
    """The violations by rule as a Markdown table (for the asset's page in Dagster)."""
    rows = data.get("by_rule")
    if not isinstance(rows, list) or not rows:
        return None
    lines = ["| rule | kind | this week | previous | change |", "|---|---|---:|---:|---:|"]
    for row in rows:
        if isinstance(row, dict):  # a rule appears once per kind (violation, finding, not_checkable)
            cells = (
                row.get("rule_id"),
                row.get("kind"),
                row.get("count"),
                row.get("previous"),
                row.get("change"),
            )
            lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    return "\n".join(lines)


def build_metric_assets(partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        partitions_def=partitions,
        group_name=GROUP,
        deps=[DOSSIERS],
        kinds={"clickhouse", "json"},
        description="The national reporting form for the week: province, per unit, per field and per "
        "procedure, with indicator 2.1 (on-time rate) and the 766 progress points; every receiving unit has "
        "a form, an empty one (rate null, unranked) when it received nothing. File: metrics.json.",
    )
    def weekly_metrics(
        context: AssetExecutionContext, warehouse: WarehouseResource, platform: PlatformResource
    ) -> MaterializeResult[None]:
        week = week_of(context)
        out_dir = platform.week_dir(week)
        with (
            warehouse.open_for_step(platform, context.retry_number) as wh,
            report_run(context, wh, "weekly_metrics", platform, week) as run,
        ):
            data = reporting_api.weekly_metrics(platform.platform().catalogue, wh, week)
            path = write_json(out_dir / METRICS_FILE, data)
            figures = form_figures(data.get("province"))
            run.detail = {"path": str(path), **figures}
        context.log.info("metrics of %s: %s", week, figures)
        return MaterializeResult(
            metadata={
                "week": str(week),
                **figures,
                **group_counts(data, ("units", "fields", "procedures")),
                **paths_metadata([path], out_dir),
            }
        )

    @asset(
        partitions_def=partitions,
        group_name=GROUP,
        deps=[VIOLATIONS],
        kinds={"clickhouse", "json"},
        description="Violations of the week by rule and unit, with the week-on-week change. "
        "File: violations.json.",
    )
    def violation_summary(
        context: AssetExecutionContext, warehouse: WarehouseResource, platform: PlatformResource
    ) -> MaterializeResult[None]:
        week = week_of(context)
        out_dir = platform.week_dir(week)
        with (
            warehouse.open_for_step(platform, context.retry_number) as wh,
            report_run(context, wh, "violation_summary", platform, week) as run,
        ):
            data = reporting_api.violation_summary(platform.platform().catalogue, wh, week)
            path = write_json(out_dir / VIOLATIONS_FILE, data)
            figures = summary_figures(data)
            run.detail = {"path": str(path), **figures}
        table = rules_table(data)
        return MaterializeResult(
            metadata={
                "week": str(week),
                **figures,
                **{f"{k}_count": n for k, n in group_counts(data, ("by_rule", "by_unit")).items()},
                **({"violations_by_rule": MetadataValue.md(table)} if table else {}),
                **paths_metadata([path], out_dir),
            }
        )

    return [weekly_metrics, violation_summary]
