"""The console's downloads: the filtered violations list as XLSX, and a unit's audit pack.

The list is written row by row with ``reporting.cells.streamed`` (text cells never evaluated: a dossier id
or rule text starting with ``=`` stays text). The audit pack is the reports' own
(``reporting.api.write_audit_packs``), written into a temporary directory and returned as bytes: the console
never keeps files.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from console.service import Account, ConsoleService, ListQuery, ListResult
from console.texts import ConsoleTexts
from inspections.timeunits import VN_TZ
from inspections.weeks import Week, WeekError
from reporting.api import write_audit_packs
from reporting.cells import streamed
from reporting.header import ReportHeader
from reporting.packs import pack_file_stem
from warehouse.base import Warehouse

#: The column of the violation's time, and its display in each language (as the pages write it).
_TIME = 7
_TIME_FORMAT = {"vi": "dd/mm/yyyy hh:mm", "en": "yyyy-mm-dd hh:mm"}
#: Rows in one export (the list pages through the warehouse up to this many).
MAX_EXPORT_ROWS = 100_000
_PAGE = 5_000


def list_xlsx(service: ConsoleService, who: Account, query: ListQuery, t: ConsoleTexts) -> bytes:
    """The violations the filters match (every page, within ``who``'s scope, at most ``MAX_EXPORT_ROWS``:
    a line under them says so when more match), one row each, with its kind (a data finding is no
    violation: RULES v2, amendment 5) and its case state in the words of that kind; each dossier in it is
    logged as read (``export``).

    Written row by row into a write-only workbook: a sheet of 41,000 rows took the console from 560 to
    983 MB while openpyxl held every cell, and 100,000 rows would hold more (review at a province's
    scale)."""
    # The filters are checked (a refusal raised) before a file is begun: a write-only sheet left unfinished
    # is an open stream.
    result = service.list_violations(who, _page(query, 1), limit=_PAGE)
    wb = Workbook(write_only=True)
    try:
        return _write_list(wb, result, service, who, query, t)
    except BaseException:
        # A write-only sheet streams into a temporary file that only saving the book removes: a failure
        # half-way (a later page, the log) left one behind for every failed export (review).
        with contextlib.suppress(Exception):
            wb.save(io.BytesIO())
        raise


def _write_list(
    wb: Workbook, result: ListResult, service: ConsoleService, who: Account, query: ListQuery, t: ConsoleTexts
) -> bytes:
    """:func:`list_xlsx`'s workbook, from the first page of the list (``result``) on."""
    ws = wb.create_sheet(t.ui("violations")[:31])
    ws.freeze_panes = "A2"  # the headings stay in view, and each column filters
    headings = [t.ui("dossier"), t.ui("rule"), t.ui("kind"), t.ui("event_id"), t.ui("unit"),
                t.ui("severity"), t.ui("violation_at"), t.ui("case_state")]  # fmt: skip
    ws.append([streamed(ws, heading) for heading in headings])
    rows = 0
    page = 1
    exported: dict[str, None] = {}
    total = 0
    while True:
        total = result.total
        for item in result.rows[: MAX_EXPORT_ROWS - rows]:
            r = item.row
            exported[r.dossier_id] = None
            # The time as a date-time cell in Vietnam's time, shown as the pages show it: a sheet sorts and
            # filters it as a time (it was text: review of 2026-12-04).
            local = r.occurred_at.astimezone(VN_TZ).replace(tzinfo=None)
            # Its kind, and its state in that kind's words: a concluded data finding read "Đã kết luận có vi
            # phạm" in a sheet of violations, beside a page that calls it no violation (review).
            values = [r.dossier_id, f"{r.rule_id} — {t.rule_title(r.rule_id)}", t.kind(r.kind), r.event_id,
                      r.unit_code, t.severity(r.severity), local, t.state(item.state, r.kind)]  # fmt: skip
            if item.case.to_review:  # as the list says it (``inspections.cases``)
                values[-1] = f"{values[-1]} ({t.ui('to_review_short')})"
            cells = [streamed(ws, value) for value in values]
            cells[_TIME - 1].number_format = _TIME_FORMAT[t.lang]
            ws.append(cells)
            rows += 1
        if page >= result.pages or rows >= MAX_EXPORT_ROWS:
            break
        page += 1
        result = service.list_violations(who, _page(query, page), limit=_PAGE)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{rows + 1}"
    if total > rows:  # cut at the limit: said under the rows (the file stopped without a word: review)
        ws.append([])
        ws.append([streamed(ws, t.ui("export_cut").format(n=t.integer(rows), total=t.integer(total)))])
    _filters_sheet(wb, who, query, t, rows)
    service.log_export(who, list(exported))  # every dossier the file shows is a read of it
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _filters_sheet(wb: Workbook, who: Account, query: ListQuery, t: ConsoleTexts, rows: int) -> None:
    """A second sheet saying which filters made the list, when, by whom, and how many rows it has: a file
    of one unit's week read as the whole list, the units below it or not (review of 2026-12-06)."""
    ws = wb.create_sheet(t.ui("export_filters")[:31])
    ws.column_dimensions["A"].width = 24  # before the rows: a write-only sheet writes its columns first
    ws.column_dimensions["B"].width = 60
    given: list[tuple[str, object]] = []
    if query.week:
        given.append((t.ui("week"), query.week))
    if query.unit:
        scope = t.ui("with_below") if query.below else t.ui("export_unit_only")
        given.append((t.ui("unit"), f"{query.unit} — {scope}"))
    if query.rule:
        given.append((t.ui("rule"), f"{query.rule} — {t.rule_title(query.rule)}"))
    if query.severity:
        given.append((t.ui("severity"), t.severity(query.severity)))
    if query.state:
        given.append((t.ui("case_state"), t.state(query.state)))
    if query.dossier:
        given.append((t.ui("search_dossier"), query.dossier))
    lines: list[tuple[str, object]] = given or [(t.ui("export_filters"), t.ui("export_no_filter"))]
    now = datetime.now(VN_TZ).replace(tzinfo=None, microsecond=0)
    lines += [(t.ui("sort"), t.sort(query.sort)), (t.ui("export_rows"), rows),
              (t.ui("exported_by"), who.login), (t.ui("exported_at"), now)]  # fmt: skip
    for label, value in lines:
        cells = [streamed(ws, label), streamed(ws, value)]
        if isinstance(value, datetime):
            cells[1].number_format = _TIME_FORMAT[t.lang]
        ws.append(cells)


