"""How the stream workers reach Kafka: one :class:`KafkaConfig`, and from it the connection options of the
three client libraries the workers use — kafka-python (topics, ingest, sink), aiokafka (the detector's own
reads) and Faust (the detector app).

They are derived here, in one place, because the libraries spell the same settings differently (an SSL
CA file for kafka-python, an ``ssl.SSLContext`` for aiokafka, credential objects for Faust): a security
option added or fixed is one edit, not three. :class:`StreamError` is the base of every failure the
streaming port reports (broker, topics, ingestion, sink), so an entry point maps one family to its exit
codes without importing a Kafka library's exceptions.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = ["SECURITY_PROTOCOLS", "KafkaConfig", "StreamError", "quiet_bootstrap"]

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
_TLS = ("SSL", "SASL_SSL")


class StreamError(RuntimeError):
    """Kafka or the embedded broker failed: unreachable, refused, or not started (base of the family)."""


class Unreachable(StreamError):
    """No Kafka server answered before anything was read or sent: a bad setting or a server down, not a
    failure half-way (a command exits 2 for it, as for any unreachable server, and 1 for the others: README).
    Raised as :class:`streams.topics.BrokersUnreachable` or :class:`streams.ingest.KafkaUnreachable`."""


_QUIET = threading.Lock()
_quiet_depth = [0, logging.NOTSET]  # callers inside, and the level of kafka-python's loggers before


@contextmanager
def quiet_bootstrap() -> Iterator[None]:
    """kafka-python's own logs silenced while a client first reaches the brokers: a worker started against
    a closed port wrote some twenty lines of refused connections and backoffs before the one line it
    fails with (review); a failure here is raised, and said once by the command. Once connected, its logs
    are the worker's again (a broker lost mid-run is seen there). Re-entrant across threads."""
    kafka = logging.getLogger("kafka")
    with _QUIET:
        if _quiet_depth[0] == 0:
            _quiet_depth[1] = kafka.level
            kafka.setLevel(logging.CRITICAL + 1)
        _quiet_depth[0] += 1
    try:
        yield
    finally:
        with _QUIET:
            _quiet_depth[0] -= 1
            if _quiet_depth[0] == 0:
                kafka.setLevel(_quiet_depth[1])


#: The port a Kafka client reaches a bootstrap server given without one on.
DEFAULT_PORT = 9092


def _split(server: str) -> tuple[str, str]:
    """A bootstrap server's host (an IPv6 one out of its brackets) and the port it gives ("" for none)."""
    if server.startswith("[") and "]" in server:
        host, _, rest = server[1:].partition("]")
        return host, rest.removeprefix(":")
    host, _, port = server.rpartition(":") if ":" in server else (server, "", "")
    return host, port


def _host_port(server: str) -> tuple[str, int]:
    """A bootstrap server's host and port, Kafka's default when it gives none (as the client reads it)."""
    host, port = _split(server)
    return host, int(port) if port.isdigit() else DEFAULT_PORT


