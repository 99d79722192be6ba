"""The table ``dossier-audit violations`` prints: on stdout (it is the command's output; counts and notes go
to stderr), every dossier and event id in full whatever the terminal's width, times in Vietnam's time, and
headings in the report language (the ``lang`` setting)."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from typing import Any, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

from inspections.timeunits import VN_TZ
from reporting.i18n import Texts
from schemas.unseen import unseen

_HEADINGS: Final[dict[str, tuple[str, str]]] = {
    "title": ("Vi phạm đã lưu", "Stored violations"),
    "dossier": ("mã hồ sơ", "dossier"),
    "rule": ("quy tắc", "rule"),
    "event": ("mã sự kiện", "event"),
    "unit": ("đơn vị", "unit"),
    "at": ("thời điểm (giờ Việt Nam)", "occurred at (Vietnam time)"),
    "producer": ("nguồn", "producer"),
    "state": ("trạng thái", "state"),
}
_STATES: Final = {"open": ("đang mở", "open"), "retracted": ("đã rút lại", "retracted")}


def local(t: datetime) -> datetime:
    """A stored time (UTC, naive when the driver drops the zone) in Vietnam's time."""
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).astimezone(VN_TZ)


def shown(value: str) -> str:
    """An id as the table shows it, one reading per id: what the contract allows in one but a cell cannot
    show (a line break, a right-to-left mark: review) as ``\\uXXXX`` (``\\UXXXXXXXX`` beyond U+FFFF), a
    backslash doubled; one that is blank, begins or ends with a space, or begins with a quote in quotes, its
    quotes escaped. So it can be told from an empty cell, and copied back exactly."""
    text = "".join(_escaped(c) for c in value)
    if not text.strip() or text != text.strip() or text.startswith('"'):
        return '"' + text.replace('"', '\\"') + '"'
    return text


def _escaped(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if unseen(char):  # a line break split the row, a right-to-left mark reversed what followed
        code = ord(char)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def violations_table(rows: list[Any], lang: str, *, show_state: bool) -> Table:
    t = Texts(lang)

    def h(key: str) -> str:
        vi, en = _HEADINGS[key]
        return vi if lang == "vi" else en

    table = Table(title=h("title"), title_justify="left")
    keys = ["dossier", "rule", "event", "unit", "at", "producer"] + (["state"] if show_state else [])
    # Ids are never cut with "…": a dossier id is what one searches for. The dossier column is as wide as
    # its longest id; the other columns fold onto further lines on a narrow terminal, every character kept.
    longest = max((len(shown(str(row.dossier_id))) for row in rows), default=0)
    for key in keys:
        if key == "dossier":
            table.add_column(h(key), no_wrap=True, overflow="fold", min_width=longest)
        else:
            table.add_column(h(key), overflow="fold")
    for row in rows:
        cells = [shown(row.dossier_id), row.rule_id, shown(row.event_id) if row.event_id else "—",
                 shown(row.unit_code), t.instant(local(row.occurred_at)), shown(row.producer)]  # fmt: skip
        if show_state:
            vi, en = _STATES.get(row.state, (row.state, row.state))
            cells.append(vi if lang == "vi" else en)
        table.add_row(*(Text(c) for c in cells))  # data, not markup
    return table


def print_violations_table(rows: list[Any], lang: str, *, show_state: bool) -> None:
    """The table on stdout, as wide as it needs to be off a terminal (:func:`print_whole`)."""
    print_whole(Console(file=sys.stdout), violations_table(rows, lang, show_state=show_state))


def print_whole(console: Console, table: Table) -> None:
    """``table`` on ``console``; off a terminal (a pipe, a file) as wide as its rows need, never cut to the
    console's width (codes and ids came out as "000.0…" at 80 columns)."""
    if console.is_terminal:
        console.print(table)
        return
    wide = Console(file=io.StringIO(), width=10_000).measure(table).maximum
    Console(file=console.file, width=max(wide, 80)).print(table)
