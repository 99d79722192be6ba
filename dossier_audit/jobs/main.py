"""The main job (``dossier-audit run``): the whole platform on one machine, with no servers installed.

One supervisor process (this one) owns the embedded chdb warehouse — chdb lets only one process open a
directory — and hosts the sink and the report run; the Kafka-protocol broker (tansu) and the Faust detector
run as its child processes:

    events file ─ingest─▶ broker ─▶ detector (child) ─violations─▶ broker
                               └─────────▶ sink (thread here) ─▶ chdb warehouse ─▶ Dagster ─▶ reports

Stages: generate (or read) the events, store the catalogue, start the broker, ingest, detect until caught up
at ``as_of``, sink everything, fold the dossier projection, materialize the latest complete week through
Dagster in-process, print a summary. A second run is idempotent (the warehouse deduplicates events and
replaces violations by key), and the dossiers the workdir held before a run are judged again from all their
stored events once the sink has caught up (the new broker's detector knows only this run's events); Ctrl-C
or SIGTERM stops everything in reverse order, leaving no stray processes, and the children end with the
supervisor even when it is killed outright.
"""

from __future__ import annotations

import io
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import orjson
from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

from bootstrap.keys import KeyFileError, workdir_pseudonym_key
from bootstrap.platform import Platform, kafka_config, sink_options
from bootstrap.settings import Settings
from dossier_audit.interrupts import stops_as_ctrl_c
from dossier_audit.jobs.main_children import child_process
from dossier_audit.jobs.main_files import atomic_write, export_violations, mark_incomplete
from dossier_audit.jobs.main_inputs import data_end
from dossier_audit.jobs.summary import print_summary
from dossier_audit.jobs.warehouse import init
from inspections.metrics import ReportingForm
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting.gather import newest_event
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseLocked
from warehouse.projection import all_dossier_ids, fold_dossiers
from warehouse.stored_dossiers import StoredDossiers

#: The bundled sample province: 12 weeks to Monday 2025-11-24, 20,000 dossiers, seed 7.
SAMPLE_START = date(2025, 9, 1)
SAMPLE_END = date(2025, 11, 24)
SAMPLE_DOSSIERS = 20_000
SAMPLE_SEED = 7

#: The main job's detector waits this long (at least) to join its group: see ``run``.
MAIN_JOB_JOIN_TIMEOUT = 600.0


class MainJobError(RuntimeError):
    """A stage of the main job failed; the message says which and where its log is."""


@dataclass(frozen=True)
class MainJobResult:
    """Where the files are and the headline figures."""

    events: Path
    as_of: datetime
    week: Week
    report_dir: Path
    report_files: list[Path]
    audit_packs: list[Path]
    violations: Path
    summary: Path
    on_time_rate: float | None
    violations_by_rule: dict[str, int]
    stages: dict[str, float]


def ensure_sample(workdir: Path, console: Console) -> tuple[Path, datetime]:
    """Generate the sample province once; later runs reuse it (same config → same bytes)."""
    from dossier_audit.simulator import SimulationConfig, simulate

    config = SimulationConfig(start=SAMPLE_START, end=SAMPLE_END, dossiers=SAMPLE_DOSSIERS, seed=SAMPLE_SEED)
    sample = workdir / "sample"
    events, truth, stamp = sample / "events.jsonl", sample / "truth.jsonl", sample / "config.json"
    fingerprint = orjson.dumps(
        {"start": str(config.start), "end": str(config.end), "dossiers": config.dossiers, "seed": config.seed}
    )
    if not (events.exists() and stamp.exists() and stamp.read_bytes() == fingerprint):
        sample.mkdir(parents=True, exist_ok=True)
        with console.status("Generating the sample province (20,000 dossiers, 12 weeks)…"):
            simulate(config, events, truth)
        stamp.write_bytes(fingerprint)
    return events, datetime.combine(SAMPLE_END, datetime.min.time(), tzinfo=VN_TZ)


def _stage(console: Console, stages: dict[str, float], name: str) -> Callable[[], None]:
    started = time.perf_counter()

    def done() -> None:
        stages[name] = round(time.perf_counter() - started, 2)
        console.print(f"  [green]✓[/] {name} ({stages[name]:.1f} s)", highlight=False)

    return done


