"""The legal bases in English (``inspections.rules.legal_en``): an English reader got the stored Vietnamese
text beside English words for its confidence marks, which they could not match (review of the console in
English)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from inspections.rules import legal
from inspections.rules.legal_en import article_in_english, in_english

#: Letters of Vietnamese an English text has only in a form's official title, a decree's "NĐ-CP" or a
#: point "(đ)".
_VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I)


def _texts() -> list[str]:
    """Every basis text the rulebook writes: each module-level basis, and each of a dict of cases."""
    found: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, tuple) and value and all(isinstance(p, tuple) and len(p) == 2 for p in value):
            found.extend(text for _, text in value if isinstance(text, str))

    for value in vars(legal).values():
        add(value)
        if isinstance(value, dict):
            for case in value.values():
                add(case)
    return found


def test_every_basis_the_rulebook_writes_has_its_english_with_the_same_marks() -> None:
    texts = _texts()
    assert len(texts) >= 36
    for text in texts:
        english = in_english(text)
        where = "inspections/rules/legal_en.py: write its English and add its name to NAMES"
        assert english is not None, f"{where}: {text}"
        for mark in ("[C]", "[S]", "[U]"):
            assert english.count(mark) == text.count(mark), (mark, text, english)
        bare = re.sub(r"'[^']*'", "", english).replace("NĐ-CP", "").replace("(đ)", "")
        assert not _VIETNAMESE.search(bare), english
    assert in_english("an earlier rulebook's text") is None


_CLAUSE = st.tuples(st.integers(1, 20), st.none() | st.sampled_from("abcdđe"))


@given(st.integers(1, 99), st.lists(_CLAUSE, min_size=0, max_size=3))
def test_a_citation_reads_as_english_cites(article: int, clauses: list[tuple[int, str | None]]) -> None:
    vi = [f"điểm {p} khoản {c}" if p else f"khoản {c}" for c, p in clauses]
    cited = (", ".join(vi[:-1]) + " và " + vi[-1] if len(vi) > 1 else "".join(vi)) + f" Điều {article}"
    en = [f"{article}({c})" + (f"({p})" if p else "") for c, p in clauses]
    expected = "Art. " + " and ".join(en) if en else f"Art. {article}"
    assert article_in_english(cited.strip()) == expected


def test_a_citation_of_another_shape_stays_as_it_is() -> None:
    assert article_in_english("Chương II") == "Chương II"
    assert article_in_english("mục 3 Điều 4") == "mục 3 Điều 4"
