"""Bad input is one ``error:`` line and exit 2, never a traceback (issue 13, items 9, 12 and 13).

Each case below printed a traceback, a wrong hint, all-zero figures or a message split over lines before.
In-process (typer's ``CliRunner``) where that shows the behaviour; in a real process where what matters
is what reaches a real stderr (logging's last-resort handler, the width of a pipe).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import suppress
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dossier_audit.cli import app

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
SAMPLE = resources.files("inspections").joinpath("data", "sample_province.yaml").read_text(encoding="utf-8")


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def one_error_line(result: Result) -> str:
    """The run exited 2 with exactly one line on stderr, an ``error:`` line, and no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, its stderr a pipe (as under CI, cron or a log collector)."""
    return subprocess.run(
        [sys.executable, "-m", "dossier_audit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("")
    return path


# -- dates and instants (item 9) ----------------------------------------------------------------------------
def test_an_instant_outside_the_supported_years_is_one_line(events: Path) -> None:
    line = one_error_line(cli("audit", str(events), "--as-of", "9999-12-31"))
    assert "outside the supported years 2000–2050" in line
    one_error_line(cli("audit", str(events), "--as-of", "9999-12-31T23:59:59-14:00"))
    one_error_line(cli("audit", str(events), "--as-of", "0001-01-01T00:00:00+14:00"))


def test_an_instant_with_nanoseconds_is_read_to_its_microseconds() -> None:
    """RFC 3339 allows a fraction of any length; nine digits were refused as not a timestamp (review)."""
    from dossier_audit.cli.instants import parse_instant

    read = parse_instant("2025-11-17T00:00:00.123456789+07:00")
    assert read == parse_instant("2025-11-17T00:00:00.123456+07:00") and read.microsecond == 123456
    assert parse_instant("2025-11-17 00:00:00.5Z").microsecond == 500000


def test_a_period_outside_the_supported_years_is_one_line(events: Path) -> None:
    line = one_error_line(cli("metrics", str(events), "--from", "0001-01-01", "--to", "9999-12-31"))
    assert "'0001-01-01' is outside the supported years" in line
    # The last supported period still works: --to is exclusive.
    assert cli("metrics", str(events), "--from", "2050-12-01", "--to", "2051-01-01").exit_code == 0


def test_an_iso_week_as_an_instant_gets_the_accepted_formats_as_its_hint(events: Path) -> None:
    line = one_error_line(cli("audit", str(events), "--as-of", "2025-W45"))
    assert "2025-W45+07:00" not in line
    assert "YYYY-MM-DD" in line and "2025-11-03T09:00:00+07:00" in line
    # A timestamp without its offset still gets the offset hint.
    assert "write e.g. 2025-11-03T09:00+07:00" in one_error_line(
        cli("audit", str(events), "--as-of", "2025-11-03T09:00")
    )


def test_an_empty_as_of_is_refused_by_every_command_that_takes_one(events: Path, tmp_path: Path) -> None:
    """``--as-of ""`` meant "now" for ``warehouse load``, ``run`` and ``import dvcqg`` while ``audit`` refused
    it (review of 2026-12-04): an empty value is a mistake (a shell variable that was not set)."""
    url = f"chdb://{tmp_path}/wh"
    for args in (
        ["audit", str(events)],
        ["warehouse", "load", str(events), "--warehouse", url],
        ["run", "--events", str(events), "--workdir", str(tmp_path / "w")],
        ["export", "xes", str(events), "--out", str(tmp_path / "x.xes")],
        ["import", "dvcqg", str(events), "--warehouse", url],  # a file it need not understand: refused first
    ):
        assert "'' is not" in one_error_line(cli(*args, "--as-of", "")), args
    assert not (tmp_path / "wh").exists() and not (tmp_path / "w").exists()


def test_an_events_file_and_a_warehouse_together_are_refused(events: Path, tmp_path: Path) -> None:
    """``audit`` and ``metrics`` given both read the warehouse and left the file unread, with exit 0 and an
    empty answer (review of 2026-12-04); ``export`` refused it already."""
    url = f"chdb://{tmp_path}/wh"
    for args in (
        ["audit", str(events), "--warehouse", url, "--as-of", "2025-11-24"],
        ["metrics", str(events), "--warehouse", url, "--from", "2025-11-01", "--to", "2025-11-30"],
        ["export", "xes", str(events), "--warehouse", url, "--out", str(tmp_path / "x.xes")],
    ):
        assert "give an events FILE or --warehouse URL, not both" in one_error_line(cli(*args)), args
    assert not (tmp_path / "wh").exists()


def test_a_week_outside_the_supported_years_is_one_line() -> None:
    line = one_error_line(cli("report", "--warehouse", "chdb:///nonexistent", "--week", "9999-W52"))
    assert "--week" in line and "outside the supported years" in line


def test_markup_in_an_argument_is_printed_as_given(events: Path) -> None:
    assert "'[/]'" in one_error_line(cli("audit", str(events), "--as-of", "[/]"))
    assert "'[bold]x'" in one_error_line(cli("audit", str(events), "--as-of", "[bold]x"))


def test_a_simulated_period_past_the_calendar_is_one_line(tmp_path: Path) -> None:
    out = str(tmp_path / "e.jsonl")
    one_error_line(cli("simulate", "--out", out, "--start", "9999-12-01", "--weeks", "1"))
    one_error_line(cli("simulate", "--out", out, "--start", "2050-12-01", "--weeks", "1"))
    one_error_line(cli("simulate", "--out", out, "--start", "2025-01-06", "--weeks", "100000000"))
    # The simulator plans 400 days past its period: a start weeks inside the calendar failed on a day no
    # option named, "2051-01-01 is outside the calendar" (review). The latest start is named instead.
    line = one_error_line(cli("simulate", "--out", out, "--start", "2049-12-01", "--weeks", "1"))
    assert "end before 2049-11-26" in line and "the latest --start for 1 week(s) is 2049-11-19" in line
    assert "2051" not in line
    line = one_error_line(cli("simulate", "--out", out, "--start", "2000-02-09", "--weeks", "1"))
    assert "give a --start from 2000-02-10 on" in line


def test_a_simulated_period_before_the_catalogue_publishes_anything_is_one_line(tmp_path: Path) -> None:
    """Was a ValueError traceback (hypothesis found ``--start 2000-03-01``): no unit can receive a dossier."""
    out = tmp_path / "e.jsonl"
    line = one_error_line(cli("simulate", "--out", str(out), "--start", "2019-01-01"))
    assert "no unit of the catalogue has a procedure published on 2019-01-02" in line
    assert "its first publication is from 2020-01-01" in line and "give a --start from 2020-01-01 on" in line
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b"an earlier simulation\n")  # a failed run leaves it whole (it was truncated)
    one_error_line(cli("simulate", "--out", str(out), "--start", "2019-01-01"))
    assert out.read_bytes() == b"an earlier simulation\n" and list(tmp_path.iterdir()) == [out]


def test_a_simulation_streams_into_a_pipe(tmp_path: Path) -> None:
    """A path that cannot be replaced (a named pipe here, ``/dev/stdout`` alike) is written directly."""
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        result = cli("simulate", "--out", str(fifo), "--truth", str(tmp_path / "t.jsonl"), "--dossiers", "3")
    finally:
        with suppress(OSError):  # a reader still waiting for a writer ends (none waiting: ENXIO)
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert got and got[0].count(b"\n") >= 3 and fifo.exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--seed", "99999999999999999999999"], "--seed 99999999999999999999999: give an integer from"),
        (["--rate", "nan"], "--rate: nan is not a rate from 0 to 1"),
        (["--rate", "-0.5"], "--rate: -0.5 is not a rate from 0 to 1"),
        (["--rule-rate", "LATE_NO_APOLOGY=nan"], "'LATE_NO_APOLOGY=nan': nan is not a rate from 0 to 1"),
        # A mistyped count ran for ever, growing to 12.8 GB; an output path without a name was a traceback,
        # and "-" a file named "-" (review of 2026-12-04).
        (["--dossiers", "99999999"], "99,999,999 dossiers: at most 5,000,000 in one file"),
        (["--out", ""], "error: cannot write .: it is a directory"),
        (["--out", "."], "error: cannot write .: it is a directory"),
        (["--out", "-"], "error: --out -: the simulation writes files; give a path"),
        (["--truth", "-"], "error: --truth -: the simulation writes files; give a path"),
    ],
)
def test_a_bad_simulation_parameter_is_one_line(tmp_path: Path, args: list[str], said: str) -> None:
    """A huge seed was a traceback (the truth's meta line holds it as a 64-bit integer); NaN rates ran."""
    out = tmp_path / "e.jsonl"
    assert said in one_error_line(cli("simulate", "--out", str(out), "--dossiers", "3", *args))
    assert list(tmp_path.iterdir()) == []


def test_simulate_refuses_a_missing_directory_instead_of_making_it(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "e.jsonl"
    line = one_error_line(cli("simulate", "--out", str(out), "--dossiers", "3"))
    assert line == f"error: cannot write {out}: no directory {out.parent} (create it first)"
    truth = tmp_path / "missing" / "t.jsonl"
    line = one_error_line(cli("simulate", "--out", str(tmp_path / "e.jsonl"), "--truth", str(truth)))
    assert f"no directory {truth.parent}" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failed_simulation_leaves_no_part_file(tmp_path: Path) -> None:
    """A truth path that cannot be written (here a directory) fails at the end: it left the truth's body
    (``<truth>.part``) behind, and the events file already replaced; now neither."""
    truth = tmp_path / "truth.jsonl"
    truth.mkdir()
    events = tmp_path / "e.jsonl"
    events.write_bytes(b"an earlier simulation\n")
    line = one_error_line(cli("simulate", "--out", str(events), "--truth", str(truth), "--dossiers", "3"))
    assert f"cannot write {truth}" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.jsonl", "truth.jsonl"]
    assert events.read_bytes() == b"an earlier simulation\n" and list(truth.iterdir()) == []


# -- catalogue files (item 9) -------------------------------------------------------------------------------
def test_an_impossible_date_in_a_catalogue_gives_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(SAMPLE.replace("valid_from: 2020-01-01", "valid_from: 2025-02-30", 1), encoding="utf-8")
    line = SAMPLE[: SAMPLE.index("valid_from: 2020-01-01")].count("\n") + 1
    result = cli("catalogue", "check", str(path))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert f"{path}:{line}:" in result.stderr


def test_a_catalogue_that_is_not_utf8_gives_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    data = SAMPLE.encode()
    cut = data.index(b"units:")
    path.write_bytes(data[:cut] + b"\xff\xfe" + data[cut:])
    result = cli("catalogue", "check", str(path))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    line = data[:cut].count(b"\n") + 1
    assert f"{path}:{line}:1: not UTF-8 text" in result.stderr


def test_a_bad_calendar_override_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "calendar.yaml"
    bad.write_text("year: 2025\nholidays:\n- date: 2025-02-30\n", encoding="utf-8")
    for override in (bad, tmp_path / "missing.yaml"):
        line = one_error_line(
            cli(
                "audit",
                str(EXAMPLES),
                "--as-of",
                "2025-11-20",
                env={"DOSSIER_AUDIT_CALENDAR_OVERRIDE": str(override)},
            )
        )
        assert str(override) in line


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"remove: [\n", "line 2, column 1: expected the node content, but found '<stream end>'"),
        (b"remove: [\x81]\n", "not UTF-8 text (byte 0x81 at offset 9); save the file as UTF-8"),
        (
            b"remove: [2025-02-30]\n",
            "line 1, column 10: '2025-02-30' is not a date: day is out of range for month",
        ),
        (b"remove: [\x01]\n", "character U+0001 at offset 9: special characters are not allowed"),
        # PyYAML kept the second list, and the first day went unsaid.
        (
            b"remove: [2025-05-02]\nremove: [2025-09-01]\n",
            "line 2, column 1: 'remove' is repeated (first at line 1)",
        ),
        (b"a: " + b"[" * 3000 + b"]" * 3000 + b"\n", "nested too deeply to be a calendar file"),
    ],
)
def test_a_calendar_override_that_cannot_be_read_says_where_naming_the_file_once(
    tmp_path: Path, content: bytes, said: str
) -> None:
    """Python's codec error and PyYAML's message (the file twice, "<unicode string>", a caret) were printed
    as they came (review)."""
    override = tmp_path / "calendar.yaml"
    override.write_bytes(content)
    env = {"DOSSIER_AUDIT_CALENDAR_OVERRIDE": str(override)}
    line = one_error_line(cli("audit", str(EXAMPLES), "--as-of", "2025-11-20", env=env))
    assert line == f"error: calendar override {override}: {said}"
    assert one_error_line(cli("calendar", "check", str(override))) == f"error: {override}: {said}"


