"""Where a worker resumes reading the events topic after a rebalance: never past what its state holds.

A partition's committed offset says how far the group has read; the state a worker restored from the
changelog says how far that state reaches. On Apache Kafka the two agree, because the coordinator refuses
a commit from a worker that has lost its partitions. tansu (the embedded broker, 0.6.0) checks neither the
generation nor the member of an OffsetCommit, so a worker that the group has already moved on from can
still commit past what the new owner restored (seen in CI: the chaos test stored dossiers without their
first event, and late violations for dossiers whose end event was missing from the state).

So each batch ends, in each changelog partition it wrote to, with a *progress marker*: the events-topic
offset after the last message the batch took from that partition. The marker follows the batch's dossier
states in the same changelog partition, and a log is read in order, so a recovery that reads a marker has
every state written before it. A partition resumes at the smaller of its committed offset and its marker,
or at its beginning when its state has no marker (nothing was ever persisted, or a changelog written before
markers existed); where that is below the committed offset, or where nothing was committed and a marker
says where the state ends, the worker commits it at once, so that the group's progress (what
``--until-idle`` waits for) tells the truth. The events read twice are duplicates
the state recognises by event id.

What markers do not cover: a worker the group has already left (a zombie) may still write states to the
changelog for a moment, interleaved with the new owner's, and a later restore takes the newest record of
each dossier, whoever wrote it. Kafka fences a zombie's commits but not its produce requests; only
transactions (a transactional producer per partition) would, and the detector does not use them yet.
"""

from __future__ import annotations

from streams.detector.dossier import StateError

__all__ = [
    "MARKER_PREFIX",
    "is_marker",
    "marker_key",
    "marker_value",
    "read_marker",
    "read_progress",
    "resume_offset",
]

#: The key prefix of progress markers in the ``dossiers`` table. A dossier id may be any string, control
#: characters included, so the prefix is bytes that no UTF-8 encoding of a string can produce (0xFF never
#: occurs in UTF-8): no dossier state is ever taken for a marker, or overwritten by one.
MARKER_PREFIX = b"\xff\xfeprogress:"


def marker_key(partition: int) -> bytes:
    """The marker's key: one per partition (the table's store holds every partition's keys together)."""
    return MARKER_PREFIX + b"%d" % partition


def is_marker(key: bytes | None) -> bool:
    """Whether a record of the ``dossiers`` table is a progress marker (not a dossier state)."""
    return key is not None and key.startswith(MARKER_PREFIX)


def marker_value(partition: int, next_offset: int, confirmed: int | None = None) -> bytes:
    """``partition`` newline ``next_offset``: the same head as a dossier state's value. With eviction on, also
    ``confirmed``: the offset up to which the partition's earlier changelog writes and their violation
    messages were confirmed delivered (-1: none), which tells a restore the dossier states it cannot trust
    to agree with the violations topic (:mod:`streams.detector.dossier`, ``UNSURE``)."""
    if confirmed is None:
        return b"%d\n%d" % (partition, next_offset)
    return b"%d\n%d %d" % (partition, next_offset, confirmed)


def read_marker(key: bytes, value: bytes) -> tuple[int, int] | None:
    """(partition, next offset) of a marker record; None for any other record of the table.

    A marker that cannot be read raises :class:`StateError` (the caller leaves it out: the partition then
    resumes at its beginning, which is slow but exact)."""
    progress = read_progress(key, value)
    return None if progress is None else progress[:2]


def read_progress(key: bytes, value: bytes) -> tuple[int, int, int | None] | None:
    """(partition, next offset, confirmed offset or None) of a marker record (see :func:`read_marker`)."""
    if not key.startswith(MARKER_PREFIX):
        return None
    head, sep, body = value.partition(b"\n")
    confirmed: int | None = None
    try:
        partition = int(head)
        fields = body.split(b" ")
        next_offset = int(fields[0])
        if len(fields) == 2:
            confirmed = int(fields[1])
        elif len(fields) != 1:
            next_offset = -1
    except ValueError:
        partition = next_offset = -1
    if not sep or partition < 0 or next_offset < 0 or key != marker_key(partition):
        raise StateError(f"unreadable progress marker {key!r}: {value[:40]!r}")
    return partition, next_offset, confirmed


def resume_offset(committed: int | None, next_offset: int | None) -> int | None:
    """The offset to resume a partition at, or None for its beginning.

    ``committed``: the group's committed offset (None or 0: nothing committed); ``next_offset``: the offset
    after the last message the worker's state holds (None: the state vouches for nothing). With nothing
    committed but a marker (an owner killed before its first commit), the marker is exact."""
    if next_offset is None:
        return None
    if not committed:
        return next_offset
    return min(committed, next_offset)
