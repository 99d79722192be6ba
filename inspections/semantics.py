"""What a rulebook version means for the facts: its version label and its deployment parameters.

Rulebook v2 (RULES.md, "amendments") changes how facts are derived (pauses clipped to the processing,
waiting ended by a withdrawal, same-instant order...) and how they are classified, not only which rules
fire. So the facts carry the ``Semantics`` they were derived under, and classification, the rules and the
reporting form read it from them: the batch audit, the warehouse load and the stream detector then cannot
disagree by judging one dossier's facts under another version. This module sits below the timeline so
that every layer above can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

#: ``pause``: supplement time inside the processing is subtracted (the national index formula);
#: ``restart``: the time limit counts again from the last completion (Decree 61/2018 Art. 19(4)).
SupplementClock = Literal["pause", "restart"]
SUPPLEMENT_CLOCKS: Final = ("pause", "restart")

#: The published rulebook and its amended version (RULES.md "Rulebook v2").
V1: Final = "1"
V2: Final = "2"
VERSIONS: Final = (V1, V2)


@dataclass(frozen=True, slots=True)
class RuleParams:
    """Deployment parameters of the rulebook (defaults from RULES.md)."""

    apology_lead_working_days: int = 1
    pause_on_financial_obligation: bool = False
    supplement_clock: SupplementClock = "pause"

    def __post_init__(self) -> None:
        if self.supplement_clock not in SUPPLEMENT_CLOCKS:
            raise ValueError(
                f"supplement_clock must be one of {SUPPLEMENT_CLOCKS}, not {self.supplement_clock!r}"
            )


@dataclass(frozen=True, slots=True)
class Semantics:
    """A rulebook version and its parameters: everything besides the data that shapes a dossier's facts.

    ``amended`` (the v2 amendments apply: every version after the published v1) and ``restarts`` (a
    completed supplement restarts the time limit, amendment 13) are derived once: they are read several
    times per dossier.
    """

    version: str = V2
    params: RuleParams = field(default_factory=RuleParams)
    amended: bool = field(init=False, compare=False)
    restarts: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if self.version not in VERSIONS:
            raise ValueError(f"unknown rulebook version {self.version!r} (known: {', '.join(VERSIONS)})")
        if self.version == V1 and self.params.supplement_clock != "pause":
            # v1 was published before amendment 13: it has no other clock to offer.
            raise ValueError("supplement_clock 'restart' needs rulebook version 2 or later (amendment 13)")
        object.__setattr__(self, "amended", self.version != V1)
        object.__setattr__(self, "restarts", self.params.supplement_clock == "restart")


DEFAULT_SEMANTICS: Final = Semantics()
V1_SEMANTICS: Final = Semantics(V1)


#: The characters of the Unicode White_Space property (PropList.txt): what amendment 7 strips. Not
#: ``str.strip()``'s set, which adds the four ASCII information separators U+001C–U+001F (a refusal whose
#: reason was U+001C was judged without a reason: review).
WHITE_SPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def is_blank(text: str | None) -> bool:
    """Null, or empty once Unicode whitespace is stripped (amendment 7: blank means absent): every
    character with the White_Space property (no-break spaces, ideographic space, line separators...); a
    zero-width space (Cf) or an information separator (Cc) is not one. v1's "blank ``reason``" is read
    the same way."""
    return text is None or not text.strip(WHITE_SPACE)


def notice_absent(notice_id: str | None, *, amended: bool) -> bool:
    """Whether a written notice is missing: null, or under v2 and later (``amended``) blank too
    (amendment 7). The rules' reading, which the exports follow (``reporting.exports.model.log_event``)."""
    return is_blank(notice_id) if amended else notice_id is None
