"""The Rulebook v2 table of cases (``tests/rulebook_v2_cases.py``) on the platform's three paths: the batch
audit, the warehouse load and the stream detector must give every case's expected verdicts, and the same
JSON to the letter, under v2 and under v1 (still selectable)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from inspections.rulebook import RULEBOOKS
from tests.rulebook_v2_cases import CASES, Case, case_auditor
from tests.three_paths import Verdicts, three_paths


def _groups() -> list[tuple[str, list[Case]]]:
    """Cases sharing ``as_of`` and parameters are judged together (one warehouse per group)."""
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for c in CASES:
        groups[(c.as_of.isoformat(), repr(c.params))].append(c)
    return [(f"{key[0]}-{i}", cases) for i, (key, cases) in enumerate(groups.items())]


GROUPS = _groups()


def _of(verdicts: Verdicts, case: Case) -> set[tuple[str, str | None]]:
    return {(rule, event or None) for (dossier, rule, event) in verdicts if dossier == case.dossier_id}


@pytest.mark.parametrize("version", list(reversed(RULEBOOKS)))  # every version, a new one too
@pytest.mark.parametrize(("group", "cases"), GROUPS, ids=[g for g, _ in GROUPS])
def test_every_case_gives_its_verdicts_on_all_three_paths(
    version: str, group: str, cases: list[Case], tmp_path: Path
) -> None:
    auditor = case_auditor(cases[0], version)
    events = [e for c in cases for e in c.events]
    batch, warehouse, stream = three_paths(events, auditor, cases[0].as_of, tmp_path)
    for c in cases:
        assert _of(batch, c) == set(c.expected(version)), (c.name, c.why)
    assert warehouse == batch
    assert stream == batch