def main_job(
    settings: Settings,
    *,
    events: Path | None,
    as_of: datetime | None,
    console: Console,
) -> MainJobResult:
    """Run the platform end to end on the embedded default (see the module docstring)."""
    from streams.broker import EmbeddedBroker
    from streams.ingest import ingest_lines
    from streams.sink.worker import SinkWorker
    from streams.topics import ensure_topics

    workdir = settings.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    settings = _inputs_as_files(settings, workdir)
    settings = with_stable_key(settings, console)
    platform = Platform(settings)
    if events is None:
        events, sample_as_of = ensure_sample(workdir, console)
        as_of = as_of or sample_as_of
    stages: dict[str, float] = {}
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)

    with ExitStack() as stack:
        # SIGTERM (a service manager's stop) unwinds the stages and stops the children in order, as Ctrl-C:
        # by default it killed the supervisor outright, whose exit handlers never ran.
        stack.enter_context(stops_as_ctrl_c(signal.SIGTERM))
        try:
            wh: Warehouse = stack.enter_context(open_warehouse(settings.warehouse_url, create_database=True))
        except WarehouseLocked as exc:
            raise MainJobError(f"{exc} — is another `dossier-audit run` using {workdir}?") from None
        done = _stage(console, stages, "warehouse ready, catalogue stored")
        # A warehouse holding events from before key fingerprints takes the run's key: said (review).
        init(
            platform,
            wh,
            on_key_adopted=lambda warning: console.print(
                f"    warning: {warning}", highlight=False, markup=False
            ),
        )
        done()

        if settings.bootstrap_servers:
            servers = settings.bootstrap_servers
        else:
            done = _stage(console, stages, "embedded broker started")
            broker = stack.enter_context(EmbeddedBroker(log_file=logs / "broker.log"))
            servers = broker.bootstrap_servers
            done()
        kafka = kafka_config(settings, servers)
        ensure_topics(kafka, platform.topics.specs())

        # The sink runs from the start, in a thread of this process (the warehouse's owner); once the
        # detector has finished, `drain` turns it into until-idle mode: it stores what is left and stops.
        sink = SinkWorker(kafka, sink_options(settings), platform.pseudonymiser, wh)
        stop_sink, drain = threading.Event(), threading.Event()
        failure: list[BaseException] = []

        def run_sink() -> None:
            try:
                sink.run(until_idle=drain, stop_event=stop_sink)
            except BaseException as exc:  # reported by the supervisor, not lost in a thread
                failure.append(exc)

        sink_thread = threading.Thread(target=run_sink, name="sink", daemon=True)
        sink_thread.start()

        def stop_sink_thread() -> None:
            stop_sink.set()
            sink_thread.join(30)

        stack.callback(stop_sink_thread)

        # The dossiers this workdir held events of before this run: the broker is new (its memory is the
        # detector's history), so the detector judges them from this run's events alone; they are judged
        # again from everything stored once the sink has caught up (a second run with more events, or at
        # another time, left the first run's verdicts unretracted: review of 2026-12-05).
        held = StoredDossiers(wh)
        stored_newest = newest_event(wh) if as_of is None and held.events else None
        done = _stage(console, stages, f"ingested {events.name} into Kafka")
        progress = Progress(
            "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn(), console=console, transient=True, disable=not console.is_terminal,
        )  # fmt: skip
        task = progress.add_task(f"Ingesting {events.name}", total=events.stat().st_size)
        shown = [0]

        def advance(read: int) -> None:
            if read - shown[0] >= 1 << 20:  # every MiB: a redraw per line would cost more than the line
                shown[0] = read
                progress.update(task, completed=read)

        with progress, events.open("rb") as lines:
            report = ingest_lines(
                kafka, platform.topics, lines, str(events), pseudonymiser=platform.pseudonymiser,
                ensure=False, on_line=advance,
            )  # fmt: skip
        done()
        console.print(
            f"    {report.produced:,} events produced, {report.rejected_total:,} rejected lines sent to "
            "dead letters",
            highlight=False,
        )
        if as_of is None:
            as_of = data_end(report.newest, stored_newest, console)
        week = Week.last_complete(as_of)
        if report.rejected:  # why, in short: a gzip file's lines read "2 rejected" and nothing more (review)
            reasons = ", ".join(f"{code} {n:,}" for code, n in sorted(report.rejected.items()))
            console.print(
                f"    rejected by reason: {reasons} (each line's reason: dossier-audit validate FILE)",
                highlight=False,
                markup=False,
            )

        # The detector is started once the input is in Kafka: with --until-idle it stops when caught up, and
        # --as-of then advances its watermark to the evaluation time.
        # Its catalogue, calendar and rule parameters come with the settings in its environment.
        # The join deadline is for stuck groups on a shared broker; here the broker and the group are new and
        # the detector alone in it: only a slow machine delays the join (CI once took over 60 s under load).
        join = max(settings.group_join_timeout_seconds, MAIN_JOB_JOIN_TIMEOUT)
        detect_args = [
            sys.executable, "-m", "dossier_audit", "worker", "detect", "--bootstrap-servers", servers,
            "--until-idle", "--as-of", as_of.isoformat(),
        ]  # fmt: skip
        detect_env = _child_settings(settings) | {"DOSSIER_AUDIT_GROUP_JOIN_TIMEOUT_SECONDS": f"{join:g}"}
        done = _stage(console, stages, "detector caught up and evaluated at " + as_of.isoformat())
        preloading = _preload_reports()  # while this process waits for the detector
        with (
            console.status("Detecting violations…") as status,
            child_process(detect_args, logs / "detector.log", detect_env) as detector,
        ):
            while detector.poll() is None:
                if failure:
                    raise MainJobError(f"the sink failed: {failure[0]}")
                status.update(f"Detecting violations… (sink stored {sink.stats.events:,} events, "
                              f"{sink.stats.violations:,} violation records)")  # fmt: skip
                time.sleep(0.5)
            if detector.returncode != 0:
                raise MainJobError(
                    f"the detector exited with code {detector.returncode}; see {logs / 'detector.log'}"
                )
        done()

        # Let the sink store what is left (the detector's last violations); it stops once caught up.
        done = _stage(console, stages, "sink caught up")
        drain.set()
        sink_thread.join()
        if failure:
            raise MainJobError(f"the sink failed: {failure[0]}")
        done()

        done = _stage(console, stages, "dossier projection folded")
        ids = all_dossier_ids(wh)
        again = [dossier_id for dossier_id in ids if dossier_id in held] if held.events else []
        if again:  # their violations too: the detector saw only this run's events of them
            fresh = [dossier_id for dossier_id in ids if dossier_id not in held]
            fold_dossiers(platform.auditor, wh, again, as_of, violations=True)
            fold_dossiers(platform.auditor, wh, fresh, as_of, violations=False)
        else:
            fold_dossiers(platform.auditor, wh, ids, as_of, violations=False)
        done()

        done = _stage(console, stages, f"weekly report {week} materialized (Dagster)")
        preloading.join()  # done by now, unless the detector was quicker: no import races the run's own
        from pipelines.inprocess import materialize_week

        marker = mark_incomplete(settings.reports_dir / str(week), week)
        # Failures as one line, not Dagster's logged step tracebacks: its console says only CRITICAL.
        result = materialize_week(
            settings, week, warehouse=wh, platform=platform, raise_on_error=False, log_level="CRITICAL"
        )
        if not result.success:
            failed = "; ".join(f"{step}: {error}" for step, error in result.failures) or "a step failed"
            raise MainJobError(
                f"the weekly report {week} failed ({failed}); {marker} says which files of the week are "
                "not this run's"
            )
        done()

        violations_path, counts, by_unit = export_violations(wh, settings.reports_dir)
        metrics = orjson.loads(result.metrics.read_bytes()) if result.metrics else {}
        summary_path = settings.reports_dir / "summary.txt"
        record = Console(record=True, width=110, file=io.StringIO())
        for target in (record, console):
            print_summary(target, platform, week, as_of, metrics, counts, by_unit, settings.lang, wh=wh)
        atomic_write(summary_path, record.export_text().encode())
        marker.unlink(missing_ok=True)  # every file of the week is this run's
    files = [*result.report_files, violations_path, summary_path]
    console.print("Files:", highlight=False)
    for path in files:
        console.print(f"  {path}", highlight=False, markup=False)
    console.print(f"  {len(result.audit_packs)} audit-pack files under {result.out_dir / 'units'}",
                  highlight=False, markup=False)  # fmt: skip
    province = metrics.get("province", {})
    return MainJobResult(
        events=events, as_of=as_of, week=week, report_dir=result.out_dir, report_files=result.report_files,
        audit_packs=result.audit_packs, violations=violations_path, summary=summary_path,
        on_time_rate=province.get("on_time_rate"), violations_by_rule=dict(counts), stages=stages,
    )  # fmt: skip


