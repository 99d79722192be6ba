"""The Dagster UI: the real ``dagster-webserver`` (the pinned release of the dev extra, what ``make dagster``
and the image run) loads ``pipelines.definitions`` and its GraphQL API lists the weekly assets and their
checks, as committed in ``snapshots/definitions.json`` (which ``test_definitions`` keeps equal to the code).

The server runs in a child process group with a private ``DAGSTER_HOME`` and workdir; the fixture always
terminates the group, code server included.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"
#: Start-up bound: importing dagster and the definitions, then the code server's first load.
STARTUP_SECONDS = 120

WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

ASSETS_QUERY = """
query AssetsAndChecks {
  assetNodes {
    assetKey { path }
    isMaterializable
    groupName
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name blocking } }
      ... on Error { message }
    }
  }
}
"""


@dataclass
class Webserver:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-6000:]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def graphql(url: str, query: str, timeout: float = 30) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: dict[str, Any] = json.loads(response.read())
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server's process group (the webserver and its code server), then kill what stays."""
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    # The leader may exit before its children: take down whatever is left of the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_until_loaded(server: Webserver) -> None:
    """Until the code location is loaded (or the server dies, or the start-up bound passes)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {server.process.returncode}:\n{server.output()}")
        try:
            workspace = graphql(server.url, WORKSPACE_QUERY, timeout=10)["workspaceOrError"]
        except (OSError, urllib.error.URLError) as exc:  # not listening yet
            last = repr(exc)
        else:
            assert workspace["__typename"] == "Workspace", workspace
            entries = workspace["locationEntries"]
            last = json.dumps(entries)
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                for entry in entries:
                    location = entry["locationOrLoadError"]
                    assert location["__typename"] == "RepositoryLocation", (
                        f"code location {entry['name']!r} failed to load: {location}"
                    )
                return
        time.sleep(0.5)
    pytest.fail(f"dagster-webserver not ready in {STARTUP_SECONDS} s (last: {last}):\n{server.output()}")


@pytest.fixture
def webserver(tmp_path: Path) -> Iterator[Webserver]:
    executable = Path(sys.executable).parent / "dagster-webserver"
    assert executable.exists(), f"{executable}: install the dev extra (dagster-webserver is pinned there)"
    home = tmp_path / "dagster-home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    workdir = tmp_path / "workdir"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        # Loading the definitions reads no settings; should the server ever open the warehouse, it is this
        # private embedded one, never the developer's ./.dossier-audit.
        "DOSSIER_AUDIT_WORKDIR": str(workdir),
        "DOSSIER_AUDIT_WAREHOUSE": f"chdb://{workdir / 'warehouse'}",
        "DOSSIER_AUDIT_REPORTS_DIR": str(tmp_path / "reports"),
    }
    port = free_port()
    log = tmp_path / "webserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(executable), "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() kills the code server with it
        )
    try:
        yield Webserver(f"http://127.0.0.1:{port}", process, log)
    finally:
        stop(process)


def test_the_webserver_serves_the_weekly_assets_and_their_checks(webserver):
    wait_until_loaded(webserver)
    with urllib.request.urlopen(f"{webserver.url}/server_info", timeout=10) as response:
        info = json.loads(response.read())
    from dagster import __version__ as dagster_version

    # One release: the webserver, its GraphQL layer and dagster (the pins of pyproject.toml).
    assert info == dict.fromkeys(
        ("dagster_webserver_version", "dagster_version", "dagster_graphql_version"), dagster_version
    ), info

    nodes = graphql(webserver.url, ASSETS_QUERY)["assetNodes"]
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    served = {"/".join(node["assetKey"]["path"]): node for node in nodes}
    assert sorted(served) == sorted(expected["assets"])
    for key, spec in expected["assets"].items():
        assert served[key]["isMaterializable"] == spec["materializable"], key
        assert served[key]["groupName"] == spec["group"], key

    checks: dict[str, dict[str, Any]] = {}
    for key, node in served.items():
        result = node["assetChecksOrError"]
        assert result["__typename"] == "AssetChecks", f"{key}: {result}"
        for check in result["checks"]:
            checks[f"{key}:{check['name']}"] = {"blocking": check["blocking"]}
    assert checks == expected["checks"]
    # The weekly report assets carry checks (the data-quality suites); the served graph is not empty.
    assert checks and any(spec["blocking"] for spec in checks.values())
