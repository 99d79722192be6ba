"""Every rule names its article and clause and says in words how sure the basis is, in each period."""

from __future__ import annotations

from datetime import date

import pytest

from inspections.rules import RULES_V1, legal
from inspections.rules.base import Rule

MARKS = (legal.CONFIRMED, legal.SECONDARY, legal.UNCONFIRMED)


@pytest.mark.parametrize("rule", RULES_V1, ids=lambda r: r.rule_id)
def test_a_rule_names_its_article_and_its_confidence_in_words(rule: Rule) -> None:
    before = rule.basis_on(date(2024, 6, 1))
    assert "Nghị định 61/2018/NĐ-CP" in before and "Điều " in before, before
    assert any(mark in before for mark in MARKS), before
    after = rule.basis_on(date(2025, 8, 1))
    assert "Nghị định 118/2025/NĐ-CP" in after or "Nghị định 63/2010/NĐ-CP" in after, after
    assert any(mark in after for mark in MARKS), after


def test_decree_118_articles_are_not_claimed_where_none_was_confirmed() -> None:
    """From 1/7/2025 only what was found is cited; an apology's basis says its article is unconfirmed."""
    after = legal.APOLOGY[-1][1]
    assert legal.UNCONFIRMED in after and "Điều 19" not in after
