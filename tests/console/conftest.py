"""A console on a real embedded warehouse: the contract's example events (their free texts made hostile),
a catalogue whose unit names are hostile too, and one account per role. Built once per test module (a
chdb process serves one directory at a time, so the module closes it at its end), from a copy of a warehouse
built once per test process (``tests.templates``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient
from typer.testing import CliRunner

import console.security
from console.app import create_app
from console.security import hash_password
from console.service import ConsoleService
from dossier_audit.cli import app as cli_app
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import load_catalogue
from tests.templates import WarehouseTemplates
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.console_users import ConsoleUser, save_user

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "contract" / "examples.jsonl"
SAMPLE = ROOT / "inspections" / "data" / "sample_province.yaml"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PASSWORD = "correct horse battery"
UNIT1, UNIT2 = "000.10.01.H99", "000.10.02.H99"
#: The product's password hasher (argon2-cffi's defaults, RFC 9106's low-memory Argon2id: ~160 ms and 64 MiB a
#: password), kept here for the test that holds the product to it (test_security_parts.py).
PRODUCT_HASHER = console.security._HASHER
# The console's tests hash with Argon2id at its least cost (the same code, the same "$argon2id$" hashes): a
# login is ~1 ms, not ~160 ms of both cores, and their hundreds of logins cost the suite about a minute of
# CPU. As Django's guide does for its tests: what a hash costs is the product's setting, not behaviour.
console.security._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
console.security._DUMMY_HASH = console.security._HASHER.hash("no such account")
#: login → (role, unit)
ACCOUNTS = {
    "insp": ("inspector", ""),
    "unit1": ("unit", UNIT1),
    "unit2": ("unit", UNIT2),
    "lead": ("leader", ""),
    "adm": ("admin", ""),
}


def hostile_events(path: Path, hostile: bool = True) -> Path:
    """The examples with every non-empty free text replaced by markup (no verdict changes: only texts
    that were already non-empty)."""
    lines = []
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        data = event.get("data") or {}
        for key in ("reason", "step"):
            if hostile and isinstance(data.get(key), str) and data[key]:
                data[key] = HOSTILE
        lines.append(json.dumps(event, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class ConsoleWorld:
    url: str
    wh: Warehouse
    service: ConsoleService
    client_factory: object

    def client(self) -> TestClient:
        return self.client_factory()  # type: ignore[operator, no-any-return]


def initialised(url: str) -> None:
    """``warehouse init``."""
    result = CliRunner().invoke(cli_app, ["warehouse", "init", "--warehouse", url])
    assert result.exit_code == 0, result.stderr


def loaded(hostile: bool) -> Callable[[str], None]:
    """``warehouse init``, then the load of the examples (:func:`hostile_events`) as of 2025-11-20."""

    def build(url: str) -> None:
        initialised(url)
        events = hostile_events(Path(url.removeprefix("chdb://")).parent / "events.jsonl", hostile)
        args = ["warehouse", "load", str(events), "--as-of", "2025-11-20", "--warehouse", url]
        result = CliRunner().invoke(cli_app, args)
        assert result.exit_code == 0, result.stderr

    return build


@pytest.fixture(scope="module")
def console_world(
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    warehouse_templates: WarehouseTemplates,
) -> Iterator[ConsoleWorld]:
    """``HOSTILE_WORLD = False`` in a test module keeps the texts as they are (the screenshots')."""
    hostile = getattr(request.module, "HOSTILE_WORLD", True)
    tmp = tmp_path_factory.mktemp("console")
    url = warehouse_templates.copy(f"console-{hostile}", loaded(hostile), tmp / "wh")
    catalogue_file = tmp / "catalogue.yaml"
    catalogue_file.write_text(
        SAMPLE.read_text(encoding="utf-8").replace(
            "Ủy ban nhân dân phường Đông Mẫu", HOSTILE if hostile else "Ủy ban nhân dân phường Đông Mẫu"
        ),
        encoding="utf-8",
    )
    catalogue = load_catalogue(catalogue_file)
    wh = open_warehouse(url)
    now = datetime.now(UTC)
    hashed = hash_password(PASSWORD)
    for login, (role, unit) in ACCOUNTS.items():
        save_user(wh, ConsoleUser(login, role, unit, hashed, False, now, now))
    service = ConsoleService(wh, wh, catalogue, load_calendar(None))

    def client() -> TestClient:
        return TestClient(
            create_app(service, login_failures=5, throttle_seconds=60), raise_server_exceptions=False
        )

    try:
        yield ConsoleWorld(url, wh, service, client)
    finally:
        wh.close()


def logged_in(world: ConsoleWorld, login: str) -> tuple[TestClient, str]:
    """A client with a session of ``login``, and its CSRF token."""
    client = world.client()
    response = client.post("/api/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client, response.json()["csrf_token"]


def form_login(client: TestClient, login: str, password: str) -> Any:
    """Log in through the page, as a browser does: the form's pre-session token from GET /login."""
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post("/login", data={"login": login, "password": password, "login_token": token[1]},
                       follow_redirects=False)  # fmt: skip
