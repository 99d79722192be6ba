"""Half-up rounding of the figures people read (the national form's points and averages, the report's
percentages): a half rounds up, as a reader does by hand and as the printed text shows it.

``round`` rounds a binary half to even, and a float's binary value may lie just below the decimal it
prints as: 18.125 was stored 18.12 beside the text "18,13", and 0.0725 * 100 is 7.249999999999999. So a
figure is rounded from its shortest decimal (``repr``), the number a person would read, scaled exactly.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal


def half_up(x: float, digits: int, shift: int = 0) -> Decimal:
    """``x`` times ``10**shift`` to ``digits`` decimals, a half up, from its shortest decimal (``repr``)."""
    exact = Decimal(repr(float(x))).scaleb(shift)
    room = Context(prec=max(28, exact.adjusted() + digits + 2))  # a huge value keeps its digits
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=room)


def rounded(x: float, digits: int) -> float:
    """``x`` rounded half up to ``digits`` decimals (a non-finite value as it is)."""
    return float(half_up(x, digits)) if math.isfinite(x) else x
