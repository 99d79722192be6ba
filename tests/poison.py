"""Poisoning the judging of one dossier (rulebook v2, amendment 12): any exception inside one dossier's
evaluation, whatever path judges it (batch audit, metrics, warehouse load, stream detector).

``Auditor.facts`` is where every path starts judging a dossier, so raising there for one dossier id reaches
them all; patched on the class, it also reaches the batch engine's forked workers.
"""

from __future__ import annotations

from typing import Any

import pytest

from inspections.rulebook import Auditor

MESSAGE = "poisoned for the test"


class Poisoned(RuntimeError):
    """What the poisoned dossier's evaluation raises."""


def poison(monkeypatch: pytest.MonkeyPatch, *dossier_ids: str) -> None:
    """Make judging any of ``dossier_ids`` raise :class:`Poisoned`; the other dossiers are untouched."""
    original = Auditor.facts
    targets = frozenset(dossier_ids)

    def facts(self: Auditor, dossier_id: str, *args: Any, **kwargs: Any) -> Any:
        if dossier_id in targets:
            raise Poisoned(MESSAGE)
        return original(self, dossier_id, *args, **kwargs)

    monkeypatch.setattr(Auditor, "facts", facts)
