"""Importing the weeks so far, each week (README, step 5): a fact read in an earlier week's import keeps its
event id when a later import reads it from another payload, so the warehouse holds it once.

The record and a history row may state the same fact: an end (once per dossier) or a day's supplement request
and its completion (the snapshot's supplement list). Within one import the record, read first, states it and
the row is a repeat; but an earlier week's import may have read only the row (the record was sent later).
The id was the row's there and the record's here: two ``returned`` events (a finding of events after the
return) or two requests (a REPEATED_SUPPLEMENT no single import gave: review). An end's id is the dossier's
and its type's; a supplement request's or completion's adds its instant. Files are given in the order the
import job reads them: every file's records, then every file's rows.
"""

from __future__ import annotations

from typing import Any

from tests.sources.payloads import UNIT, dossier, encode, progress_body, row, run, sync_body

DOSSIER = f"{UNIT}-251103-0020"


def ids(*files: bytes) -> dict[str, tuple[str, str]]:
    events, _rejected, _stats = run(*files)
    return {e["event_id"]: (e["type"], e["occurred_at"]) for e in events}


def facts(*imports: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """What a warehouse holds after these imports: one event per id, the first stored."""
    held: dict[str, tuple[str, str]] = {}
    for imported in imports:
        for event_id, fact in imported.items():
            held.setdefault(event_id, fact)
    return sorted(held.values())


def weeks(first_records: list[dict[str, Any]], first_rows: list[dict[str, Any]],
          later_records: list[dict[str, Any]], later_rows: list[dict[str, Any]]) -> None:  # fmt: skip
    """Week 1 imported alone, then weeks 1–2: nothing of week 1 is held twice, and the warehouse holds
    what one import of both weeks gives (fact for fact: a later payload may state one otherwise)."""

    def files(*parts: tuple[list[dict[str, Any]], Any]) -> list[bytes]:
        return [encode(body(*items)) for items, body in parts if items]

    first = ids(*files((first_records, sync_body), (first_rows, progress_body)))
    both = ids(*files((first_records, sync_body), (later_records, sync_body),
                      (first_rows, progress_body), (later_rows, progress_body)))  # fmt: skip
    assert set(first) <= set(both), sorted(set(first) - set(both))
    assert facts(first, both) == facts(both)


def test_an_end_read_from_a_row_then_stated_by_a_later_snapshot_is_one_event() -> None:
    weeks(
        [dossier(DOSSIER, status="9", ended="20251105100000", method=None)],
        [row(DOSSIER, status="10", at="20251106090000", text="Trả kết quả")],
        [dossier(DOSSIER, status="10", ended="20251105100000", returned="20251106090000", method="1")],
        [],
    )


def test_an_end_a_snapshot_stated_then_a_later_row_states_is_one_event() -> None:
    weeks(
        [dossier(DOSSIER, status="9", ended="20251105100000")],
        [row(DOSSIER, status="4", at="20251103100000")],
        [],
        [row(DOSSIER, status="9", at="20251105100000", text="Kết thúc xử lý hồ sơ")],
    )


def test_a_supplement_read_from_rows_then_from_the_snapshots_list_is_one_request_and_one_completion() -> None:
    listed = {"NgayBoSung": "20251104090000", "NoiDungBoSung": "Bổ sung giấy khai sinh",
              "NgayTiepNhanBoSung": "20251106090000"}  # fmt: skip
    weeks(
        [dossier(DOSSIER, status="5")],
        [row(DOSSIER, status="4", at="20251103100000"),
         row(DOSSIER, status="5", at="20251104090000", text="Yêu cầu bổ sung giấy khai sinh"),
         row(DOSSIER, status="4", at="20251106090000")],
        [dossier(DOSSIER, status="4", DanhSachHoSoBoSung=[listed])],
        [],
    )  # fmt: skip


def test_a_late_row_of_the_same_day_moves_no_id() -> None:
    """Rows of a day read in a later import (a file sent late): each request and each deduced completion
    keeps its id, which is its own instant's. Keyed by the day's first one, the id moved to the earlier
    pair: the later completion was stored twice and the earlier lost as a conflict (diff review)."""
    weeks(
        [dossier(DOSSIER, status="4")],
        [row(DOSSIER, status="4", at="20251103100000"),
         row(DOSSIER, status="5", at="20251104110000", text="Yêu cầu bổ sung giấy khai sinh"),
         row(DOSSIER, status="4", at="20251104120000")],
        [],
        [row(DOSSIER, status="5", at="20251104090000", text="Yêu cầu bổ sung tờ khai"),
         row(DOSSIER, status="4", at="20251104100000")],
    )  # fmt: skip
