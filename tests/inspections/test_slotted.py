"""The makers of ``slotted`` build the objects the classes' own constructors build, field for field, and
refuse classes whose ``__init__`` does more than store its arguments."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from inspections import classification, outcomes, timeline
from inspections.classification import Classification
from inspections.outcomes import DossierOutcome
from inspections.slotted import maker
from inspections.timeline import DossierFacts, derive_facts
from inspections.timeunits import VN_TZ
from tests.rulebook_v2_world import CATALOGUE, MON, THU, TUE, WED, build_event, done, proc, rcv, ret, sup


def _alike(a: Any, b: Any) -> None:
    assert type(a) is type(b) and a == b
    for f in fields(a):
        assert getattr(a, f.name) is getattr(b, f.name), f.name


def _parameters(made: Any) -> list[tuple[str, Any, Any]]:
    """The parameters: names, kinds and defaults (annotations aside)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(made).parameters.values()]


def _values(cls: type[Any]) -> list[object]:
    """A distinct object for each field (so that each is seen stored in its own slot)."""
    return [object() for _ in fields(cls)]


@pytest.mark.parametrize(
    ("cls", "make"),
    [
        (Classification, classification._classification),
        (DossierOutcome, outcomes._outcome),
        (DossierFacts, timeline._facts),
    ],
)
def test_each_maker_builds_what_its_class_builds(cls: type[Any], make: Any) -> None:
    values = _values(cls)
    built, made = cls(*values), make(*values)
    assert type(made) is cls
    for f, value in zip(fields(cls), values, strict=True):
        assert getattr(built, f.name) is value and getattr(made, f.name) is value
    assert _parameters(make) == _parameters(cls)
    with pytest.raises(AttributeError):
        made.__setattr__(fields(cls)[0].name, None)  # still frozen


def test_the_makers_build_the_values_the_code_builds() -> None:
    """With their defaults (a ``DossierFacts`` of a few fields), and by keyword."""
    day = date(2025, 11, 6)
    _alike(
        classification._classification("early", "due_at", day, None),
        Classification("early", "due_at", day, None),
    )
    specs = (
        rcv(f"{MON} 09:00", f"{THU} 17:00"),
        sup(f"{TUE} 09:00"),
        done(f"{TUE} 15:00"),
        proc(f"{WED} 10:00"),
    )
    events = [build_event("D", f"D/{k}", spec) for k, spec in enumerate((*specs, ret(f"{WED} 15:00")))]
    facts = derive_facts("D", events, datetime(2025, 12, 1, tzinfo=VN_TZ), catalogue=CATALOGUE)
    _alike(facts, DossierFacts(**{f.name: getattr(facts, f.name) for f in fields(DossierFacts)}))
    few: dict[str, Any] = {
        "dossier_id": "D", "as_of": facts.as_of, "semantics": facts.semantics, "events": (),
        "unit_code": "U1",
        "procedure_code": None, "submitted": None, "received": None, "due_at": None, "end_event": None,
        "end_at": facts.as_of, "waiting": False, "supplement_requests": (), "all_supplement_requests": (),
        "supplement_intervals": (), "supplement_time": timedelta(0), "financial_time": timedelta(0),
        "effective_end": facts.as_of, "apologies": (), "refusals": (), "due_date_changes": (),
        "first_returned": None, "after_return": (),
    }  # fmt: skip
    _alike(timeline._facts(**few), DossierFacts(**few))


def test_a_class_whose_init_does_more_is_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None: ...

    @dataclass(frozen=True, slots=True)
    class Derived:
        a: int
        b: int = field(init=False, default=0)

    @dataclass(frozen=True, slots=True)
    class Listed:
        a: list[int] = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class Keyword:
        a: int = field(kw_only=True)

    @dataclass(frozen=True)
    class Unslotted:
        a: int

    for cls in (Checked, Derived, Listed, Keyword, Unslotted):
        with pytest.raises(TypeError):
            maker(cls)
