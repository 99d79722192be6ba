"""The reporting entry points the CLI and the Dagster assets call (interface fixed by the lead)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dossier_audit.assembly import Platform
from inspections.weeks import Week
from warehouse.base import Warehouse


def weekly_metrics(platform: Platform, wh: Warehouse, week: Week) -> dict[str, Any]:
    """The week's reporting-form figures: province total, per unit, per field, per procedure (JSON-able;
    each form in the shape of ``ReportingForm.to_json_dict()``), plus indicator 2.1 / 766 points."""
    raise NotImplementedError


def violation_summary(platform: Platform, wh: Warehouse, week: Week) -> dict[str, Any]:
    """Violations of the week by rule and unit with week-on-week change (JSON-able)."""
    raise NotImplementedError


def write_weekly_report(
    platform: Platform, wh: Warehouse, week: Week, out_dir: Path, *, lang: str = "vi"
) -> list[Path]:
    """Write ``report.html``, ``report.pdf`` and ``report.xlsx`` (and chart images) into ``out_dir``."""
    raise NotImplementedError


def write_audit_packs(
    platform: Platform, wh: Warehouse, week: Week, out_dir: Path, *, lang: str = "vi", sample_size: int = 10
) -> list[Path]:
    """Write ``out_dir/units/<unit_code>.xlsx`` and ``.html`` for every unit with dossiers in the week."""
    raise NotImplementedError
