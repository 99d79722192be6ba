"""Fuzzing every date, instant, week and URL option of the CLI, and the settings variables (issue 13,
"Must show"): whatever the value, the exit code is 0, 1 or 2, nothing raises out of the command, no
traceback is printed, and an error is one ``error:`` line.

In-process through typer's ``CliRunner`` for speed (an exception escaping a command is
``result.exception``, what a real process would print as a traceback); ``test_clear_errors`` checks real
processes. Values that would reach a real server or broker are kept out (they would wait out timeouts),
not the parsing in front of them. A value that parses must reach the code that uses it, not stop at a bad
URL or a missing file: the weeks and ``--as-of`` of a load also run against a real (embedded) warehouse,
initialised once for the module, with a real two-line events file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from bootstrap.platform import detector_options, kafka_config, platform_topics, sink_options
from bootstrap.settings import Settings
from bootstrap.settings_explain import variable_of
from bootstrap.settings_file import SettingsError
from dossier_audit.cli import app
from dossier_audit.cli.common import UsageError, platform_for
from dossier_audit.cli.instants import parse_instant
from inspections.weeks import WeekError, supported_week
from tests.depth import examples
from warehouse.base import WarehouseError, parse_url

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
FAST = settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: A warehouse URL that fails at once, for commands whose other option is fuzzed.
NO_WAREHOUSE = "clickhous://nowhere/db"

_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)


def _two(n: int) -> str:
    return f"{n:02d}"


_DAY = st.builds(
    lambda y, m, d: f"{y:04d}-{_two(m)}-{_two(d)}",
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
)
_OFFSET = st.one_of(
    st.just(""),
    st.just("Z"),
    st.builds(
        lambda s, h, m: f"{s}{_two(h)}:{_two(m)}",
        st.sampled_from("+-"),
        st.integers(0, 99),
        st.integers(0, 60),
    ),
)
_INSTANT = st.builds(
    lambda day, sep, h, m, s, off: f"{day}{sep}{_two(h)}:{_two(m)}:{_two(s)}{off}",
    _DAY,
    st.sampled_from(["T", " ", "t"]),
    st.integers(0, 25),
    st.integers(0, 60),
    st.integers(0, 61),
    _OFFSET,
)
_EDGES = st.sampled_from(
    ["9999-12-31", "0001-01-01", "2025-W45", "2025-W45-1", "20251103", "2025-02-29", "2024-02-29",
     "1999-12-31", "2000-01-01", "2050-12-31", "2051-01-01", "2025-11-03T09:00", "0001-01-01T00:00:00+14:00",
     "9999-12-31T23:59:59-14:00", "2050-12-31T20:00:00Z", "1999-12-31T18:00:00Z", "[/]", "-", "", " ",
     "2025-11-03T09:00:00+07:00\n", "２０２５-11-03", "2025-11-03T09:00:00.1234567+07:00"]
)  # fmt: skip
DATEISH = st.one_of(_DAY, _INSTANT, _EDGES, _TEXT)
_WEEK = st.one_of(
    st.builds(lambda y, w: f"{y:04d}-W{_two(w)}", st.integers(0, 9999), st.integers(0, 54)),
    st.sampled_from(["9999-W52", "0001-W01", "1999-W52", "2000-W01", "2050-W52", "2051-W01", "2025-W53"]),
    _TEXT,
)


def survived(result: Result) -> Result:
    """Exit 0, 1 or 2, no exception out of the command, no traceback; an exit 2 says ``error:``."""
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None, repr(escaped)
    assert result.exit_code in (0, 1, 2), result.exit_code
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, result.stderr
    return result


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return survived(CliRunner().invoke(app, list(args), env=env))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """A real embedded warehouse, initialised once (a URL), a two-line events file and a report folder."""
    folder = tmp_path_factory.mktemp("fuzz-warehouse")
    url = f"chdb://{folder / 'warehouse'}"
    assert CliRunner().invoke(app, ["warehouse", "init", "--warehouse", url]).exit_code == 0
    events = folder / "events.jsonl"
    events.write_bytes(b"".join(EXAMPLES.read_bytes().splitlines(keepends=True)[:2]))
    return url, events, folder / "reports"


def _parses_as(parse: Callable[[str], object], text: str) -> bool:
    """Whether the CLI's own parser takes ``text`` (then the command must get past it)."""
    try:
        parse(text)
    except (UsageError, WeekError):
        return False
    return True


