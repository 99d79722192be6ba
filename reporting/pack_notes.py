"""The pack's sentences about its on-site checks, which its HTML and its workbook both print: how the forms
to ask for are numbered (by the circular of the dossiers' forms), and what to compare the sampled dossiers
with."""

from __future__ import annotations

from reporting import onsite
from reporting import pack_tables as pt
from reporting.pack_model import UnitPack
from reporting.pack_texts import pack_text

__all__ = ["onsite_note", "sample_onsite"]


def onsite_note(pack: UnitPack, lang: str) -> str:
    """How the pack's on-site section names forms: by the circular of all its dossiers' forms when they
    agree (a pack of August 2025 named Circular 03/2025, of 15/9/2025), else both circulars and when."""
    dossiers = {v.dossier_id: v.legal_basis for v in pack.violations} | dict.fromkeys(pack.sample)
    forms = onsite.common_forms(pt.dossier_forms(pack, d, basis) for d, basis in dossiers.items())
    if forms in ("2018", onsite.INTERIM, onsite.CIRCULAR_01):
        return pack_text("onsite_note_01/2018", lang)
    return pack_text("onsite_note_2025" if forms == "2025" else "onsite_note", lang)


def sample_onsite(pack: UnitPack, lang: str) -> str:
    """What to compare the sampled dossiers with, in the forms they are all handled with if they agree."""
    forms = onsite.common_forms(pt.dossier_forms(pack, d) for d in pack.sample)
    return pack_text("sample_onsite", lang, items="; ".join(onsite.sample_items(lang, forms)))
