"""The weekly assets, built for a partitions definition (the start date is a deployment choice)."""

from __future__ import annotations

from dagster import AssetsDefinition, AssetSpec, PartitionsDefinition

from pipelines.assets.metrics import build_metric_assets
from pipelines.assets.quality import build_quality_assets
from pipelines.assets.reports import build_report_assets
from pipelines.assets.warehouse_tables import warehouse_tables


def build_assets(partitions: PartitionsDefinition) -> list[AssetsDefinition | AssetSpec]:
    """The warehouse tables (external) and the weekly assets, in graph order."""
    return [
        *warehouse_tables(),
        *build_metric_assets(partitions),
        *build_quality_assets(partitions),
        *build_report_assets(partitions),
    ]