@FAST
@given(value=DATEISH)
def test_as_of(value: str) -> None:
    cli("audit", str(EXAMPLES), "--as-of", value)


@FAST
@given(value=DATEISH)
@example(value="2050-12-31T23:59:59+07:00")
@example(value="2000-01-01")
def test_as_of_of_a_warehouse_load(real: tuple[str, Path, Path], value: str) -> None:
    # A real file into a real warehouse: a value that parses is used by the load (the rules' clock).
    url, events, _ = real
    result = cli("warehouse", "load", str(events), "--warehouse", url, "--as-of", value)
    if _parses_as(parse_instant, value):
        assert result.exit_code == 0, result.stderr


@FAST
@given(start=DATEISH, end=DATEISH)
def test_from_and_to(start: str, end: str) -> None:
    cli("metrics", str(EXAMPLES), "--from", start, "--to", end)


@FAST
@given(week=_WEEK)
@example(week="2000-W01")
@example(week="2050-W52")
def test_week(real: tuple[str, Path, Path], week: str) -> None:
    cli("report", "--warehouse", NO_WAREHOUSE, "--week", week)
    # A week that parses runs the data-quality suites of a real warehouse (the report is below: slower).
    parses = _parses_as(supported_week, week)
    checked = cli("check", "--warehouse", real[0] if parses else NO_WAREHOUSE, "--week", week)
    assert (checked.exit_code != 2) == parses, checked.stderr


@settings(max_examples=examples(4), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(week=st.builds(lambda y, w: f"{y:04d}-W{w:02d}", st.integers(1999, 2051), st.integers(1, 53)))
@example(week="2050-W52")
def test_week_of_a_real_report(real: tuple[str, Path, Path], week: str) -> None:
    url, _, reports = real
    reported = cli("report", "--warehouse", url, "--week", week, "--out", str(reports))
    assert (reported.exit_code == 0) == _parses_as(supported_week, week), reported.stderr


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=DATEISH, weeks=st.integers(-3, 3000))
@example(start="2000-03-01", weeks=1)  # before the catalogue publishes anything: was a traceback
def test_start(tmp_path_factory: pytest.TempPathFactory, start: str, weeks: int) -> None:
    out = tmp_path_factory.mktemp("sim") / "e.jsonl"
    cli("simulate", "--out", str(out), "--dossiers", "3", "--start", start, "--weeks", str(weeks))


def _parses(url: str) -> bool:
    try:
        parse_url(url)
    except WarehouseError:
        return False
    return True


_URLISH = st.one_of(
    _TEXT,
    st.builds(
        lambda scheme, rest: scheme + rest,
        st.sampled_from(["clickhouse://", "clickhouses://", "chdb://", "clickhous://", "http://", ""]),
        st.text(st.sampled_from("uw:p@[]:/?=&#%x19.-0 "), max_size=25),
    ),
)


#: A workdir without a warehouse (never created: the reading commands create nothing).
_NO_WAREHOUSE = Path(tempfile.gettempdir()) / "dossier-audit-fuzz-no-warehouse" / "missing"


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(url=_URLISH.filter(lambda u: not _parses(u)))
def test_warehouse(url: str) -> None:
    # URLs that parse would open a server connection (retried) or create a chdb directory: they are the
    # backends' tests; every URL that does not parse must end in one line, whichever command takes it.
    assert cli("warehouse", "status", "--warehouse", url).exit_code == 2
    # An empty variable is the default warehouse, the workdir's: one that holds none (a developer's checkout
    # may hold the main job's, and the report then ran: exit 0, and a report written into the checkout).
    env = {"DOSSIER_AUDIT_WAREHOUSE": url, "DOSSIER_AUDIT_WORKDIR": str(_NO_WAREHOUSE)}
    assert cli("report", "--week", "2025-W45", env=env).exit_code == 2


