"""The detector's adapter to Faust's (and mode's, aiokafka's) private internals
(:mod:`streams.detector.transport`, :mod:`streams.detector.app_internals`, listed in
:mod:`streams.detector.faust_compat`): its modules are the only ones that touch them, each one it relies on
still exists with the signature and the source it was written against, and an unsupported Faust is refused.

A failure here after a library upgrade is the point: re-check the use named in ``FAUST_INTERNALS`` against
the new source, adapt the adapter, then record the new hash.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import tomllib
from pathlib import Path

import faust
import pytest
from faust.transport.consumer import Consumer as FaustConsumer

from streams.detector import faust_compat
from streams.detector.faust_compat import FAUST_INTERNALS, FAUST_VERSIONS, check_faust, resolve_internal
from streams.detector.transport import BatchingConsumer

ROOT = Path(__file__).resolve().parents[2]


def _digest(name: str) -> str:
    return hashlib.sha256(inspect.getsource(resolve_internal(name)).encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(FAUST_INTERNALS))
def test_each_internal_is_the_source_the_adapter_was_written_against(name: str) -> None:
    try:
        got = _digest(name)
    except (AttributeError, ImportError) as exc:
        pytest.fail(
            f"{name} is gone from the installed libraries ({exc}): the detector's adapter "
            "(see streams/detector/faust_compat.py) relies on it; find its replacement and adapt the adapter"
        )
    assert got == FAUST_INTERNALS[name], (
        f"{name} changed (source hash {got}, the adapter was written against {FAUST_INTERNALS[name]}; "
        f"faust-streaming {faust.__version__}). Re-check its use in the adapter (see the "
        "comment beside it in FAUST_INTERNALS); once the adapter is right for it, record the new hash"
    )


def test_the_signatures_the_adapter_calls_or_overrides() -> None:
    def params(name: str) -> list[str]:
        return list(inspect.signature(resolve_internal(name)).parameters)

    expected = {
        "faust.transport.consumer:Consumer._drain_messages": ["self", "fetcher"],
        "faust.transport.consumer:Consumer._add_gap": ["self", "tp", "offset_from", "offset_to"],
        "faust.transport.drivers.aiokafka:Consumer._new_consumer_thread": ["self"],
        "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._create_worker_consumer": [
            "self", "transport",
        ],
        "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._ensure_consumer": ["self"],
        "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread.seek_wait": ["self", "partitions"],
        "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread.commit": ["self", "offsets"],
        "faust.app.base:App._new_transport": ["self"],
        "mode.worker:Worker._schedule_shutdown": ["self", "signal"],
        "aiokafka.consumer.group_coordinator:GroupCoordinator.need_rejoin": ["self", "subscription"],
    }  # fmt: skip
    for name, want in expected.items():
        assert params(name) == want, f"{name}: the adapter calls it as {want}, it now takes {params(name)}"
    # The override keeps the overridden method's parameters.
    ours = inspect.signature(BatchingConsumer._drain_messages).parameters
    assert list(ours) == list(inspect.signature(FaustConsumer._drain_messages).parameters)


def test_the_consumer_state_the_fetch_loop_override_reads_is_faust_s() -> None:
    """The override reads Faust's consumer state by name; each name is still set or defined by Faust."""
    init = inspect.getsource(FaustConsumer.__init__)
    for attribute in ("_read_offset", "_n_acked", "_commit_every"):
        set_by_faust = f"self.{attribute}" in init or attribute in FaustConsumer.__annotations__
        assert set_by_faust, f"Faust's Consumer no longer sets {attribute}"
    for attribute in ("getmany", "callback", "_add_gap", "suspend_flow", "consumer_stopped_errors", "commit"):
        assert hasattr(FaustConsumer, attribute) or attribute in init, f"Faust's Consumer has no {attribute}"
    ours = inspect.getsource(BatchingConsumer._drain_messages)
    theirs = inspect.getsource(FaustConsumer._drain_messages)
    for used in sorted(set(re.findall(r"self\.(_?\w+)", ours))):
        ours_alone = used in {"_handover", "_rewind"}  # the adapter's own (streams.detector.handover)
        assert used in theirs or hasattr(FaustConsumer, used) or ours_alone, f"the override reads self.{used}"


# Private attributes of Faust, mode and aiokafka that only the adapter may touch.
_PRIVATE = re.compile(
    r"\.(_drain_messages|_new_transport|_new_consumer_thread|_create_worker_consumer|_ensure_consumer"
    r"|_schedule_shutdown|_coordinator|_subscription|_fetch_max_wait_ms|_generation_id|_thread"
    r"|_build_highwaters|_read_offset|_n_acked|_commit_every|_add_gap|_client|_key_partition)\b"
)
#: The adapter's modules: the only ones that may touch them.
_ADAPTER = {
    "streams/detector/transport.py",
    "streams/detector/app_internals.py",
    "streams/detector/faust_compat.py",
}
#: Known uses outside the adapter (owned elsewhere): the memory store's partition index, emptied with the
#: store after a restore.
_KNOWN_OUTSIDE = {("streams/detector/restore.py", "_key_partition")}


def test_no_module_of_the_detector_but_the_adapter_touches_library_internals() -> None:
    found = []
    for path in sorted((ROOT / "streams" / "detector").glob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in _ADAPTER:
            continue
        text = path.read_text(encoding="utf-8")
        text += "\n".join(re.findall(r"getattr\(\w+, \"(_\w+)\"", text))  # getattr(x, "_name") too
        for match in re.finditer(r"(?:\.|\n)(_\w+)\b", text):
            if _PRIVATE.fullmatch("." + match.group(1)) and (rel, match.group(1)) not in _KNOWN_OUTSIDE:
                if match.group(1) == "_client" and "def _client" in text:
                    continue  # readback's own helper method, not aiokafka's attribute
                found.append(f"{rel}: {match.group(1)}")
    assert not found, f"library internals outside the adapter ({sorted(_ADAPTER)}): {found}"


def test_an_unsupported_faust_is_refused_with_a_clear_message() -> None:
    check_faust()
    for version in ("0.15.2", "0.16.0", "1.0", "garbage"):
        with pytest.raises(RuntimeError, match=r"not supported by the detector \(>=0\.15\.3,<0\.16\)"):
            check_faust(version)


def test_a_faust_without_an_internal_the_adapter_needs_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "faust.transport.consumer:Consumer._drain_messages_gone"
    monkeypatch.setattr(faust_compat, "FAUST_INTERNALS", {**FAUST_INTERNALS, name: "0" * 16})
    with pytest.raises(RuntimeError, match=re.escape(name)):
        check_faust()


def test_the_pinned_range_is_the_adapter_s() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (line,) = [d for d in dependencies if d.startswith("faust-streaming")]
    low, high = (".".join(map(str, v)) for v in FAUST_VERSIONS)
    assert line == f"faust-streaming>={low},<{high}"
