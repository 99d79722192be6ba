"""Where a header line may break: between words, never between the syllables of one.

Vietnamese writes each syllable apart, so a line broken at "a space" can split a word: the default team
"TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH" balanced on two lines came out as "TỔ KIỂM TRA CẢI / CÁCH HÀNH CHÍNH",
which a clerk would never write. The issuing body and the team of a letterhead are agency names built from
a small stock of two-syllable words (ủy ban, nhân dân, kiểm tra, cải cách, hành chính, the departments'
names); :func:`units` keeps each of those whole, and the PDF (``official.balanced_lines``) and the HTML
(:func:`nowrap_html`, a ``white-space: nowrap`` span round each) break only between units.

A name outside the list still breaks between syllables, as before: the list covers the words of the
defaults and of the provincial bodies a report is issued by or addressed to, not the whole language.
"""

from __future__ import annotations

from markupsafe import Markup, escape

#: Two-syllable words of Vietnamese agency names and titles, in capitals.
COMPOUNDS = frozenset(
    {
        "ỦY BAN", "UỶ BAN", "NHÂN DÂN", "HỘI ĐỒNG", "KIỂM TRA", "THANH TRA", "CẢI CÁCH", "HÀNH CHÍNH",
        "VĂN PHÒNG", "TRUNG TÂM", "PHỤC VỤ", "MỘT CỬA", "BỘ PHẬN", "TIẾP NHẬN", "KẾT QUẢ", "THỦ TỤC",
        "NỘI VỤ", "TƯ PHÁP", "TÀI CHÍNH", "KẾ HOẠCH", "ĐẦU TƯ", "XÂY DỰNG", "GIAO THÔNG", "VẬN TẢI",
        "CÔNG THƯƠNG", "NÔNG NGHIỆP", "PHÁT TRIỂN", "NÔNG THÔN", "TÀI NGUYÊN", "MÔI TRƯỜNG", "THÔNG TIN",
        "TRUYỀN THÔNG", "LAO ĐỘNG", "THƯƠNG BINH", "XÃ HỘI", "GIÁO DỤC", "ĐÀO TẠO", "Y TẾ", "VĂN HÓA",
        "VĂN HOÁ", "THỂ THAO", "DU LỊCH", "KHOA HỌC", "CÔNG NGHỆ", "DÂN TỘC", "NGOẠI VỤ", "TỔ TRƯỞNG",
        "THÀNH PHỐ", "THỊ XÃ", "CÔNG AN", "QUÂN SỰ", "CHỦ TỊCH", "GIÁM ĐỐC", "TRƯỞNG ĐOÀN", "CÔNG TÁC",
    }
)  # fmt: skip


def units(text: str) -> list[str]:
    """``text``'s words, each a syllable or two that :data:`COMPOUNDS` keeps together, left to right; the
    units joined by spaces give the text back with its spaces collapsed."""
    syllables = text.split()
    found: list[str] = []
    i = 0
    while i < len(syllables):
        pair = " ".join(syllables[i : i + 2])
        if i + 1 < len(syllables) and pair.upper() in COMPOUNDS:
            found.append(pair)
            i += 2
        else:
            found.append(syllables[i])
            i += 1
    return found


def nowrap_html(text: str) -> Markup:
    """``text`` as HTML (escaped) with each two-syllable unit in a ``white-space: nowrap`` span: a browser
    wraps the line between words only, and the text (what a search or a copy finds) is unchanged."""
    parts = [
        Markup('<span class="word">{}</span>').format(unit) if " " in unit else escape(unit)
        for unit in units(text)
    ]
    return Markup(" ").join(parts)
