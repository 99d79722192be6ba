"""The Kafka connection: one KafkaConfig gives the options of kafka-python, aiokafka and Faust alike; the
composition root builds it (and the workers' options) from the settings; the port's failures are one
family; the sink's retry policy."""

from __future__ import annotations

import ssl
from datetime import timedelta
from pathlib import Path

import faust
import pytest

from bootstrap.platform import Platform, detector_options, kafka_config, platform_topics, sink_options
from bootstrap.settings import load_settings
from streams.broker import BrokerError
from streams.ingest import IngestError
from streams.kafka import KafkaConfig, StreamError
from streams.sink.retry import RetryPolicy, retry_write
from streams.topics import PlatformTopics, TopicError, TopicSpec
from warehouse.base import WarehouseUnavailable


def test_plaintext_needs_no_security_options() -> None:
    kafka = KafkaConfig(" a:9092, b:9092 ,")
    assert kafka.servers == ["a:9092", "b:9092"]
    assert kafka.kafka_python_options() == kafka.aiokafka_options() == {}
    assert kafka.faust_broker() == ["kafka://a:9092", "kafka://b:9092"]
    assert kafka.faust_credentials() is None


def test_sasl_over_tls_is_spelled_for_each_library() -> None:
    kafka = KafkaConfig("k:9093", "SASL_SSL", "SCRAM-SHA-512", "auditor", "s3cret", Path("/etc/ca.pem"))
    assert kafka.kafka_python_options() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "auditor",
        "sasl_plain_password": "s3cret",
        "ssl_cafile": "/etc/ca.pem",
    }
    with pytest.MonkeyPatch.context() as mp:  # no CA file here: only how it is passed matters
        mp.setattr(ssl, "create_default_context", lambda cafile=None: ("context", cafile))
        aio = kafka.aiokafka_options()
    assert aio.pop("ssl_context") == ("context", "/etc/ca.pem")
    assert "ssl_cafile" not in aio and aio["sasl_mechanism"] == "SCRAM-SHA-512"
    assert "s3cret" not in repr(kafka)
    sasl = KafkaConfig("k:9093", "SASL_SSL", "SCRAM-SHA-512", "auditor", "s3cret").faust_credentials()
    assert isinstance(sasl, faust.SASLCredentials) and isinstance(sasl.ssl_context, ssl.SSLContext)


def test_faust_gets_credentials_objects() -> None:
    tls = KafkaConfig("k:9093", "SSL").faust_credentials()
    assert isinstance(tls, faust.SSLCredentials) and isinstance(tls.context, ssl.SSLContext)
    sasl = KafkaConfig("k:9092", "SASL_PLAINTEXT", None, "u", "p").faust_credentials()
    assert isinstance(sasl, faust.SASLCredentials)
    assert (sasl.username, sasl.password, sasl.ssl_context) == ("u", "p", None)
    assert str(sasl.mechanism.value) == "PLAIN"  # the default mechanism


def test_a_config_without_brokers_or_with_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(ValueError, match="bootstrap servers"):
        KafkaConfig(" , ")
    with pytest.raises(ValueError, match="security protocol"):
        KafkaConfig("k:9092", "TLS")
    assert KafkaConfig("a:1", "SSL").at("b:2") == KafkaConfig("b:2", "SSL")


def test_the_composition_root_builds_the_connection_and_options_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(
        bootstrap_servers="k:9092", security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
        sasl_username="u", sasl_password="p", partitions=3, topic_events="ev", workdir=tmp_path,
        sink_batch_size=7, sink_batch_seconds=0.5, allowed_lateness_seconds=60, group_join_timeout_seconds=42,
    )  # fmt: skip
    assert Platform(settings).kafka == KafkaConfig("k:9092", "SASL_PLAINTEXT", "PLAIN", "u", "p")
    assert kafka_config(settings, "embedded:1").bootstrap_servers == "embedded:1"
    topics = PlatformTopics("ev", "dossier-violations", "dossier-dead-letters", 3)
    assert Platform(settings).topics == topics
    assert platform_topics(settings) == [
        TopicSpec("ev", 3), TopicSpec("dossier-violations", 3), TopicSpec("dossier-dead-letters", 1)
    ]  # fmt: skip
    sink = sink_options(settings, group_id="g", fold=True)
    assert (sink.topics, sink.batch_size, sink.batch_seconds, sink.group_id, sink.fold) == (
        topics,
        7,
        0.5,
        "g",
        True,
    )
    assert sink.join_timeout == 42  # the main job's in-process sink honours the setting too
    detector = detector_options(settings, until_idle=True)
    assert detector.topics == topics and detector.datadir == tmp_path / "faust" and detector.until_idle
    assert detector.allowed_lateness == timedelta(minutes=1)
    assert detector_options(settings, allowed_lateness=timedelta(0)).allowed_lateness == timedelta(0)
    with pytest.raises(ValueError, match="--bootstrap-servers"):
        kafka_config(load_settings())


def test_the_streaming_port_fails_with_one_family() -> None:
    for error in (BrokerError, IngestError, TopicError):
        assert issubclass(error, StreamError) and issubclass(error, RuntimeError)


