"""Issue 15, the pack's tables in detail: every sample row has its anchor (its timeline's "↑ về danh sách"
goes somewhere), an article is read whole, and a week spanning New Year prints its dates with the year."""

from __future__ import annotations

import re
from datetime import datetime

from inspections.timeunits import VN_TZ
from reporting.evidence_words import ALWAYS_YEAR, legal_text
from reporting.gather import ViolationRecord
from reporting.i18n import Texts
from reporting.pack_legend import numbered_bases
from reporting.pack_model import UnitPack
from reporting.pack_tables import _ARTICLE, legal_cell, sample_table, violations_table

LATE = {"due_at": "2025-12-30T17:00:00+07:00", "due_date": "2025-12-30", "end_type": "processed",
        "end_at": "2026-01-02T10:00:00+07:00", "effective_end": "2026-01-02T10:00:00+07:00"}  # fmt: skip


def _pack(week_years: tuple[int, ...], **kw: object) -> UnitPack:
    record = ViolationRecord(
        "D1", "LATE_NO_APOLOGY", "", "violation", "high", "U1", None,
        datetime(2026, 1, 2, 10, tzinfo=VN_TZ), "Nghị định 61/2018/NĐ-CP, khoản 9 Điều 19 [C]", LATE,
    )  # fmt: skip
    fields: dict[str, object] = {"violations": [record], "sample": [], "facts": {}, "timelines": {}}
    fields |= kw
    return UnitPack("U1", "Unit", clean_total=0, seed="s", week_years=week_years, **fields)  # type: ignore[arg-type]


def test_a_sample_dossier_without_stored_facts_still_has_its_anchor() -> None:
    table = sample_table(Texts("vi"), _pack((2025,), violations=[], sample=["D9"]))
    assert [row.anchor for row in table.rows] == ["s-D9"]


def test_an_article_is_matched_whole_and_never_a_circulars() -> None:
    assert _ARTICLE.findall("Điều 19 Thông tư 01/2018/TT-VPCP") == []
    assert _ARTICLE.findall("khoản 4 Điều 19 Thông tư 03/2025") == []
    assert _ARTICLE.findall("chỉ thủ tục đã công bố (Điều 13 Nghị định 63/2010/NĐ-CP)") == []
    assert _ARTICLE.findall("Nghị định 61/2018, khoản 9 Điều 19; điểm đ khoản 1 Điều 5") == [
        "khoản 9 Điều 19",
        "điểm đ khoản 1 Điều 5",
    ]
    # Several clauses of one article stay one citation (the pack's reference line dropped "và khoản 3").
    assert _ARTICLE.findall("điểm c khoản 1 và khoản 3 Điều 17, điểm a khoản 1 Điều 6: hồ sơ đủ") == [
        "điểm c khoản 1 và khoản 3 Điều 17",
        "điểm a khoản 1 Điều 6",
    ]
    assert _ARTICLE.findall("khoản 3 Điều 15, điểm a khoản 1 và điểm a khoản 2 Điều 17, khoản 4 Điều 19") == [
        "khoản 3 Điều 15",
        "điểm a khoản 1 và điểm a khoản 2 Điều 17",
        "khoản 4 Điều 19",
    ]


def test_every_citation_of_the_rulebook_reads_smallest_part_first() -> None:
    """Vietnamese cites "khoản 9 Điều 19", never "Điều 19 khoản 9" (as the texts read until 2026-12)."""
    from inspections.rules import legal

    named = [v for k, v in vars(legal).items() if k.isupper()]
    bases = [v for v in named if isinstance(v, tuple)]
    bases += [b for v in named if isinstance(v, dict) for b in v.values()]  # by case
    texts = [text for value in bases for _, text in value]
    assert texts and not [t for t in texts if re.search(r"Điều \d+ (khoản|điểm)|NĐ-CP Điều", t)]


