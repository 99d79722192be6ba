from datetime import UTC, datetime

import orjson
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


_CLEAR = "Nguyen Van Marker 079301004455"


@pytest.mark.parametrize(
    ("decode", "doc", "said"),
    [
        (DeadLetter.decode, {"offset": _CLEAR}, "member 'offset' is not an integer"),
        (DeadLetter.decode, {"rejected_at": _CLEAR}, "member 'rejected_at' is not an ISO 8601 time"),
        (DeadLetter.decode, {"rejected_at": [_CLEAR]}, "member 'rejected_at' is not an ISO 8601 time"),
        (ViolationMessage.decode, {"state": _CLEAR}, "member 'state' is neither 'open' nor 'retracted'"),
        (ViolationMessage.decode, {"as_of": _CLEAR}, "member 'as_of' is not an ISO 8601 time"),
        (ViolationMessage.decode, {"version": _CLEAR}, "member 'version' is not an integer"),
    ],
)
def test_a_bad_member_is_named_never_its_value(decode, doc, said):
    """A foreign producer's member may hold anything, an applicant too, and the sink stores the reason: it
    quoted ``int``'s and ``fromisoformat``'s errors, which quote the value (privacy review)."""
    good = {
        DeadLetter.decode: {"source": "s", "offset": 1, "reason_code": "c", "reason": "r", "raw": "",
                            "rejected_at": "2025-11-03T08:00:00+00:00"},
        ViolationMessage.decode: {"state": "open", "as_of": "2025-11-03T08:00:00+00:00", "producer": "p",
                                  "version": 1, "violation": {"dossier_id": "D"}},
    }[decode]  # fmt: skip
    with pytest.raises(MessageError) as caught:
        decode(orjson.dumps({**good, **doc}))
    assert str(caught.value).endswith(said) and "Marker" not in str(caught.value)
    assert decode(orjson.dumps(good))  # the same message otherwise is one