class _Preload(threading.Thread):
    """A thread importing what the report stage imports on use (``pipelines.inprocess.preload``): some 8 s
    of the 12 s the stage took for a small week, paid while this process only waits for its detector. A
    failure is kept in :attr:`error`, not raised: the report stage's own import meets it and reports it in
    one line (tests check that a run's preload has none)."""

    def __init__(self) -> None:
        super().__init__(name="preload-reports", daemon=True)
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            from pipelines.inprocess import preload

            preload()
        except Exception as exc:  # met again, and reported, by the report stage's own import
            self.error = exc


def _preload_reports() -> _Preload:
    thread = _Preload()
    thread.start()
    return thread


def with_stable_key(settings: Settings, console: Console) -> Settings:
    """``settings`` with the workdir's stored pseudonymisation key when none is configured (generated on the
    first run, ``bootstrap.keys``): a second run on the same input then gives applicants the same pseudonyms
    and writes the weekly report (HTML, PDF, XLSX), the audit packs, ``violations.jsonl`` and ``summary.txt``
    byte for byte the same (tests/dossier_audit/test_main_job_stable.py; the chart PNGs are not compared).
    Said once per run on the console (stderr)."""
    if settings.pseudonym_key is not None:
        return settings
    try:
        key, path, created = workdir_pseudonym_key(settings.workdir)
    except KeyFileError as exc:
        raise MainJobError(str(exc)) from None
    if created:
        console.print(
            f"DOSSIER_AUDIT_PSEUDONYM_KEY is not set: generated a pseudonymisation key, saved to {path} "
            "(mode 0600); later runs use it, so on the same input they give the same pseudonyms and the "
            "same report, audit-pack, violations.jsonl and summary.txt files",
            highlight=False, markup=False,
        )  # fmt: skip
    else:
        console.print(f"pseudonymisation key: {path} (DOSSIER_AUDIT_PSEUDONYM_KEY is not set)",
                      highlight=False, markup=False)  # fmt: skip
    return settings.model_copy(update={"pseudonym_key": SecretStr(key)})