def test_a_refusals_reference_names_the_articles_of_its_own_case() -> None:
    """A 2025 refusal at reception was referred to "điểm b khoản 1 Điều 17, khoản 8 Điều 19", the clause of
    a refusal after appraisal too (review)."""
    from inspections.rules import RULES_V1

    rule = next(r for r in RULES_V1 if r.rule_id == "REFUSAL_UNWRITTEN")
    for case, evidence, cited, other in (
        ("reception", {"type": "refused", "stage": "reception"}, "điểm b khoản 1 Điều 17", "Điều 19"),
        ("processing", {"type": "refused", "stage": "processing"}, "khoản 8 Điều 19", "Điều 17"),
        ("suspended", {"type": "suspended"}, "khoản 8 Điều 19", "Điều 17"),
    ):
        basis = rule.basis_for(datetime(2025, 8, 4).date(), evidence)
        text = legal_cell(rule.rule_id, basis, "vi", evidence).text
        assert "tham chiếu trước 01/7/2025" in text and cited in text and other not in text, (case, text)
    anyhow = legal_cell(rule.rule_id, rule.basis_on(datetime(2025, 8, 4).date()), "vi").text
    assert "điểm b khoản 1 Điều 17, khoản 8 Điều 19" in anyhow  # no verdict: the rule's every case


def test_excess_documents_cites_its_own_case_and_a_reference_says_how_sure_it_was() -> None:
    """Review of 2026-12-05: a verdict for papers *received* cited Art. 5(1)(đ), which forbids *asking* for
    them (so did a 2025 dossier's reference), and a 2025 dossier's reference to a Decree 61 clause dropped
    its confidence: the suspension case, the rulebook's choice [U], and the appointment date, a reading of
    several clauses [S], read as confirmed."""
    from inspections.rules import RULES_V1

    rules = {r.rule_id: r for r in RULES_V1}
    excess = rules["EXCESS_DOCUMENTS"]
    before, after = datetime(2025, 5, 5).date(), datetime(2025, 8, 4).date()
    asked, received = {"event_type": "supplement_requested"}, {"event_type": "received"}
    assert "điểm đ khoản 1 Điều 5: không 'tự ý yêu cầu" in excess.basis_for(before, asked)
    assert "thực tiễn thanh tra" not in excess.basis_for(before, asked)
    got = excess.basis_for(before, received)
    assert got.startswith("Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP), nhận giấy tờ")
    assert "không có điều khoản cấm trực tiếp" in got and got.endswith(
        "thực tiễn thanh tra — chưa xác nhận [U]"
    )
    assert "Điều 5" not in got  # the clause on asking is not the receipt's
    assert excess.basis_for(before, {"event_type": "supplement_completed"}) == got
    text = legal_cell(excess.rule_id, excess.basis_for(after, asked), "vi", asked).text
    # Its confidence said too, confirmed as it is (an unmarked reference left the signer guessing: review).
    assert text.endswith(
        "(tham chiếu trước 01/7/2025: Nghị định 61/2018/NĐ-CP, điểm đ khoản 1 Điều 5; căn cứ khi đó: "
        "đã xác nhận trong văn bản)"
    )
    text = legal_cell(excess.rule_id, excess.basis_for(after, received), "vi", received).text
    assert text.endswith(
        "(trước 01/7/2025, theo Nghị định 61/2018/NĐ-CP: không có điều khoản cấm trực tiếp; căn cứ khi đó: "
        "chưa xác nhận)"
    )
    refusal, suspended = rules["REFUSAL_UNWRITTEN"], {"type": "suspended"}
    text = legal_cell(refusal.rule_id, refusal.basis_for(after, suspended), "en", suspended).text
    assert text.endswith(
        "(reference before 1/7/2025: Decree 61/2018/NĐ-CP, Art. 19(8); that basis: not confirmed)"
    )
    overstated = rules["DUE_DATE_OVERSTATED"]
    text = legal_cell(overstated.rule_id, overstated.basis_on(after), "vi").text
    assert text.endswith("căn cứ khi đó: theo nguồn thứ cấp hoặc cách đọc kết hợp nhiều điều khoản)")


def _evidence(pack: UnitPack) -> str:
    return violations_table(Texts("vi"), pack).rows[0].cells[7].text


def test_a_week_spanning_new_year_prints_years() -> None:
    assert _pack((2025, 2026)).evidence_year == ALWAYS_YEAR
    text = _evidence(_pack((2025, 2026)))
    assert "Hẹn trả 30/12/2025 17:00" in text and "có kết quả 02/01/2026 10:00" in text


