from streams.broker import EmbeddedBroker
from streams.topics import TopicSpec, ensure_topics


def test_broker_starts_answers_and_stops(tmp_path):
    with EmbeddedBroker(log_file=tmp_path / "b.log") as b:
        pid = b.pid
        assert b.running and pid
    assert not b.running


def test_topics_are_created_once(broker):
    specs = [TopicSpec("events", 8), TopicSpec("dead", 1)]
    assert ensure_topics(broker.kafka, specs) == {"events": "created", "dead": "created"}
    assert ensure_topics(broker.kafka, specs) == {"events": "exists", "dead": "exists"}


def test_a_taken_port_is_refused_not_mistaken_for_the_broker(broker):
    import pytest

    from streams.broker import BrokerError

    with pytest.raises(BrokerError, match="already in use"):
        EmbeddedBroker(port=broker.port).start()


def test_a_broker_ends_with_the_process_that_started_it_even_when_that_one_is_killed():
    """A test run or a job killed with SIGKILL never runs its cleanup: the broker it started must not stay
    behind holding its port (seen: an orphaned tansu after a stopped CI run)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = (
        "from streams.broker import EmbeddedBroker\n"
        "import sys, time\n"
        "b = EmbeddedBroker(); b.start(); print(b.pid, flush=True); time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        os.kill(pid, 0)  # running
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone too, only not yet reaped
                if stat.read().split(")")[-1].split()[0] == "Z":
                    return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("the broker outlived the process that started it")
    finally:
        if parent.poll() is None:
            parent.kill()
