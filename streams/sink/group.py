"""The sink's consumer group: a deadline on joining it, and a new group started from an old one's offsets.

Why a deadline: a coordinator can get stuck for good. After SIGKILLs of a sink, the embedded broker once
kept naming a killed member as the group's leader and answered every SyncGroup with "rebalance in
progress" (issue 19); kafka-python retries that for ever, inside ``poll``, so the sink printed "sink
started" and hung silently. A member that is not in its group — from its subscription, or from a
revocation, until its next assignment — for longer than the deadline (several rebalance timeouts) is told
so with :class:`GroupJoinTimeout`, which the command turns into one line and exit 2.

Why a new group (:func:`copy_group_offsets`) rather than resetting the stuck one: a stuck group is not
empty (the broker still counts the dead member), so Kafka refuses to reset its offsets
(``kafka-consumer-groups --reset-offsets`` needs an inactive group), and the embedded broker has no such
tool at all. A new group id sidesteps the stuck coordinator state entirely; copying the old group's
committed offsets into it first makes the new group resume exactly where the old one stopped — nothing
stored twice, nothing skipped. The copy is done only while the new group has no committed offsets of its
own, so the same recovery command can be left in place across restarts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from streams.kafka import KafkaConfig, StreamError

__all__ = ["GroupJoinTimeout", "JoinDeadline", "copy_group_offsets"]

log = logging.getLogger(__name__)


class GroupJoinTimeout(StreamError):
    """The consumer did not get into its group within the deadline (the coordinator may be stuck)."""

    def __init__(self, group: str, seconds: float, servers: str) -> None:
        super().__init__(
            f"the sink could not join consumer group {group!r} at {servers} within {seconds:g} s: the "
            "broker keeps the group rebalancing (e.g. still waiting for a killed member)"
        )
        self.group = group
        self.seconds = seconds


class JoinDeadline:
    """How long the consumer has been out of its group, against ``seconds`` (None: no deadline).

    Out of the group means from :meth:`left` (the subscription, or a revocation) to :meth:`joined` (an
    assignment, even an empty one: a member of a group with more members than partitions is in it)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._since: float | None = None

    def left(self) -> None:
        if self._since is None:
            self._since = time.monotonic()

    def joined(self) -> None:
        self._since = None

    def expired(self) -> bool:
        return (
            self.seconds is not None
            and self._since is not None
            and time.monotonic() - self._since > self.seconds
        )


def copy_group_offsets(kafka: KafkaConfig, source: str, target: str, topics: Iterable[str]) -> int | None:
    """Commit ``source``'s committed offsets of ``topics`` as ``target``'s, unless ``target`` has committed
    offsets already; returns how many partitions were copied, or None when ``target`` had offsets (nothing
    copied). Partitions ``source`` never committed are left out: ``target`` reads them from the earliest,
    as ``source`` would have. Kafka failures raise :class:`StreamError`."""
    # Imported here, as in streams.topics: kafka-python costs ~0.2 s to import.
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError, NoError
    from kafka.structs import OffsetAndMetadata

    wanted = set(topics)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=kafka.bootstrap_servers, client_id="dossier-audit-admin",
            **kafka.kafka_python_options(),
        )  # fmt: skip
    except KafkaError as exc:
        raise StreamError(f"Kafka at {kafka.described}: {exc}") from exc
    try:
        existing = admin.list_group_offsets(target).get(target, {})
        if any(o.offset >= 0 for o in existing.values()):
            log.info(
                "the consumer group has committed offsets already; not copying another group's",
                extra={"group": target, "from_group": source},
            )
            return None
        offsets = {
            tp: OffsetAndMetadata(o.offset, o.metadata or "", -1)
            for tp, o in admin.list_group_offsets(source).get(source, {}).items()
            if tp.topic in wanted and o.offset >= 0
        }
        if not offsets:
            log.warning(
                "the group to copy has no committed offsets: the new group reads from the earliest",
                extra={"group": target, "from_group": source},
            )
            return 0
        results = admin.alter_group_offsets(target, offsets)
    except KafkaError as exc:
        where = f"Kafka at {kafka.described}"
        raise StreamError(f"{where}: copying the offsets of {source!r}: {exc}") from exc
    finally:
        admin.close()
    failed = sorted(f"{tp.topic}/{tp.partition}" for tp, error in results.items() if error is not NoError)
    if failed:
        raise StreamError(f"Kafka refused the copied offsets of {source!r} for {', '.join(failed)}")
    log.info(
        "committed offsets copied from another group",
        extra={"group": target, "from_group": source, "partitions": len(offsets)},
    )
    return len(offsets)
