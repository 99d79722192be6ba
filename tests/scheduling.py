"""The order the suite's tests are handed to xdist's workers: the long end-to-end tests first, spread over
the workers (``@pytest.mark.slow(seconds)``), the others in collection order after them.

``--dist worksteal`` sends each worker one contiguous share of the collection at the start, then moves tests
from the end of the longest queue to an idle worker. In collection order, the 75-second main-job test came
up at minute 12 on one worker and ran alone for the suite's last minute and more (`.ci/run` 892–921 s, over
its 15 minutes, while the four workers' own sums were 755–766 s). Each share now starts with its long tests,
the longest first and each to the share with the fewest seconds so far (longest processing time first);
stealing takes from the ends of the shares, so the long tests stay where they are put.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")


def share_sizes(count: int, workers: int) -> list[int]:
    """How many tests each worker is sent at the start: xdist's worksteal scheduler gives each idle worker,
    in turn, the tests left divided by the workers left (``WorkStealingScheduling.check_schedule``)."""
    sizes = []
    for k in range(workers):
        size = count // (workers - k)
        sizes.append(size)
        count -= size
    return sizes


def slow_seconds(item: Any) -> float:
    """The seconds a test's ``slow`` mark says it takes (0 for a test without one)."""
    mark = item.get_closest_marker("slow")
    if mark is None:
        return 0.0
    return float(mark.args[0]) if mark.args else 60.0


def slow_first(items: Sequence[T], workers: int, seconds: Any = slow_seconds) -> list[T]:
    """``items`` reordered so that each of ``workers`` shares starts with its long tests (see the module);
    the same items, the others in their order. Unchanged when a share cannot hold its long tests."""
    timed = sorted((item for item in items if seconds(item)), key=seconds, reverse=True)
    if workers < 2 or not timed:
        return list(items)
    sizes = share_sizes(len(items), workers)
    heads: list[list[T]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for item in timed:
        k = min(range(workers), key=lambda j: (loads[j], j))
        heads[k].append(item)
        loads[k] += seconds(item)
    if any(len(head) > size for head, size in zip(heads, sizes, strict=True)):
        return list(items)
    rest = iter([item for item in items if not seconds(item)])
    ordered: list[T] = []
    for head, size in zip(heads, sizes, strict=True):
        ordered.extend(head)
        ordered.extend(islice(rest, size - len(head)))
    return ordered
