"""Poison records: telling a record the warehouse refuses from a warehouse that refuses everything, and
isolating it so that the rest of its batch is stored and the sink moves on.

A batch write can fail for two kinds of reasons, and they need opposite answers:

- the warehouse is down or refusing work (unreachable, out of disk, too many parts, read-only, a schema
  not migrated yet ...): every record would fail alike, so the batch is retried until it is stored
  (:mod:`streams.sink.retry`) — dropping anything then would lose valid data;
- one value cannot be stored (out of its column's range, a text the server cannot parse ...): retrying
  changes nothing, and before this module that one record wedged the sink on every restart.

Only errors that say *a value* is wrong (:func:`is_data_error`) are treated as the second kind; anything
unrecognised stays the first (the sink waits rather than drops). The backends report no separate
exception type for it yet, so the classification reads the texts they raise: the client-side conversion
errors of both backends, and the ClickHouse error codes of data errors. ``tests/streams/
test_poison_records.py`` pins those texts against the real chdb backend, so a changed message fails a test
rather than silently turning data errors into endless retries.

:func:`bisect_rows` then finds the refused records by halving: ``k`` bad records among ``n`` cost about
``2k·log2(n)`` inserts, and every part that succeeds is stored (a part inserted twice changes nothing:
every table is a ReplacingMergeTree).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from warehouse.base import WarehouseError, WarehouseLocked, WarehouseUnavailable

__all__ = [
    "DATA_ERROR_CODES", "POISON_CODES", "UNCONVERTIBLE", "UNSTORABLE", "bisect_rows", "is_data_error",
]  # fmt: skip

#: Reason code of a record whose rows the warehouse refused with a data error.
UNSTORABLE = "sink.unstorable"
#: Reason code of a record the sink could not turn into rows at all (the conversion raised).
UNCONVERTIBLE = "sink.unconvertible"
#: The sink's own rejection reasons for poison records (the ``poison_records`` metric counts them).
POISON_CODES = frozenset({UNSTORABLE, UNCONVERTIBLE})

#: ClickHouse error codes that blame a value, not the server: CANNOT_PARSE_TEXT (6), CANNOT_PARSE_ESCAPE_
#: SEQUENCE (25), CANNOT_PARSE_QUOTED_STRING (26), CANNOT_PARSE_INPUT_ASSERTION_FAILED (27), CANNOT_PARSE_
#: DATE (38), CANNOT_PARSE_DATETIME (41), TYPE_MISMATCH (53), ARGUMENT_OUT_OF_BOUND (69), CANNOT_CONVERT_
#: TYPE (70), CANNOT_PARSE_NUMBER (72), INCORRECT_DATA (117), TOO_LARGE_STRING_SIZE (131), TOO_DEEP_
#: RECURSION (306), VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE (321), CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN (349),
#: DECIMAL_OVERFLOW (407), UNKNOWN_ELEMENT_OF_ENUM (691).
DATA_ERROR_CODES = frozenset({6, 25, 26, 27, 38, 41, 53, 69, 70, 72, 117, 131, 306, 321, 349, 407, 691})

# The server backend: "... (code 53)"; chdb passes the engine's text on: "chdb: Code: 53. DB::Exception".
_CODE = re.compile(r"\(code (\d+)\)|\bCode: (\d+)\.")
# Client-side conversion of a value to its column's type, before anything reaches the engine or server:
# the server backend's encoder ("a value does not fit its column"), chdb's Arrow columns ("column NAME
# (TYPE): ..." and "column NAME (TYPE) is not Nullable but a value is None").
_CLIENT_SIDE = re.compile(r"a value does not fit its column|(?:^|: )column \w+ \(")

_T = TypeVar("_T")


def is_data_error(error: BaseException) -> bool:
    """Whether ``error`` blames the values written rather than the warehouse (see the module doc)."""
    if not isinstance(error, WarehouseError) or isinstance(error, WarehouseUnavailable | WarehouseLocked):
        return False
    text = str(error)
    if _CLIENT_SIDE.search(text):
        return True
    return any(int(a or b) in DATA_ERROR_CODES for a, b in _CODE.findall(text))


def bisect_rows(
    store: Callable[[Sequence[_T]], object], items: Sequence[_T], error: WarehouseError
) -> list[tuple[int, WarehouseError]]:
    """Store ``items`` (whose write as a whole failed with the data error ``error``) part by part, halving
    the parts that fail with a data error; returns the refused items as (index, error), in index order.

    Every other item is stored when this returns. An error that is not a data error is raised at once (the
    warehouse stopped working meanwhile: the caller retries, and parts already stored are stored again).
    """
    refused: list[tuple[int, WarehouseError]] = []
    pending: list[tuple[int, int, WarehouseError | None]] = [(0, len(items), error)]
    while pending:
        lo, hi, failed = pending.pop()
        if failed is None:
            try:
                store(items[lo:hi])
                continue
            except WarehouseError as exc:
                if not is_data_error(exc):
                    raise
                failed = exc
        if hi - lo == 1:
            refused.append((lo, failed))
            continue
        mid = (lo + hi) // 2
        pending.append((mid, hi, None))
        pending.append((lo, mid, None))  # popped first: parts are stored in order
    refused.sort(key=lambda item: item[0])
    return refused
