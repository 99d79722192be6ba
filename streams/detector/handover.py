"""The events topic reaches the detector's inlet in order and without holes, per partition.

A batch's progress marker says its state holds every event before the offset it reached
(:mod:`streams.detector.resume`), so a record the fetch loop skipped and a later one it handed over would
make the marker, and the commit, claim an event the state never saw. Skips happened: the fetch loop
iterates a fetch's records over several turns of the event loop, and a rebalance's seek (to the committed
offset, or back to where the state ends) can come between two of them. The rest of that fetch is then
stale: the records before the seek position were dropped while the flow was stopped, and the first one
handed over after it was far past the seek position (CI, chaos test seed 19: after a seek to offset 161 the
next record handed over was 224; Faust counted 162–223 as a gap, i.e. done, and committed past them, and
82 events of one partition were missing from the drained state).

:class:`HandOver` decides per record: take it (the next offset, or the first after a seek to an unknown
position), drop it (before the next offset: handed over already, or before the seek position), or rewind
(past the next offset: seek the partition back to it and drop the rest of this fetch for it). A fetch
started after a rewind starts at the rewound position (aiokafka discards fetched records whose partition
position has changed), so if its first record is still past it, the offsets between are not in the log
(a transaction's markers, compaction, retention): taken, and the caller logs the hole.

The hand-over is also closed from a rebalance until its seek: Faust resumes the events partitions before it
seeks them at the end of a recovery, with the flow running and the worker's state already recovered, so the
records aiokafka prefetched from its own position (the committed offset, which may be past where the state
ends) would otherwise be applied before the seek. Each seek records the group generation it was made in;
a record handed over in another generation, or after a seek that came while the record waited (the fetch
loop awaits between the decision and the hand-over), is dropped: the seek reads it again.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from enum import Enum

__all__ = ["Decision", "HandOver"]

#: The generation of a hand-over no seek has opened yet: equal to no group generation.
_CLOSED = object()


class Decision(Enum):
    TAKE = "take"
    DROP = "drop"
    REWIND = "rewind"


class HandOver:
    """Per partition (any hashable, e.g. Faust's ``TP``): the next offset the inlet must receive."""

    def __init__(self) -> None:
        self.next: dict[Hashable, int | None] = {}
        self.generation: object = _CLOSED  # the group generation of the last seek: closed before any
        self.epoch = 0  # seeks so far: a decision taken before a seek is void after it
        self._rewound: dict[Hashable, int] = {}  # partition → the offset it was rewound to, until taken
        self._stale: set[Hashable] = set()  # partitions whose records in the current fetch are stale

    def sought(self, positions: Mapping[Hashable, int | None], generation: object = None) -> None:
        """After a seek of the topic's assigned partitions in the group ``generation``: where each reads
        next (None: unknown). Forgets every partition not named (no longer assigned)."""
        self.next = dict(positions)
        self.generation = generation
        self.epoch += 1
        self._rewound.clear()
        self._stale.clear()

    def new_fetch(self) -> None:
        """A new fetch's records begin: a partition rewound during the previous one is read afresh."""
        self._stale.clear()

    def decide(self, partition: Hashable, offset: int, generation: object = None) -> Decision:
        """What to do with the record at ``offset``, fetched in the group ``generation``: see the module
        doc. On REWIND the caller seeks ``partition`` back to ``self.next[partition]``."""
        if generation != self.generation or partition in self._stale:
            return Decision.DROP
        expected = self.next.get(partition)
        if expected is None or offset == expected:
            return Decision.TAKE
        if offset < expected:
            return Decision.DROP
        if self._rewound.get(partition) == expected:
            return Decision.TAKE  # read afresh from there and still past it: a hole in the log
        self._rewound[partition] = expected
        self._stale.add(partition)
        return Decision.REWIND

    def took(self, partition: Hashable, offset: int) -> None:
        """The record at ``offset`` went to the inlet."""
        self.next[partition] = offset + 1
        self._rewound.pop(partition, None)
