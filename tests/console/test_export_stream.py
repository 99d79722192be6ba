"""The list's XLSX written row by row (review at a province's scale): a failure half-way leaves no file
behind, and the file is named by its week however the week was typed (review of the fixes)."""

from __future__ import annotations

import glob
import os
import tempfile
from datetime import UTC, datetime

import pytest

import console.exports
from console.service import Account, ListedViolation, ListQuery, ListResult
from console.texts import ConsoleTexts
from inspections.cases import CaseState, CaseStatus
from warehouse.console_read import ViolationRow

AT = datetime(2025, 11, 10, 1, tzinfo=UTC)


class GoneOnPageTwo:
    """A list of two pages whose second the warehouse no longer answers."""

    def list_violations(self, who: object, query: ListQuery, limit: int) -> ListResult:
        if query.page > 1:
            raise RuntimeError("warehouse gone")
        row = ViolationRow("D-1", "LATE_NO_APOLOGY", "e1", "000.10.01.H99", "high", "violation", "open", AT,
                           "2", "9.999")  # fmt: skip
        return ListResult(2, 1, 2, [ListedViolation(row, CaseState(status=CaseStatus.OPEN))])

    def log_export(self, who: object, ids: object) -> None:
        raise AssertionError("not reached")


def _streams() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "openpyxl.*")))


def test_an_export_failing_half_way_leaves_no_temporary_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.exports, "_PAGE", 1)
    before = _streams()
    who = Account("insp", "inspector", "x", None)
    with pytest.raises(RuntimeError, match="warehouse gone"):
        console.exports.list_xlsx(GoneOnPageTwo(), who, ListQuery(), ConsoleTexts("vi"))  # type: ignore[arg-type]
    assert _streams() - before == set()


@pytest.mark.parametrize("typed", ["2025-W45", "2025-w45", "45/2025"])
def test_the_file_is_named_by_its_week_however_it_was_typed(typed: str) -> None:
    assert console.exports.export_name(ListQuery(week=typed)).startswith("violations-2025-W45")
