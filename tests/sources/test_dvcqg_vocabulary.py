"""The recognised texts and codes: every phrase found whatever its case or accent encoding."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources.dvcqg.units import exact_name, loose_name
from sources.dvcqg.vocabulary import PHRASES, STATUS_NAMES, Meaning, fold, meaning_of, status_code


def spellings(text: str) -> list[str]:
    """A phrase as officials and senders write it: as given, upper, lower, decomposed accents, with noise,
    and with characters a word processor leaves unseen inside a word (a soft hyphen, a zero-width space, a
    word joiner, a byte order mark): "xin l\u00adỗi" was not an apology, and its late dossier was found late
    without one (review of real exports)."""
    marks = ((3, "\u00ad"), (5, "\u200b"), (len(text) - 2, "\u2060"))
    inside = [text[:n] + mark + text[n:] for n, mark in marks]
    return [
        text,
        text.upper(),
        text.lower(),
        unicodedata.normalize("NFD", text),
        f"  {text}: theo quy định.  ",
        text.replace(" ", "  "),
        "\ufeff" + text,
        *inside,
    ]


@pytest.mark.parametrize("phrase", PHRASES, ids=lambda p: p.meaning.value + ":" + p.text)
def test_every_phrase_is_recognised_in_every_spelling(phrase) -> None:
    status = next(iter(phrase.statuses)) if phrase.statuses else "4"
    for text in spellings(phrase.text):
        assert meaning_of(text, status) is phrase.meaning, text


def test_a_phrase_applies_only_to_its_statuses() -> None:
    assert meaning_of("Cán bộ trả hồ sơ bổ sung", "9") is Meaning.SUPPLEMENT_REQUEST
    assert meaning_of("Cán bộ trả hồ sơ bổ sung", "4") is None
    assert meaning_of("Công dân thu hồi hồ sơ", "3") is Meaning.WITHDRAWAL
    assert meaning_of("Công dân thu hồi hồ sơ", "9") is None


def test_an_apology_is_recognised_on_any_status_and_wins() -> None:
    for status in STATUS_NAMES:
        assert meaning_of("Ban hành văn bản xin lỗi và hẹn lại ngày trả", status) is Meaning.APOLOGY
    assert meaning_of("Cán bộ trả hồ sơ bổ sung; Ban hành văn bản xin lỗi", "9") is Meaning.APOLOGY


def test_ordinary_texts_mean_nothing() -> None:
    for text in ("", "Chuyển xử lý", "Thẩm định hồ sơ", "Trình ký", "Không tiếp nhận do thiếu giấy tờ"):
        assert meaning_of(text, "9") is None


def test_status_codes() -> None:
    assert [status_code(v) for v in ("1", " 10 ", 4, "04", "0", "11", "x", 4.0, True, None)] == [
        "1", "10", "4", "4", None, None, None, None, None, None,
    ]  # fmt: skip


@given(st.text(max_size=60), st.sampled_from(sorted(STATUS_NAMES)))
def test_any_text_folds_and_never_raises(text: str, status: str) -> None:
    folded = fold(text)
    assert folded == fold(folded)
    meaning_of(text, status)


def test_unit_names_compare_with_abbreviations_and_both_accent_placements() -> None:
    assert exact_name("UBND  Phường Đông Mẫu") == exact_name("Ủy ban nhân dân phường Đông Mẫu")
    assert exact_name("Uỷ ban nhân dân Phường Đông Mẫu") == exact_name("Ủy ban nhân dân Phường Đông Mẫu")
    assert loose_name("UBND P. Dong Mau") != loose_name("UBND Phường Đông Mẫu")
    assert loose_name("UBND Phuong Dong Mau") == loose_name("Ủy ban nhân dân Phường Đông Mẫu")
