"""The report's charts as PNG images (matplotlib's object API with the Agg canvas: no pyplot state, safe in
worker threads). Labels use DejaVu Sans, which covers Vietnamese."""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reporting.model import WeeklyReport
from reporting.violation_tables import comparable, rule_label

#: Chart files written next to the report (the HTML references them by these names).
TREND_PNG = "chart_trend.png"
RULES_PNG = "chart_violations_by_rule.png"
RANKING_PNG = "chart_unit_ranking.png"

_DPI = 150
#: Unit lines on the trend chart besides the province: the lowest rates this week (more is unreadable).
_MAX_UNIT_LINES = 4
_PROVINCE_COLOR = "#b30000"
_ABOVE_COLOR = "#2b6cb0"
_UNIT_COLORS = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e")
#: Each unit line's own dashes and marker besides its colour: printed in black and white (as most offices
#: print) the lines differed by colour alone, one grey like the other (review).
_UNIT_STYLES = (("--", "s"), ("-.", "^"), (":", "D"), ((0, (6, 2, 1, 2, 1, 2)), "v"))
#: The bars below the province's rate are hatched too: red and blue print as two greys.
_BELOW_HATCH = "///"
#: The ranking chart's value labels (the rates right of the plot), by their artist id.
VALUE_LABEL = "value-label"
#: The ranking chart's dashed line at the province's rate, by its artist id.
PROVINCE_LINE = "province-line"


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


def _percent_axis(report: WeeklyReport, axis: Any) -> None:
    """Ticks at whole percents where the range allows (steps of 1, 2, 5 or 10 points, never 2.5: a tick
    at 82.5 % printed as "82 %" put the province's 92.8 % line just past "92 %"), each labelled exactly:
    a tick between whole percents, on a very narrow axis, keeps its decimal."""
    t = report.texts
    axis.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: t.percent(x, tick_digits(x))))


def tick_digits(rate: float) -> int:
    """Decimals that print a 0..1 rate's percent exactly enough for a tick: none for a whole percent."""
    points = rate * 100
    return 0 if math.isclose(points, round(points), abs_tol=1e-6) else 1


def zoom(values: list[float], *, pad: float = 0.01, step: float = 0.02) -> tuple[float, float]:
    """Axis limits around 0..1 ``values``: from a ``step`` below the smallest (minus ``pad``) to a
    ``step`` above the largest, within [0, 1.02], so 91–96 % fills the axis instead of its top twentieth."""
    if not values:
        return 0.0, 1.02
    low = max(0.0, math.floor((min(values) - pad) / step) * step)
    high = min(1.02, math.ceil((max(values) + pad) / step) * step)
    if high - low < 2 * step:
        low = max(0.0, high - 2 * step)
    return low, high


def trend_labels(report: WeeklyReport) -> list[str]:
    """The trend's week labels; a provisional report week's says so ("(tạm tính)" under it)."""
    labels = [f"{p.week.number:02d}/{p.week.year}" for p in report.trend]
    if labels and report.maturity.provisional:
        labels[-1] += f"\n({report.texts('provisional_mark')})"
    return labels


def trend_chart(report: WeeklyReport, path: Path) -> Path:
    """The on-time rate of the province (thick red) and of the units with the lowest rate this week (thin),
    over the trend weeks; the axis zoomed to the data, the legend under the plot. A provisional week's point
    is hollow and its label says "(tạm tính)"."""
    t = report.texts
    fig, ax = _figure(9, 4.0)
    ax.set_title(t("c_trend"), fontsize=13)
    labels = trend_labels(report)
    xs = list(range(len(labels)))
    province = [p.province.on_time_rate for p in report.trend]
    if all(r is None for r in province):
        _no_data(ax, t("c_no_data"))
        return _save(fig, path)
    ranked = [r.code for r in report.ranking if r.rank is not None]
    lowest = list(reversed(ranked))[:_MAX_UNIT_LINES]
    shown: list[float] = [r for r in province if r is not None]
    for i, code in enumerate(lowest):
        rates = [p.units[code].on_time_rate if code in p.units else None for p in report.trend]
        shown += [r for r in rates if r is not None]
        dashes, marker = _UNIT_STYLES[i % len(_UNIT_STYLES)]
        ax.plot(xs, [float("nan") if r is None else r for r in rates], marker=marker, markersize=5,
                linewidth=1.4, linestyle=dashes, color=_UNIT_COLORS[i % len(_UNIT_COLORS)],
                label=_printable(report.names.unit(code)))  # fmt: skip
    ax.plot(xs, [float("nan") if r is None else r for r in province], marker="o", linewidth=3.2,
            color=_PROVINCE_COLOR, label=t("h_province_total"))  # fmt: skip
    if report.maturity.provisional and province[-1] is not None:  # hollow: not final yet
        ax.plot([xs[-1]], [province[-1]], marker="o", markersize=10, markerfacecolor="white",
                markeredgewidth=2.2, markeredgecolor=_PROVINCE_COLOR, linestyle="none")  # fmt: skip
    ax.set_xticks(xs, labels, fontsize=10)
    ax.set_xlabel(t("h_week"), fontsize=11)
    ax.set_ylim(*zoom(shown))
    _percent_axis(report, ax.yaxis)
    ax.tick_params(axis="y", labelsize=10)
    ax.grid(axis="y", alpha=0.3)
    # Below the axis title, which a two-line week label ("47/2025 (tạm tính)") pushes down: it sat on the
    # legend's first row (review of 2026-12-05).
    below = -0.27 if any("\n" in label for label in labels) else -0.2
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, below), ncol=3, fontsize=10, frameon=False)
    return _save(fig, path)


