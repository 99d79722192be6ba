"""docs/exports.md names what a process-mining user filters on: the activity names and the OCEL dossier
object's attributes. A filter written from the page must match the files (a renamed apology activity left
the page naming one no export held: docs review of 2026-12-05)."""

from __future__ import annotations

import re
from pathlib import Path

from reporting.exports.model import activity_names
from reporting.exports.ocel import DOSSIER_ATTRIBUTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "exports.md"


def _paragraph(start: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    at = text.index(start)
    return " ".join(text[at : text.index("\n\n", at)].split())


def test_the_page_lists_every_activity_name_of_the_exports_and_no_other() -> None:
    listed = _paragraph("Activities are named as the reports name them").split("; the contract's type")[0]
    names = re.findall(r"\*([^*]+)\*", listed)
    assert sorted(names) == sorted(activity_names("vi").values())


def test_the_page_lists_the_ocel_dossier_objects_attributes() -> None:
    ocel = _paragraph("**OCEL 2.0.**")
    dossier = ocel[ocel.index("`dossier` (") : ocel.index("`unit` (")]
    assert set(re.findall(r"`(\w+)`", dossier)) - {"dossier", "as_of", "unit", "procedure"} == {
        name for name, _type in DOSSIER_ATTRIBUTES
    }


def test_the_page_says_when_two_exports_of_one_file_are_the_same_bytes() -> None:
    """Review: the page said "two exports of one file are the same bytes" while the default ``--as-of`` is
    the moment of each export, to the microsecond (``dossier_audit.cli.exporter``): only the same
    ``--as-of`` (and as many batch workers) gives the same bytes, and the page must say so."""
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    at = text.index("Two exports of one file are")
    claim = text[at : text.index(". ", text.index("other core counts", at))]
    assert "same `--as-of`" in claim and "microsecond" in claim
    assert "`DOSSIER_AUDIT_BATCH_WORKERS`" in claim
