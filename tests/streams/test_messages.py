from datetime import UTC, datetime

import pytest

from streams.messages import DeadLetter, MessageError, ViolationMessage

AT = datetime(2025, 11, 3, 1, 2, 3, tzinfo=UTC)


def test_dead_letter_round_trip():
    d = DeadLetter("kafka:dossier-events/3", 17, "invalid_json", "line 1: not JSON", b"{oops", AT)
    assert DeadLetter.decode(d.encode()) == d


def test_violation_message_round_trip():
    v = {"dossier_id": "D1", "rule_id": "LATE_NO_APOLOGY", "event_id": None}
    m = ViolationMessage("retracted", AT, "detector", 5, v)
    assert ViolationMessage.decode(m.encode()) == m
    assert m.key == b"D1"


@pytest.mark.parametrize(
    "bad",
    [b"{", b"[]", b'{"state": "closed", "as_of": "2025-01-01T00:00:00+00:00", "producer": "x", "version": 1,'
     b' "violation": {"dossier_id": "D"}}', b'{"state": "open"}'],
)  # fmt: skip
def test_bad_messages_say_why(bad):
    with pytest.raises(MessageError):
        ViolationMessage.decode(bad)
    with pytest.raises(MessageError):
        DeadLetter.decode(bad)


def test_every_rejection_code_the_workers_write_is_documented():
    import re
    from pathlib import Path

    from schemas.validation import CODES, TRANSPORT_CODES

    root = Path(__file__).resolve().parents[2] / "streams"
    used: set[str] = set()
    for module in root.rglob("*.py"):  # the packages too (detector/, sink/)
        used |= set(
            re.findall(r'"([a-z_]+\.(?:invalid|mismatch|conflict))"', module.read_text(encoding="utf-8"))
        )
    assert used, "the pattern found no codes"
    assert used <= CODES | TRANSPORT_CODES