def rules_bars(report: WeeklyReport) -> list[tuple[str, int, int | None]]:
    """The rules chart's bars, biggest first: (label, this week, the week before or ``None``). The week
    before only where the report's tables compare the rule (``violation_tables.comparable``): a provisional
    week's time-triggered rules are labelled so and drawn alone, as their rows show "—" (review of
    2026-12-04: the chart set them against last week's complete counts)."""
    bars = []
    for r in report.violations.rules:
        compared = comparable(report, r)
        if r.kind != "violation" or not (r.count or (compared and r.previous)):
            continue  # nothing to draw: a bar of last week alone only where the tables compare it
        bars.append((rule_label(report, r), r.count, r.previous if compared else None))
    return bars


def rules_chart(report: WeeklyReport, path: Path) -> Path:
    """Violations by rule: this week against the previous week (where the tables compare them)."""
    t = report.texts
    bars = rules_bars(report)
    fig, ax = _figure(9, max(2.5, 0.45 * len(bars) + 1.2))
    ax.set_title(t("c_rules"))
    if not bars:
        _no_data(ax, t("no_violations"))
        return _save(fig, path)
    bars.reverse()  # barh draws bottom-up; the biggest goes on top
    ys = list(range(len(bars)))
    ax.barh([y + 0.2 for y in ys], [count for _, count, _ in bars], height=0.4, color=_PROVINCE_COLOR,
            label=t("h_this_week"))  # fmt: skip
    before = [(y, previous) for y, (_, _, previous) in zip(ys, bars, strict=True) if previous is not None]
    if before:
        ax.barh([y - 0.2 for y, _ in before], [previous for _, previous in before], height=0.4,
                color="#999999", label=t("h_prev_week"))  # fmt: skip
    ax.set_yticks(ys, [_printable(label) for label, _, _ in bars], fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def ranking_chart(report: WeeklyReport, path: Path) -> Path:
    """Units by on-time rate, ranked (the best on top), on an axis zoomed to the rates: red below the
    province's rate, blue at or above it, the province's rate dashed; a legend says so."""
    return _save(ranking_figure(report), path)


def ranking_figure(report: WeeklyReport) -> Figure:
    """The ranking chart's figure. Each unit's rate is printed in a column right of the plot, level with its
    bar: at the bar's end, a rate just under the province's had the dashed province line run through it, and
    a 100 % its frame (review of the rendered report)."""
    t = report.texts
    ranked = [r for r in report.ranking if r.rank is not None]
    fig, ax = _figure(9, max(2.6, 0.34 * len(ranked) + 1.4))
    ax.set_title(t("c_ranking"), fontsize=13)
    if not ranked:
        _no_data(ax, t("c_no_data"))
        return fig
    ranked = list(reversed(ranked))
    ys = list(range(len(ranked)))
    rates = [r.form.on_time_rate or 0.0 for r in ranked]
    province = report.province.on_time_rate
    low, high = zoom([*rates, *([province] if province is not None else [])], pad=0.01)
    below = [province is not None and rate < province for rate in rates]
    colors = [_PROVINCE_COLOR if b else _ABOVE_COLOR for b in below]
    ax.barh(ys, [rate - low for rate in rates], left=low, color=colors,
            hatch=[_BELOW_HATCH if b else "" for b in below], edgecolor="white", linewidth=0)  # fmt: skip
    for y, rate in zip(ys, rates, strict=True):  # x in the axes' width, y in data: just past the frame
        ax.text(1.01, y, t.percent(rate), transform=ax.get_yaxis_transform(), ha="left", va="center",
                fontsize=9, gid=VALUE_LABEL)  # fmt: skip
    ax.set_yticks(ys, [_printable(f"{r.rank}. {report.names.unit(r.code)}") for r in ranked], fontsize=10)
    handles = [
        Patch(facecolor=_PROVINCE_COLOR, hatch=_BELOW_HATCH, edgecolor="white", label=t("c_below")),
        Patch(color=_ABOVE_COLOR, label=t("c_above")),
    ]
    if province is not None:
        line = ax.axvline(province, color="#333333", linestyle="--", linewidth=1.2, gid=PROVINCE_LINE)
        line.set_label(f"{t('c_province_line')} ({t.percent(province)})")
        handles.append(line)
    ax.set_xlim(low, high)
    _percent_axis(report, ax.xaxis)
    ax.tick_params(axis="x", labelsize=10)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=9.5,
              frameon=False)  # fmt: skip
    return fig


def write_charts(report: WeeklyReport, out_dir: Path) -> dict[str, Path]:
    """Write the three charts into ``out_dir``; returns them by role (trend, rules, ranking)."""
    return {
        "trend": trend_chart(report, out_dir / TREND_PNG),
        "rules": rules_chart(report, out_dir / RULES_PNG),
        "ranking": ranking_chart(report, out_dir / RANKING_PNG),
    }
