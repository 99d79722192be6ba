"""How deep the property tests search: each one's budget is written ``max_examples=examples(n)``.

``n`` is what the everyday run draws (``make test``, which CI runs on two cores within its 15 minutes: the
budgets above 20 were halved on 2026-12-06 for that, 93 s of the suite's 1,443 s of CPU). ``make fuzz`` runs
only the property tests, each ``FUZZ_DEPTH`` times deeper (10 unless set): the search to run before a
release, or after a change to a rule, the calendar or a parser. The tests that set no budget draw
hypothesis' default of 100, times the depth too (the profile ``tests/conftest.py`` loads).
"""

from __future__ import annotations

import os

import pytest

#: The variable ``make fuzz`` sets.
VARIABLE = "FUZZ_DEPTH"
#: Hypothesis' own default budget, for the tests that set none.
DEFAULT_EXAMPLES = 100


def parse_depth(value: str | None) -> int:
    """The multiplier ``value`` names: a whole number from 1; unset or empty is 1 (the everyday run)."""
    if value is None or not value.strip():
        return 1
    try:
        depth = int(value)
    except ValueError:
        depth = 0
    if depth < 1:
        raise pytest.UsageError(f"{VARIABLE} must be a whole number from 1, got {value!r}")
    return depth


DEPTH = parse_depth(os.environ.get(VARIABLE))


def examples(n: int) -> int:
    """The budget of a property test whose everyday budget is ``n``."""
    return n * DEPTH
