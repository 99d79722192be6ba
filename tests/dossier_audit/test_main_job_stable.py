"""Issue 15: two runs of the main job on the same input give the same weekly report (report.html, report.pdf
and report.xlsx), audit packs (HTML and XLSX), ``violations.jsonl`` and ``summary.txt``, byte for byte —
because an unset pseudonymisation key is generated once and kept in the working directory (mode 0600)
instead of drawn again each run, and the PDF and XLSX are dated by the report's issue day, not the clock
(fpdf2's /ID hashes the content and that date, so the PDF is compared whole, /ID included). The same
runs show the main job idempotent on its own events: the violations are the batch audit's, each event is
stored once; a run that fails part-way says so and the next complete run clears its note; a run with more
events judges the dossiers the workdir held again (one test, four runs: each run of the main job costs some
20 s of fixed start-up)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from bootstrap.keys import KEY_FILE
from dossier_audit.cli import app
from dossier_audit.jobs import main as main_job
from dossier_audit.jobs.main_inputs import data_end
from inspections.timeunits import VN_TZ
from inspections.weeks import Week

runner = CliRunner()


def snapshot(reports: Path) -> dict[str, bytes]:
    files = [
        reports / "violations.jsonl",
        reports / "summary.txt",
        *sorted(reports.glob("*/report.*")),
        *sorted(reports.glob("*/chart_*.png")),
        *sorted(reports.glob("*/units/*")),
    ]
    return {str(p.relative_to(reports)): p.read_bytes() for p in files}


@pytest.mark.slow(75)
def test_a_second_run_gives_the_same_reports_and_a_run_with_more_events_judges_its_dossiers_again(
    tmp_path: Path, monkeypatch
) -> None:
    """Four runs in one workdir (each run of the main job costs some 20 s of fixed start-up): the first part
    of a file; the same part again, failing part-way; the same part again, completing; the rest of the file.

    The last run is the one review of 2026-12-05 asked for: the embedded broker is new each run, so the
    detector knows only that run's events, and a run with the next events of its dossiers (their apologies,
    their ends) left the first runs' verdicts unretracted and missed the ones their whole history gives. The
    dossiers the workdir held are judged again from everything stored: the violations are the batch audit's
    of the whole file."""
    monkeypatch.delenv("DOSSIER_AUDIT_PSEUDONYM_KEY", raising=False)
    # Each run imports what its report stage needs while its detector runs (test_main_job_preload.py).
    preloads: list[main_job._Preload] = []
    started = main_job._preload_reports

    def preload() -> main_job._Preload:
        preloads.append(started())
        return preloads[-1]

    monkeypatch.setattr(main_job, "_preload_reports", preload)
    events = tmp_path / "events.jsonl"
    made = runner.invoke(
        app, ["simulate", "--out", str(events), "--dossiers", "200", "--weeks", "3", "--start", "2025-10-20"]
    )
    assert made.exit_code == 0, made.stderr
    lines = events.read_bytes().splitlines(keepends=True)
    first_part = [str(orjson.loads(line)["occurred_at"]) < "2025-11-03" for line in lines]
    early, late = tmp_path / "early.jsonl", tmp_path / "late.jsonl"
    early.write_bytes(b"".join(line for line, first in zip(lines, first_part, strict=True) if first))
    late.write_bytes(b"".join(line for line, first in zip(lines, first_part, strict=True) if not first))
    work = ["--workdir", str(tmp_path / "w"), "--reports", str(tmp_path / "reports")]
    args = ["run", "--events", str(early), "--as-of", "2025-11-03", *work]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert "generated a pseudonymisation key" in first.stderr
    key = tmp_path / "w" / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = snapshot(tmp_path / "reports")
    assert any(name.endswith(".xlsx") for name in before) and any(name.endswith(".html") for name in before)
    assert {"report.html", "report.pdf", "report.xlsx"} <= {Path(name).name for name in before}
    # The summary ends with the console's commands, on this run's warehouse (the workdir is not the default).
    closing = before["summary.txt"].decode().rstrip().splitlines()[-2:]
    warehouse = f"--warehouse chdb://{(tmp_path / 'w' / 'warehouse').resolve()}"
    commands = [" ".join(line.split("#")[0].split()) for line in closing]
    assert commands == [
        f"dossier-audit users add LOGIN --role inspector {warehouse}",
        f"dossier-audit console {warehouse}",
    ]
    # No document prints an applicant's pseudonym (DPO review: one links a person's dossiers across packs);
    # the kept key shows below, where the warehouse holds each event once.
    assert b"hmac-sha256:" not in b"".join(before.values())

    # A run that fails part-way (here its leadership report's step cannot stage its files) says so in one
    # line, and leaves a note in the week's folder, whose files are then of two runs (the assets that ran
    # wrote theirs); the next run that completes removes it. It was a 200-line Dagster traceback, and nothing
    # told the folder's readers that its audit packs and its report were of different runs.
    (week_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    blocker = week_dir / ".leadership_report.staging"
    blocker.write_text("in the way")
    failed = runner.invoke(app, args)
    assert failed.exit_code == 1, failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "leadership_report" in errors[0] and "INCOMPLETE.txt" in errors[0], errors
    assert "Traceback" not in failed.stderr
    note = (week_dir / "INCOMPLETE.txt").read_text(encoding="utf-8")
    assert "CHƯA HOÀN THÀNH" in note and "INCOMPLETE" in note
    blocker.unlink()

    # The run after it completes: the note is gone, and every file is the first run's, byte for byte (the
    # key was kept, not drawn again; the files are dated by the report's issue day).
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.stderr
    assert "generated a pseudonymisation key" not in failed.stderr + again.stderr
    assert not (week_dir / "INCOMPLETE.txt").exists()
    after = snapshot(tmp_path / "reports")
    assert after.keys() == before.keys()
    assert [name for name in before if before[name] != after[name]] == []
    assert not (week_dir / "editions").exists()  # the same content: no earlier edition to keep (review)

    # Idempotent too: the violations are the batch audit's (under the kept key), the warehouse holds each
    # event once.
    env = {"DOSSIER_AUDIT_PSEUDONYM_KEY": key.read_text().strip()}
    audit = runner.invoke(app, ["audit", str(early), "--as-of", "2025-11-03", "--json"], env=env)
    assert audit.exit_code == 0, audit.stderr
    assert _sorted_json_lines(after["violations.jsonl"]) == _sorted_json_lines(audit.stdout.encode())
    status = runner.invoke(
        app, ["warehouse", "status", "--warehouse", f"chdb://{tmp_path / 'w' / 'warehouse'}", "--json"]
    )
    counts = orjson.loads(status.stdout)
    assert counts["events"] == sum(1 for line in early.read_bytes().splitlines() if line.strip())

    # The rest of the file, later: the dossiers the workdir held are judged again from all their events.
    # Without --as-of, at the newest event, which is also the report's week's end: judged at now, as it was,
    # every dossier still open in the file was late and the report was of last week, empty (review).
    done = runner.invoke(app, ["run", "--events", str(late), *work])
    assert done.exit_code == 0, done.stderr
    newest = max(datetime.fromisoformat(orjson.loads(line)["occurred_at"]) for line in lines)
    newest = newest.astimezone(VN_TZ)
    assert f"evaluated at the newest event, {newest.isoformat()}" in done.stderr
    assert (tmp_path / "reports" / str(Week.last_complete(newest)) / "report.pdf").is_file()
    audit = runner.invoke(app, ["audit", str(events), "--as-of", newest.isoformat(), "--json"], env=env)
    assert audit.exit_code == 0, audit.stderr
    stored = _sorted_json_lines((tmp_path / "reports" / "violations.jsonl").read_bytes())
    assert stored == _sorted_json_lines(audit.stdout.encode())
    assert len(stored) > 10
    assert len(preloads) == 4 and not any(thread.is_alive() for thread in preloads)
    assert [thread.error for thread in preloads] == [None] * 4  # each imported all it should


def test_without_as_of_a_run_is_judged_where_its_data_ends() -> None:
    """This file's newest event, or one an earlier run stored if later; now when there is none."""
    from rich.console import Console

    quiet = Console(quiet=True)
    file_end, stored_end = datetime(2025, 11, 3, 2, tzinfo=UTC), datetime(2025, 11, 4, tzinfo=UTC)
    assert data_end(file_end, None, quiet) == file_end
    assert data_end(file_end, None, quiet).tzinfo is VN_TZ
    assert data_end(file_end, stored_end, quiet) == stored_end
    assert data_end(None, stored_end, quiet) == stored_end
    assert abs(data_end(None, None, quiet) - datetime.now(UTC)) < timedelta(minutes=1)
    # A newest event in the future (a source's clock set wrong): now, said (the diff review).
    ahead = datetime.now(UTC) + timedelta(days=400)
    assert abs(data_end(ahead, None, quiet) - datetime.now(UTC)) < timedelta(minutes=1)


