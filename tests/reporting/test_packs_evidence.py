"""Issue 15: a pack's evidence is one sentence in words — no raw field name, dates as dd/mm — for every
rule of the rulebook (v1, v2's findings, AUDIT_ERROR), the not_checkable records and unknown rules."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.audit_error import reported_rules
from inspections.timeunits import VN_TZ
from reporting.evidence import NOT_CHECKABLE_KEYS, RULES, sentence
from reporting.evidence_words import legal_text
from reporting.onsite import CHECKLIST, items
from tests.depth import examples

INSTANTS = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
).map(lambda t: t.astimezone(VN_TZ))
DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31))
#: Free text without digits or underscores: a digit run or a snake_case word in a sentence is then ours.
WORDS = st.text(alphabet="abcdeghiklmnopqrstuvxyàáảãạăâđêôơư ĐÂ“”-", max_size=20)
MAYBE_WORDS = st.one_of(st.none(), WORDS)
EVENT_TYPES = st.sampled_from(
    ["received", "processed", "returned", "refused", "suspended", "withdrawn", "supplement_requested",
     "supplement_completed", "apology_issued", "due_date_changed", "transferred"]
)  # fmt: skip

#: The shape of every fact a rule records (inspections/rules/*).
TIME_KEYS = {"received_at", "due_at", "end_at", "effective_end", "legal_due_at", "restart_at", "new_due_at",
             "old_due_at", "due_at_in_force", "apology_at", "returned_at", "first_end_at"}  # fmt: skip
DAY_KEYS = {"due_date", "apology_deadline", "legal_due_date", "on"}


def value_for(key: str) -> st.SearchStrategy[Any]:
    if key in TIME_KEYS:
        return (
            st.one_of(st.none(), INSTANTS.map(datetime.isoformat))
            if key != "end_at"
            else INSTANTS.map(datetime.isoformat)
        )
    if key in DAY_KEYS:
        return DAYS.map(date.isoformat)
    simple: dict[str, st.SearchStrategy[Any]] = {
        "basis": st.sampled_from(["due_at", "max_time", "repeated_supplement", "restart", "no_limit"]),
        "end_type": st.one_of(st.none(), EVENT_TYPES),
        "event_type": EVENT_TYPES,
        "first_end_type": EVENT_TYPES,
        "type": st.sampled_from(["refused", "suspended"]),
        "supplement_hours": st.floats(0, 500, allow_nan=False).map(lambda x: round(x, 2)),
        "financial_hours": st.floats(0, 500, allow_nan=False).map(lambda x: round(x, 2)),
        "supplement_requests": st.integers(0, 9),
        "apologies": st.integers(2, 9),
        "requests": st.integers(2, 9),
        "lead_working_days": st.integers(0, 5),
        "supplement_clock": st.sampled_from(["pause", "restart"]),
        "missing": st.lists(st.sampled_from(["notice_id", "reason", "new_due_at"]), min_size=1, unique=True),
        "new_due_dates": st.lists(st.one_of(st.none(), INSTANTS.map(datetime.isoformat)), max_size=3),
        "max_time": st.fixed_dictionaries(
            {
                "amount": st.integers(0, 90),
                "unit": st.sampled_from(["working_days", "calendar_days", "working_hours"]),
            }
        ),
        "unknown": st.lists(
            st.sampled_from(["notice_id", "reason", "new_due_at", "due_at", "documents", "procedure_code"]),
            min_size=1,
            unique=True,
        ),
        "excess": st.lists(WORDS, max_size=3),
        "allowed": st.lists(WORDS, max_size=3),
        "requested_documents": st.lists(WORDS, max_size=3),
        "notice_ids": st.lists(MAYBE_WORDS, min_size=2, max_size=3),
    }
    return simple.get(key, MAYBE_WORDS)


@st.composite
def evidence(draw: st.DrawFn, keys: frozenset[str]) -> dict[str, Any]:
    chosen = sorted(keys - {"legal_due_at", "restart_at", "financial_hours", "due_at_in_force"})
    chosen += draw(st.lists(st.sampled_from(["legal_due_at", "restart_at", "financial_hours"]), unique=True))
    facts = {key: draw(value_for(key)) for key in chosen}
    # A fact no rule function knows (a later rulebook's): shown in words, never as its key.
    if draw(st.booleans()):
        facts[draw(st.sampled_from(["review_deadline_at", "clerk_note", "transfer_unit_code"]))] = draw(
            st.one_of(WORDS, INSTANTS.map(datetime.isoformat))
        )
    return facts


#: The date each rule's sentence must show (as dd/mm).
SHOWN = {
    "LATE_NO_APOLOGY": "end_at",
    "APOLOGY_TOO_LATE": "apology_at",
    "MISSED_NEW_DUE_DATE": "new_due_at",
    "DUE_DATE_CHANGED": "new_due_at",
    "DUE_DATE_OVERSTATED": "due_at",
    "OLD_DUE_DATE_MISMATCH": "old_due_at",
    "EVENT_AFTER_END": "first_end_at",
    "EVENT_AFTER_RETURN": "returned_at",
    "UNPUBLISHED_PROCEDURE": "on",
}
SNAKE = re.compile(r"[a-z]+_[a-z_]+")


def assert_readable(text: str, facts: dict[str, Any], lang: str = "vi") -> None:
    assert text and "\n" not in text
    for key in facts:
        assert key not in text or "_" not in key, (key, text)
    assert not SNAKE.search(text), text
    assert not re.search(r"T\d{2}:|\+07", text), text  # no ISO instant as stored
    if lang == "vi":
        assert not re.search(r"\d{4}-\d{2}", text), text  # dd/mm
    else:  # as every English page writes dates: ISO, with the year ("01/12" read as January 12th)
        assert not re.search(r"\b\d{2}/\d{2}\b", text), text
    assert "None" not in text and "{" not in text and "[" not in text, text
    for found in re.findall(r"\b(\d{2})/(\d{2})\b", text):
        assert 1 <= int(found[0]) <= 31 and 1 <= int(found[1]) <= 12, text


def dd_mm(value: str, lang: str = "vi") -> str:
    parsed = datetime.fromisoformat(value) if "T" in value else None
    day = parsed.astimezone(VN_TZ) if parsed else date.fromisoformat(value)
    return day.strftime("%d/%m" if lang == "vi" else "%Y-%m-%d")


@pytest.mark.parametrize("rule_id", sorted(RULES))
@pytest.mark.parametrize("lang", ["vi", "en"])
@settings(max_examples=examples(12), deadline=None)
@given(data=st.data())
def test_sentence_has_no_raw_field_name_and_dates_as_dd_mm(
    rule_id: str, lang: str, data: st.DataObject
) -> None:
    facts = data.draw(evidence(RULES[rule_id][1]))
    text = sentence(rule_id, "violation", facts, lang, working_days=lambda a, b: max((b - a).days - 1, 1))
    assert_readable(text, facts, lang)
    key = SHOWN.get(rule_id)
    if key is not None and facts.get(key):
        assert dd_mm(facts[key], lang) in text, (key, facts[key], text)


@settings(max_examples=examples(30), deadline=None)
@given(rule=st.sampled_from([*sorted(RULES), "FUTURE_RULE"]), facts=evidence(NOT_CHECKABLE_KEYS))
def test_not_checkable_and_unknown_rules_read_as_words(rule: str, facts: dict[str, Any]) -> None:
    assert_readable(sentence(rule, "not_checkable", facts), facts)
    assert_readable(sentence("FUTURE_RULE", "violation", facts), facts)


def test_the_issue_example() -> None:
    facts = {
        "received_at": "2025-11-11T14:42:00+07:00", "due_at": "2025-11-14T17:00:00+07:00",
        "due_date": "2025-11-14", "basis": "due_at", "end_at": "2025-11-20T16:50:00+07:00",
        "end_type": "returned", "effective_end": "2025-11-20T16:50:00+07:00", "supplement_hours": 0.0,
        "supplement_requests": 0, "legal_due_at": None, "restart_at": None, "financial_hours": 0.0,
        "supplement_clock": "pause",
    }  # fmt: skip
    days = {(date(2025, 11, 14), date(2025, 11, 20)): 4}
    text = sentence("LATE_NO_APOLOGY", "violation", facts, working_days=lambda a, b: days[(a, b)])
    assert text == (
        "Hẹn trả 14/11 17:00; trả kết quả 20/11 16:50 — trễ 4 ngày làm việc; không có Phiếu xin lỗi (mẫu 04) "
        "lập trước thời điểm đó"
    )
    # Still open: no apology at all (one issued after an end does not count: the sentence says "before").
    still = {**facts, "end_type": None, "end_at": None, "effective_end": "2025-11-20T16:50:00+07:00"}
    opened = sentence("LATE_NO_APOLOGY", "violation", still, working_days=lambda a, b: days[(a, b)])
    assert opened.endswith("; không có Phiếu xin lỗi (mẫu 04)"), opened
    assert sentence("LATE_NO_APOLOGY", "violation", facts, lang="en", working_days=lambda a, b: 4).endswith(
        "; no apology notice (form 04) issued before then"
    )


def test_an_empty_reason_reads_left_blank() -> None:
    text = sentence("REFUSAL_NO_REASON", "violation", {"type": "refused", "notice_id": "12/TB"})
    assert text.endswith("lý do: (để trống)")
    assert "“ ”" not in sentence("REFUSAL_UNWRITTEN", "violation", {"type": "refused", "reason": " "})
    assert "(để trống)" in sentence("REFUSAL_UNWRITTEN", "violation", {"type": "refused", "reason": " "})


def test_a_reason_the_source_could_not_provide_is_not_said_left_blank() -> None:
    """A null reason is one ``source.unknown`` named (``schemas.provenance.VALUE_REQUIRED``): the unit did not
    leave it blank, the source (the national sync) holds none (review of the audited unit)."""
    unknown = sentence("REFUSAL_UNWRITTEN", "violation", {"type": "refused", "reason": None})
    assert "lý do ghi: (nguồn dữ liệu không cung cấp)" in unknown and "(để trống)" not in unknown
    english = sentence("SUPPLEMENT_UNWRITTEN", "violation", {"reason": None}, lang="en")
    assert "reason given: (not provided by the source)" in english


def test_blank_is_the_rulebook_s_white_space_not_str_strip_s() -> None:
    """U+001C–U+001F are text to the rulebook (amendment 7): a refusal whose reason or notice is one was
    judged written, and its evidence said "(để trống)" (review)."""
    reason = sentence("REFUSAL_UNWRITTEN", "violation", {"type": "refused", "reason": "\x1c\x1d"})
    assert "(để trống)" not in reason and "lý do ghi: “" in reason, reason
    notice = sentence("REFUSAL_NO_REASON", "violation", {"type": "refused", "notice_id": "\x1f"}, lang="en")
    assert "notice number (left blank)" not in notice, notice
    spaces = sentence("REFUSAL_UNWRITTEN", "violation", {"type": "refused", "reason": "\u3000\u2028\u0085"})
    assert "(để trống)" in spaces


def test_the_restart_clause_is_said_with_its_decree_and_only_when_the_limit_restarted() -> None:
    """It read "(khoản 4 Điều 19)" with no decree, also under Decree 118 (unconfirmed) and with no
    supplement at all, and only in Vietnamese (review)."""
    facts = {
        "received_at": "2025-11-03T09:00:00+07:00", "due_at": "2025-11-06T17:00:00+07:00",
        "due_date": "2025-11-06", "basis": "due_at", "end_at": "2025-11-07T10:00:00+07:00",
        "end_type": "processed", "effective_end": "2025-11-07T10:00:00+07:00", "supplement_hours": 0.0,
        "supplement_requests": 0, "restart_at": None, "supplement_clock": "restart",
    }  # fmt: skip
    assert "Điều 19" not in sentence("LATE_NO_APOLOGY", "violation", facts, forms="2025")
    restart = {"basis": "restart", "restart_at": "2025-11-04T09:00:00+07:00", "supplement_hours": 1}
    restarted = {**facts, **restart}
    old = sentence("LATE_NO_APOLOGY", "violation", restarted, forms="2018")
    assert old.endswith("; thời hạn tính lại sau bổ sung (khoản 4 Điều 19 Nghị định 61/2018)"), old
    new = sentence("LATE_NO_APOLOGY", "violation", restarted, forms="2025")
    assert new.endswith("(khoản 4 Điều 19); với Nghị định 118/2025 chưa xác nhận"), new
    english = sentence("LATE_NO_APOLOGY", "violation", restarted, lang="en", forms="2018")
    assert "(less 1 hour waiting for supplements)" in english, english
    assert english.endswith("; time limit restarts after supplements (Decree 61/2018, Art. 19(4))"), english


def test_an_apology_deadline_before_the_receipt_is_said() -> None:
    """Review of the signed documents (2026-12-07): a same-day dossier received 20/11 10:01 and due 16:01
    read "sau hạn chót 19/11": a deadline no apology could meet, which the sentence hid."""
    facts = {"received_at": "2025-11-20T10:01:00+07:00", "due_at": "2025-11-20T16:01:00+07:00",
             "due_date": "2025-11-20", "end_type": "processed", "end_at": "2025-11-21T09:00:00+07:00",
             "effective_end": "2025-11-21T09:00:00+07:00", "apology_at": "2025-11-20T15:54:00+07:00",
             "apology_deadline": "2025-11-19", "lead_working_days": 1}  # fmt: skip
    said = sentence("APOLOGY_TOO_LATE", "violation", facts)
    assert "hạn chót này trước cả ngày tiếp nhận 20/11 10:01: không văn bản xin lỗi nào đáp ứng" in said, said
    english = sentence("APOLOGY_TOO_LATE", "violation", facts, lang="en")
    assert "that deadline comes before the receipt on" in english, english
    on_time = facts | {"received_at": "2025-11-18T10:01:00+07:00"}  # the deadline after it: nothing added
    assert "trước cả ngày tiếp nhận" not in sentence("APOLOGY_TOO_LATE", "violation", on_time)


def test_an_open_dossier_is_not_said_to_have_ended() -> None:
    as_of = datetime(2025, 11, 24, tzinfo=VN_TZ)
    facts = {"due_at": (as_of - timedelta(days=5)).isoformat(), "due_date": "2025-11-19", "end_type": None,
             "end_at": as_of.isoformat(), "effective_end": as_of.isoformat()}  # fmt: skip
    said = sentence("LATE_NO_APOLOGY", "violation", facts)
    # What the sources recorded by then, not a fact about the unit (review of the signed documents).
    assert "chưa ghi nhận kết quả tính đến 24/11 00:00" in said and "chưa có kết quả" not in said, said
    english = sentence("LATE_NO_APOLOGY", "violation", facts, lang="en")
    assert "no result recorded at 2025-11-24 00:00" in english, english


def test_legal_basis_explains_its_marks_in_words() -> None:
    for rule in reported_rules():
        for _, text in rule.legal_basis:
            shown = legal_text(text)
            assert not re.search(r"\[[CSU]\]", shown)
            if "[U]" in text:
                assert "chưa xác nhận" in shown


def test_checklists_name_both_numberings_of_renumbered_forms() -> None:
    listed = " ".join(items("LATE_NO_APOLOGY", "violation"))
    assert "mẫu 05; mẫu 06 theo Thông tư 03/2025" in listed  # the control slip
    assert "mẫu 06; mẫu 07 theo Thông tư 03/2025" in listed  # the register
    assert items("NO_APPOINTMENT", "not_checkable") != items("NO_APPOINTMENT", "violation")


def test_what_the_law_leaves_unconfirmed_is_said_so() -> None:
    """LEGAL.md marks [U] whether the decree's "01 ngày" is a working day, and when Circular 03/2025 (of
    15/9/2025) applies to dossiers received from 1/7/2025: the pack and the report stated both as settled
    (review of 2026-12-05)."""
    from reporting.i18n import Texts
    from reporting.pack_texts import pack_text

    late = {"apology_at": "2025-11-14T10:00:00+07:00", "apology_deadline": "2025-11-13",
            "lead_working_days": 1, "due_at": "2025-11-14T17:00:00+07:00"}  # fmt: skip
    assert "là ngày làm việc: chưa xác nhận" in sentence("APOLOGY_TOO_LATE", "violation", late)
    note = pack_text("onsite_note", "vi")
    assert "ngày ban hành Thông tư 03/2025" in note and "có hiệu lực chưa xác nhận" in note
    assert "ngày hiệu lực chưa xác nhận" in Texts("vi")("r_overdue", n="3")
    # The form's own words for the channel column, no abbreviation left unexplained ("BCCI").
    assert Texts("vi")("h_new_direct") == "Mới - trực tiếp, qua dịch vụ bưu chính"
    # Whether Decree 118/2025 keeps "once" for a new date or a supplement is [U] (LEGAL.md §2): said as
    # Decree 61's rule with that, not as law, for a dossier received from 1/7/2025 (legal review).
    twice = {"apologies": 2, "new_due_dates": ["2025-11-14", "2025-11-20"]}
    asked = {"requests": 2, "notice_ids": ["BS-1", "BS-2"]}
    for forms in ("interim", "2025"):
        for rule, facts in (("RESCHEDULED_MORE_THAN_ONCE", twice), ("REPEATED_SUPPLEMENT", asked)):
            said = sentence(rule, "violation", facts, forms=forms)
            assert "Nghị định 61/2018" in said and "118/2025 chưa xác nhận" in said, said
    assert "chỉ được hẹn lại một lần" in sentence(
        "RESCHEDULED_MORE_THAN_ONCE", "violation", twice, forms="2018"
    )
    # A second supplement request makes a dossier late by the index's counting, not by a clause.
    repeated = {
        "basis": "repeated_supplement",
        "supplement_requests": 2,
        "due_at": "2025-11-14T17:00:00+07:00",
    }
    assert "theo cách tính chỉ số 766" in sentence("LATE_NO_APOLOGY", "violation", repeated)
    assert "Điều 19 Nghị định 61/2018" in pack_text("sample_status_note", "vi")


#: Any JSON-ish value, for facts whose stored shape is not the one a rule writes (an older or a broken
#: producer): the sentence must still read as words, never as Python's reprs.
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 99),
    WORDS,
    st.lists(st.one_of(st.none(), st.booleans(), st.integers(0, 9), WORDS), max_size=3),
    st.dictionaries(
        st.sampled_from(["amount", "unit", "note", "due_at"]),
        st.one_of(st.none(), st.booleans(), st.integers(0, 9), WORDS),
        max_size=2,
    ),
)


@st.composite
def odd_evidence(draw: st.DrawFn, keys: frozenset[str]) -> dict[str, Any]:
    return {key: draw(st.one_of(value_for(key), ODD)) for key in sorted(keys)}


@pytest.mark.parametrize("rule_id", [*sorted(RULES), "NOT_CHECKABLE"])
@pytest.mark.parametrize("lang", ["vi", "en"])
@settings(max_examples=examples(20), deadline=None)
@given(data=st.data())
def test_odd_values_never_crash_nor_print_python_values(rule_id: str, lang: str, data: st.DataObject) -> None:
    keys = NOT_CHECKABLE_KEYS if rule_id == "NOT_CHECKABLE" else RULES[rule_id][1] | {"waiting"}
    facts = data.draw(odd_evidence(keys))
    kind = "not_checkable" if rule_id == "NOT_CHECKABLE" else "violation"
    text = sentence(rule_id, kind, facts, lang, working_days=lambda a, b: max((b - a).days - 1, 0))
    assert_readable(text, facts, lang)
    assert not re.search(r"\b(True|False|None)\b", text), text
    assert "]" not in text and "}" not in text, text


@pytest.mark.parametrize(
    ("rule_id", "facts"),
    [
        ("APOLOGY_INCOMPLETE", {"missing": 3, "notice_id": "7/XL"}),
        ("RESCHEDULED_MORE_THAN_ONCE", {"apologies": None, "new_due_dates": True}),
        ("REPEATED_SUPPLEMENT", {"requests": None, "notice_ids": 5}),
        ("LATE_NO_APOLOGY", {"basis": "repeated_supplement", "supplement_requests": None, "end_at": None}),
        ("APOLOGY_TOO_LATE", {"lead_working_days": None, "apology_at": None}),
    ],
)
def test_a_count_or_list_of_another_shape_reads_as_words(rule_id: str, facts: dict[str, Any]) -> None:
    text = sentence(rule_id, "violation", facts)
    assert "None" not in text and "True" not in text, text


def test_the_sentence_falls_back_to_the_facts_when_a_rule_function_fails(monkeypatch) -> None:
    def broken(ev: Any) -> str:
        raise TypeError("boom")

    monkeypatch.setitem(RULES, "REPEATED_SUPPLEMENT", (broken, RULES["REPEATED_SUPPLEMENT"][1]))
    text = sentence("REPEATED_SUPPLEMENT", "violation", {"requests": 3, "notice_ids": ["1/YC", None]})
    assert text == "requests: 3; notice ids: 1/YC, (để trống)"  # the facts in words: one record, no crash


def test_when_and_event_names_never_print_reprs() -> None:
    from reporting.evidence_words import event_name, when

    assert when({"a": 1}) == "(a 1)" and when([1, 2]) == "1, 2" and when(True) == "có"
    assert event_name(True) == "có" and event_name(None) == "(để trống)"


def test_codes_and_free_text_are_printed_as_they_are() -> None:
    from reporting.evidence_words import field_text, value_text

    assert value_text("giay_khai_sinh") == "giay_khai_sinh"
    assert value_text("online") == "online" and value_text("processed") == "processed"
    assert value_text(["giay_khai_sinh", "online"]) == "giay_khai_sinh, online"
    assert (
        field_text("channel", "online") == "trực tuyến"
        and field_text("stage", "reception") == "khi tiếp nhận"
    )
    assert field_text("event_type", "processed") == "có kết quả"
    text = sentence("EXCESS_DOCUMENTS", "violation", {"excess": ["giay_khai_sinh"], "allowed": ["online"]})
    assert "giay_khai_sinh" in text and "online" in text and "trực tuyến" not in text


def test_no_new_date_comparison_without_a_lateness() -> None:
    facts = {"new_due_at": "2025-11-20T17:00:00+07:00", "end_type": "processed",
             "end_at": "2025-11-19T10:00:00+07:00", "effective_end": "2025-11-19T10:00:00+07:00"}  # fmt: skip
    assert "so với ngày hẹn lại" not in sentence("MISSED_NEW_DUE_DATE", "violation", facts)
    late = facts | {"end_at": "2025-11-24T10:00:00+07:00", "effective_end": "2025-11-24T10:00:00+07:00"}
    text = sentence("MISSED_NEW_DUE_DATE", "violation", late, working_days=lambda a, b: 2)
    assert text.endswith("trễ 2 ngày làm việc so với ngày hẹn lại")


def test_calendar_days_are_said_to_be_calendar_days() -> None:
    facts = {"due_at": "2025-11-21T17:00:00+07:00", "due_date": "2025-11-21", "end_type": "processed",
             "end_at": "2025-11-22T10:00:00+07:00", "effective_end": "2025-11-22T10:00:00+07:00"}  # fmt: skip
    on_a_weekend = sentence("LATE_NO_APOLOGY", "violation", facts, working_days=lambda a, b: 0)
    assert "trễ 1 ngày theo lịch (rơi vào ngày nghỉ" in on_a_weekend
    assert "trễ 1 ngày theo lịch;" in sentence("LATE_NO_APOLOGY", "violation", facts)
    assert "1 calendar day late" in sentence("LATE_NO_APOLOGY", "violation", facts, "en")  # not "day(s)"
    later = facts | {"end_at": "2025-11-23T10:00:00+07:00", "effective_end": "2025-11-23T10:00:00+07:00"}
    assert "2 calendar days late" in sentence("LATE_NO_APOLOGY", "violation", later, "en")
    one = sentence("LATE_NO_APOLOGY", "violation", facts, "en", working_days=lambda a, b: 1)
    assert "1 working day late" in one and "(s)" not in one
    assert not re.search(r"trễ \d+ ngày;", on_a_weekend)


def test_a_waiting_dossier_is_said_to_wait_for_the_applicant() -> None:
    request = "2025-11-18T09:00:00+07:00"
    base = {"due_at": "2025-11-14T17:00:00+07:00", "due_date": "2025-11-14", "end_at": request,
            "effective_end": request, "supplement_requests": 1, "waiting": True}  # fmt: skip
    open_text = sentence("LATE_NO_APOLOGY", "violation", base | {"end_type": None})
    assert "đang chờ người nộp bổ sung từ 18/11 09:00" in open_text
    assert "chưa có kết quả" not in open_text and "waiting" not in open_text
    withdrawn = sentence("LATE_NO_APOLOGY", "violation", base | {"end_type": "withdrawn"})
    assert "đang chờ người nộp bổ sung từ 18/11 09:00, sau đó rút hồ sơ" in withdrawn
    assert "rút hồ sơ 18/11" not in withdrawn


def test_refusal_forms_follow_the_event_and_the_reception_date() -> None:
    refused = sentence("REFUSAL_UNWRITTEN", "violation", {"type": "refused", "reason": "thiếu giấy tờ"})
    assert "mẫu 03" in refused and "khoản 8 Điều 19" in refused and "mẫu 05" not in refused
    at = {
        stage: sentence("REFUSAL_UNWRITTEN", "violation", {"type": "refused", "reason": "x", "stage": stage})
        for stage in ("reception", "processing")
    }
    assert (
        at["reception"].startswith("Từ chối tiếp nhận hồ sơ không có Phiếu từ chối")
        and "khoản 8" not in at["reception"]
    )
    assert at["processing"].startswith(
        "Từ chối giải quyết hồ sơ sau khi thẩm định không có văn bản thông báo"
    )
    assert "mẫu 03" not in at["processing"] and "khoản 8 Điều 19" in at["processing"]
    suspended = sentence("REFUSAL_UNWRITTEN", "violation", {"type": "suspended", "reason": "x"})
    assert "mẫu 05 Thông tư 03/2025" in suspended and "tiếp nhận từ 15/9/2025" in suspended
    assert "mẫu 03" not in suspended and "từ 2025" not in suspended.replace("từ 15/9/2025", "")
    listed = " ".join(items("REFUSAL_UNWRITTEN", "violation"))
    assert "từ chối sau khi thẩm định: văn bản thông báo nêu rõ lý do (không theo mẫu" in listed
    assert "hồ sơ tiếp nhận từ 15/9/2025: Thông báo dừng giải quyết hồ sơ, mẫu 05" in listed
    everything = " ".join(" ".join(items(rule, "violation")) for rule in CHECKLIST)
    assert "từ 2025" not in everything and "Thông báo dừng giải quyết hồ sơ (mẫu 05" not in everything


def test_a_refusal_after_appraisal_cites_decree_61_only_for_a_dossier_received_before_july_2025() -> None:
    """LEGAL.md §2: Decree 61/2018 is cited for dossiers received before 1/7/2025; the article of Decree
    118/2025 is unconfirmed. A dossier received in November 2025 was said to lack the notice "of khoản 8
    Điều 19 Nghị định 61/2018" (review of 2026-12-04)."""
    facts = {"type": "refused", "reason": "x", "stage": "processing"}
    regimes = ("2018", "interim", "2025", None)
    by_forms = {forms: sentence("REFUSAL_UNWRITTEN", "violation", facts, forms=forms) for forms in regimes}
    assert "khoản 8 Điều 19 Nghị định 61/2018" in by_forms["2018"] and "01/7/2025" not in by_forms["2018"]
    for later in ("interim", "2025"):  # Decree 118, whatever the forms
        assert "61/2018" not in by_forms[later] and "không theo mẫu" in by_forms[later]
    assert "với hồ sơ tiếp nhận trước 01/7/2025: khoản 8 Điều 19 Nghị định 61/2018" in by_forms[None]
    listed = {forms: " ".join(items("REFUSAL_UNWRITTEN", "violation", forms=forms)) for forms in regimes[:3]}
    assert "khoản 8 Điều 19 Nghị định 61/2018)" in listed["2018"]
    assert "61/2018" not in listed["2025"] and "61/2018" not in listed["interim"]
    assert "trước 01/7/2025: khoản 8 Điều 19" in " ".join(items("REFUSAL_UNWRITTEN", "violation"))


