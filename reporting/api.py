"""The reporting entry points the CLI and the Dagster assets call (interface fixed by the lead)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bootstrap.platform import Platform
from inspections.weeks import Week
from reporting import gather
from reporting.i18n import check_lang
from reporting.model import Names, build_report, metrics_json, violations_json
from warehouse.base import Warehouse


def weekly_metrics(platform: Platform, wh: Warehouse, week: Week) -> dict[str, Any]:
    """The week's reporting-form figures: province total, per unit, per field, per procedure (JSON-able;
    each form in the shape of ``ReportingForm.to_json_dict()``), plus indicator 2.1 / 766 points."""
    forms = gather.week_forms(platform, wh, week)
    return metrics_json(week, forms, Names(platform.catalogue))


def violation_summary(platform: Platform, wh: Warehouse, week: Week) -> dict[str, Any]:
    """Violations of the week by rule and unit with week-on-week change (JSON-able)."""
    counts = gather.violation_counts(platform, wh, week)
    return violations_json(counts, Names(platform.catalogue))


def write_weekly_report(
    platform: Platform, wh: Warehouse, week: Week, out_dir: Path, *, lang: str = "vi"
) -> list[Path]:
    """Write ``report.html``, ``report.pdf`` and ``report.xlsx`` (and chart images) into ``out_dir``."""
    from reporting.charts import write_charts
    from reporting.html import write_report_html
    from reporting.pdf import write_report_pdf
    from reporting.xlsx import write_report_xlsx

    check_lang(lang)
    report = build_report(platform, wh, week, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = write_charts(report, out_dir)
    return [
        write_report_html(report, charts, out_dir / "report.html"),
        write_report_pdf(report, charts, out_dir / "report.pdf"),
        write_report_xlsx(report, charts, out_dir / "report.xlsx"),
        *charts.values(),
    ]


def write_audit_packs(
    platform: Platform, wh: Warehouse, week: Week, out_dir: Path, *, lang: str = "vi", sample_size: int = 10
) -> list[Path]:
    """Write ``out_dir/units/<unit_code>.xlsx`` and ``.html`` for every unit with dossiers in the week."""
    from reporting.packs import write_packs

    check_lang(lang)
    return write_packs(platform, wh, week, out_dir, lang, sample_size)