_SERVERS = st.one_of(
    _TEXT,
    st.lists(
        st.builds(
            lambda host, port: f"{host}:{port}",
            st.sampled_from(["localhost", "127.0.0.1", "[::1]", "[::1", "", "h st", "u:pw@h"]),
            st.one_of(st.integers(-5, 100_000).map(str), _TEXT),
        ),
        max_size=3,
    ).map(",".join),
)


@FAST
@given(servers=_SERVERS)
def test_bootstrap_servers(servers: str) -> None:
    # The events file is missing, so a good value ends at exit 2 before any connection.
    assert cli("ingest", "/nonexistent/events.jsonl", "--bootstrap-servers", servers).exit_code == 2
    assert (
        cli("ingest", "/nonexistent/events.jsonl", env={"DOSSIER_AUDIT_BOOTSTRAP_SERVERS": servers}).exit_code
        == 2
    )


_VARIABLES = st.sampled_from(
    ["RULEBOOK_VERSION", "SUPPLEMENT_CLOCK", "LANG", "PARTITIONS", "SINK_BATCH_SECONDS", "METRICS_PORT",
     "APOLOGY_LEAD_WORKING_DAYS", "PAUSE_ON_FINANCIAL_OBLIGATION", "SECURITY_PROTOCOL", "BATCH_LATENESS_DAYS",
     "PSEUDONYM_KEY", "SASL_PASSWORD", "CATALOGUE", "CALENDAR_OVERRIDE", "CONFIG"]
)  # fmt: skip
_VALUES = st.one_of(
    _TEXT,
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["1", "2", "true", "", "nan", "inf", "1e400", "1000000000"]),
)


@FAST
@given(variable=_VARIABLES, value=_VALUES)
def test_settings_variables(variable: str, value: str) -> None:
    result = cli("audit", str(EXAMPLES), "--as-of", "2025-11-20", env={f"DOSSIER_AUDIT_{variable}": value})
    if variable in ("PSEUDONYM_KEY", "SASL_PASSWORD") and len(value) > 3:
        assert value not in result.stderr  # a secret is never quoted


def build_everything() -> None:
    """Every dependency a command builds from the settings: the platform's parts (the pseudonymiser, which
    ``audit`` never builds), Kafka, the topics, the workers' options and the warehouse URL. A value the
    settings accept must not fail here, mid-command, with a traceback: a short pseudonym key did, in
    ``warehouse load`` and ``ingest``."""
    try:
        platform = platform_for()
    except (SettingsError, UsageError):  # one line at the command's start: the CLI's expected refusals
        return
    _ = (platform.catalogue, platform.calendar, platform.rulebooks, platform.auditor, platform.pseudonymiser)
    _ = (platform.topics, platform.report_header())
    settings = platform.settings
    if settings.bootstrap_servers:
        kafka_config(settings)
    platform_topics(settings)
    sink_options(settings)
    detector_options(settings)
    with contextlib.suppress(WarehouseError):  # the commands that open it say so in one line
        parse_url(settings.warehouse_url)


#: Every settings variable (also the ones ``audit`` never reads), and the settings file's.
_ALL_VARIABLES = st.sampled_from(
    sorted([*(variable_of(f) for f in Settings.model_fields), "DOSSIER_AUDIT_CONFIG"])
)


@FAST
@given(variable=_ALL_VARIABLES, value=_VALUES)
@example(variable="DOSSIER_AUDIT_PSEUDONYM_KEY", value="hunter2")
def test_settings_build_every_platform_dependency(variable: str, value: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_AUDIT_")}
    with mock.patch.dict(os.environ, {**clean, variable: value}, clear=True):
        build_everything()
