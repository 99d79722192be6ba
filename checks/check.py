"""What a check is: one Great Expectations expectation with its verdict policy (blocking or a warning) and
the sentences an inspector reads, in both languages.

The suites declare their checks with these types; the engine builds the expectations and the suite run
turns each verdict into a ``CheckResult``. They import nothing of Great Expectations: a check carries a
factory that is given the library's ``expectations`` module when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.formatting import number

#: Builds one Great Expectations expectation, given the ``great_expectations.expectations`` module.
ExpectationFactory = Callable[[Any], Any]


def in_set(column: str, values: Iterable[Any]) -> ExpectationFactory:
    """Every value of ``column`` is one of ``values`` (sorted once: the set is stated in the results)."""
    allowed = sorted(values)
    return lambda E: E.ExpectColumnValuesToBeInSet(column=column, value_set=allowed)


@dataclass(frozen=True, slots=True)
class Noun:
    """What a check counts, in both languages (``sự kiện`` / ``events``)."""

    vi: str
    en: str  # plural
    en_one: str

    def count(self, n: int, lang: str) -> str:
        """``3 hồ sơ``, ``1 dossier``, ``1,234 dossiers``."""
        word = self.vi if lang == "vi" else self.en_one if n == 1 else self.en
        return f"{number(n, lang)} {word}"


@dataclass(frozen=True, slots=True)
class Advice:
    """What an operator does about a suite's failure, in both languages: a failed check said what failed,
    and the one remedy it gave ("correct at the source and load again") does not work for most suites —
    a load never replaces a stored event (review of 2026-12-04)."""

    vi: str
    en: str

    def text(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


#: Where the guide explains how to remove stored events that are wrong (the remedies cite it).
CORRECTING = "docs/operators-guide.md, 'Correcting stored events'"
CORRECTING_VI = "xem mục 'Correcting stored events' trong tài liệu tiếng Anh docs/operators-guide.md"

EVENTS = Noun("sự kiện", "events", "event")
DOSSIERS = Noun("hồ sơ", "dossiers", "dossier")
VIOLATIONS = Noun("vi phạm", "violations", "violation")
UNITS = Noun("đơn vị", "units", "unit")


@dataclass(frozen=True, slots=True)
class Check:
    """One expectation with its verdict policy and the sentences an inspector reads.

    Message templates are ``str.format`` strings; they may use ``{n}`` (the unexpected count with its noun,
    "3 hồ sơ"), ``{total}`` (the element count with its noun) and any key of ``values_vi`` / ``values_en``.
    """

    expectation: str  # stable English id, e.g. "events.event_id is unique"
    column: str | None
    blocking: bool
    build: ExpectationFactory
    fail_vi: str
    fail_en: str
    ok_vi: str
    ok_en: str
    values_vi: Mapping[str, str] = field(default_factory=dict)
    values_en: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)  # recorded in the details