def test_a_year_file_s_stray_or_repeated_dates_are_written_as_dates(tmp_path: Path) -> None:
    """``dates outside 2025: [datetime.date(2026, 1, 27)]``: Python's form of a date (fuzz review)."""
    year = tmp_path / "2025.yaml"
    holiday = "  - {date: %s, name_vi: T, name_en: T, kind: statutory, source: s, confidence: S}\n"
    year.write_text("year: 2025\nholidays:\n" + holiday % "2026-01-27", encoding="utf-8")
    line = one_error_line(cli("calendar", "check", str(year)))
    assert "dates outside 2025: 2026-01-27 (only a swapped day off" in line, line
    year.write_text("year: 2025\nholidays:\n" + holiday % "2025-01-27" * 2, encoding="utf-8")
    assert one_error_line(cli("calendar", "check", str(year))).endswith("listed twice: 2025-01-27")


# -- settings (item 9) --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("DOSSIER_AUDIT_RULEBOOK_VERSION", "7", "must be one of 1, 2"),
        ("DOSSIER_AUDIT_LANG", "fr", "must be one of vi, en"),
        ("DOSSIER_AUDIT_PARTITIONS", "x", "must be an integer ≥ 1"),
        ("DOSSIER_AUDIT_PAUSE_ON_FINANCIAL_OBLIGATION", "maybe", "must be true or false"),
        ("DOSSIER_AUDIT_METRICS_PORT", "99999", "≤ 65535"),
        ("DOSSIER_AUDIT_BATCH_LATENESS_DAYS", "1000000000", "≤ 3650"),  # was an OverflowError
        ("DOSSIER_AUDIT_BOOTSTRAP_SERVERS", "host:notaport", "host:port"),
        ("DOSSIER_AUDIT_CONFIG", "/nonexistent/settings.env", "/nonexistent/settings.env: no such file"),
        ("DOSSIER_AUDIT_CONFIG", "/tmp", "/tmp: it is a directory"),
        # The embedded broker took any topic name, which a real one refuses once deployed (review).
        ("DOSSIER_AUDIT_TOPIC_EVENTS", "bad topic!", "must be a Kafka topic name"),
        ("DOSSIER_AUDIT_TOPIC_DEAD_LETTERS", "..", "must be a Kafka topic name"),
        ("DOSSIER_AUDIT_TOPIC_EVENTS", "events\n", "must be a Kafka topic name"),  # "$" let it through
        ("DOSSIER_AUDIT_TOPIC_DEAD_LETTERS", "__consumer_offsets", "names one of Kafka's internal topics"),
        ("DOSSIER_AUDIT_TOPIC_EVENTS", "dossier-dead-letters", "must name three topics"),
    ],
)
def test_a_bad_setting_names_its_variable_in_one_line(variable: str, value: str, said: str) -> None:
    line = one_error_line(cli("audit", str(EXAMPLES), "--as-of", "2025-11-20", env={variable: value}))
    assert said in line
    if variable != "DOSSIER_AUDIT_CONFIG":
        assert variable in line