def test_the_audit_records_that_a_late_dossier_was_waiting_and_the_pack_says_so() -> None:
    """v2 amendment 2: a dossier waiting for its only supplement ends at the request; the evidence says
    ``waiting`` (verdicts unchanged): the sentence does not call the request time a result or a withdrawal."""
    from inspections.audit import audit_events
    from tests.rulebook_v2_world import AS_OF, FRI, MON, MON2, THU, case, case_auditor, rcv, sup, wd

    for ends in ([], [wd(f"{MON2} 09:00")]):
        c = case("waiting_after_due", "2", "late request, then waiting", [rcv(f"{MON} 09:00", f"{THU} 17:00"),
                 sup(f"{FRI} 09:00"), *ends], v2=set(), v1=set(), status=(None, None))  # fmt: skip
        found = [
            v for v in audit_events(c.events, case_auditor(c, "2"), AS_OF) if v.rule_id == "LATE_NO_APOLOGY"
        ]
        assert len(found) == 1 and found[0].evidence["waiting"] is True
        text = sentence("LATE_NO_APOLOGY", "violation", found[0].evidence)
        assert "đang chờ người nộp bổ sung từ " in text and "chưa có kết quả" not in text
        assert ("sau đó rút hồ sơ" in text) == bool(ends)


def test_forms_follow_the_circular_the_dossier_is_handled_under() -> None:
    """Form numbers and names of Circular 01/2018 came first for dossiers received after 15/9/2025, whose
    form 05 is the stop notice, not the control slip (review of 2026-12-04)."""
    from datetime import UTC, datetime

    from inspections.rules import legal
    from inspections.timeunits import VN_TZ
    from reporting import onsite

    old, new = legal.APOLOGY[0][1], legal.APOLOGY[-1][1]
    assert (onsite.forms_of(old), onsite.forms_of(new), onsite.forms_of(legal.DATA_QUALITY[0][1])) == (
        "2018", "2025", None
    )  # fmt: skip
    assert onsite.forms_on(datetime(2025, 9, 15, 0, 30, tzinfo=VN_TZ)) == "2025"
    assert onsite.forms_on(datetime(2025, 9, 14, 17, 30, tzinfo=UTC)) == "2025"  # 15/9 00:30 in UTC+7
    assert onsite.forms_on(datetime(2025, 9, 14, 16, 30, tzinfo=UTC)) == "interim"  # 14/9 23:30 there
    assert onsite.forms_on(datetime(2025, 7, 1, 0, 30, tzinfo=VN_TZ)) == "interim"
    assert onsite.forms_on(datetime(2025, 6, 30, 17, 30, tzinfo=VN_TZ)) == "2018"  # 1/7 00:30 in UTC+7
    assert onsite.common_forms(["2025", "2025"]) == "2025" and onsite.common_forms(["2025", "2018"]) is None
    late = " ".join(onsite.items("LATE_NO_APOLOGY", "violation", "vi", "2025"))
    assert "mẫu 06 Thông tư 03/2025" in late and "mẫu 07 Thông tư 03/2025" in late
    assert (
        "Văn bản xin lỗi và đề nghị gia hạn" in late and "Phiếu xin lỗi" not in late and "mẫu 05" not in late
    )
    before = " ".join(onsite.items("LATE_NO_APOLOGY", "violation", "vi", "2018"))
    assert "(mẫu 05)" in before and "Thông tư 03/2025" not in before
    both = " ".join(onsite.items("LATE_NO_APOLOGY", "violation", "vi"))
    assert "mẫu 05; mẫu 06 theo Thông tư 03/2025" in both
    refused = " ".join(onsite.items("REFUSAL_UNWRITTEN", "violation", "vi", "2025"))
    assert "mẫu 05 Thông tư 03/2025" in refused and "Nghị định 61/2018" not in refused
    twice = {"apologies": 2, "new_due_dates": ["2025-11-18T17:00:00+07:00", "2025-11-20T17:00:00+07:00"]}
    assert sentence("RESCHEDULED_MORE_THAN_ONCE", "violation", twice, forms="2025").startswith(
        "Lập 2 Văn bản xin lỗi (mẫu 04)"
    )
    stop = {"type": "suspended", "reason": "x"}
    assert "không có Thông báo dừng giải quyết hồ sơ (mẫu 05 Thông tư 03/2025)" in sentence(
        "REFUSAL_UNWRITTEN", "violation", stop, forms="2025"
    )
    assert "mẫu 05" not in sentence("REFUSAL_UNWRITTEN", "violation", stop, forms="2018")
    facts = {"due_date": "2025-11-12", "end_type": "processed", "end_at": "2025-11-14T10:00:00+07:00"}
    assert "không có Văn bản xin lỗi (mẫu 04)" in sentence(
        "LATE_NO_APOLOGY", "violation", facts, forms="2025"
    )
    assert "không có Phiếu xin lỗi (mẫu 04)" in sentence("LATE_NO_APOLOGY", "violation", facts, forms="2018")


