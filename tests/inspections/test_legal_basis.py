"""Every rule names its article and clause and says in words how sure the basis is, in each period."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspections.rulebook import Auditor
from inspections.rules import RULES_V1, legal
from inspections.rules.base import Rule, _in_force
from inspections.timeunits import VN_TZ

MARKS = (legal.CONFIRMED, legal.SECONDARY, legal.UNCONFIRMED)


AFTER = (date(2025, 8, 1), date(2025, 10, 1))  # under Decree 118: before and after Circular 03/2025


@pytest.mark.parametrize("rule", RULES_V1, ids=lambda r: r.rule_id)
def test_a_rule_names_its_article_and_its_confidence_in_words(rule: Rule) -> None:
    before = rule.basis_on(date(2024, 6, 1))
    assert "Nghị định 61/2018/NĐ-CP" in before and "Điều " in before, before
    assert any(mark in before for mark in MARKS), before
    for day in AFTER:
        after = rule.basis_on(day)
        assert "Nghị định 118/2025/NĐ-CP" in after or "Nghị định 63/2010/NĐ-CP" in after, after
        assert any(mark in after for mark in MARKS), after


def _every_basis() -> list[tuple[str, tuple[tuple[date, str], ...]]]:
    found = [(rule.rule_id, rule.legal_basis) for rule in RULES_V1]
    return found + [(f"REFUSAL/{case}", bases) for case, bases in legal.REFUSAL_CASES.items()]


@given(day=st.dates(date(2019, 1, 1), date(2027, 12, 31)))
def test_a_basis_names_the_forms_of_the_circular_of_its_day(day: date) -> None:
    """Circular 03/2025 is of 15/9/2025, its entry into force unconfirmed: a dossier received before then was
    said to be handled on its forms (from 1/7/2025, Decree 118's date). Every basis, by the day it is chosen
    for, names the forms the on-site checklist asks for (``reporting.onsite.forms_on`` of that day)."""
    from reporting import onsite

    received = datetime.combine(day, datetime.min.time(), VN_TZ)
    for name, bases in _every_basis():
        chosen = [basis for since, basis in bases if since <= day][-1]
        assert onsite.forms_of(chosen) == onsite.forms_on(received), (name, day, chosen)
        if day < legal.CIRCULAR_03:
            assert not re.search(r"\(Thông tư 03/2025/TT-VPCP\)", chosen), (name, chosen)


def test_a_basis_citing_circular_03_2025_says_what_held_before_it() -> None:
    """A new basis citing the 2025 forms without its text for 1/7–14/9/2025 would cite them before their
    date: refused when the rulebook is built."""
    with pytest.raises(ValueError, match="Circular 03/2025"):
        legal.basis("x", "mẫu 04 (Thông tư 03/2025/TT-VPCP)")


def test_decree_118_articles_are_not_claimed_where_none_was_confirmed() -> None:
    """From 1/7/2025 only what was found is cited; an apology's basis says its article is unconfirmed."""
    after = legal.APOLOGY[-1][1]
    assert legal.UNCONFIRMED in after and "Điều 19" not in after


def test_no_decree_118_article_is_cited() -> None:
    """LEGAL.md §2: none of its articles on receipt, supplement, refusal, apology, prohibited acts or
    publication was found, so no basis from 1/7/2025 names one (the excess-documents basis named Art. 5)."""
    for rule in RULES_V1:
        for day in AFTER:
            after = rule.basis_on(day)
            _, _, cited = after.partition("Nghị định 118/2025/NĐ-CP")
            assert not re.match(r"^[,:]?\s*Điều \d", cited), (rule.rule_id, after)


def test_a_dossier_received_from_31_12_2025_is_cited_under_decree_118_as_amended_by_decree_367() -> None:
    """LEGAL.md §2: Decree 367/2025 of 31/12/2025 amends Decree 118 (its content and entry into force [U]);
    a 2026 dossier's pack cited Decree 118 alone (legal review). Before that day it is not named."""
    for rule in RULES_V1:
        for bases in (rule.legal_basis, *(rule.case_bases or {}).values()):
            later, earlier = _in_force(bases, date(2026, 2, 1)), _in_force(bases, date(2025, 12, 30))
            assert ("118/2025" in later) == ("118/2025" in earlier), rule.rule_id
            if "118/2025" in earlier:
                assert "367/2025" in later and "chưa xác nhận" in later and "367/2025" not in earlier, later
                _, _, cited = later.partition("ngày hiệu lực chưa xác nhận)")
                assert not re.match(r"^[,:]?\s*Điều \d", cited), (rule.rule_id, later)


@pytest.mark.parametrize(
    ("submitted", "received_on", "decree"),
    [
        ("2025-06-30 22:35", "2025-07-01 08:16", "Nghị định 118/2025/NĐ-CP"),
        ("2025-06-27 10:00", "2025-06-30 08:00", "Nghị định 61/2018/NĐ-CP"),
    ],
)
def test_the_basis_follows_the_date_the_dossier_was_received(submitted, received_on, decree) -> None:
    """LEGAL.md §2 cites Decree 61 "for dossiers received before 1/7/2025": submitted online on 30/6 and
    received on 1/7 is a 2025 dossier (the basis followed the first event, the submission)."""
    from tests.builders import CALENDAR, CATALOGUE, ev, received

    events = [
        ev("submitted", submitted, {"procedure_code": "P1", "channel": "online"}),
        received(received_on, None, docs=["A", "NOT-A-COMPONENT"]),
    ]
    found = Auditor(CATALOGUE, CALENDAR).evaluate("D1", events, datetime(2025, 12, 31, tzinfo=VN_TZ))
    assert found and all(v.legal_basis.startswith(decree) for v in found), [
        (v.rule_id, v.legal_basis[:40]) for v in found
    ]


@pytest.mark.parametrize(
    ("end", "data", "cited", "not_cited"),
    [
        ("refused", {"stage": "reception"}, "điểm b khoản 1 Điều 17", "khoản 8 Điều 19"),
        ("refused", {"stage": "processing"}, "khoản 8 Điều 19", "Điều 17"),
        ("suspended", {}, "dừng xử lý", "Điều 17"),
    ],
)
@pytest.mark.parametrize("received_on", ["2025-06-02 08:00", "2025-08-04 08:00", "2025-10-06 08:00"])
def test_a_refusal_cites_the_case_it_is_about(
    end: str, data: dict[str, str], cited: str, not_cited: str, received_on: str
) -> None:
    """A refusal after appraisal cited the clause and form of a refusal at reception too, and a suspension
    both (review): each verdict cites its own case, under the decree of its receipt."""
    from tests.builders import CALENDAR, CATALOGUE, ev, received

    day = received_on[:10]
    events = [
        received(received_on, None, docs=["A"]),
        ev(end, f"{day} 10:00", {**data, "notice_id": None, "reason": ""}),
    ]
    found = Auditor(CATALOGUE, CALENDAR).evaluate("D1", events, datetime(2025, 12, 31, tzinfo=VN_TZ))
    bases = {v.rule_id: v.legal_basis for v in found if v.rule_id.startswith("REFUSAL_")}
    assert set(bases) == {"REFUSAL_UNWRITTEN", "REFUSAL_NO_REASON"}, found
    for basis in bases.values():
        if received_on < "2025-07":
            assert cited in basis and not_cited not in basis, basis
        elif received_on < "2025-09-15":  # Decree 118, the forms of Circular 01/2018: no form 05 yet
            assert "Nghị định 118/2025/NĐ-CP" in basis and legal.UNCONFIRMED in basis, basis
            assert "mẫu 05" not in basis and "Thông tư 01/2018/TT-VPCP" in basis, basis
            assert ("mẫu 03" in basis) == (data.get("stage") == "reception"), basis
        else:  # Decree 118: its article unconfirmed; the 2025 form of the case only
            assert "Nghị định 118/2025/NĐ-CP" in basis and legal.UNCONFIRMED in basis, basis
            assert ("mẫu 05" in basis) == (end == "suspended"), basis
            assert ("mẫu 03" in basis) == (data.get("stage") == "reception"), basis
