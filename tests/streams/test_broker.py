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