def test_timeline_details_print_years_as_the_evidence_does() -> None:
    """The timeline's dates read "29/12" in a week spanning New Year, where the evidence read 29/12/2025."""
    from reporting.gather import TimelineEvent
    from reporting.pack_timelines import timeline_table

    event = TimelineEvent("e1", "received", datetime(2025, 12, 29, 9, tzinfo=VN_TZ), "U1", None,
                          {"due_at": "2026-01-05T17:00:00+07:00"})  # fmt: skip
    cells = [
        timeline_table(Texts("vi"), _pack(years, timelines={"D1": [event]}), ["D1"], with_dossier=False)
        .rows[0]
        .cells[4]
        .text
        for years in ((2025, 2026), (2026,), (2025,))
    ]
    assert cells[0].endswith("05/01/2026 17:00") and cells[1].endswith("05/01 17:00")
    assert cells[2].endswith("05/01/2026 17:00")


def test_a_week_within_one_year_prints_the_year_of_other_years_dates_only() -> None:
    text = _evidence(_pack((2026,)))
    assert "Hẹn trả 30/12/2025 17:00" in text and "có kết quả 02/01 10:00" in text


def test_timeline_details_translate_enumerated_fields_only() -> None:
    from reporting.pack_tables import details

    text = details(
        {"channel": "online", "documents": ["giay_khai_sinh", "processed"], "stage": "reception"}, "vi"
    )
    assert text == "kênh: trực tuyến; thành phần hồ sơ: giay_khai_sinh, processed; giai đoạn: khi tiếp nhận"


def test_the_printed_pack_leaves_room_to_write_the_finding_and_sign() -> None:
    """The team writes its finding and signs by hand in the printed pack: at 8 % and 5 % of the A4 landscape
    page, those columns were 2.2 and 1.4 cm wide (review of 2026-12-04). The printed columns fill the page
    (the template's ``@page`` margins: 27.2 cm of 29.7)."""
    table = violations_table(Texts("vi"), _pack((2025,)))
    shares = {column.heading: column.share for column in table.columns if column.printed}
    assert sum(shares.values()) == 100
    width = 29.7 - 1.5 - 1.0  # cm between the margins
    assert shares["Kết quả xác minh của đoàn"] * width / 100 >= 4.0
    assert shares["Người xác minh ký"] * width / 100 >= 1.8
    # Printed with its bases by number (``pack_legend``), the basis's width goes to the others.
    numbered, _ = numbered_bases(Texts("vi"), table)
    printed = {column.heading: column.share for column in numbered.columns if column.printed}
    assert sum(printed.values()) == 100 and printed["Căn cứ pháp lý"] < shares["Căn cứ pháp lý"]
    assert all(printed[h] >= shares[h] for h in shares if h != "Căn cứ pháp lý")


def test_the_on_site_note_names_the_circular_of_the_pack_s_dossiers() -> None:
    """A pack whose dossiers were all received before Circular 03/2025 (of 15/9/2025) named it, and asked for
    its forms; one whose dossiers all came after names its forms alone; a mix names both and when."""
    from reporting import onsite
    from reporting.gather import DossierFacts
    from reporting.pack_notes import onsite_note

    def sampled(*received: datetime) -> UnitPack:
        facts = {
            f"D{i}": DossierFacts(f"D{i}", "U1", None, None, at, None, None, None, "open")
            for i, at in enumerate(received)
        }
        return _pack((2025,), violations=[], sample=list(facts), facts=facts)

    june, august, october = (datetime(2025, m, 4, 9, tzinfo=VN_TZ) for m in (6, 8, 10))
    for received in ((june, august), (june,), (august,)):  # a June-only pack named both (review)
        before = onsite_note(sampled(*received), "vi")
        assert "Thông tư 01/2018" in before and "03/2025" not in before, received
    after = onsite_note(sampled(october), "vi")
    assert "Thông tư 03/2025" in after and "01/2018" not in after
    both = onsite_note(sampled(august, october), "vi")
    assert "Thông tư 01/2018" in both and "từ 15/9/2025" in both
    assert onsite.common_forms(["2018", "interim"]) == onsite.CIRCULAR_01
    listed = " ".join(
        " ".join(onsite.items(rule, "violation", "vi", onsite.CIRCULAR_01)) for rule in onsite.CHECKLIST
    )
    assert "03/2025" not in listed and "15/9/2025" not in listed and "(mẫu 05)" in listed
    refused = " ".join(onsite.items("REFUSAL_UNWRITTEN", "violation", "vi", onsite.CIRCULAR_01))
    assert "trước 01/7/2025: khoản 8 Điều 19 Nghị định 61/2018" in refused  # the decrees still differ


