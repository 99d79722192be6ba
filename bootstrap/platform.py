"""The one place where configuration, data sources and the domain core are wired together."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from bootstrap.settings import Settings
from inspections.calendar import WorkingCalendar
from inspections.files.calendar import load_calendar
from inspections.catalogue import Catalogue
from inspections.files.catalogue import load_catalogue, sample_catalogue
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RuleParams
from schemas.pseudonym import Pseudonymiser


@dataclass
class Platform:
    """Lazily built components for one process (nothing is loaded until first used)."""

    settings: Settings

    @cached_property
    def catalogue(self) -> Catalogue:
        if self.settings.catalogue is None:
            return sample_catalogue()
        return load_catalogue(self.settings.catalogue)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return load_calendar(self.settings.calendar_override)

    @cached_property
    def rulebooks(self) -> Rulebooks:
        params = RuleParams(
            apology_lead_working_days=self.settings.apology_lead_working_days,
            pause_on_financial_obligation=self.settings.pause_on_financial_obligation,
        )
        return Rulebooks().with_params(params)

    @cached_property
    def auditor(self) -> Auditor:
        return Auditor(self.catalogue, self.calendar, self.rulebooks)

    @cached_property
    def pseudonymiser(self) -> Pseudonymiser:
        key, _ephemeral = self.settings.pseudonym_key_bytes()
        return Pseudonymiser(key)
