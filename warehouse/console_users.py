"""The console's accounts and its trail of reads, in the warehouse (``console_users``, ``page_reads``).

Accounts are versioned rows (ReplacingMergeTree on ``version``): adding or disabling appends a newer row of
the login, and the newest wins. Only hashes are stored (Argon2id, made by the console; this module never
sees a password).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from warehouse.base import Warehouse
from warehouse.queries import load_sql

USER_COLUMNS = (
    "login", "role", "unit_code", "password_hash", "disabled", "created_at", "updated_at", "version",
    "sessions_after",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    login: str
    role: str
    unit_code: str
    password_hash: str
    disabled: bool
    created_at: datetime
    updated_at: datetime
    #: Epoch milliseconds: the login's sessions issued before it are over (logout, password change).
    sessions_after: int = 0


def sessions_ended(account: ConsoleUser, now: datetime, *, disabled: bool | None = None) -> ConsoleUser:
    """``account`` as of ``now`` with every session issued so far over (a logout; a disabling, so that
    enabling the account again does not bring a session kept meanwhile back: review); ``disabled``: its new
    state (default: unchanged)."""
    return replace(
        account,
        disabled=account.disabled if disabled is None else disabled,
        sessions_after=int(now.timestamp() * 1000) + 1,
        updated_at=now,
    )


def users(wh: Warehouse) -> list[ConsoleUser]:
    """Every account (newest version of each), by login."""
    rows = wh.query(load_sql("console_users"), {"any_login": 1, "login": ""})
    return [_user(r) for r in rows]


def user(wh: Warehouse, login: str) -> ConsoleUser | None:
    rows = wh.query(load_sql("console_users"), {"any_login": 0, "login": login})
    return _user(rows[0]) if rows else None


def _user(row: tuple[Any, ...]) -> ConsoleUser:
    return ConsoleUser(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6], int(row[8]))


def save_user(wh: Warehouse, account: ConsoleUser) -> None:
    """Append a new version of ``account`` (add, change or disable)."""
    version = time.time_ns()
    values = (
        account.login, account.role, account.unit_code, account.password_hash, int(account.disabled),
        account.created_at.replace(microsecond=0), account.updated_at.replace(microsecond=0), version,
        account.sessions_after,
    )  # fmt: skip
    wh.insert("console_users", USER_COLUMNS, [[v] for v in values])


def log_read(wh: Warehouse, *, login: str, role: str, dossier_id: str, via: str) -> None:
    """Record that ``login`` read ``dossier_id`` (``via``: ``page``, ``api``, ``export``, or
    ``refused-page``/``refused-api``/``refused-export`` for an attempt out of the account's scope)."""
    log_reads(wh, login=login, role=role, dossier_ids=[dossier_id], via=via)


def log_reads(wh: Warehouse, *, login: str, role: str, dossier_ids: list[str], via: str) -> None:
    """Record one read per dossier id (an export's rows) in one insert."""
    if not dossier_ids:
        return
    at = datetime.now(UTC).replace(microsecond=0)
    n = len(dossier_ids)
    wh.insert(
        "page_reads",
        ("login", "role", "dossier_id", "via", "at"),
        [[login] * n, [role] * n, list(dossier_ids), [via] * n, [at] * n],
    )


def reads_of(wh: Warehouse, dossier_id: str, limit: int = 50) -> list[tuple[str, str, str, datetime]]:
    """The newest reads of a dossier: (login, role, via, when)."""
    rows = wh.query(load_sql("console_page_reads"), {"dossier": dossier_id, "limit": limit})
    return [(r[0], r[1], r[2], r[3]) for r in rows]