def test_a_pack_asks_for_the_forms_of_each_dossier_s_receipt_whatever_its_records_say() -> None:
    """A finding's basis names no decree, and a verdict stored before the bases changed (a dossier of August
    2025 citing Circular 03/2025) names the wrong forms: each record's forms come from its dossier's
    receipt, and a pack dated before 15/9/2025 names no form of Circular 03/2025 even without one (review)."""
    from datetime import date

    from inspections.rules import legal
    from reporting import onsite
    from reporting.gather import DossierFacts
    from reporting.pack_tables import dossier_forms, onsite_table

    august = datetime(2025, 8, 4, 9, tzinfo=VN_TZ)
    stale = "Nghị định 118/2025/NĐ-CP: …; mẫu 04 'Văn bản xin lỗi…' (Thông tư 03/2025/TT-VPCP) — [S]"
    known = {"D1": DossierFacts("D1", "U1", None, None, august, None, None, None, "late")}
    finding = ViolationRecord("D2", "EVENT_AFTER_END", "e9", "finding", "low", "U1", None, august,
                              legal.DATA_QUALITY[0][1], {})  # fmt: skip
    verdict = ViolationRecord("D1", "LATE_NO_APOLOGY", "e1", "violation", "high", "U1", None, august, stale,
                              LATE)  # fmt: skip
    early = _pack((2025,), violations=[verdict, finding], facts=known, issued_on=date(2025, 8, 25))
    assert dossier_forms(early, "D1", stale) == onsite.INTERIM  # its receipt, not the stale text
    assert dossier_forms(early, "D2", legal.DATA_QUALITY[0][1]) == onsite.CIRCULAR_01  # dated before
    listed = " ".join(cell.text for row in onsite_table(Texts("vi"), early).rows for cell in row.cells)
    assert "03/2025" not in listed and "15/9/2025" not in listed and "(mẫu 06)" in listed, listed
    evidence = _evidence(early)
    assert "Văn bản xin lỗi" not in evidence and "Phiếu xin lỗi" in evidence, evidence
    later = _pack((2025,), violations=[finding], facts={}, issued_on=date(2025, 10, 6))
    assert dossier_forms(later, "D2", legal.DATA_QUALITY[0][1]) is None  # unknown: both named, as before


def test_a_refusal_of_unknown_stage_under_decree_118_cites_no_article_of_decree_61() -> None:
    """A refusal recorded before its stage was (violations of before 2026-12) named Art. 19(8) of Decree 61
    for any dossier; under Decree 118 (from 1/7/2025) its article is unconfirmed (review)."""
    from reporting.evidence import sentence

    facts = {"type": "refused", "reason": "x"}
    assert "Nghị định 61/2018" in sentence("REFUSAL_UNWRITTEN", "violation", facts, forms="2018")
    for forms in ("interim", "2025"):
        text = sentence("REFUSAL_UNWRITTEN", "violation", facts, forms=forms)
        assert "61/2018" not in text and "mẫu 03" in text and "không theo mẫu" in text, (forms, text)


def test_a_clause_cited_as_the_rules_exception_is_named_as_one() -> None:
    """A 2025 dossier received without an appointment was referred to "…, khoản 4 Điều 17", the clause that
    exempts a dossier whose result is returned at once, listed as if the dossier broke it (review)."""
    from inspections.rules import RULES_V1

    rule = next(r for r in RULES_V1 if r.rule_id == "NO_APPOINTMENT")
    for lang, words in (
        ("vi", "điểm c khoản 1 và khoản 3 Điều 17, điểm a khoản 1 Điều 6, trừ trường hợp quy định tại "
         "khoản 4 Điều 17; căn cứ khi đó: đã xác nhận trong văn bản)"),
        ("en", "Art. 17(1)(c) and 17(3), Art. 6(1)(a), except as provided in Art. 17(4); that basis: "
         "confirmed in the text)"),
    ):  # fmt: skip
        text = legal_cell(rule.rule_id, rule.basis_on(datetime(2025, 10, 6).date()), lang).text
        assert text.endswith(words), text
    before = rule.basis_on(datetime(2025, 5, 5).date())
    assert "trừ hồ sơ trả kết quả ngay (khoản 4 Điều 17)" in before and legal_cell(
        rule.rule_id, before, "vi"
    ).text == legal_text(before)