def _page(query: ListQuery, page: int) -> ListQuery:
    from dataclasses import replace

    return replace(query, page=page)


class _EachCallLocked:
    """The service's reader, each of its calls under the service's lock (the one every page's reads take).
    A pack was built whole under it, its writing (most of its time, 0.7-2 s at a province's scale) holding
    every colleague's page (review at a province's scale): now only its queries wait, as a page's do."""

    def __init__(self, service: ConsoleService) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._service.reader, name)
        if not callable(found):
            return found
        return lambda *args, **kwargs: self._service.run(lambda: found(*args, **kwargs))


def audit_pack(service: ConsoleService, header: ReportHeader, week: Week, unit: str) -> bytes | None:
    """The unit's audit pack of the week (XLSX), or ``None`` when the unit had no dossier that week."""
    with tempfile.TemporaryDirectory(prefix="console-pack-") as tmp:
        written = write_audit_packs(
            service.catalogue,
            header,
            cast(Warehouse, _EachCallLocked(service)),
            week,
            Path(tmp),
            units={unit},
            calendar=service.calendar,
        )
        wanted = f"{pack_file_stem(unit)}.xlsx"
        for path in written:
            if path.name == wanted:
                return path.read_bytes()
    return None


def export_name(query: ListQuery) -> str:
    """The list export's file name, by its week and unit when filtered so: every export was
    ``violations.xlsx``, and a team's weekly downloads overwrote or renamed one another (review)."""
    parts = ["violations"]
    if query.week:  # as the week is, however it was typed (2025-w45, 45/2025)
        parts.append(_week_name(query.week))
    if query.unit:
        parts.append(pack_file_stem(query.unit) + ("-below" if query.below else ""))
    # The other filters too: a unit's list and its state-filtered part had one name (review of 2026-12-06).
    for value in (query.rule, query.severity, query.state):
        if value:
            parts.append(re.sub(r"[^0-9A-Za-z_]", "_", value)[:40])
    if query.dossier:
        parts.append("search")
    return "-".join(parts) + ".xlsx"


def _week_name(text: str) -> str:
    try:
        return str(Week.parse(text))
    except WeekError:
        return re.sub(r"[^0-9A-Za-z-]", "_", text)