def test_a_dossier_received_before_circular_03_2025_is_asked_for_the_forms_of_circular_01_2018() -> None:
    """Circular 03/2025 is of 15/9/2025 (its entry into force unconfirmed): a dossier received in August 2025
    was asked for the 'Văn bản xin lỗi' of a circular not yet issued, and its control slip as form 06. It is
    under Decree 118 (Decree 61's articles are not cited) with the forms of Circular 01/2018."""
    from inspections.rules import legal
    from reporting import onsite

    interim = legal.APOLOGY[1][1]
    assert onsite.forms_of(interim) == "interim" and "61/2018" not in interim
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in interim and "Văn bản xin lỗi" not in interim
    late = " ".join(onsite.items("LATE_NO_APOLOGY", "violation", "vi", "interim"))
    assert "(mẫu 05)" in late and "(mẫu 06)" in late and "Thông tư 03/2025" not in late
    refused = " ".join(onsite.items("REFUSAL_UNWRITTEN", "violation", "vi", "interim"))
    assert "mẫu 05" not in refused and "61/2018" not in refused and "(mẫu 03)" in refused
    facts = {"due_date": "2025-08-12", "end_type": "processed", "end_at": "2025-08-14T10:00:00+07:00"}
    text = sentence("LATE_NO_APOLOGY", "violation", facts, forms="interim")
    assert "không có Phiếu xin lỗi (mẫu 04)" in text
    stop = {"type": "suspended", "reason": "x"}
    assert "mẫu 05" not in sentence("REFUSAL_UNWRITTEN", "violation", stop, forms="interim")