def test_a_bad_setting_from_the_real_environment_is_one_line_in_a_real_process() -> None:
    done = run("audit", str(EXAMPLES), "--as-of", "2025-11-20", env={"DOSSIER_AUDIT_RULEBOOK_VERSION": "7"})
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "error: bad setting: DOSSIER_AUDIT_RULEBOOK_VERSION='7': must be one of 1, 2"
    )


KEY_TOO_SHORT = (
    "error: bad setting: DOSSIER_AUDIT_PSEUDONYM_KEY: must be at least 16 bytes (a random key, e.g. 32 hex "
    "digits)"
)


def test_a_short_pseudonym_key_is_one_line_in_warehouse_load(tmp_path: Path) -> None:
    """``hunter2`` passed the settings and crashed building the pseudonymiser: a traceback, exit 1."""
    url = f"chdb://{tmp_path / 'wh'}"
    done = run(
        "warehouse", "load", str(EXAMPLES), "--warehouse", url, env={"DOSSIER_AUDIT_PSEUDONYM_KEY": "hunter2"}
    )
    assert (done.returncode, done.stderr.splitlines()) == (2, [KEY_TOO_SHORT])
    assert not (tmp_path / "wh").exists()


def test_a_short_pseudonym_key_is_one_line_in_ingest() -> None:
    env = {"DOSSIER_AUDIT_PSEUDONYM_KEY": "hunter2"}
    result = cli("ingest", str(EXAMPLES), "--bootstrap-servers", f"127.0.0.1:{_closed_port()}", env=env)
    assert one_error_line(result) == KEY_TOO_SHORT
    # 16 bytes is enough (UTF-8 bytes: six Vietnamese letters of two bytes and four ASCII ones).
    assert cli("validate", str(EXAMPLES), env={"DOSSIER_AUDIT_PSEUDONYM_KEY": "ăâđêôơabcd"}).exit_code == 0


