"""``dossier-audit users add|list|disable`` and ``dossier-audit console``: accounts stored hashed, bad input
one line and exit 2, and a clear word when another process holds the embedded warehouse."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier_audit.cli import app
from tests.console.conftest import initialised
from tests.templates import WarehouseTemplates
from warehouse import open_warehouse
from warehouse.console_users import save_user, user

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path, warehouse_templates: WarehouseTemplates) -> str:
    """An initialised embedded warehouse of this test's own (a copy of one ``warehouse init`` made)."""
    return warehouse_templates.copy("initialised", initialised, tmp_path / "wh")


def users(*args: str, stdin: str | bytes | None = None):
    return runner.invoke(app, ["users", *args], input=stdin)


def test_add_list_disable(url: str) -> None:
    added = runner.invoke(app, ["users", "add", "an.nguyen", "--role", "unit", "--unit", "000.10.01.H99",
                                "--warehouse", url, "--password-stdin"],
                          input="mật khẩu đủ dài\n")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert (
        users(
            "add",
            "lead",
            "--role",
            "leader",
            "--warehouse",
            url,
            stdin="another long one\nanother long one\n",
        ).exit_code
        == 0
    )
    listed = [json.loads(line) for line in users("list", "--warehouse", url, "--json").stdout.splitlines()]
    assert [(u["login"], u["role"], u["unit"], u["disabled"]) for u in listed] == [
        ("an.nguyen", "unit", "000.10.01.H99", False), ("lead", "leader", "", False)]  # fmt: skip
    assert "hash" not in json.dumps(listed)
    before = int(time.time() * 1000)
    assert runner.invoke(app, ["users", "disable", "lead", "--warehouse", url]).exit_code == 0
    with open_warehouse(url) as wh:
        stored = user(wh, "lead")
        assert stored is not None and stored.disabled and stored.password_hash.startswith("$argon2id$")
        assert stored.sessions_after > before  # its sessions are over, also once it is enabled again
        assert "another long one" not in stored.password_hash


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "x", "--role", "boss"], "role 'boss'"),
        (["add", "x", "--role", "unit"], "needs --unit"),
        (["add", "x", "--role", "unit", "--unit", "NO.SUCH"], "not a unit of the catalogue"),
        # With the closest codes, as --unit of the reading commands (review).
        (["add", "x", "--role", "unit", "--unit", "000.10.01.H98"], "did you mean 000.10.01.H99"),
        (["add", "x", "--role", "inspector", "--unit", "000.10.01.H99"], "only a unit officer has a unit"),
        (["add", "bad login!", "--role", "admin"], "a login is"),
        (["add", "x", "--role", "admin", "--password-stdin"], "at least 10 characters"),
        # Off a terminal without --password-stdin: getpass's warning, then "Aborted.", exit 1 (review).
        (["add", "x", "--role", "admin"], "the password and its confirmation on standard input differ"),
        (["disable", "nobody"], "no account 'nobody'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(url: str, args: list[str], message: str) -> None:
    result = users(*args, "--warehouse", url, stdin="short\n")
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_a_password_not_in_utf8_is_one_line_and_exit_2(url: str) -> None:
    """A Latin-1 terminal's "é" reached the hasher as a lone surrogate: a traceback (review)."""
    result = users("add", "carol", "--role", "inspector", "--warehouse", url, "--password-stdin",
                   stdin=b"p\xe9ssword1234\n")  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: the password on standard input is not UTF-8 text (use a UTF-8 terminal)"
    ]


def test_a_missing_warehouse_is_one_line(tmp_path: Path) -> None:
    for args in (["users", "list"], ["console"]):
        result = runner.invoke(app, [*args, "--warehouse", f"chdb://{tmp_path}/nothing"])
        assert result.exit_code == 2 and "is not initialised" in result.stderr, result.stderr


