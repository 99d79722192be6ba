"""The main job's closing summary on the terminal (and in ``reports/summary.txt``), in the report language.

Two periods appear and each is named where it is used: the report's week (the figures of indicator 2.1,
as on the PDF's first page) and "toàn kỳ", the whole period loaded, evaluated at the run's time (the open
violations of every week, as ``violations.jsonl`` holds them). Numbers, rates and severities are written as
the reports write them in that language (``94,2 %``, ``2.726``, "Cao" in Vietnamese). A provisional week
is marked as the report marks it (``reporting.reach.week_maturity``), and the summary ends with the two
commands that open the inspector's console on the run's results.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bootstrap.platform import Platform
from bootstrap.settings import Settings
from inspections.audit_error import reported_rules
from inspections.metrics import ReportingForm
from inspections.violations import NOT_CHECKABLE
from inspections.weeks import Week
from reporting.gather import lowest_rated
from reporting.i18n import Texts
from reporting.reach import Maturity, figures_and_maturity
from reporting.visible import visible
from warehouse.base import Warehouse

_WORDS: Final[dict[str, tuple[str, str]]] = {
    "week": (
        "[bold]Tuần {number}/{year} ({start} – {sunday})[/], tuần của báo cáo: {received} hồ sơ phải giải "
        "quyết; tỷ lệ giải quyết đúng hạn (chỉ số 2.1) {rate}, tương ứng {points}/20 điểm.",
        "[bold]Week {number}/{year} ({start} – {sunday})[/], the report's week: {received} dossiers to "
        "handle; on-time rate (indicator 2.1) {rate}, i.e. {points}/20 points.",
    ),
    "provisional": (
        "[bold]Số liệu tuần {number}/{year} là tạm tính[/]: {reasons} Báo cáo không so sánh các vi phạm về "
        "thời hạn của tuần này với các tuần trước; số liệu là chính thức khi dữ liệu cập nhật đến "
        "{final_day}.",
        "[bold]Week {number}/{year}'s figures are provisional[/]: {reasons} The report does not compare its "
        "time-limit violations with earlier weeks; the figures are final once the data reach {final_day}.",
    ),
    "console_title": (
        "Xem và xử lý kết quả trên bảng điều khiển của đoàn kiểm tra:",
        "To review the results in the inspectors' console:",
    ),
    "console_user": (
        "một lần: tạo tài khoản (hỏi mật khẩu)",
        "once: create an account (asks for a password)",
    ),
    "console_serve": ("bảng điều khiển: {url}", "the console: {url}"),
    "rate_defined": (
        "Tỷ lệ đúng hạn = (hồ sơ đã giải quyết trước hạn và đúng hạn + hồ sơ đang giải quyết còn trong hạn) "
        "/ (hồ sơ đã giải quyết + hồ sơ đang giải quyết).",
        "On-time rate = (resolved early or on time + in progress within time) / (resolved + in progress).",
    ),
    "whole": (
        "“Toàn kỳ”: toàn bộ dữ liệu đã nạp, đánh giá tại {as_of} — không chỉ tuần của báo cáo.",
        "“Whole period”: all the data loaded, evaluated at {as_of} — not only the report's week.",
    ),
    "rules_title": ("Vi phạm đang mở theo quy tắc (toàn kỳ)", "Open violations by rule (whole period)"),
    "worst_title": (
        "Đơn vị có tỷ lệ đúng hạn thấp nhất, tuần {number}/{year}",
        "Units with the lowest on-time rate, week {number}/{year}",
    ),
    "c_rule": ("quy tắc", "rule"),
    "c_title": ("nội dung", "violation"),
    "c_severity": ("mức độ", "severity"),
    "c_count": ("số vụ (toàn kỳ)", "count (whole period)"),
    "c_unit": ("mã đơn vị", "unit code"),
    "c_name": ("tên đơn vị", "unit"),
    "c_dossiers": ("hồ sơ (tuần)", "dossiers (week)"),
    "c_rate": ("tỷ lệ đúng hạn (tuần)", "on-time rate (week)"),
    "c_violations": ("vi phạm (toàn kỳ)", "violations (whole period)"),
    "audit_title": ("Vi phạm theo quy tắc", "Violations by rule"),
    "a_count": ("số vụ", "count"),
    "a_unchecked": ("không kiểm tra được", "not checkable"),
    "a_total": ("tổng", "total"),
    "a_unchecked_note": (
        "không kiểm tra được: {n} (hệ thống nguồn không cung cấp trường dữ liệu quy tắc cần: xem các bản ghi "
        "loại not_checkable; không tính là vi phạm)",
        "not checkable: {n} (a source cannot provide a field the rule needs: see the records of kind "
        "not_checkable; not counted as violations)",
    ),
}


def _w(lang: str, key: str, **values: object) -> str:
    vi, en = _WORDS[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


def _marked(lang: str, key: str, **values: object) -> Text:
    """:func:`_w` of a text with Rich markup (``[bold]``), its values as they read: a feed's name is an
    event's ``source.system`` or a unit code, any text the contract allows, and ``[/x]`` in one stopped the
    main job at its summary on every run after, ``[link=…]`` made a link (review of hostile text). Only the
    template is markup; each value goes into the plain text of its piece, through ``visible`` (an escape
    sequence in a unit code retitled the operator's window and cleared the screen, again at each ``cat
    summary.txt``). Rich's own escaping is not enough: it drops a backslash before any ``[``."""
    template = Text.from_markup(_w(lang, key))  # no value in it: the markup is ours
    shown = {name: visible(str(value)) for name, value in values.items()}
    cuts = sorted({span.start for span in template.spans} | {span.end for span in template.spans})
    return Text.assemble(
        *((piece.plain.format(**shown), piece.spans[0].style if piece.spans else "")
          for piece in template.divide(cuts))
    )  # fmt: skip