def test_a_password_typed_into_the_bootstrap_servers_is_not_quoted(events: Path) -> None:
    line = one_error_line(cli("ingest", str(events), "--bootstrap-servers", "writer:S3cretPw@host:9092"))
    assert "S3cretPw" not in line and "--bootstrap-servers" in line
    # It ended "…; server 1 is not", which read as cut off (review).
    line = one_error_line(cli("ingest", str(events), "--bootstrap-servers", "127.0.0.1:9092,:::"))
    assert line.endswith("with ports from 1 to 65535 (server 2 of the list is not)")


# -- the warehouse URL and server (items 7 and 9) -----------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "clickhouse://u:pw@host:notaport/db",
        "clickhouse://u:pw@host:99999/db",
        "clickhouse://u:pw@[::1/db",
        "clickhouse://u:pw@127.0.0.1:1/db?compression=rar",
        "clickhous://writer:pw@host/db",
        "clickhouse://writer:pw@/db",
    ],
)
def test_a_bad_warehouse_url_is_one_line(url: str) -> None:
    line = one_error_line(cli("warehouse", "status", "--warehouse", url))
    assert ":pw@" not in line


def test_a_chdb_url_a_slash_short_is_refused_before_anything_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``chdb://tmp/x`` (for ``chdb:///tmp/x``) made ``./tmp/x`` under the current directory and said
    nothing (review of 2026-12-04); a relative directory is written ``chdb://./x``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOSSIER_AUDIT_PSEUDONYM_KEY", "a-key-of-sixteen-bytes-or-more")
    events = tmp_path / "events.jsonl"
    events.write_text("")
    for args in (["warehouse", "init"], ["warehouse", "load", str(events), "--as-of", "2025-11-20"]):
        line = one_error_line(cli(*args, "--warehouse", "chdb://wh/x"))
        assert "write chdb:///wh/x for /wh/x, or chdb://./wh/x for the relative one" in line
    assert not (tmp_path / "wh").exists()
    # An option the embedded engine does not take was dropped silently (review).
    line = one_error_line(cli("warehouse", "init", "--warehouse", "chdb://./wh/x?x=1&databse=a"))
    assert line.endswith("unknown option databse, x; a chdb URL takes only database=NAME")
    for query in ("?x", "?datbase="):
        line = one_error_line(cli("warehouse", "init", "--warehouse", f"chdb://./wh/x{query}"))
        assert "unknown option" in line
    for query in ("?database=", "?database=a&database=b"):
        line = one_error_line(cli("warehouse", "init", "--warehouse", f"chdb://./wh/x{query}"))
        assert line.endswith("give database=NAME once, with a name")
    assert not (tmp_path / "wh").exists()
    result = cli("warehouse", "init", "--warehouse", "chdb://./wh/x")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "wh" / "x").is_dir()


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("verify=maybe", "verify='maybe': write verify=1 or verify=0"),
        ("connect_timeout=-1", "connect_timeout='-1': must be a number of seconds above 0"),
        ("connect_timeout=nan", "connect_timeout='nan'"),
        ("send_receive_timeout=inf", "send_receive_timeout='inf'"),
        ("backoff=-1", "backoff='-1'"),
        ("retries=1000000000", "retries='1000000000': must be a whole number from 0 to 100"),
    ],
)
def test_a_bad_url_option_is_one_line(option: str, said: str) -> None:
    """These were accepted: a negative or NaN timeout reached the socket, ``verify=maybe`` meant verify."""
    url = f"clickhouse://u:pw@127.0.0.1:{_closed_port()}/db?retries=0&{option}"
    line = one_error_line(cli("warehouse", "status", "--warehouse", url))
    assert said in line and ":pw@" not in line


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_is_one_line_without_driver_tracebacks() -> None:
    """clickhouse-driver logs a warning with a traceback for each attempt (logging's last-resort handler
    prints them in a plain process): three attempts gave three tracebacks before the error line."""
    url = f"clickhouse://u:pw@127.0.0.1:{_closed_port()}/db?retries=2&backoff=0.01"
    done = run("warehouse", "status", "--warehouse", url)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert "after 3 attempt(s)" in done.stderr