def test_documents_are_named_as_their_procedure_names_them() -> None:
    """Packs showed component codes ("CT01, GT-CHO-O") where an inspector matches paper by its name (review
    of 2026-12-04); names come per procedure, since one code names other papers elsewhere."""
    from reporting.pack_tables import details

    names = {"CT01": "Tờ khai thay đổi thông tin cư trú", "GT-CHO-O": "Giấy tờ chứng minh chỗ ở hợp pháp"}
    facts = {"event_type": "received", "excess": ["SO-HO-KHAU"], "allowed": ["CT01", "GT-CHO-O"]}
    text = sentence("EXCESS_DOCUMENTS", "violation", facts, components=names)
    assert "ngoài thành phần hồ sơ: SO-HO-KHAU;" in text  # not in the catalogue: its code
    assert "Tờ khai thay đổi thông tin cư trú (CT01), Giấy tờ chứng minh chỗ ở hợp pháp (GT-CHO-O)" in text
    assert "CT01, GT-CHO-O" in sentence("EXCESS_DOCUMENTS", "violation", facts)  # no names: codes, as before
    shown = details({"documents": ["CT01"], "channel": "direct"}, "vi", None, names)
    assert "Tờ khai thay đổi thông tin cư trú (CT01)" in shown and "trực tiếp" in shown
    named = details({"documents": ["CT01"]}, "vi", None, {"CT01": "Tờ khai (mẫu CT01)"})
    assert named.endswith(": Tờ khai (mẫu CT01)")  # a name that holds its code is not followed by it again


