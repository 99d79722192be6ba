"""Where a worker's metrics endpoint listens (issue 19, item 4b): this host only unless told otherwise
(``--metrics-host`` / ``DOSSIER_AUDIT_METRICS_HOST``); a host that cannot be bound is one line, exit 2."""

from __future__ import annotations

import urllib.request

import orjson
from typer.testing import CliRunner

from bootstrap.settings import load_settings
from dossier_audit.cli import app
from streams.observability import WorkerMetrics, metrics_endpoint, start_metrics_server, stop_metrics_server
from tests.streams.test_sink import EXAMPLES

runner = CliRunner()
ENV = {"DOSSIER_AUDIT_PSEUDONYM_KEY": "k" * 32}


def test_the_endpoint_listens_on_loopback_by_default() -> None:
    server, port = start_metrics_server(WorkerMetrics().registry, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            assert b"dossier_audit_sink_batches_total" in response.read()
    finally:
        stop_metrics_server(server)
    assert load_settings().metrics_host == "127.0.0.1"


def test_the_endpoint_listens_where_it_is_told() -> None:
    with metrics_endpoint(WorkerMetrics().registry, 0, "0.0.0.0") as port:
        assert port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            assert response.status == 200


def test_worker_sink_metrics_host_option_and_setting(broker, tmp_path) -> None:
    runner.invoke(app, ["ingest", str(EXAMPLES), "--bootstrap-servers", broker.bootstrap_servers], env=ENV)
    base = ["worker", "sink", "--bootstrap-servers", broker.bootstrap_servers, "--warehouse",
            f"chdb://{tmp_path}/wh", "--until-idle", "--session-timeout", "3",
            "--metrics-port", "0"]  # fmt: skip
    default = runner.invoke(app, base, env=ENV)
    assert default.exit_code == 0, default.stderr
    assert "metrics on http://127.0.0.1:" in default.stderr
    assert orjson.loads(default.stdout.splitlines()[-1])["events_stored"] == 24
    told = runner.invoke(app, [*base, "--metrics-host", "0.0.0.0"], env=ENV)
    assert told.exit_code == 0, told.stderr
    assert "metrics on http://0.0.0.0:" in told.stderr
    by_setting = runner.invoke(app, base, env={**ENV, "DOSSIER_AUDIT_METRICS_HOST": "::1"})
    assert by_setting.exit_code == 0, by_setting.stderr
    assert "metrics on http://[::1]:" in by_setting.stderr


def test_a_host_that_cannot_be_bound_is_one_line() -> None:
    result = runner.invoke(app, ["worker", "sink", "--bootstrap-servers", "127.0.0.1:9", "--metrics-port",
                                 "0", "--metrics-host", "192.0.2.1"], env=ENV)  # fmt: skip
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot serve metrics on 192.0.2.1:0: "), lines
    assert "Traceback" not in result.stderr