@pytest.fixture
def garbage_server() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server answering each connection with the next reply of a list (the test fills it)."""
    replies: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        n = 0
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:  # the accept timed out: look at the stop flag again
                continue
            with conn:
                try:
                    conn.settimeout(5)
                    conn.recv(4096)
                    conn.sendall(replies[n % len(replies)] if replies else b"")
                except OSError:
                    pass
            n += 1

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1]), replies
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_a_server_answering_garbage_is_one_line(garbage_server: tuple[int, list[bytes]]) -> None:
    port, replies = garbage_server
    # A Hello packet whose server name is not UTF-8 (the driver raised UnicodeDecodeError), then noise.
    replies.extend([b"\x00\x02\xff\xfe", os.urandom(64), b"\x02", b"HTTP/1.0 400 Bad Request\r\n\r\n", b""])
    url = f"clickhouse://u:pw@127.0.0.1:{port}/db?retries=0&connect_timeout=2&send_receive_timeout=2"
    for _ in replies:
        line = one_error_line(cli("warehouse", "status", "--warehouse", url))
        assert f"127.0.0.1:{port}" in line


def test_the_server_backend_itself_turns_a_garbled_handshake_into_a_warehouse_error(
    garbage_server: tuple[int, list[bytes]],
) -> None:
    """Workers and Dagster open warehouses without the command line's edge: the backend says it too."""
    from warehouse import open_warehouse
    from warehouse.base import WarehouseError

    port, replies = garbage_server
    replies.append(b"\x00\x02\xff\xfe")  # a Hello whose server name is not UTF-8
    url = f"clickhouse://u:pw@127.0.0.1:{port}/db?retries=0&connect_timeout=2&send_receive_timeout=2"
    wh = open_warehouse(url)
    try:
        with pytest.raises(WarehouseError, match="not ClickHouse's native protocol"):
            wh.query("SELECT 1")
    finally:
        wh.close()


@pytest.fixture
def garbling_server() -> Iterator[int]:
    """A server that speaks ClickHouse's handshake (an old revision: the fewest fields) and answers the ping
    with a pong, then answers the query with an Exception packet whose name is not UTF-8."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.1)
    stop = threading.Event()
    name = b"ClickHouse"
    revision = bytes([54000 & 0x7F | 0x80, (54000 >> 7) & 0x7F | 0x80, 54000 >> 14])  # a varint
    hello = b"\x00" + bytes([len(name)]) + name + b"\x01\x01" + revision
    garbled = b"\x02" + (1).to_bytes(4, "little") + b"\x02\xff\xfe"

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.settimeout(5)
                    conn.recv(4096)  # the client's hello
                    conn.sendall(hello)
                    first = conn.recv(4096)  # a ping (packet 4) before the query, or the query itself
                    if first[:1] == b"\x04":
                        conn.sendall(b"\x04")
                        conn.recv(4096)
                    conn.sendall(garbled)
                    conn.recv(4096)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_a_query_answer_garbled_after_the_handshake_is_one_line(garbling_server: int) -> None:
    """The server backend turns a garbled handshake into a WarehouseError (``_connect``), but not a garbled
    answer to a query on an open connection: the driver raises UnicodeDecodeError from ``execute``. The
    command line's edge (``warehouse_session``) still makes that one line; this is why it stays."""
    url = (
        f"clickhouse://u:pw@127.0.0.1:{garbling_server}/db?retries=0&connect_timeout=2&send_receive_timeout=2"
    )
    line = one_error_line(cli("warehouse", "status", "--warehouse", url))
    assert "not ClickHouse's native protocol (UnicodeDecodeError)" in line


# -- an unknown unit (item 13) ------------------------------------------------------------------------------
def test_an_unknown_unit_is_refused_with_close_matches() -> None:
    line = one_error_line(
        cli("metrics", str(EXAMPLES), "--from", "2025-11-03", "--to", "2025-11-10", "--unit", "NOPE")
    )
    assert "--unit 'NOPE' is not a unit of the catalogue" in line
    line = one_error_line(
        cli("metrics", str(EXAMPLES), "--from", "2025-11-03", "--to", "2025-11-10", "--unit", "000.10.01.H98")
    )
    assert "did you mean 000.10.01.H99" in line


