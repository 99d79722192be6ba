"""The inspector's on-site guide names the forms by their numbers in LEGAL.md §3: Circular 01/2018 (forms
01–06) and, from 1/7/2025, Circular 03/2025 (04 renamed, 05 the stop notice, 06/07 the old 05/06). A refusal
is form 03 under both; form 06 is a control sheet or the register, never a refusal (the guide said 03/06)."""

from __future__ import annotations

import re

import pytest

from console.guide import _GUIDE, guide

#: What each form number is, under either numbering: the words a text about it must be about.
FORMS = {
    "01": "tiếp nhận", "02": "bổ sung", "03": "từ chối", "04": "xin lỗi", "05": "dừng",
}  # fmt: skip


@pytest.mark.parametrize("rule_id", sorted(_GUIDE))
def test_every_form_the_guide_names_is_the_one_for_its_subject(rule_id: str) -> None:
    for text in guide(rule_id, "vi"):
        for number in re.findall(r"mẫu (\d\d)", text):
            assert number in FORMS and FORMS[number] in text.casefold(), (rule_id, number, text)
    for text in guide(rule_id, "en"):
        assert not re.search(r"forms? \d\d/\d\d", text), (rule_id, text)


def test_a_late_apology_is_explained_with_the_rules_lead() -> None:
    """ "Before the due date" made an inspector dismiss an apology two minutes before it, which the rule finds
    late: it asks ``apology_lead_working_days`` working days before (review of 2026-12-04)."""
    plain, verify = guide("APOLOGY_TOO_LATE", "vi")
    assert "chậm nhất 1 ngày làm việc trước ngày hẹn trả" in plain and "ít nhất 1 ngày làm việc" in verify
    assert "at least 2 working days before" in guide("APOLOGY_TOO_LATE", "en", lead_days=2)[0]
    assert "at least 1 working day before" in guide("APOLOGY_TOO_LATE", "en", lead_days=1)[0]  # not "day(s)"
    assert not any("(s)" in text for rule_id in _GUIDE for text in guide(rule_id, "en"))
    assert not any(
        "{lead}" in text for rule_id in _GUIDE for lang in ("vi", "en") for text in guide(rule_id, lang)
    )