def _inputs_as_files(settings: Settings, workdir: Path) -> Settings:
    """``settings`` with a catalogue or calendar override given as a stream (``<(…)``, a FIFO) copied to a
    file of the workdir first: the detector's child reads the path again, and a stream is read once (a FIFO
    blocked it, a ``/dev/fd`` pipe is not the child's: the last read of 2026-12-07)."""
    from inspections.files.calendar_parse import MAX_CALENDAR_BYTES
    from inspections.files.catalogue import MAX_CATALOGUE_BYTES
    from inspections.files.whole_file import read_whole

    copied: dict[str, Path] = {}
    for name, limit in (("catalogue", MAX_CATALOGUE_BYTES), ("calendar_override", MAX_CALENDAR_BYTES)):
        path: Path | None = getattr(settings, name)
        if path is None or path.is_file() or not path.exists():
            continue  # a file as it is; a missing path is the loader's to say
        copy = workdir / f"{name}.input.yaml"
        try:
            copy.write_bytes(read_whole(path, limit, f"a {name.replace('_', ' ')}"))
        except OSError as exc:
            raise MainJobError(f"cannot read {path}: {exc.strerror or exc}") from None
        copied[name] = copy
    return settings.model_copy(update=copied) if copied else settings


def _child_settings(settings: Settings) -> dict[str, str]:
    """The settings a child worker must share with the supervisor, as its environment (paths absolute:
    the child may resolve them elsewhere)."""
    names = ("workdir", "catalogue", "calendar_override", "apology_lead_working_days",
             "pause_on_financial_obligation", "rulebook_version", "supplement_clock", "topic_events",
             "topic_violations", "topic_dead_letters", "partitions", "replication_factor",
             "allowed_lateness_seconds", "security_protocol")  # fmt: skip
    env: dict[str, str] = {}
    for name in names:
        value = getattr(settings, name)
        if value is not None:
            env[f"DOSSIER_AUDIT_{name.upper()}"] = str(value.resolve() if isinstance(value, Path) else value)
    if settings.pseudonym_key is not None:  # the detector scrubs dead letters with the same key
        env["DOSSIER_AUDIT_PSEUDONYM_KEY"] = settings.pseudonym_key.get_secret_value()
    return env


__all__ = ["MainJobError", "MainJobResult", "ReportingForm", "ensure_sample", "main_job"]