def test_a_unit_for_a_missing_warehouse_is_one_line_and_creates_nothing() -> None:
    """A unit the catalogue does not know is looked for in the warehouse's data (``test_units_with_data``):
    a warehouse that is not there says so, and is not created."""
    for args in (
        ["violations", "--warehouse", "chdb:///nonexistent", "--unit", "NOPE"],
        [
            "metrics",
            "--warehouse",
            "chdb:///nonexistent",
            "--from",
            "2025-11-03",
            "--to",
            "2025-11-10",
            "--unit",
            "NOPE",
        ],
    ):
        assert "is not initialised" in one_error_line(cli(*args))
    assert not Path("/nonexistent").exists()


# -- messages are never wrapped off a terminal (item 12) ----------------------------------------------------
@pytest.fixture
def deep(tmp_path: Path) -> Path:
    folder = tmp_path.joinpath(*["a-long-folder-name-to-test-that-messages-are-never-wrapped"] * 4)
    folder.mkdir(parents=True)
    assert len(str(folder)) > 200
    return folder


def test_a_long_path_stays_on_one_line_in_import_national(deep: Path) -> None:
    missing = deep / "national_procedures.json"
    done = run("catalogue", "import-national", str(missing), "--out", str(deep / "out.yaml"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: cannot read {missing}: no such file"]

    broken = deep / "broken.json"
    broken.write_text('{"procedures": [{"code": 1}]}', encoding="utf-8")
    done = run("catalogue", "import-national", str(broken), "--out", str(deep / "out.yaml"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: cannot import {broken}: missing key 'name'"]

    unwritable = deep / "no-such-folder" / "out.yaml"
    good = deep / "good.json"
    good.write_text('{"procedures": [{"code": "1.0", "name": "x"}]}', encoding="utf-8")
    done = run("catalogue", "import-national", str(good), "--out", str(unwritable))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: cannot write {unwritable}: No such file or directory"]

    # Over a file it wrote before, completed by hand since: refused, the file kept (review of 2026-12-06).
    completed = deep / "catalogue.yaml"
    assert run("catalogue", "import-national", str(good), "--out", str(completed)).returncode == 0
    completed.write_text(completed.read_text(encoding="utf-8") + "# completed by hand\n", encoding="utf-8")
    done = run("catalogue", "import-national", str(good), "--out", str(completed))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {completed} exists; the import never overwrites a file (it is completed by hand): remove it "
        "or choose another"
    ]
    assert completed.read_text(encoding="utf-8").endswith("# completed by hand\n")


def test_an_output_naming_an_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    """Review: import-national over its own input replaced the national list with YAML; an import's
    --rejected over its --units emptied the unit map (a link to the input is the input too)."""
    national = tmp_path / "national.json"
    national.write_text('{"procedures": [{"code": "1.0", "name": "x"}]}', encoding="utf-8")
    fields = tmp_path / "fields.json"
    fields.write_text("[]", encoding="utf-8")
    (tmp_path / "link.json").symlink_to(fields)
    units = tmp_path / "units.yaml"
    units.write_text("Ủy ban nhân dân xã A: 000.10.01.H99\n", encoding="utf-8")
    kept = {p: p.read_bytes() for p in (national, fields, units)}
    for args, said in (
        (["catalogue", "import-national", str(national), "--out", str(national)], "--out"),
        (["catalogue", "import-national", str(national), "--fields", str(fields), "--out",
          str(tmp_path / "link.json")], "--out"),
        (["import", "dvcqg", str(national), "--out", str(tmp_path / "o.jsonl"), "--rejected", str(units),
          "--units", str(units)], "--rejected"),
        (["import", "dvcqg", str(national), "--out", str(units), "--units", str(units)], "--out"),
    ):  # fmt: skip
        done = cli(*args)
        assert done.exit_code == 2, done.stderr
        [line] = done.stderr.splitlines()
        assert line.startswith(f"error: {said} {args[args.index(said) + 1]} is the "), line
        assert line.endswith(f"this command reads: writing it would replace it; give {said} another file")
    # A catalogue or calendar override from the settings is read too (review: it was written over).
    catalogue = tmp_path / "province.yaml"
    catalogue.write_text(SAMPLE, encoding="utf-8")
    examples = str(Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl")
    for name, args in (
        ("DOSSIER_AUDIT_CATALOGUE", ["export", "xes", examples, "--out", str(catalogue)]),
        ("DOSSIER_AUDIT_CALENDAR_OVERRIDE", ["import", "dvcqg", str(national), "--out", str(catalogue)]),
    ):
        line = one_error_line(cli(*args, env={name: str(catalogue)}))
        assert line.startswith(f"error: --out {catalogue} is the {name} file this command reads"), line
    kept[catalogue] = SAMPLE.encode()
    assert {p: p.read_bytes() for p in kept} == kept
    assert not (tmp_path / "o.jsonl").exists()


def test_a_long_path_stays_on_one_line_in_other_messages(deep: Path) -> None:
    missing = deep / "events.jsonl"
    assert run("validate", str(missing)).stderr.splitlines() == [
        f"error: cannot read {missing}: no such file"
    ]
    settings = deep / "settings.env"
    done = run("--config", str(settings), "validate", str(missing))
    assert done.stderr.splitlines() == [f"error: cannot read settings file {settings}: no such file"]
    good = deep / "catalogue.yaml"
    good.write_text(SAMPLE, encoding="utf-8")
    done = run("catalogue", "check", str(good))
    assert done.returncode == 0
    assert done.stderr.splitlines() == [f"{good}: ok — 47 procedures, 18 units, 14 fields"]


def test_usage_errors_are_one_unboxed_line_off_a_terminal(deep: Path) -> None:
    """typer drew these in an 80-column box, splitting long values over lines."""
    done = run("catalogue", "import-national", str(deep / "national.json"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: Missing option '--out'. (see `python -m dossier_audit catalogue import-national --help`)"
    ]
    result = cli("broker", "--port", "x" * 300)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: Invalid value for '--port'") and "╭" not in line


def test_data_that_looks_like_console_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    """Dossier ids and units are data: ``[/]`` in one made rich's renderer raise (a traceback) and
    ``[bold]`` vanished from what was printed."""
    import orjson

    events = tmp_path / "markup.jsonl"
    lines = []
    for n, dossier in enumerate(("[/]D-1", "[bold]D-2")):
        lines.append(orjson.dumps({
            "schema_version": 1, "event_id": f"m-{n}", "dossier_id": dossier, "type": "received",
            "occurred_at": "2025-11-03T09:00:00+07:00", "unit_code": "000.10.01.H99",
            "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": []},
        }))  # fmt: skip
    events.write_bytes(b"\n".join(lines) + b"\n")
    url = f"chdb://{tmp_path / '[red]wh'}"
    loaded = cli("warehouse", "load", str(events), "--warehouse", url, "--as-of", "2025-11-20")
    assert loaded.exit_code == 0, loaded.stderr
    status = cli("warehouse", "status", "--warehouse", url)
    assert status.exit_code == 0 and "[red]wh" in status.stderr, status.stderr
    listed = cli("violations", "--warehouse", url)
    assert listed.exit_code == 0, (listed.stderr, listed.exception)
    assert "[/]D-1" in listed.stdout and "[bold]D-2" in listed.stdout  # the table: stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--host", "no.such.host.invalid"], "error: cannot listen on --host no.such.host.invalid: "),
        (["--host", "192.0.2.1"], "error: cannot listen on --host 192.0.2.1: 192.0.2.1 is no address of"),
        # With a port: an address of another machine read "port in use" when a network answered it, a name
        # that resolves to nothing waited 15 s for the broker, an empty one and an IPv6 one said "port in
        # use?" (CLI review).
        (["--host", "192.0.2.1", "--port", "19092"], "error: cannot listen on --host 192.0.2.1: 192.0.2.1"),
        (
            ["--host", "no.such.host.invalid", "--port", "19093"],
            "error: cannot listen on --host no.such.host.invalid: 'no.such.host.invalid' resolves to no",
        ),
        (["--host", "", "--port", "19094"], "error: cannot listen on --host : no interface given"),
        (["--host", "::1", "--port", "19095"], "error: --host ::1 is an IPv6 address, by which the Kafka"),
        (["--host", "127.0.0.1:9092"], "error: --host 127.0.0.1:9092: give an address or a name without"),
        (["--log-file", "/"], "error: cannot write --log-file /: Is a directory"),
        (["--log-file", "/nonexistent/x.log"], "error: cannot write --log-file /nonexistent/x.log: No such"),
    ],
)
def test_a_broker_that_cannot_start_is_one_line(args: list[str], said: str) -> None:
    """Each was a traceback of about 48 lines (review)."""
    assert one_error_line(cli("broker", *args)).startswith(said)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_input_that_fails_to_read_is_one_line(workers: str) -> None:
    """An I/O error while the batch workers read (a failing disk, NFS; here /proc/self/mem, a regular file
    whose reads fail) printed a traceback per worker, then "batch worker 0 failed", exit 1 (review)."""
    env = {**os.environ, "DOSSIER_AUDIT_BATCH_WORKERS": workers}
    done = subprocess.run([sys.executable, "-m", "dossier_audit", "validate", "/proc/self/mem"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == ["error: /proc/self/mem: Input/output error"]


def test_warehouse_commands_take_the_url_from_the_settings(tmp_path: Path) -> None:
    """The README asks for the warehouse URL with its password in DOSSIER_AUDIT_WAREHOUSE, out of ``ps``;
    ``warehouse init/load/status``, ``violations`` and ``check`` required ``--warehouse`` (review)."""
    env = {"DOSSIER_AUDIT_WAREHOUSE": f"chdb://{tmp_path / 'wh'}"}
    for args in (["warehouse", "init"], ["warehouse", "load", str(EXAMPLES), "--as-of", "2025-11-20"],
                 ["warehouse", "status"], ["violations", "--json"]):  # fmt: skip
        done = cli(*args, env=env)
        assert done.exit_code == 0, (args, done.stderr)
    assert len(cli("violations", "--json", env=env).stdout.splitlines()) == 9


def test_an_error_that_is_not_the_inputs_is_not_reported_as_one() -> None:
    """A full disk while the workers write their spool (here: an evaluation failing with ENOSPC) read as
    "<input>: No space left on device", exit 2, as if the input were at fault (review of the change)."""
    import errno

    from dossier_audit.jobs.batch_engine import BatchEngine, BatchOptions, ReadFailed, WorkersFailed
    from schemas.events import AnyEvent

    def evaluate(dossier_id: str, events: list[AnyEvent]) -> list[Any]:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as one:
        list(BatchEngine(evaluate, options=BatchOptions(workers=1)).run(EXAMPLES))
    assert not isinstance(one.value, ReadFailed)
    with pytest.raises(WorkersFailed):
        list(BatchEngine(evaluate, options=BatchOptions(workers=2)).run(EXAMPLES))


@pytest.mark.parametrize("command", [["warehouse", "init"], ["warehouse", "status"], ["violations"]])
def test_a_warehouse_url_naming_a_file_says_so(tmp_path: Path, command: list[str]) -> None:
    """`warehouse init` said "File exists", `status` "not initialised … create it with warehouse init",
    which then failed (CLI review)."""
    events = tmp_path / "events.jsonl"
    events.write_text("{}\n")
    line = one_error_line(cli(*command, "--warehouse", f"chdb://{events}"))
    assert line.endswith(f"{events} is a file, not a warehouse directory"), line


def test_an_empty_warehouse_url_is_refused() -> None:
    """`--warehouse ""` (a variable that expanded to nothing) used the settings' warehouse without a word."""
    line = one_error_line(cli("violations", "--warehouse", ""))
    assert line.startswith("error: Invalid value for '--warehouse': empty; give chdb:///dir"), line


@pytest.mark.parametrize("as_of", ["2015-11-20", "2025-11-03T08:02:10+07:00"])
def test_an_as_of_before_every_event_is_said_by_the_audit_and_the_load(tmp_path: Path, as_of: str) -> None:
    """A mistyped year found nothing, and a load retracted every violation it had stored of the file,
    without a word (fuzz review of 2026-12-05): a warning names the first event's time. A second before
    the examples' first event is before every event too."""
    said = "is before every event of the file (the first occurred at 2025-11-03T08:02:11+07:00)"
    audit = cli("audit", str(EXAMPLES), "--as-of", as_of)
    assert audit.exit_code == 0 and said in audit.stderr and "late or in violation" in audit.stderr
    url = f"chdb://{tmp_path / 'wh'}"
    load = cli("warehouse", "load", str(EXAMPLES), "--warehouse", url, "--as-of", as_of,
               env={"DOSSIER_AUDIT_PSEUDONYM_KEY": "a-key-of-sixteen-bytes-or-more"})  # fmt: skip
    assert load.exit_code == 0 and said in load.stderr and "judged without them" in load.stderr


def test_an_as_of_at_the_first_event_says_nothing_of_it() -> None:
    audit = cli("audit", str(EXAMPLES), "--as-of", "2025-11-03T08:02:11+07:00")
    assert audit.exit_code == 0 and "before every event" not in audit.stderr


@pytest.mark.parametrize("command", ["sink", "detect"])
@pytest.mark.parametrize("value", ["inf", "nan", "301", "0.5"])
def test_a_session_timeout_outside_its_range_is_one_line(command: str, value: str) -> None:
    """``inf`` and ``nan`` passed the option's floor and crashed the workers with tracebacks (review)."""
    line = one_error_line(cli("worker", command, "--session-timeout", value))
    assert "--session-timeout" in line


def test_the_main_job_given_a_kafka_that_never_answers_says_so_in_one_line(tmp_path: Path) -> None:
    """The CLI seat of 2026-12-07: ``run --bootstrap-servers`` with a server that does not answer printed
    a traceback ending in ``BrokersUnreachable`` and exited 1; ``ingest`` says it in one line, exit 2."""
    done = run(
        "run", "--events", str(EXAMPLES), "--workdir", str(tmp_path / "w"), "--reports", str(tmp_path / "r"),
        "--bootstrap-servers", f"127.0.0.1:{_closed_port()}",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "127.0.0.1" in last, done.stderr


@pytest.mark.parametrize(("period", "said"), [
    (("2026-03-02", "2026-03-09"), True),  # months after the file's newest event (18/11/2025)
    (("2025-11-24", "2025-11-26"), True),  # a week and a day after it
    (("2025-11-17", "2025-11-24"), False),  # the week of the newest event
    (("2025-11-10", "2025-11-17"), False),
])  # fmt: skip
def test_metrics_says_a_period_ending_past_the_data(period: tuple[str, str], said: bool) -> None:
    """Every dossier still open in the file is judged at the period's end: a period in March 2026 of a
    file ending in October 2025 read "195 carried over, 194 overdue" without a word (CLI seat)."""
    result = cli("metrics", str(EXAMPLES), "--from", period[0], "--to", period[1], "--json")
    assert result.exit_code == 0, result.stderr
    assert ("after the file's newest event (2025-11-18T09:00:00+07:00)" in result.stderr) is said


def test_metrics_of_the_warehouse_says_a_period_ending_past_its_data(tmp_path: Path) -> None:
    """As ``metrics FILE`` does (last read of the session: only the file's path said it)."""
    url = f"chdb://{tmp_path}/wh"
    for args in (["warehouse", "init"], ["warehouse", "load", str(EXAMPLES), "--as-of", "2025-11-20"]):
        assert cli(*args, "--warehouse", url).exit_code == 0
    late = cli("metrics", "--warehouse", url, "--from", "2026-03-02", "--to", "2026-03-09", "--json")
    said = "after the warehouse's newest event (2025-11-18T09:00:00+07:00)"
    assert late.exit_code == 0 and said in late.stderr
    within = cli("metrics", "--warehouse", url, "--from", "2025-11-17", "--to", "2025-11-24", "--json")
    assert within.exit_code == 0 and "newest event" not in within.stderr
