"""What the console's service hands its pages and API: the account asking, a list's query and its page of
violations with their cases, one dossier with its cases (``console.service``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from inspections.cases import FINAL, CaseState, CaseStatus
from warehouse.cases import CaseKey
from warehouse.console_read import StoredDossier, ViolationRow


@dataclass(frozen=True, slots=True)
class Account:
    login: str
    role: str
    unit_code: str
    scope: frozenset[str] | None  # None: the whole province

    def sees(self, unit_codes: set[str]) -> bool:
        return self.scope is None or bool(self.scope & unit_codes)

    def covers(self, unit_code: str) -> bool:
        """Whether a violation of ``unit_code`` is this account's to see and answer."""
        return self.scope is None or unit_code in self.scope


@dataclass(frozen=True, slots=True)
class ListQuery:
    unit: str = ""
    rule: str = ""
    week: str = ""
    severity: str = ""
    state: str = ""
    sort: str = "newest"
    dossier: str = ""
    page: int = 1
    #: With ``unit``: the units below it too (its children, transitively); else the unit as the dashboard
    #: and its audit pack count it (with the units merged into it).
    below: bool = False


@dataclass(frozen=True, slots=True)
class ListedViolation:
    row: ViolationRow
    case: CaseState

    @property
    def state(self) -> str:
        """The case's state as the list shows it: closed for a retracted violation, but a final one stays
        as the team left it: concluded (marked ``to_review``: ``inspections.cases``) or dismissed."""
        if self.row.state == "retracted" and self.case.status not in FINAL:
            return CaseStatus.CLOSED.value
        return self.case.status.value


@dataclass(frozen=True, slots=True)
class ListResult:
    total: int
    page: int
    pages: int
    rows: list[ListedViolation]
    #: Of ``total``, the data findings (no violations: RULES.md v2, amendment 5), which the list counts apart.
    findings: int = 0


@dataclass(slots=True)
class DossierView:
    dossier: StoredDossier
    cases: dict[CaseKey, CaseState] = field(default_factory=dict)
