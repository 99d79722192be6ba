"""The composition root builds the stream and warehouse pieces on use (bootstrap/platform.py): a process
that imports it and never reaches Kafka does not pay for kafka-python, the sink or the detector's history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_platform_imports_no_stream_or_warehouse_backend() -> None:
    probe = (
        "import sys\n"
        "import bootstrap.platform\n"
        "heavy = ('kafka', 'clickhouse_driver', 'streams.sink.options', 'streams.detector.history',\n"
        "         'warehouse.evicted_history')\n"
        "print(' '.join(name for name in heavy if name in sys.modules))\n"
    )
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


def test_the_builders_still_build() -> None:
    from bootstrap.platform import detector_history, detector_options, kafka_config, sink_options, topics_of
    from bootstrap.settings import load_settings

    settings = load_settings(bootstrap_servers="127.0.0.1:9092")
    assert kafka_config(settings).bootstrap_servers == "127.0.0.1:9092"
    assert topics_of(settings).events == settings.topic_events
    assert sink_options(settings).topics == topics_of(settings)
    assert detector_options(settings).topics == topics_of(settings)
    assert detector_history(None) is None
