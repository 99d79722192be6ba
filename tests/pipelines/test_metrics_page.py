"""The weekly metrics asset's page in Dagster: a rule appears once per kind, and the headline figures give the
not-checkable count apart from the violations (issue 14)."""

from __future__ import annotations

from pipelines.assets.metrics import rules_table, summary_figures


def test_each_kind_of_a_rule_has_its_own_row_and_not_checkable_is_a_headline_of_its_own() -> None:
    data = {
        "total": 5,
        "findings": 1,
        "not_checkable": 3,
        "by_rule": [
            {"rule_id": "SUPPLEMENT_UNWRITTEN", "kind": "violation", "count": 5, "previous": 4, "change": 1},
            {"rule_id": "SUPPLEMENT_UNWRITTEN", "kind": "not_checkable", "count": 3},
        ],
    }
    table = rules_table(data)
    assert table is not None
    assert "| SUPPLEMENT_UNWRITTEN | violation | 5 | 4 | 1 |" in table
    assert "| SUPPLEMENT_UNWRITTEN | not_checkable | 3 |  |  |" in table
    assert summary_figures(data) == {"total": 5, "findings": 1, "not_checkable": 3}
