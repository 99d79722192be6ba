"""What every weekly asset shares: its week, its report-run row, and writing its files atomically."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from dagster import AssetExecutionContext, MetadataValue

from checks import SUITES, CheckResult, SuiteInfo
from inspections.weeks import Week
from pipelines.partitions import week_of_key
from pipelines.report_runs import ReportRun, record_run
from pipelines.resources import PlatformResource
from reporting.editions import files_under, keep_replaced
from warehouse.base import Warehouse

GROUP = "weekly_reports"


def week_of(context: AssetExecutionContext) -> Week:
    return week_of_key(context.partition_key)


@contextmanager
def report_run(
    context: AssetExecutionContext, wh: Warehouse, kind: str, platform: PlatformResource, week: Week
) -> Iterator[ReportRun]:
    """The asset's ``report_runs`` row, keyed by Dagster run and asset."""
    params = {
        "week": str(week),
        "partition": context.partition_key,
        "lang": platform.report_lang,
        "dagster_run_id": context.run.run_id,
        "asset": context.asset_key.to_user_string(),
    }
    with record_run(wh, f"{context.run.run_id}/{kind}", kind, params) as run:
        yield run


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as sorted, indented JSON atomically (same data → same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS, default=str))
    os.replace(tmp, path)
    return path


#: What a week's directory says when its reports are withheld (:func:`withhold`), until a run builds them.
WITHHELD_NOTE = "REPORT_WITHHELD.txt"
#: The files of the week's reports (the leadership report's and the audit packs').
_REPORT_FILES = ("report.html", "report.pdf", "report.xlsx", "chart_*.png", "units")


def withhold(out_dir: Path, failures: Sequence[CheckResult], suites: Sequence[SuiteInfo] = SUITES) -> None:
    """Take the week's published reports away, with a note saying why and what to do: with
    ``halt_on_blocking_failure`` a blocking data-quality failure skips the reports, and the previous run's
    stayed beside this run's figures, without the warning (review of 2026-12-04). The remedy is each failed
    suite's own (``SuiteInfo.next_step``): loading a corrected file again, the one remedy the note gave,
    does not replace a stored event. The files taken away are kept under ``editions/`` first, as a re-run
    keeps the files it replaces (``reporting.editions``)."""
    published = [path for pattern in _REPORT_FILES for path in out_dir.glob(pattern)]
    keep_replaced(out_dir, [(old, None) for path in published for old in files_under(path)])  # as signed
    for path in published:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    failed = {r.suite for r in failures}
    advice = [(s.name, s.next_step) for s in suites if s.name in failed and s.next_step]  # report order
    todo_vi = "\n".join(f"- {name}: {step.vi}" for name, step in advice)
    todo_en = "\n".join(f"- {name}: {step.en}" for name, step in advice)
    listed = "\n".join(f"- {r.suite}/{r.expectation}" for r in failures)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / WITHHELD_NOTE).write_text(
        "Báo cáo của tuần này bị giữ lại: dữ liệu không đạt kiểm tra chất lượng bắt buộc (quality.json ghi "
        f"các dòng sai). Việc cần làm:\n{todo_vi}\n\n"
        "This week's reports are withheld: the data failed blocking quality checks (quality.json names the "
        f"rows). What to do:\n{todo_en}\n\nFailed checks:\n{listed}\n",
        encoding="utf-8",
    )


def paths_metadata(paths: Sequence[Path], root: Path) -> dict[str, Any]:
    return {
        "directory": MetadataValue.path(str(root)),
        "files": len(paths),
        "paths": MetadataValue.json(sorted(str(p) for p in paths)),
    }
