"""Section B of the audit pack: each dossier's timeline, the event a verdict rests on marked (``▶``), and a
verdict that rests on no event given a marked row of its own at the instant it arose."""

from __future__ import annotations

from reporting import gather
from reporting.i18n import Texts
from reporting.pack_model import UnitPack
from reporting.pack_tables import Column, PackCell, PackRow, PackTable, details, instant, unit_cell
from reporting.pack_texts import pack_text

__all__ = ["TRIGGER_MARK", "timeline_table"]


#: Before the event a verdict points at, in the timelines (explained under section B's heading).
TRIGGER_MARK = "▶"


def timeline_table(t: Texts, pack: UnitPack, dossier_ids: list[str], *, with_dossier: bool) -> PackTable:
    columns = [
        Column(t("h_occurred"), 17, 11),
        Column(t("h_event"), 22, 14),
        Column(t("h_unit"), 16, 11),
        Column(t("h_actor"), 14, 8),
        Column(t("h_details"), 80, 56),
    ]
    if with_dossier:
        columns.insert(0, Column(t("h_dossier"), 24, 0, printed=False))
    table = PackTable("timeline", columns)
    triggers = {v.event_id for v in pack.violations if v.event_id}
    # A verdict of no event (a deadline that lapsed without a word: LATE_NO_APOLOGY) gets a marked row
    # of its own at the instant it arose, among the events: its dossier's timeline showed no ▶ at all, so
    # the inspector saw nothing to check for the gravest rule (review of 2026-12-06).
    arisen: dict[str, list[gather.ViolationRecord]] = {}
    for v in pack.violations:
        if not v.event_id:
            arisen.setdefault(v.dossier_id, []).append(v)
    for dossier_id in dossier_ids:
        known = pack.facts.get(dossier_id)
        papers = pack.components.get(known.procedure_code or "") if known is not None else None
        waiting = sorted(arisen.get(dossier_id, []), key=lambda v: (v.occurred_at, v.rule_id))
        for e in pack.timelines.get(dossier_id, []):
            while waiting and waiting[0].occurred_at < e.occurred_at:
                table.rows.append(_arisen_row(t, pack, waiting.pop(0), with_dossier))
            alert = e.event_id in triggers
            cells = [
                instant(t, e.occurred_at),
                # Marked in words too: the row's tint is lost on a black-and-white printer (review).
                PackCell(f"{TRIGGER_MARK} {t.event_type(e.type)}" if alert else t.event_type(e.type)),
                unit_cell(pack, e.unit_code),
                PackCell(e.actor or ""),
                PackCell(details(e.data, t.lang, pack.evidence_year, papers, pack.units, e.type)),
            ]
            if with_dossier:
                cells.insert(0, PackCell(dossier_id))
            # The event a violation points at is highlighted: the evidence the inspector checks first.
            table.rows.append(PackRow(cells, key=dossier_id, alert=alert))
        table.rows.extend(_arisen_row(t, pack, v, with_dossier) for v in waiting)
    return table


def _arisen_row(t: Texts, pack: UnitPack, v: gather.ViolationRecord, with_dossier: bool) -> PackRow:
    """The marked row of a verdict that rests on no event: when it arose, and which rule."""
    cells = [
        instant(t, v.occurred_at),
        PackCell(f"{TRIGGER_MARK} {pack_text('arose_row', t.lang)}"),
        unit_cell(pack, v.unit_code),
        PackCell(""),
        PackCell(t.rule_title(v.rule_id)),
    ]
    if with_dossier:
        cells.insert(0, PackCell(v.dossier_id))
    return PackRow(cells, key=v.dossier_id, alert=True)
