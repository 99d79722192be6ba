"""The ``report_runs`` table: one row per asset materialization (``running`` then ``succeeded``/``failed``).

The row's ``run_id`` is ``<dagster run id>/<kind>``, so each run of each asset has its own row and a
re-materialization of the same week adds rows for the new run instead of rewriting the old ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from warehouse.base import Warehouse
from warehouse.store import now_version

COLUMNS = ("run_id", "kind", "params", "status", "started_at", "finished_at", "detail", "version")


@dataclass
class ReportRun:
    """An open report run; fill ``detail`` before the block ends, and set ``status`` to ``failed`` when the
    block ends without an error but the step will fail (a blocking check that halts the week)."""

    run_id: str
    kind: str
    params: dict[str, Any]
    started_at: datetime
    detail: dict[str, Any] = field(default_factory=dict)
    status: str = "succeeded"


def _write(
    wh: Warehouse, run: ReportRun, status: str, finished_at: datetime | None, detail: Mapping[str, Any]
) -> None:
    params = orjson.dumps(run.params, option=orjson.OPT_SORT_KEYS).decode()
    text = orjson.dumps(detail, option=orjson.OPT_SORT_KEYS, default=str).decode()
    row = (run.run_id, run.kind, params, status, run.started_at, finished_at, text, now_version())
    wh.insert("report_runs", COLUMNS, [[value] for value in row])


@contextmanager
def record_run(wh: Warehouse, run_id: str, kind: str, params: dict[str, Any]) -> Iterator[ReportRun]:
    """Record a report run: ``running`` now, ``run.status`` (``succeeded`` unless the block set it) with
    ``run.detail``, or ``failed`` with the error, when the block ends. The error propagates."""
    run = ReportRun(run_id, kind, params, datetime.now(UTC).replace(microsecond=0))
    _write(wh, run, "running", None, {})
    try:
        yield run
    except BaseException as exc:
        _write(wh, run, "failed", datetime.now(UTC).replace(microsecond=0), {"error": f"{exc!r}"[:2000]})
        raise
    _write(wh, run, run.status, datetime.now(UTC).replace(microsecond=0), run.detail)


def report_runs(wh: Warehouse, *, kind: str | None = None) -> list[dict[str, Any]]:
    """The newest state of every recorded run (of ``kind``), oldest first."""
    rows = wh.query(
        "SELECT run_id, kind, params, status, started_at, finished_at, detail FROM report_runs FINAL"
        " WHERE (%(kind)s = '' OR kind = %(kind)s) ORDER BY started_at, run_id",
        {"kind": kind or ""},
    )
    return [
        {
            "run_id": run_id,
            "kind": k,
            "params": orjson.loads(params),
            "status": status,
            "started_at": started,
            "finished_at": finished,
            "detail": orjson.loads(detail) if detail else {},
        }
        for run_id, k, params, status, started, finished, detail in rows
    ]
