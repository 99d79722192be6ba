"""Who issues the reports: the official header of the weekly report and the audit packs.

``ReportHeader`` (issuing body, team, place, language) is made once per process by the composition root
(``bootstrap.platform``) from the settings, with :func:`make_header` filling what the settings leave unset
from the catalogue's province; the report builders take it as it is and never read settings. A week's
documents print it as a ``Letterhead``, dated the Monday after the week (the day they are issued).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from inspections.catalogue import Catalogue, Level
from inspections.weeks import Week
from reporting.i18n import Texts, check_lang


@dataclass(frozen=True, slots=True)
class ReportHeader:
    """The issuer of every report of this process and the language they are written in."""

    issuer: str  # first line, e.g. "ỦY BAN NHÂN DÂN TỈNH MẪU"
    team: str  # second line, e.g. "TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH"
    place: str  # of the date line, e.g. "Mẫu"
    lang: str  # vi or en

    def __post_init__(self) -> None:
        check_lang(self.lang)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The official header as one week's documents print it: issuing body (two lines), place and date."""

    issuer: str
    team: str
    place: str
    issued_on: date


def province_unit_name(catalogue: Catalogue) -> str:
    """The name of the province-level unit (the catalogue's name when it has none)."""
    for unit in catalogue.units.values():
        if unit.level is Level.PROVINCE and unit.valid_to is None:
            return unit.name
    return re.sub(r"\s*\(.*\)\s*$", "", catalogue.meta.name)


def default_place(catalogue: Catalogue) -> str:
    """The place name of the date line: the province's name without "Ủy ban nhân dân" and "Tỉnh"."""
    name = province_unit_name(catalogue)
    for prefix in ("Ủy ban nhân dân ", "Uỷ ban nhân dân ", "UBND ", "Tỉnh ", "tỉnh ", "Thành phố "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.strip() or catalogue.meta.name


def make_header(
    catalogue: Catalogue,
    lang: str,
    *,
    issuer: str | None = None,
    team: str | None = None,
    place: str | None = None,
) -> ReportHeader:
    """The header with the given lines or, each left unset, the default: the catalogue's province (upper
    case) as issuer, the inspection team in ``lang`` as team, the province's name as place."""
    return ReportHeader(
        issuer=issuer or province_unit_name(catalogue).upper(),
        team=team or Texts(lang)("default_team"),
        place=place or default_place(catalogue),
        lang=lang,
    )


def letterhead(header: ReportHeader, week: Week) -> Letterhead:
    """The header of ``week``'s documents, dated the Monday after the week (when they are issued)."""
    return Letterhead(issuer=header.issuer, team=header.team, place=header.place, issued_on=week.end)
