""" "Did you mean …?" for a name or code that is not known: one wording for every refusal that offers the
closest known ones (a unit code on the command line or the accounts page, a setting's name)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(value: str, known: Iterable[str], *, n: int = 3, cutoff: float = 0.75) -> str:
    """``"; did you mean A or B?"`` with up to ``n`` of ``known`` closest to ``value`` (difflib's ratio at
    least ``cutoff``), or ``""`` when none is close (or ``value`` is empty)."""
    if not value:
        return ""
    close = difflib.get_close_matches(value, sorted(set(known)), n=n, cutoff=cutoff)
    return f"; did you mean {' or '.join(close)}?" if close else ""
