"""The main job imports what its report stage needs while it waits for its detector: Great Expectations, the
report and pack writers and Dagster's instance storage were some 8 s of the 12 s that stage took for a small
week, paid after the detector (a run of 200 dossiers: 28 s, 24 s with the imports ahead)."""

from __future__ import annotations

import subprocess
import sys
import threading

from dossier_audit.jobs import main as main_job

#: What the report stage imports on use, and the preload imports ahead.
ON_USE = ("great_expectations", "reporting.charts", "reporting.pdf", "reporting.xlsx", "reporting.packs",
          "reporting.html", "dagster._core.storage.event_log")  # fmt: skip


def test_preload_imports_what_the_report_stage_imports_on_use() -> None:
    script = (
        "import sys\n"
        "from pipelines.inprocess import preload\n"
        f"on_use = {ON_USE!r}\n"
        "before = [name for name in on_use if name in sys.modules]\n"
        "preload()\n"
        "print(before, [name for name in on_use if name not in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    # None of them came with the module (they would cost every CLI command and code-server load), and the
    # preload imported every one.
    assert out.stdout.split() == ["[]", "[]"], out.stdout + out.stderr


def test_the_preload_thread_leaves_a_failure_to_the_report_stage(monkeypatch) -> None:
    """A failing import in the thread prints nothing (no thread traceback); the report stage's own import
    meets the failure and reports it in one line, as without the preload."""
    import pipelines.inprocess

    def broken() -> None:
        raise ImportError("no module named great_expectations")

    seen: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(pipelines.inprocess, "preload", broken)
    monkeypatch.setattr(threading, "excepthook", seen.append)
    thread = main_job._preload_reports()
    thread.join(30)
    assert not thread.is_alive() and thread.daemon and seen == []
    assert isinstance(thread.error, ImportError)  # kept, for the tests of a run to look at
