"""``dossier-audit console`` (the inspector's console, a web application) and ``dossier-audit users``
(its accounts: add, list, disable)."""

from __future__ import annotations

import os
import signal
import socket
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Annotated

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from dossier_audit.cli.app import app
from dossier_audit.cli.common import (
    CataloguePath,
    JsonFlag,
    UsageError,
    WarehouseOption,
    err,
    guarded,
    platform_for,
)
from warehouse import open_warehouse
from warehouse.base import Warehouse
from warehouse.console_users import ConsoleUser, save_user, sessions_ended, user, users
from warehouse.migrate import existing_tables

users_app = typer.Typer(help="Accounts of the inspector's console: add, list, disable.", no_args_is_help=True)
app.add_typer(users_app, name="users")

CONSOLE_TABLES = ("console_users", "case_events", "page_reads")
#: What the console's reader must see when its writes go elsewhere (``--cases-warehouse``): the case
#: events it reads. The read-only `reports` user is granted no other console table, and a current server
#: leaves a table its user may not read out of ``system.tables``: requiring all three there stopped the
#: compose deployment's console at every start (review).
READ_TABLES = ("case_events",)
ROLES = ("inspector", "unit", "leader", "admin")


def _open(url: str, tables: tuple[str, ...] = CONSOLE_TABLES) -> Warehouse:
    """A session on ``url`` that has ``tables`` (else one line saying how to add them)."""
    wh = open_warehouse(url, create_database=False)
    present = existing_tables(wh)
    missing = [t for t in tables if t not in present]
    if missing:
        wh.close()
        raise UsageError(
            f"the warehouse {wh.url} has no console tables ({', '.join(missing)}): migrate it with "
            f"`dossier-audit warehouse init --warehouse {wh.url}`"
        )
    return wh


@app.command()
def console(
    warehouse: WarehouseOption = None,
    cases_warehouse: Annotated[
        str | None,
        typer.Option(
            "--cases-warehouse",
            help="Warehouse URL for writing case events, reads and accounts (a user allowed to insert into "
            "the console tables only; default: DOSSIER_AUDIT_CONSOLE_CASES_WAREHOUSE, else --warehouse).",
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8080,
    catalogue: CataloguePath = None,
    sync_cases: Annotated[
        bool,
        typer.Option(
            "--sync-cases",
            help="Do not serve: close the cases of retracted violations and reopen those found again, "
            "once, then exit (for a timer when the console's own is off).",
        ),
    ] = False,
) -> None:
    """Serve the inspector's console (http://HOST:PORT). On the embedded default it serves the main job's
    warehouse (./.dossier-audit), which one process owns at a time: stop `dossier-audit run` first."""
    import uvicorn

    from console.app import create_app
    from console.service import ConsoleService

    with ExitStack() as stack:

        def go() -> object:
            platform = platform_for(catalogue)
            settings = platform.settings
            url = warehouse or settings.warehouse_url
            cases_url = cases_warehouse or settings.console_cases_warehouse
            reader = stack.enter_context(_open(url, READ_TABLES if cases_url else CONSOLE_TABLES))
            writer = reader if not cases_url else stack.enter_context(_open(cases_url))
            secret = settings.console_session_secret
            service = ConsoleService(
                reader, writer, platform.catalogue, platform.calendar, auditor=platform.auditor
            )
            if sync_cases:
                synced = service.sync_cases()
                err.print(
                    f"cases closed: {synced.closed}, reopened: {synced.reopened}; conclusions to look at "
                    f"again (violation retracted): {synced.marked}, no longer: {synced.unmarked}",
                    highlight=False,
                )
                return None
            try:  # uvicorn says it in a log line and exits 3, after "console on …" was printed (review)
                socket.create_server((host, port)).close()
            except OSError as exc:
                # Without the address again, which create_server adds to the system's words.
                problem = (exc.strerror or str(exc)).split(" (while attempting to bind")[0]
                raise UsageError(f"cannot listen on {host}:{port}: {problem}") from None
            err.print(f"console on http://{host}:{port} — warehouse {escape(reader.url)}", highlight=False)
            return create_app(
                service,
                session_secret=secret.get_secret_value().encode() if secret else None,
                session_minutes=settings.console_session_minutes,
                secure_cookie=settings.console_secure_cookie,
                login_failures=settings.console_login_failures,
                throttle_seconds=settings.console_throttle_seconds,
                header_for=platform.report_header,
                idle_minutes=settings.console_idle_minutes,
                trusted_proxies=settings.console_trusted_proxies,
                sync_seconds=settings.console_sync_seconds,
            )

        web = guarded(go)
        if web is None:
            return
        # uvicorn stops gracefully on SIGINT and SIGTERM, not on SIGHUP, which the CLI maps to Ctrl-C's
        # KeyboardInterrupt (dossier_audit.interrupts): raised inside the server's loop, it logged two
        # tracebacks (review). A hang-up asks for the same graceful stop as SIGTERM, unless it is ignored.
        if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
            signal.signal(signal.SIGHUP, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))
        # X-Forwarded-For is read by the app itself, from the trusted proxies only (create_app).
        uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return _line()
    if sys.stdin is not None and sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))
    # Off a terminal, the prompt's two lines read as they are piped, without its prompts: the hidden prompt
    # went through getpass, whose warning came with its source line, and with nothing to read it ended
    # "Aborted.", exit 1 (review).
    first = _line()
    if not first:
        raise UsageError(
            "no password given: type it on a terminal, or give it on standard input with --password-stdin"
        )
    if _line() != first:
        raise UsageError(
            "the password and its confirmation on standard input differ (--password-stdin reads one line)"
        )
    return first


