"""What the settings accept as Kafka names (``bootstrap.settings`` checks them where it reads them): topic
names and bootstrap servers. Checked here, not by the clients: the embedded broker takes any topic name,
which a real broker refuses once deployed, and kafka-python raised a bare ValueError (a traceback) for
``host:notaport`` or ``[::1``, and waited out its whole timeout for ``host:99999`` (reviews).
"""

from __future__ import annotations

import re

__all__ = ["servers", "topic", "valid_topic_name"]

#: A Kafka topic name (Kafka's own rule; "." and ".." are refused apart).
_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")
#: One bootstrap server: a host name or address, or an IPv6 address in brackets; the port is optional
#: (Kafka's clients default to 9092).
_HOST_PORT = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?$")


def valid_topic_name(name: str, room: int = 0) -> bool:
    """Whether ``name`` is a Kafka topic name, with ``room`` characters to spare (a prefix of other topics'
    names), and not one of Kafka's internal topics' (``__consumer_offsets``: ingest wrote events into it,
    review of 2026-12-05)."""
    return (
        bool(_TOPIC.fullmatch(name))
        and len(name) + room <= 249
        and name not in (".", "..")
        and not name.startswith("__")
    )


def topic(value: str) -> str:
    """A topic setting's value, or ``ValueError`` in the words pydantic puts after its variable's name."""
    if value.startswith("__"):
        raise ValueError("names one of Kafka's internal topics (they start with '__'): choose another")
    if not valid_topic_name(value):
        raise ValueError("must be a Kafka topic name: 1-249 ASCII letters, digits, '.', '_' or '-'")
    return value


def servers(value: str | None) -> str | None:
    """The bootstrap servers' setting, each ``host[:port]`` with a port from 1 to 65535. The entry at fault
    is named by its place in the list, never quoted: a password typed into it would be shown."""
    if value is None or not value.strip():
        return value
    entries = [s.strip() for s in value.split(",") if s.strip()]
    if not entries:
        raise ValueError("must be host:port[,host:port]")
    for n, entry in enumerate(entries, 1):
        match = _HOST_PORT.match(entry)
        if match is None or (match[1] is not None and not 1 <= int(match[1]) <= 65535):
            raise ValueError(
                f"must be host:port[,host:port] with ports from 1 to 65535 (server {n} of the list is not)"
            )
    return value
