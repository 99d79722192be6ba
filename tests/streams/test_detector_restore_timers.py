"""A detector restored from its changelog holds the state it had in memory, timers included: a dossier
whose timer fired and whose evaluation set no new one and published nothing new kept its past deadline in
the changelog, which the restore pushed again (an evaluation more, and an ended dossier kept from eviction
meanwhile: the detector seat of 2026-12-08). The changelog here is simulated as the worker writes it: the
dirty dossiers' states after each batch, and the partition's watermark when it moved."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from streams.detector.core import DetectorCore
from streams.detector.restore import restore_partitions
from streams.messages import encode_event
from streams.watermark import to_us
from tests.streams.detector_support import province, shuffled

LATENESS = timedelta(hours=1)


@pytest.fixture(scope="module")
def auditor():  # type: ignore[no-untyped-def]
    return Platform(load_settings()).auditor


@pytest.mark.parametrize("seed", range(4))
def test_a_restored_partition_holds_the_timers_it_had(auditor, seed: int) -> None:  # type: ignore[no-untyped-def]
    stream = shuffled(province(150, date(2025, 9, 1), date(2025, 10, 20)), LATENESS, seed=seed, duplicates=0.1)
    rng = random.Random(seed)
    batches, i = [], 0
    while i < len(stream):
        n = rng.randint(1, 60)
        batches.append(stream[i : i + n])
        i += n
    live = DetectorCore(auditor, LATENESS)
    states: dict[bytes, bytes] = {}
    meta: dict[bytes, bytes] = {}
    for batch in batches[: len(batches) // 2]:
        out = live.apply(0, [(e, encode_event(e)) for e in batch])
        partition = live.partitions[0]
        for dossier_id in out.dirty:
            states[dossier_id.encode()] = b"0\n" + partition.dossiers[dossier_id].encode(0)
        if out.watermark_moved:
            meta[b"0"] = DetectorCore.encode_partition(partition)
    restored = DetectorCore(auditor, LATENESS)
    restore_partitions(
        restored, SimpleNamespace(data=dict(states)), SimpleNamespace(data=dict(meta)), [0], lambda *a: None
    )
    before, after = live.partitions[0], restored.partitions[0]
    assert after.watermark.value == before.watermark.value
    assert {d: (s.raw, s.published, s.due_us) for d, s in before.dossiers.items()} == {
        d: (s.raw, s.published, s.due_us) for d, s in after.dossiers.items()
    }
    for batch in batches[len(batches) // 2 :]:  # and both go on alike
        items = [(e, encode_event(e)) for e in batch]
        one, two = live.apply(0, items), restored.apply(0, items)
        assert [(c.state, c.key, c.json) for c in one.changes] == [(c.state, c.key, c.json) for c in two.changes]
    end = to_us(datetime(2025, 10, 25, tzinfo=UTC))
    live.partitions[0].finalize(end)
    restored.partitions[0].finalize(end)
    assert live.open_violations() == restored.open_violations()
