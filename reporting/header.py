"""Who issues the reports: the official header of the weekly report and the audit packs.

``ReportHeader`` (issuing body, team, place, language, and the weekly report's document frame: number
symbol, addressee, signer, recipients) is made once per process by the composition root
(``bootstrap.platform``) from the settings, with :func:`make_header` filling what the settings leave unset
from the catalogue's province; the report builders take it as it is and never read settings. A week's
documents print it as a ``Letterhead``, dated the Monday after the week (the day they are issued).

The document number (``report_number``) is left blank by default — ``Số:      /BC-TKT`` — for the clerk
to fill in by hand when the report is entered in the office's register of outgoing documents, as offices
do with a draft: numbers restart each year and are the register's to give, so the week number (2026-W53
issued on 04/01/2027 as "Số: 53") would clash with it. ``report_number="week"`` prints the ISO week
number instead (for a team whose reports are numbered so); any other value is printed as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from inspections.catalogue import Catalogue, Level
from inspections.ports import CalendarPort
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting.i18n import Texts, check_lang
from reporting.reach import MaturityRule

#: The default symbol: báo cáo (BC) of the default issuer, the Tổ kiểm tra (TKT) that signs it.
DEFAULT_SYMBOL = "BC-TKT"
#: The blank the clerk writes the register's number in.
BLANK_NUMBER = "\u2002" * 6


@dataclass(frozen=True, slots=True)
class ReportHeader:
    """The issuer of every report of this process and the language they are written in."""

    issuer: str  # first line, e.g. "ỦY BAN NHÂN DÂN TỈNH MẪU"
    team: str  # second line, e.g. "TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH"
    place: str  # of the date line, e.g. "Mẫu"
    lang: str  # vi or en
    # The weekly report's document frame (Decree 30/2020/NĐ-CP, LEGAL.md §4); defaults for the sample.
    symbol: str = DEFAULT_SYMBOL  # after the number: "Số:      /BC-TKT"
    number: str = (
        ""  # ``report_number``: "" (blank, for the clerk), "week" (the ISO week number), or as given
    )
    addressee: str = ""  # "Kính gửi: …" (empty: none printed)
    signer_title: tuple[str, ...] = ("TỔ TRƯỞNG",)  # lines above the signature
    signer_name: str = ""  # under the signature (empty: left for the signer)
    copies: tuple[str, ...] = ()  # "Nơi nhận"
    #: Working days past a week's end before its figures are final (``report_maturity_days``): until then
    #: the week is provisional, marked as such and compared only where its figures are already complete.
    maturity_days: int = 3
    #: The calendar those days are counted in (the process's; ``None``: calendar days).
    working_days: CalendarPort | None = None

    def __post_init__(self) -> None:
        check_lang(self.lang)

    @property
    def maturity(self) -> MaturityRule:
        """When a week's figures are final (``reach.MaturityRule``)."""
        return MaturityRule(self.maturity_days, self.working_days)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The official header as one week's documents print it: issuing body (two lines), place and date."""

    issuer: str
    team: str
    place: str
    issued_on: date
    number: str = BLANK_NUMBER  # the register's number, blank for the clerk unless configured
    symbol: str = DEFAULT_SYMBOL
    addressee: str = ""
    signer_title: tuple[str, ...] = ()
    signer_name: str = ""
    copies: tuple[str, ...] = ()

    @property
    def number_symbol(self) -> str:
        """``05/BC-TKT``, or ``      /BC-TKT`` with the number left for the clerk."""
        return f"{self.number}/{self.symbol}"

    def number_line(self, label: str = "Số:") -> str:
        """``Số: 05/BC-TKT`` (Decree 30/2020: leading zero below 10) or ``Số:      /BC-TKT``; ``label`` in the
        report's language."""
        return f"{label} {self.number_symbol}"


def province_unit_name(catalogue: Catalogue) -> str:
    """The name of the province-level unit (the catalogue's name when it has none)."""
    for unit in catalogue.units.values():
        if unit.level is Level.PROVINCE and unit.valid_to is None:
            return unit.name
    return re.sub(r"\s*\(.*\)\s*$", "", catalogue.meta.name)


def default_place(catalogue: Catalogue) -> str:
    """The place name of the date line: the province's name without "Ủy ban nhân dân" and "Tỉnh"."""
    name = province_unit_name(catalogue)
    prefixes = ("Ủy ban nhân dân ", "Uỷ ban nhân dân ", "UBND ", "Tỉnh ", "tỉnh ", "Thành phố ", "thành phố ")
    for prefix in prefixes:
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
    symbol: str = DEFAULT_SYMBOL,
    number: str = "",
    addressee: str | None = None,
    signer_title: str | None = None,
    signer_name: str | None = None,
    copies: str | None = None,
    maturity_days: int = 3,
    working_days: CalendarPort | None = None,
) -> ReportHeader:
    """The header with the given lines or, each left unset, the default: the catalogue's province (upper
    case) as issuer, the inspection team in ``lang`` as team, the province's name as place, the province's
    chairman as addressee, the team leader as signer and the usual recipients, in ``lang`` (an English report
    printed "TỔ TRƯỞNG" and "Như trên; …": review). ``number`` is blank, ``week`` or the number to print.
    ``signer_title`` breaks lines at ``|``; ``copies`` lists recipients split at ``;``. ``working_days``:
    the calendar ``maturity_days`` are counted in."""
    texts = Texts(lang)
    return ReportHeader(
        issuer=issuer or province_unit_name(catalogue).upper(),
        team=team or texts("default_team"),
        place=place or default_place(catalogue),
        lang=lang,
        symbol=symbol.strip() or DEFAULT_SYMBOL,
        number=number.strip(),
        addressee=addressee or texts("default_addressee", province=province_unit_name(catalogue)),
        signer_title=_parts(signer_title or "", "|") or _parts(texts("default_signer_title"), "|"),
        signer_name=(signer_name or "").strip(),
        copies=_parts(copies or "", ";") or _parts(texts("default_copies"), ";"),
        maturity_days=maturity_days,
        working_days=working_days,
    )


def _parts(text: str, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(separator) if part.strip())


def document_number(setting: str, week: Week) -> str:
    """The number of ``week``'s report: blank for the clerk (``""``), the ISO week (``week``), or the
    setting itself (a number below 10 with its leading zero, as Decree 30/2020 writes it)."""
    if not setting:
        return BLANK_NUMBER
    if setting.lower() == "week":
        return f"{week.number:02d}"
    return f"{int(setting):02d}" if setting.isdigit() else setting


def letterhead(header: ReportHeader, week: Week, data_through: datetime | None = None) -> Letterhead:
    """The header of ``week``'s documents, dated the Monday after the week (when they are issued), or the
    day its figures reach (``data_through``, local) when later: a report rebuilt once its figures are
    final (Thursday's run) was dated Monday beside "data up to Thursday" (review of 2026-12-04)."""
    issued = week.end
    if data_through is not None:
        issued = max(issued, data_through.astimezone(VN_TZ).date())
    return Letterhead(
        issuer=header.issuer,
        team=header.team,
        place=header.place,
        issued_on=issued,
        number=document_number(header.number, week),
        symbol=header.symbol,
        addressee=header.addressee,
        signer_title=header.signer_title,
        signer_name=header.signer_name,
        copies=header.copies,
    )