def test_the_unit_a_dossier_went_to_is_named_in_the_timeline() -> None:
    """A transfer printed its unit's code only ("chuyển đến đơn vị: 000.00.01.H99"): an inspector on site
    looks for the office by name; the code stays after it, to match the systems' records."""
    from reporting.pack_tables import details

    names = {"000.00.01.H99": "Sở Tài chính tỉnh Mẫu"}
    shown = details({"to_unit_code": "000.00.01.H99", "step": "Thẩm định"}, "vi", None, None, names)
    assert shown == "chuyển đến đơn vị: Sở Tài chính tỉnh Mẫu (000.00.01.H99); bước: Thẩm định"
    assert details({"to_unit_code": "000.99.99.H00"}, "vi", None, None, names).endswith(": 000.99.99.H00")
    assert details({"to_unit_code": "000.00.01.H99"}, "en").endswith(": 000.00.01.H99")  # no names: the code


def test_an_incomplete_apology_names_the_missing_number_as_its_labels_do() -> None:
    """ "Văn bản xin lỗi … thiếu: số phiếu" mixed the two circulars' words (review): the number is "số văn
    bản", as every timeline names it."""
    from reporting.evidence import sentence

    facts = {"missing": ["notice_id", "reason"]}
    text = sentence("APOLOGY_INCOMPLETE", "violation", facts, "vi", forms="2025")
    assert text.startswith("Văn bản xin lỗi") and text.endswith("thiếu: số văn bản, lý do"), text
    for forms in ("2018", "interim", None):  # the "Phiếu xin lỗi" of Circular 01/2018: its "số phiếu"
        text = sentence("APOLOGY_INCOMPLETE", "violation", facts, "vi", forms=forms)
        assert text.startswith("Phiếu xin lỗi") and text.endswith("thiếu: số phiếu, lý do"), text