@dataclass(frozen=True)
class KafkaConfig:
    """Where the brokers are and how to authenticate to them (the ``security_protocol`` names are Kafka's)."""

    bootstrap_servers: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: Path | None = None

    def __post_init__(self) -> None:
        if not self.servers:
            raise ValueError("a Kafka connection needs bootstrap servers (host:port[,host:port])")
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ValueError(
                f"unknown Kafka security protocol {self.security_protocol!r}; "
                f"choose one of {', '.join(SECURITY_PROTOCOLS)}"
            )

    @property
    def servers(self) -> list[str]:
        """The bootstrap servers, one ``host:port`` each."""
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]

    @property
    def described(self) -> str:
        """The bootstrap servers as the client reaches them, for a message: one given without a port is on
        Kafka's default, said so ("cannot reach Kafka at 127.0.0.1" came 30 s after a user typed no port,
        with no word of 9092: CLI review)."""
        shown = []
        for server in self.servers:
            bare = server.removesuffix(":")  # "host:" is a host without a port, as the client reads it
            given = _split(server)[1].isdigit()
            shown.append(server if given else f"{bare}:{DEFAULT_PORT} (no port given: Kafka's default)")
        return ",".join(shown)

    @property
    def mechanism(self) -> str:
        """The SASL mechanism, PLAIN unless set: every client gets the same one (the kafka-python clients
        dropped the credentials when none was set, while Faust defaulted to PLAIN)."""
        return self.sasl_mechanism or "PLAIN"

    def at(self, bootstrap_servers: str) -> KafkaConfig:
        """The same security settings against other brokers (e.g. an embedded broker started late)."""
        return replace(self, bootstrap_servers=bootstrap_servers)

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context (the CA file if one is set, else the system's trust store)."""
        return ssl.create_default_context(cafile=str(self.ssl_cafile) if self.ssl_cafile else None)

    def stalled_tls(self, timeout: float) -> str | None:
        """Under TLS, the first bootstrap server that takes a connection but completes no TLS handshake
        (a plaintext listener reads the ClientHello as the start of a request and waits for the rest), said
        in one sentence; else ``None``; all within ``timeout``. kafka-python bounds the connection but not
        the handshake: ``ingest`` with ``SSL`` against a plaintext broker waited forever, printing nothing
        (review of 2026-12-05). A server that refuses the connection, or fails the handshake, is left to the
        client, which says so in its time."""
        if self.security_protocol not in _TLS:
            return None
        deadline = time.monotonic() + timeout
        for server in self.servers:
            host, port = _host_port(server)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                sock = socket.create_connection((host, port), left)
            except (OSError, ValueError):
                continue
            try:
                context = self.ssl_context()
                with context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False) as tls:
                    tls.settimeout(max(0.001, deadline - time.monotonic()))
                    tls.do_handshake()
            except TimeoutError:
                return (
                    f"{server} took the connection but completed no TLS handshake in {timeout:g} s: is it a "
                    f"plaintext listener? (DOSSIER_AUDIT_SECURITY_PROTOCOL is {self.security_protocol})"
                )
            except (OSError, ValueError):  # refused, reset or failed: the client says why
                pass
            finally:
                sock.close()
            return None
        return None

    def kafka_python_options(self) -> dict[str, Any]:
        """Security options in kafka-python's keyword names; empty for PLAINTEXT. ``bootstrap_servers``
        is passed separately by the callers (it also names the cluster in their error messages)."""
        options: dict[str, Any] = {}
        if self.security_protocol != "PLAINTEXT":
            options["security_protocol"] = self.security_protocol
        if self.security_protocol.startswith("SASL_"):
            options["sasl_mechanism"] = self.mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password
        if self.ssl_cafile:
            options["ssl_cafile"] = str(self.ssl_cafile)
        return options

    def aiokafka_options(self) -> dict[str, Any]:
        """Security options in aiokafka's keyword names: kafka-python's, with TLS as an ``ssl_context``."""
        options = self.kafka_python_options()
        if self.security_protocol in _TLS:
            options.pop("ssl_cafile", None)
            options["ssl_context"] = self.ssl_context()
        return options

    def faust_broker(self) -> list[str]:
        """The brokers as Faust URLs."""
        return [f"kafka://{server}" for server in self.servers]

    def faust_credentials(self) -> Any:
        """Faust's credentials object for the security protocol (None for PLAINTEXT)."""
        protocol = self.security_protocol
        if protocol == "PLAINTEXT":
            return None
        # Imported here: faust.auth costs ~0.3 s to import (measured, 2 CPUs, warm cache, on top of the CLI's
        # own imports) and every entry point builds a KafkaConfig; only the detector app needs Faust.
        from faust.auth import SASLCredentials, SSLCredentials

        if protocol == "SSL":
            return SSLCredentials(context=self.ssl_context())
        return SASLCredentials(
            username=self.sasl_username,
            password=self.sasl_password,
            mechanism=self.mechanism,
            ssl_context=self.ssl_context() if protocol == "SASL_SSL" else None,
        )