def _line() -> str:
    """One line of standard input, without its line break. Its bytes must be UTF-8: a Latin-1 terminal's
    "é" reached the password hasher as a lone surrogate, a traceback (review)."""
    if sys.stdin is None:
        return ""
    raw = sys.stdin.buffer.readline() if hasattr(sys.stdin, "buffer") else sys.stdin.readline().encode()
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the password on standard input is not UTF-8 text (use a UTF-8 terminal)") from None
    return line[:-1] if line.endswith("\n") else line


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(help="The login (letters, digits, . _ - @).")],
    role: Annotated[str, typer.Option("--role", help="inspector, unit, leader or admin.")],
    warehouse: WarehouseOption = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="The unit code (required for --role unit).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    catalogue: CataloguePath = None,
) -> None:
    """Add an account (or replace the role, unit and password of an existing login, enabling it)."""
    from console.account_pages import NEW_LOGIN_PROBLEMS, account_problem, new_login_problem
    from console.security import hash_password, password_problem

    def check() -> tuple[str, object]:
        platform = platform_for(catalogue)
        problem = account_problem(login, role, unit or "", platform.catalogue.units)
        if problem:
            raise UsageError(problem)
        return warehouse or platform.settings.warehouse_url, platform

    url, _ = guarded(check)
    password = guarded(lambda: _password(password_stdin))

    def go() -> None:
        problem = password_problem(password)
        if problem:
            raise UsageError(problem)
        with _open(url) as wh:
            now = datetime.now(UTC)
            existing = user(wh, login)
            problem = None if existing else new_login_problem(login, (u.login for u in users(wh)))
            if problem:
                raise UsageError(f"login {login!r}: {NEW_LOGIN_PROBLEMS[problem]}")
            created = existing.created_at if existing else now
            save_user(wh, ConsoleUser(login, role, unit or "", hash_password(password), False, created, now))

    guarded(go)
    err.print(f"account {escape(login)} ({role}) saved", highlight=False)


@users_app.command("list")
def users_list(
    warehouse: WarehouseOption = None, json_out: JsonFlag = False, catalogue: CataloguePath = None
) -> None:
    """The accounts (never their hashes)."""

    def go() -> list[ConsoleUser]:
        url = warehouse or platform_for(catalogue).settings.warehouse_url
        with _open(url) as wh:
            return users(wh)

    found = guarded(go)
    if json_out:
        for u in found:
            row = {"login": u.login, "role": u.role, "unit": u.unit_code, "disabled": u.disabled,
                   "updated_at": u.updated_at.isoformat()}  # fmt: skip
            sys.stdout.write(orjson.dumps(row).decode() + "\n")
        return
    table = Table(title="Console accounts", title_justify="left")
    for column in ("login", "role", "unit", "state", "updated"):
        table.add_column(column)
    for u in found:
        state = "disabled" if u.disabled else "active"
        table.add_row(escape(u.login), u.role, escape(u.unit_code), state, u.updated_at.isoformat())
    err.print(table)


@users_app.command("disable")
def users_disable(
    login: Annotated[str, typer.Argument(help="The login to disable.")],
    warehouse: WarehouseOption = None,
    catalogue: CataloguePath = None,
) -> None:
    """Disable an account: its sessions end at their next request; its history stays."""

    def go() -> None:
        url = warehouse or platform_for(catalogue).settings.warehouse_url
        with _open(url) as wh:
            existing = user(wh, login)
            if existing is None:
                raise UsageError(f"no account {login!r}")
            now = datetime.now(UTC)
            save_user(wh, sessions_ended(existing, now, disabled=True))  # for good: enabling brings none back

    guarded(go)
    err.print(f"account {escape(login)} disabled", highlight=False)