def test_a_time_limit_in_calendar_days_says_so() -> None:
    """ "thời hạn 20 ngày" read as working days beside a due date 20 working days after receipt (review)."""
    from reporting.evidence_words import max_time_text

    assert max_time_text({"amount": 20, "unit": "calendar_days"}) == "20 ngày theo lịch"
    assert max_time_text({"amount": 20, "unit": "working_days"}) == "20 ngày làm việc"
    assert max_time_text({"amount": 20, "unit": "calendar_days"}, "en") == "20 calendar days"


def test_an_apology_row_names_neither_circulars_form() -> None:
    """Form 04 is the 2018 "Phiếu xin lỗi và hẹn lại" and from 15/9/2025 the "Văn bản xin lỗi và đề nghị gia
    hạn": every timeline row (packs, console, reports) named the 2025 one, a 2018 dossier's too. The event's
    words name neither; a sentence naming the form picks it by the dossier's circular (``evidence_words``)."""
    from reporting.evidence_words import event_name
    from reporting.i18n import Texts

    for words in (Texts("vi").event_type("apology_issued"), event_name("apology_issued")):
        assert "xin lỗi" in words.lower() and not words.lower().startswith(("phiếu", "văn bản")), words


def test_a_time_limit_of_one_day_is_singular_in_english() -> None:
    from reporting.evidence_words import max_time_text

    assert max_time_text({"amount": 1, "unit": "working_days"}, "en") == "1 working day"
    assert max_time_text({"amount": 1, "unit": "working_hours"}, "en") == "1 working hour"
    assert max_time_text({"amount": 3, "unit": "working_days"}, "en") == "3 working days"
    assert max_time_text({"amount": 1, "unit": "working_days"}, "vi") == "1 ngày làm việc"