def test_the_retry_policy_backs_off_exponentially_up_to_its_cap() -> None:
    policy = RetryPolicy(initial=0.5, maximum=3.0)
    delays, outcomes = [], [WarehouseUnavailable("down"), WarehouseUnavailable("still down"), None]

    def write() -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    def wait(delay: float) -> bool:
        delays.append(delay)
        return True

    told: list[str] = []
    stored = retry_write(
        write, WarehouseUnavailable("first"), policy, wait=wait, on_retry=lambda e, d: told.append(str(e))
    )
    assert stored and delays == [0.5, 1.0, 2.0] and told == ["first", "down", "still down"]
    assert [policy.after(d) for d in (0.5, 2.0, 3.0)] == [1.0, 3.0, 3.0]
    assert not retry_write(write, WarehouseUnavailable("x"), policy, wait=lambda d: False, on_retry=print)
    with pytest.raises(ZeroDivisionError):  # not an outage: not retried
        retry_write(lambda: 1 / 0, WarehouseUnavailable("x"), policy, wait=lambda d: True, on_retry=print)
    with pytest.raises(ValueError):
        RetryPolicy(initial=2.0, maximum=1.0)


def test_sasl_without_a_mechanism_is_plain_for_every_client() -> None:
    """The kafka-python clients (ingest, sink, late path) dropped the credentials when no mechanism was set,
    and failed at the handshake ("None sasl mechanism"), while Faust's detector defaulted to PLAIN."""
    config = KafkaConfig("k:9092", "SASL_PLAINTEXT", sasl_username="u", sasl_password="p")
    assert config.kafka_python_options() == {
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "sasl_plain_username": "u",
        "sasl_plain_password": "p",
    }  # fmt: skip
    assert config.aiokafka_options()["sasl_mechanism"] == "PLAIN"
    assert config.faust_credentials().mechanism.value == "PLAIN"
    assert "sasl_mechanism" not in KafkaConfig("k:9092", "SSL", sasl_mechanism="PLAIN").kafka_python_options()


def test_a_server_without_a_port_is_said_to_be_on_kafkas_default() -> None:
    """``--bootstrap-servers 127.0.0.1`` failed 30 s later as "cannot reach Kafka at 127.0.0.1", no word of
    the port the client had tried (CLI review)."""
    from streams.kafka import KafkaConfig

    said = KafkaConfig("127.0.0.1, kafka-2:29092,[::1]").described
    assert said == ("127.0.0.1:9092 (no port given: Kafka's default),kafka-2:29092,"
                    "[::1]:9092 (no port given: Kafka's default)")  # fmt: skip
    assert KafkaConfig("[::1]:9093").described == "[::1]:9093"
    assert KafkaConfig("host:").described == "host:9092 (no port given: Kafka's default)"


def test_a_bind_refused_for_another_reason_is_said_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """`broker --port 80` without root said "127.0.0.1 is no address of this machine (Permission denied)"
    (review): only an address not of this machine is said so."""
    import errno
    import socket

    from streams.broker import listen_problem

    def refuse(self: socket.socket, address: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(socket.socket, "bind", refuse)
    assert listen_problem("127.0.0.1", 80) == "cannot bind port 80 on 127.0.0.1 (Permission denied)"


@pytest.fixture
def silent_listener():
    """A server that takes connections and reads what comes, never answering: a plaintext Kafka listener
    reading a TLS ClientHello as the start of a request (tansu waits for the rest)."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_listener_that_completes_no_tls_handshake_is_named_not_waited_on(silent_listener: str) -> None:
    """``ingest`` with SSL against a plaintext broker waited forever, printing nothing: kafka-python bounds
    the connection, not the handshake (review of 2026-12-05)."""
    import time

    from streams.topics import ensure_topics

    kafka = KafkaConfig(silent_listener, "SSL")
    said = kafka.stalled_tls(0.5)
    assert said is not None
    assert f"{silent_listener} took the connection but completed no TLS handshake" in said
    assert KafkaConfig(silent_listener).stalled_tls(0.5) is None  # plaintext: nothing to probe
    began = time.monotonic()
    with pytest.raises(TopicError, match="is it a plaintext listener"):
        ensure_topics(kafka, [TopicSpec("t", 1)], timeout=1.0)
    assert time.monotonic() - began < 10


def test_a_refused_tls_connection_is_left_to_the_client() -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert KafkaConfig(f"127.0.0.1:{port}", "SASL_SSL").stalled_tls(0.5) is None


@pytest.mark.parametrize(
    ("server", "address"),
    [("k:9093", ("k", 9093)), ("k", ("k", 9092)), ("[::1]", ("::1", 9092)), ("[::1]:9094", ("::1", 9094))],
)
def test_the_tls_probe_reads_each_server_as_the_client_does(server: str, address: tuple[str, int]) -> None:
    """A bare ``[::1]`` was read as host ":" and left unprobed (review)."""
    from streams.kafka import _host_port

    assert _host_port(server) == address
