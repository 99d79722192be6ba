"""A throwaway ClickHouse server for tests: Debian's ``clickhouse-server`` (18.16) as a child process.

Each server gets free ports on 127.0.0.1, its own data directory with generated ``config.xml`` and
``users.xml`` (18.16's ``<yandex>`` format), and logs in that directory. Users: ``default`` (admin) and
``reports`` (``readonly`` profile), both with random passwords. The 18.16 binary runs fine as root with a
data directory it owns, so no user switch is needed. The child is tied to this process (``PR_SET_PDEATHSIG``
and an ``atexit`` hook) so a crashed test run never leaves a server behind.
"""

from __future__ import annotations

import atexit
import contextlib
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

from clickhouse_driver import Client  # type: ignore[import-untyped]

from streams.lifetime import tie_to_parent

INSTALL_HINT = (
    "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y clickhouse-server clickhouse-client"
)
_START_ATTEMPTS = 3  # a free port can be taken between choosing it and the server binding it

CONFIG_XML = """<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>{dir}/server.log</log>
        <errorlog>{dir}/error.log</errorlog>
        <console>0</console>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>{tcp_port}</tcp_port>
    <http_port>{http_port}</http_port>
    <interserver_http_port>{interserver_port}</interserver_http_port>
    <path>{dir}/data/</path>
    <tmp_path>{dir}/data/tmp/</tmp_path>
    <user_files_path>{dir}/data/user_files/</user_files_path>
    <format_schema_path>{dir}/data/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_database>default</default_database>
    <timezone>{timezone}</timezone>
    <max_concurrent_queries>100</max_concurrent_queries>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mlock_executable>false</mlock_executable>
</yandex>
"""

USERS_XML = """<?xml version="1.0"?>
<yandex>
    <profiles>
        <default></default>
        <readonly><readonly>2</readonly></readonly>
    </profiles>
    <users>
        <{admin}>
            <password>{admin_password}</password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </{admin}>
        <{readonly}>
            <password>{readonly_password}</password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>readonly</profile>
            <quota>default</quota>
        </{readonly}>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
"""


class ServerStartError(RuntimeError):
    """The test server did not come up; the message carries the tail of its logs."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def find_binary() -> str:
    """The ``clickhouse-server`` executable (``/usr/sbin`` is not on every PATH)."""
    found = shutil.which("clickhouse-server") or shutil.which("clickhouse-server", path="/usr/sbin:/usr/bin")
    if not found:
        raise ServerStartError(f"clickhouse-server is not installed; install it with: {INSTALL_HINT}")
    return found


@dataclass
class ClickHouseServer:
    """A running test server and the credentials of its two users."""

    directory: Path
    port: int
    http_port: int
    interserver_port: int
    process: subprocess.Popen[bytes] | None = None
    host: str = "127.0.0.1"
    admin_user: str = "default"
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    readonly_user: str = "reports"
    readonly_password: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    #: The server's own time zone (``<timezone>``): UTC, as the shipped configuration sets it, unless a test
    #: asks for another one.
    timezone: str = "UTC"

    def url(self, database: str, readonly: bool = False) -> str:
        """A ``clickhouse://`` URL for ``database`` as the admin (or the read-only) user."""
        user, password = self.credentials(readonly)
        auth = f"{quote(user, safe='')}:{quote(password, safe='')}"
        return f"clickhouse://{auth}@{self.host}:{self.port}/{database}"

    def credentials(self, readonly: bool = False) -> tuple[str, str]:
        if readonly:
            return self.readonly_user, self.readonly_password
        return self.admin_user, self.admin_password

    def client(self, *, readonly: bool = False, database: str = "default") -> Client:
        user, password = self.credentials(readonly)
        return Client(
            self.host, port=self.port, user=user, password=password, database=database, connect_timeout=2
        )

    def admin_execute(self, sql: str) -> None:
        """Run one statement as the admin user (test set-up: CREATE/DROP DATABASE)."""
        client = self.client()
        try:
            client.execute(sql)
        finally:
            client.disconnect()

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for name in ("stdout.log", "error.log", "server.log"):
            path = self.directory / name
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                parts.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(parts) or "(no server logs)"

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, wait, then SIGKILL: the process is gone when this returns."""
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with contextlib.suppress(ValueError):
            atexit.unregister(self.stop)


def _write_config(server: ClickHouseServer) -> Path:
    directory = server.directory
    config = directory / "config.xml"
    config.write_text(
        CONFIG_XML.format(
            dir=escape(str(directory)),
            tcp_port=server.port,
            http_port=server.http_port,
            interserver_port=server.interserver_port,
            timezone=escape(server.timezone),
        ),
        encoding="utf-8",
    )
    (directory / "users.xml").write_text(
        USERS_XML.format(
            admin=server.admin_user,
            admin_password=escape(server.admin_password),
            readonly=server.readonly_user,
            readonly_password=escape(server.readonly_password),
        ),
        encoding="utf-8",
    )
    return config


def _wait_ready(server: ClickHouseServer, deadline: float) -> None:
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process is None or server.process.poll() is not None:
            code = server.process.returncode if server.process else None
            message = f"clickhouse-server exited with code {code} during start-up\n"
            raise ServerStartError(message + server.log_tail())
        client = server.client()
        try:
            # Probe the port first: the driver logs a traceback for every refused connection.
            socket.create_connection((server.host, server.port), timeout=1).close()
            client.execute("SELECT 1")
            return
        except Exception as exc:  # not up yet: connection refused, handshake cut, ...
            last_error = exc
        finally:
            client.disconnect()
        time.sleep(0.1)
    server.stop()
    raise ServerStartError(
        f"clickhouse-server did not answer on {server.host}:{server.port} within the start-up timeout "
        f"({type(last_error).__name__})\n" + server.log_tail()
    )


def _start_once(directory: Path, timeout: float, timezone: str) -> ClickHouseServer:
    binary = find_binary()
    (directory / "data").mkdir(parents=True, exist_ok=True)
    ports = set[int]()
    while len(ports) < 3:
        ports.add(free_port())
    tcp_port, http_port, interserver_port = sorted(ports)
    server = ClickHouseServer(directory, tcp_port, http_port, interserver_port, timezone=timezone)
    config = _write_config(server)
    with (directory / "stdout.log").open("ab") as stdout:
        server.process = subprocess.Popen(
            [binary, f"--config-file={config}"],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            preexec_fn=tie_to_parent,  # noqa: PLW1509 - only calls prctl, safe before exec
            start_new_session=True,  # a Ctrl-C aimed at pytest must not kill it before teardown runs
        )
    atexit.register(server.stop)
    _wait_ready(server, time.monotonic() + timeout)
    return server


def start_server(directory: Path, timeout: float = 30.0, *, timezone: str = "UTC") -> ClickHouseServer:
    """Start a server in ``directory`` (in ``timezone``) and wait until it answers a query (or raise with
    its log tail)."""
    last: ServerStartError | None = None
    for attempt in range(_START_ATTEMPTS):
        try:
            return _start_once(directory / f"run{attempt}", timeout, timezone)
        except ServerStartError as exc:
            if "Address already in use" not in str(exc):
                raise
            last = exc
    assert last is not None
    raise last