def print_summary(
    console: Console,
    platform: Platform,
    week: Week,
    as_of: datetime,
    metrics: dict[str, Any],
    counts: Counter[str],
    by_unit: Counter[str],
    lang: str,
    *,
    wh: Warehouse | None = None,
) -> None:
    """The week's indicator 2.1 (marked provisional as the report marks it, when ``wh`` is given), then the
    whole period's open violations by rule, then the week's five units with the lowest on-time rate, then
    the commands that open the console on these results."""
    t = Texts(lang)
    province = metrics.get("province") or {}
    # From the form's counts, as the report computes them (not the JSON's rounded rate, rounded again).
    counted = ReportingForm.counts_of(province) if province else None
    rate, points = (counted.on_time_rate, counted.progress_points_766) if counted else (None, None)
    received = (province.get("received") or {}).get("total", 0)
    console.print(
        _marked(lang, "week", number=f"{week.number:02d}", year=week.year, start=t.day(week.start),
           sunday=t.day(week.sunday), received=t.integer(received), rate=t.percent(rate),
           points=t.decimal(points)),
        highlight=False,
    )  # fmt: skip
    maturity = summary_maturity(platform, week, wh, lang)
    if maturity is not None and maturity.provisional:
        console.print(
            _marked(lang, "provisional", number=f"{week.number:02d}", year=week.year,
               reasons=" ".join(r[:1].upper() + r[1:] for r in maturity.reasons),
               final_day=t.day(maturity.final_on)),
            highlight=False,
        )  # fmt: skip
    console.print(_w(lang, "rate_defined"), highlight=False, markup=False)
    console.print(_w(lang, "whole", as_of=t.instant(as_of)), highlight=False, markup=False)

    table = Table(title=_w(lang, "rules_title"), title_justify="left")
    for key in ("c_rule", "c_title", "c_severity", "c_count"):
        table.add_column(_w(lang, key), justify="right" if key == "c_count" else "left")
    for rule in reported_rules():
        if counts.get(rule.rule_id):
            title = rule.title_vi if lang == "vi" else rule.title_en
            table.add_row(
                rule.rule_id, title, t.severity(rule.severity.value), t.integer(counts[rule.rule_id])
            )
    console.print(table)

    worst = Table(
        title=_w(lang, "worst_title", number=f"{week.number:02d}", year=week.year), title_justify="left"
    )
    for key in ("c_unit", "c_name", "c_dossiers", "c_rate", "c_violations"):
        worst.add_column(_w(lang, key), justify="left" if key in ("c_unit", "c_name") else "right")
    units: dict[str, dict[str, Any]] = metrics.get("units") or {}
    forms = {code: ReportingForm.counts_of(form) for code, form in units.items()}
    for ranked in lowest_rated(forms, 5):  # as the console's dashboard lists them
        code, form = ranked.code, ranked.form
        unit = platform.catalogue.unit(code)
        name = Text(visible(unit.name)) if unit else "?"
        worst.add_row(Text(visible(code)), name, t.integer(form.received_total), t.percent(form.on_time_rate),
                      t.integer(by_unit.get(code, 0)))  # fmt: skip
    console.print(worst)
    console.print(_w(lang, "console_title"), highlight=False, markup=False)
    for line in console_commands(platform.settings, lang):
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)  # never wrapped