def test_run_refuses_a_file_where_its_folders_go(tmp_path: Path) -> None:
    """``--workdir`` or ``--reports`` naming a file was a traceback from the middle of the run."""
    events = tmp_path / "events.jsonl"
    events.write_text("")
    in_the_way = tmp_path / "file"
    in_the_way.write_text("x")
    for option, value in (
        ("--workdir", in_the_way),
        ("--reports", in_the_way),
        ("--reports", in_the_way / "r"),
    ):
        result = runner.invoke(
            app, ["run", "--events", str(events), "--as-of", "2025-11-03", option, str(value)]
        )
        assert result.exit_code == 2, (option, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and option in lines[0], lines


def test_run_with_a_missing_events_file_makes_no_folder(tmp_path: Path) -> None:
    """It said so in one line, exit 2, and left empty --workdir and --reports folders behind (review)."""
    work, reports = tmp_path / "wd", tmp_path / "rr"
    missing = tmp_path / "missing.jsonl"
    result = runner.invoke(
        app, ["run", "--events", str(missing), "--workdir", str(work), "--reports", str(reports)]
    )
    assert result.exit_code == 2 and str(missing) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not work.exists() and not reports.exists()


def _sorted_json_lines(data: bytes) -> list[dict[str, object]]:
    docs = [orjson.loads(line) for line in data.splitlines() if line.strip()]
    return sorted(docs, key=lambda d: (d["dossier_id"], d["rule_id"], d["event_id"] or ""))
