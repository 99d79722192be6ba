"""A pack is dated no earlier than the newest event its timelines print (review: a pack dated the Monday after
its week listed a return of the Tuesday after, a document dated before what it reports)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from inspections.files.catalogue import sample_catalogue
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting.gather import TimelineEvent
from reporting.header import letterhead, make_header
from reporting.pack_model import UnitPack
from reporting.packs import pack_dated

WEEK = Week.parse("2025-W46")  # 10-16/11/2025: issued Monday 17/11
DATED = letterhead(make_header(sample_catalogue(), "vi"), WEEK)
NOW = datetime(2027, 6, 1, tzinfo=UTC)  # after every event of these tests


def _pack(*instants: datetime) -> UnitPack:
    events = [TimelineEvent(f"e{i}", "returned", at, "U", None, {}) for i, at in enumerate(instants)]
    return UnitPack("U", "U", [], [], 0, "", {"d": events}, {})


def test_the_newest_printed_event_dates_a_later_pack() -> None:
    assert DATED.issued_on == date(2025, 11, 17)
    assert pack_dated(DATED, _pack(), NOW) is DATED
    assert pack_dated(DATED, _pack(datetime(2025, 11, 14, 9, tzinfo=VN_TZ)), NOW) is DATED
    printed = _pack(datetime(2025, 11, 14, tzinfo=UTC), datetime(2025, 11, 18, 9, tzinfo=VN_TZ))
    later = pack_dated(DATED, printed, NOW)
    assert later.issued_on == date(2025, 11, 18) and later.number == DATED.number
    # Stored instants are UTC, naive from some drivers: 17:30 UTC on the 18th is the 19th in Vietnam.
    assert pack_dated(DATED, _pack(datetime(2025, 11, 18, 17, 30)), NOW).issued_on == date(2025, 11, 19)


@given(st.lists(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31)), max_size=6))
def test_a_pack_is_never_dated_before_an_event_it_prints(instants: list[datetime]) -> None:
    dated = pack_dated(DATED, _pack(*(at.replace(tzinfo=UTC) for at in instants)), NOW)
    assert dated.issued_on >= DATED.issued_on
    assert all(at.replace(tzinfo=UTC).astimezone(VN_TZ).date() <= dated.issued_on for at in instants)


def test_the_decisions_a_pack_prints_date_it_too() -> None:
    """The team's column prints each case's state ("đã kết luận có vi phạm"): a pack downloaded after the
    decisions was dated the week's Monday, before them (inspector review)."""
    import dataclasses

    from inspections.cases import CaseEvent, CaseState
    from warehouse.cases import CaseKey

    decided = CaseEvent("confirm", "inspector", "insp", datetime(2025, 11, 21, 9, tzinfo=VN_TZ))  # type: ignore[arg-type]
    pack = dataclasses.replace(_pack(), cases={CaseKey("d", "R", ""): CaseState(history=((decided, True),))})
    assert pack_dated(DATED, pack, NOW).issued_on == date(2025, 11, 21)


def test_the_instant_its_open_dossiers_are_judged_at_dates_it_too() -> None:
    """Pack review: an open dossier's evidence and standing say "tính đến 10/11 00:00" (the load's
    ``--as-of``) in a pack dated 05/11, a document dated before what it states; an ended dossier's judging
    instant says nothing of it (its verdicts do not change with time) and does not date the pack."""
    import dataclasses

    from reporting.gather import DossierFacts

    judged = datetime(2025, 11, 19, 17, tzinfo=UTC)  # 20/11 00:00 in Vietnam
    still = DossierFacts("d", "U", None, None, None, None, None, None, "on_time", as_of=judged)
    later = datetime(2025, 12, 1, tzinfo=UTC)
    ended = dataclasses.replace(still, dossier_id="e", end_type="returned", as_of=later)
    open_pack = dataclasses.replace(_pack(), facts={"d": still})
    assert pack_dated(DATED, open_pack, NOW).issued_on == date(2025, 11, 20)
    assert pack_dated(DATED, dataclasses.replace(_pack(), facts={"e": ended}), NOW) is DATED


def test_a_pack_is_never_dated_after_today() -> None:
    """An event a source stamped a year ahead (2026 for 2025) dated the pack then (review)."""
    now = datetime(2025, 11, 20, 8, tzinfo=UTC)
    ahead = _pack(datetime(2026, 11, 18, 9, tzinfo=VN_TZ))
    assert pack_dated(DATED, ahead, now).issued_on == date(2025, 11, 20)
    assert pack_dated(DATED, ahead, datetime(2025, 11, 10, tzinfo=UTC)) is DATED  # never before the week's


def test_the_event_a_verdict_rests_on_is_marked_in_words_not_colour_alone() -> None:
    """Its row's tint was lost on a black-and-white printer (review): the event cell starts with the mark,
    explained under section B's heading."""
    from reporting.gather import ViolationRecord
    from reporting.i18n import Texts
    from reporting.pack_timelines import TRIGGER_MARK, timeline_table

    at = datetime(2025, 11, 12, 9, tzinfo=VN_TZ)
    events = [
        TimelineEvent(f"e{i}", kind, at, "U", None, {}) for i, kind in enumerate(["received", "refused"])
    ]
    record = ViolationRecord("d", "REFUSAL_UNWRITTEN", "e1", "violation", "high", "U", None, at, "", {})
    pack = UnitPack("U", "U", [record], [], 0, "", {"d": events}, {})
    table = timeline_table(Texts("vi"), pack, ["d"], with_dossier=False)
    cells = [(row.alert, row.cells[1].text) for row in table.rows]
    assert cells == [(False, "Tiếp nhận"), (True, f"{TRIGGER_MARK} Từ chối")], cells