def summary_maturity(platform: Platform, week: Week, wh: Warehouse | None, lang: str) -> Maturity | None:
    """The week's maturity as the weekly report judges it (now, per feed; ``None`` without a warehouse)."""
    if wh is None:
        return None
    rule = platform.report_header(lang).maturity
    _, maturity = figures_and_maturity(Texts(lang), platform.catalogue, wh, week, rule, datetime.now(UTC))
    return maturity


#: The console's address when served with its defaults.
CONSOLE_URL = "http://127.0.0.1:8080"
_DEFAULT_WORKDIR = Path(".dossier-audit")


def console_commands(settings: Settings, lang: str) -> list[str]:
    """``dossier-audit users add …`` and ``dossier-audit console``, each with a comment in ``lang``; with
    ``--warehouse`` on the run's embedded warehouse when the workdir is not the default one (the commands'
    own default)."""
    extra = ""
    if settings.warehouse is None and settings.workdir != _DEFAULT_WORKDIR:
        extra = f" --warehouse {settings.warehouse_url}"
    add = f"dossier-audit users add LOGIN --role inspector{extra}"
    serve = f"dossier-audit console{extra}"
    width = max(len(add), len(serve)) + 3
    return [
        f"{add:<{width}}# {_w(lang, 'console_user')}",
        f"{serve:<{width}}# {_w(lang, 'console_serve', url=CONSOLE_URL)}",
    ]


def audit_summary(counts: Counter[tuple[str, str]], lang: str) -> tuple[Table, str | None]:
    """``audit``'s and ``violations``' summary (stderr) in the report language: per rule its violations
    (and findings), with a "not checkable" column and a note when some rule could not be checked — a column
    apart, never added to the violations. ``counts`` is by (rule id, kind)."""
    t = Texts(lang)
    unchecked = sum(n for (_, kind), n in counts.items() if kind == NOT_CHECKABLE)
    table = Table(title=_w(lang, "audit_title"), title_justify="left")
    keys = ["c_rule", "c_title", "c_severity", "a_count"] + (["a_unchecked"] if unchecked else [])
    for key in keys:  # the rule id whole (it is what one searches for); the titles wrap
        table.add_column(
            _w(lang, key), justify="right" if key in ("a_count", "a_unchecked") else "left",
            no_wrap=key in ("c_rule", "a_count", "a_unchecked"),
        )  # fmt: skip
    total = sum(n for (_, kind), n in counts.items() if kind != NOT_CHECKABLE)
    for rule in reported_rules():
        n = sum(c for (r, kind), c in counts.items() if r == rule.rule_id and kind != NOT_CHECKABLE)
        missed = counts.get((rule.rule_id, NOT_CHECKABLE), 0)
        if n or missed:
            title = rule.title_vi if lang == "vi" else rule.title_en
            cells = [rule.rule_id, title, t.severity(rule.severity.value), t.integer(n)]
            table.add_row(*cells, *([t.integer(missed) if missed else ""] if unchecked else []))
    totals = [_w(lang, "a_total"), "", "", t.integer(total)] + ([t.integer(unchecked)] if unchecked else [])
    table.add_row(*totals, style="bold")
    note = _w(lang, "a_unchecked_note", n=t.integer(unchecked)) if unchecked else None
    return table, note