def test_another_process_holding_the_embedded_warehouse_is_said(url: str) -> None:
    with open_warehouse(url):
        for args in (["users", "list"], ["console", "--port", "1"]):
            done = subprocess.run([sys.executable, "-m", "dossier_audit", *args, "--warehouse", url],
                                  capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
            assert done.returncode == 2, done.stderr
            assert "is in use by" in done.stderr and "Traceback" not in done.stderr


def test_an_address_the_console_cannot_listen_on_is_one_line(url: str) -> None:
    """uvicorn said it in a log line and exited 3, after "console on …" was printed (review)."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["console", "--warehouse", url, "--port", str(port)])
        assert result.exit_code == 2, result.stderr
        assert result.stderr.strip() == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    result = runner.invoke(app, ["console", "--warehouse", url, "--host", "no.such.host.invalid"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot listen on no.such.host.invalid:8080: ")
    assert "while attempting" not in result.stderr


def test_a_password_off_a_terminal_is_read_from_the_piped_lines(url: str) -> None:
    add = ("add", "x", "--role", "admin", "--warehouse", url)
    result = users(*add, stdin="")
    assert result.exit_code == 2 and result.stderr.startswith("error: no password given: type it on")
    result = users(*add, stdin="a long password\na long password\n")
    assert result.exit_code == 0 and result.stderr == "account x (admin) saved\n", result.stderr


def test_a_login_is_ascii_and_none_differs_from_another_only_in_case(url: str) -> None:
    """ "ALICE" beside "alice", and a full-width "ａｄｍｉｎ", were accounts of their own (review)."""
    stdin = "a long password\n"
    assert (
        users(
            "add", "alice", "--role", "admin", "--warehouse", url, "--password-stdin", stdin=stdin
        ).exit_code
        == 0
    )
    clash = users("add", "ALICE", "--role", "admin", "--warehouse", url, "--password-stdin", stdin=stdin)
    assert clash.exit_code == 2 and "another account has this login in other letter case" in clash.stderr
    wide = users("add", "ａｄｍｉｎ", "--role", "admin", "--warehouse", url, "--password-stdin", stdin=stdin)
    assert wide.exit_code == 2 and "ASCII letters" in wide.stderr
    # A new login: "-x" then needed `--` to be disabled, "@" and "..." named no one (CLI review).
    options = ("--role", "admin", "--warehouse", url, "--password-stdin")
    for odd in ("-x", "@", "...", "_admin"):
        refused = users("add", *options, "--", odd, stdin=stdin)
        assert refused.exit_code == 2 and "a new login starts with a letter or digit" in refused.stderr, odd
    fine = users("add", "a.b-c@d_1", *options, stdin=stdin)
    assert fine.exit_code == 0, fine.stderr
    # An account made before keeps its login: its password can still be replaced (review of the diff).
    with open_warehouse(url) as wh:
        old = user(wh, "a.b-c@d_1")
        assert old is not None
        save_user(wh, replace(old, login="_svc"))
    assert users("add", *options, "--", "_svc", stdin="another long password\n").exit_code == 0
    again = users("add", "alice", "--role", "leader", "--warehouse", url, "--password-stdin", stdin=stdin)
    assert again.exit_code == 0  # the account itself is changed as before


def test_the_cases_warehouse_comes_from_the_settings_too(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docker-compose.yml gives the console its `cases` user's URL in the environment, not on its command
    line (which is in ``ps``): DOSSIER_AUDIT_CONSOLE_CASES_WAREHOUSE, and --cases-warehouse wins over it."""
    monkeypatch.setenv("DOSSIER_AUDIT_CONSOLE_CASES_WAREHOUSE", f"chdb://{tmp_path}/cases")
    result = runner.invoke(app, ["console", "--warehouse", url, "--sync-cases"])
    assert result.exit_code == 2 and "is not initialised" in result.stderr, result.stderr
    assert f"{tmp_path}/cases" in result.stderr
    given = runner.invoke(app, ["console", "--warehouse", url, "--cases-warehouse", url, "--sync-cases"])
    assert given.exit_code == 0 and "cases closed: 0, reopened: 0" in given.stderr, given.stderr


def test_the_reader_needs_only_the_case_events_when_writes_go_elsewhere(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compose deployment's console reads as `reports`, granted no console table but case_events, and a
    current ClickHouse leaves a table its user may not read out of ``system.tables``: the console required
    all three there and stopped at every start (review). The reader now needs the case events alone when a
    cases warehouse takes the writes; alone, it still needs all three."""
    import dossier_audit.cli.console as console_cli

    seen = console_cli.existing_tables  # type: ignore[attr-defined]
    opened: list[str] = []

    def as_reports_first(wh: object) -> set[str]:  # the first session opened is the reader's
        opened.append("x")
        tables = seen(wh)  # type: ignore[arg-type]
        return tables - {"console_users", "page_reads"} if len(opened) == 1 else tables

    monkeypatch.setattr(console_cli, "existing_tables", as_reports_first)
    given = runner.invoke(app, ["console", "--warehouse", url, "--cases-warehouse", url, "--sync-cases"])
    assert given.exit_code == 0 and "cases closed: 0, reopened: 0" in given.stderr, given.stderr
    opened.clear()
    alone = runner.invoke(app, ["console", "--warehouse", url, "--sync-cases"])
    assert alone.exit_code == 2, alone.stderr
    assert "no console tables (console_users, page_reads)" in alone.stderr