def test_a_pack_counts_working_days_on_the_platform_calendar_when_the_warehouse_stores_none() -> None:
    """A warehouse filled by `warehouse load` stores no catalogue snapshot: every pack said "vượt 6 ngày
    theo lịch" beside a limit of "3 ngày làm việc" (report review: 4 working days, 20/06 → 26/06/2025)."""
    from inspections.files.calendar import load_calendar
    from reporting.packs import pack_working_days
    from warehouse.base import WarehouseError

    class NoSnapshot:
        def query(self, *args: object, **kwargs: object) -> object:
            raise WarehouseError("the warehouse holds no catalogue snapshot")

    counted = pack_working_days(NoSnapshot(), load_calendar(None))  # type: ignore[arg-type]
    assert counted is not None and counted(date(2025, 6, 20), date(2025, 6, 26)) == 4
    assert pack_working_days(NoSnapshot(), None) is None  # type: ignore[arg-type]


def test_an_open_dossier_judged_at_midnight_is_late_by_the_days_that_have_begun() -> None:
    """Judged at Monday 24/11 00:00 past a Wednesday 19/11 due date, an open dossier was "trễ 3 ngày làm
    việc": Thursday, Friday and a Monday not begun (onboarding review). An end event at 00:00 (a date-only
    source) keeps its day, as the classification counts it."""
    from inspections.files.calendar import load_calendar
    from reporting.packs import working_days_on

    days = working_days_on(load_calendar(None))
    monday = "2025-11-24T00:00:00+07:00"
    facts = {"due_date": "2025-11-19", "due_at": "2025-11-19T17:00:00+07:00", "end_at": monday,
             "effective_end": monday}  # fmt: skip
    assert "trễ 2 ngày làm việc" in sentence("LATE_NO_APOLOGY", "violation", facts, working_days=days)
    returned = {**facts, "end_type": "returned"}
    assert "trễ 3 ngày làm việc" in sentence("LATE_NO_APOLOGY", "violation", returned, working_days=days)
