"""The report's charts as PNG images (matplotlib's object API with the Agg canvas: no pyplot state, safe in
worker threads). Labels use DejaVu Sans, which covers Vietnamese."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from reporting import gather
from reporting.model import WeeklyReport

#: Chart files written next to the report (the HTML references them by these names).
TREND_PNG = "chart_trend.png"
RULES_PNG = "chart_violations_by_rule.png"
RANKING_PNG = "chart_unit_ranking.png"

_DPI = 150
_MAX_UNIT_LINES = 8
_PROVINCE_COLOR = "#b30000"


def _printable(text: str) -> str:
    """A label as a chart can draw it: a tab or line break in a unit name (catalogue data) has no glyph, so
    every control character becomes a space."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_facecolor("white")
    return fig, ax


def _save(fig: Figure, path: Path) -> Path:
    # No "Software" metadata: the same report gives the same bytes across matplotlib patch versions.
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _no_data(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, color="#555555", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _percent_axis(report: WeeklyReport) -> FuncFormatter:
    t = report.texts
    return FuncFormatter(lambda x, _pos: t.percent(x, 0))


def trend_chart(report: WeeklyReport, path: Path) -> Path:
    """The on-time rate of the province (bold) and of the largest units over the trend weeks."""
    t = report.texts
    fig, ax = _figure(9, 4.2)
    ax.set_title(t("c_trend"))
    labels = [f"{p.week.number:02d}/{p.week.year}" for p in report.trend]
    xs = list(range(len(labels)))
    province = [p.province.on_time_rate for p in report.trend]
    if all(r is None for r in province):
        _no_data(ax, t("c_no_data"))
        return _save(fig, path)
    volume: dict[str, int] = {}
    for p in report.trend:
        for code, form in p.units.items():
            volume[code] = volume.get(code, 0) + gather.handled(form)
    biggest = sorted(volume, key=lambda c: (-volume[c], c))[:_MAX_UNIT_LINES]
    for code in sorted(biggest):
        rates = [p.units[code].on_time_rate if code in p.units else None for p in report.trend]
        ax.plot(xs, [float("nan") if r is None else r for r in rates], marker=".", linewidth=1, alpha=0.6,
                label=_printable(report.names.unit(code)))  # fmt: skip
    ax.plot(xs, [float("nan") if r is None else r for r in province], marker="o", linewidth=3,
            color=_PROVINCE_COLOR, label=t("h_province_total"))  # fmt: skip
    ax.set_xticks(xs, labels)
    ax.set_xlabel(t("h_week"))
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(_percent_axis(report))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False)
    return _save(fig, path)


def rules_chart(report: WeeklyReport, path: Path) -> Path:
    """Violations by rule: this week against the previous week."""
    t = report.texts
    rules = [r for r in report.violations.rules if r.kind == "violation" and (r.count or r.previous)]
    fig, ax = _figure(9, max(2.5, 0.45 * len(rules) + 1.2))
    ax.set_title(t("c_rules"))
    if not rules:
        _no_data(ax, t("no_violations"))
        return _save(fig, path)
    rules.reverse()  # barh draws bottom-up; the biggest goes on top
    ys = list(range(len(rules)))
    ax.barh([y + 0.2 for y in ys], [r.count for r in rules], height=0.4, color=_PROVINCE_COLOR,
            label=t("h_this_week"))  # fmt: skip
    ax.barh([y - 0.2 for y in ys], [r.previous for r in rules], height=0.4, color="#999999",
            label=t("h_prev_week"))  # fmt: skip
    ax.set_yticks(ys, [t.rule_title(r.rule_id) for r in rules], fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def ranking_chart(report: WeeklyReport, path: Path) -> Path:
    """Units by on-time rate, ranked (the best on top)."""
    t = report.texts
    ranked = [r for r in report.ranking if r.rank is not None]
    fig, ax = _figure(9, max(2.5, 0.4 * len(ranked) + 1.2))
    ax.set_title(t("c_ranking"))
    if not ranked:
        _no_data(ax, t("c_no_data"))
        return _save(fig, path)
    ranked = list(reversed(ranked))
    ys = list(range(len(ranked)))
    rates = [r.form.on_time_rate or 0.0 for r in ranked]
    province = report.province.on_time_rate
    colors = [_PROVINCE_COLOR if province is not None and rate < province else "#2b6cb0" for rate in rates]
    ax.barh(ys, rates, color=colors)
    for y, rate in zip(ys, rates, strict=True):
        ax.text(rate + 0.01, y, t.percent(rate), va="center", fontsize=7)
    ax.set_yticks(ys, [_printable(f"{r.rank}. {report.names.unit(r.code)}") for r in ranked], fontsize=8)
    if province is not None:
        ax.axvline(province, color="#333333", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(_percent_axis(report))
    return _save(fig, path)


def write_charts(report: WeeklyReport, out_dir: Path) -> dict[str, Path]:
    """Write the three charts into ``out_dir``; returns them by role (trend, rules, ranking)."""
    return {
        "trend": trend_chart(report, out_dir / TREND_PNG),
        "rules": rules_chart(report, out_dir / RULES_PNG),
        "ranking": ranking_chart(report, out_dir / RANKING_PNG),
    }
