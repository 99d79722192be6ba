"""Which member names name the applicant (``schemas.applicant_names``): every spelling that may read as it,
and none of the contract's own names or of the ASCII words near it."""

from __future__ import annotations

import typing
import unicodedata

import pydantic
from hypothesis import given
from hypothesis import strategies as st

from schemas import events
from schemas.applicant_names import APPLICANT, is_applicant_key

_DROPPED = frozenset(("Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"))


def _stands_alone(char: str) -> bool:
    """A character that stays one non-ASCII character once decomposed and casefolded, and is not dropped:
    one that stands in a letter's place."""
    decomposed = unicodedata.normalize("NFKD", char)
    folded = decomposed.casefold()
    return (
        len(decomposed) == len(folded) == 1
        and not folded.isascii()
        and unicodedata.category(decomposed) not in _DROPPED  # a combining mark is no letter's stand-in
    )


#: Drawn from a list: most code points drawn at random are unassigned, and a filter would discard them.
_STAND_INS = st.sampled_from([c for c in map(chr, range(0x80, 0x30000)) if _stands_alone(c)])
_UNSEEN = st.sampled_from("\u200b\u200d\u2060\ufeff\u00ad\u3164\u2800\u20dd\u0301 .-_\u00a0+$~=^`")


@given(
    replaced=st.lists(st.booleans(), min_size=len(APPLICANT), max_size=len(APPLICANT)),
    stand_ins=st.lists(_STAND_INS, min_size=len(APPLICANT), max_size=len(APPLICANT)),
    unseen=st.lists(st.tuples(st.integers(0, len(APPLICANT)), _UNSEEN), max_size=3),
    upper=st.booleans(),
)
def test_any_letter_written_in_another_script_and_anything_unseen_between_still_names_it(
    replaced: list[bool], stand_ins: list[str], unseen: list[tuple[int, str]], upper: bool
) -> None:
    # Review of 2026-12-05 (third): a Greek Nu, small capitals and the braille blank were stored in clear,
    # each missing from a hand-kept table of look-alikes.
    letters = [c.upper() if upper else c for c in APPLICANT]
    pairs = zip(letters, stand_ins, replaced, strict=True)
    name = [stand if swap else letter for letter, stand, swap in pairs]
    for at, char in sorted(unseen, reverse=True):
        name.insert(at, char)
    assert is_applicant_key("".join(name))


def test_the_spellings_reviews_found() -> None:
    found = ("APPLICA\u039dT", "applicant\u2800", "\u1d00\u1d18\u1d18\u029f\u026a\u1d04\u1d00\u0274\u1d1b",
             "applicant\u20dd", "app+licant\u200b", "applicant\u200b~")  # fmt: skip
    earlier = ("\u0430pplicant", "appIicant", "app|icant", "appl1cant", "applicant\u3164",
               "ａｐｐｌｉｃａｎｔ",
               "applİcant", "appli\u200bcant", " Applicant ", "appli.cant")  # fmt: skip
    for name in (*found, *earlier):
        assert is_applicant_key(name), name


def _declared_names() -> set[str]:
    """Every member name the contract declares, envelope, data and source."""
    names: set[str] = set()
    models = list(typing.get_args(events.AnyEvent))
    seen: list[type[pydantic.BaseModel]] = []
    while models:
        model = models.pop()
        if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)) or model in seen:
            continue
        seen.append(model)
        for name, field in model.model_fields.items():
            names.add(field.alias or name)
            models.extend(_models_in(field.annotation))
    return names


def _models_in(annotation: typing.Any) -> list[typing.Any]:
    found = [annotation]
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def test_no_name_the_contract_declares_and_no_nearby_word_is_taken_for_it() -> None:
    declared = _declared_names()
    assert {"event_id", "dossier_id", "procedure_code", "notice_id", "source"} <= declared
    near = ("applicants", "application", "applican", "app", "replicant", "applicant_id", "người_nộp",
            "ngày_nhận", "заявителей")  # fmt: skip
    for name in (*(declared - {APPLICANT}), *near):
        assert not is_applicant_key(name), name
