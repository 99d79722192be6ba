"""Which unit a DVCQG dossier belongs to: the format names its unit by *name* (``DonViXuLy``), not code.

In order (the first that answers wins):

1. the ``MaHoSo`` prefix, when the catalogue knows it as a unit code: dossier ids look like
   ``{unit code}-{yyMMdd}-{sequence}`` (DOMAIN.md §3), so ``000.10.01.H99-251103-0001`` is unit
   ``000.10.01.H99``;
2. ``DonViXuLy`` through the ``--units`` mapping (name → code), which the province writes for names its
   catalogue does not hold or spells otherwise: an explicit choice wins over a guess from names;
3. ``DonViXuLy`` through the catalogue's unit names. Names repeat over time (a ward re-created by the 2025
   reform keeps its name under a new code), so only the units in force on the dossier's date are
   considered; a name that still fits several units is ambiguous and rejects the record. A name of units
   none of which is in force then is read as their successors' that are (following each chain): a sender
   whose list still holds a ward merged away gave its dossiers the abolished ward, and the audit found
   every procedure unpublished there (review of 2026-12-06); with no such successor, the units named.

Names are compared exactly after NFC, case folding and collapsing spaces, with the common abbreviation
"UBND" read as "Ủy ban nhân dân"; only if that finds nothing, without accents too, when that is unique.
A record none of these resolves is rejected (``unit.unresolved``), never given a made-up unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from inspections.catalogue import Catalogue, Unit
from sources.dvcqg.fields import Unmappable
from sources.dvcqg.vocabulary import fold

__all__ = ["UnitResolver", "exact_name", "loose_name"]

#: ``{unit}-{yyMMdd}-{sequence}``: the prefix of a dossier id of the national pattern.
_DOSSIER_ID = re.compile(r"^(?P<unit>.+?)-[0-9]{6}-[0-9]+$")
_SPACES = re.compile(r"\s+")
#: Abbreviations in unit names, on whole words (folded forms).
_ABBREVIATIONS = {"ubnd": "uy ban nhan dan"}
_ABBREVIATIONS_EXACT = {"ubnd": "ủy ban nhân dân"}


def exact_name(name: str) -> str:
    """A unit name for exact comparison: NFC, case-folded, single spaces, "UBND" spelled out."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name).casefold()).strip()
    text = text.replace("uỷ", "ủy")  # the two accent placements of "Ủy" both occur
    words = [_ABBREVIATIONS_EXACT.get(word, word) for word in text.split(" ")]
    return " ".join(words)


def loose_name(name: str) -> str:
    """A unit name without accents or punctuation (:func:`sources.dvcqg.vocabulary.fold`)."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in fold(name).split(" "))


class UnitResolver:
    """Resolves a dossier's unit code (module docstring). Built once per import."""

    __slots__ = ("_catalogue", "_codes", "_exact", "_loose", "_mapped_exact", "_mapped_loose")

    def __init__(self, catalogue: Catalogue, mapping: Mapping[str, str] | None = None) -> None:
        # Code → the catalogue's own string: every dossier of a unit shares one object, not a copy each.
        self._codes = {code: code for code in catalogue.units}
        self._catalogue = catalogue
        self._exact: dict[str, list[Unit]] = {}
        self._loose: dict[str, list[Unit]] = {}
        for unit in catalogue.units.values():
            self._exact.setdefault(exact_name(unit.name), []).append(unit)
            self._loose.setdefault(loose_name(unit.name), []).append(unit)
        self._mapped_exact: dict[str, str] = {}
        self._mapped_loose: dict[str, set[str]] = {}
        for name, code in (mapping or {}).items():
            self._mapped_exact[exact_name(name)] = code
            self._mapped_loose.setdefault(loose_name(name), set()).add(code)

    def from_dossier_id(self, dossier_id: str) -> str | None:
        """The unit code the dossier id starts with, when the catalogue knows it."""
        match = _DOSSIER_ID.match(dossier_id)
        if match is not None and (code := self._codes.get(match["unit"])) is not None:
            return code
        return self._codes.get(dossier_id.split("-", 1)[0])

    def resolve(self, dossier_id: str, unit_name: str, on: date | None) -> str:
        """The dossier's unit code, or :class:`~sources.dvcqg.fields.Unmappable` saying why there is none.

        ``on``: the dossier's date (received, else submitted), to choose among units of the same name.
        """
        code = self.from_dossier_id(dossier_id)
        if code is not None:
            return code
        if not unit_name:
            raise Unmappable(
                "unit.unresolved",
                "no unit: the MaHoSo prefix is not a unit of the catalogue and DonViXuLy is empty",
            )
        mapped = self._mapped_exact.get(exact_name(unit_name))
        if mapped is not None:
            return mapped
        loosely = self._mapped_loose.get(loose_name(unit_name), set())
        if len(loosely) == 1:
            return next(iter(loosely))
        found = self._in_force(self._exact.get(exact_name(unit_name), []), on)
        if not found:
            found = self._in_force(self._loose.get(loose_name(unit_name), []), on)
        codes = sorted({u.code for u in found})
        if len(codes) == 1:
            return codes[0]
        if len(codes) > 1 or len(loosely) > 1:
            choices = ", ".join(codes or sorted(loosely))
            raise Unmappable(
                "unit.ambiguous",
                f"DonViXuLy {unit_name[:80]!r} names several units ({choices}): map it with --units",
            )
        raise Unmappable(
            "unit.unresolved",
            f"DonViXuLy {unit_name[:80]!r} is not a unit name of the catalogue nor of the --units mapping, "
            "and the MaHoSo prefix is not a unit code of the catalogue",
        )

    def _in_force(self, units: list[Unit], on: date | None) -> list[Unit]:
        """The units in force on ``on``; else the units that carry them on then (``Catalogue.current_on``,
        following successors: module docstring); else all of them (and when the date is unknown)."""
        if on is None or not units:
            return units
        current = [u for u in units if u.valid_on(on)]
        if current:
            return current
        known = self._catalogue.units
        carried = {self._catalogue.current_on(u.code, on) for u in units}
        return [known[code] for code in sorted(carried) if code in known] or units
