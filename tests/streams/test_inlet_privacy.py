"""The detector's inlet keeps each valid event's raw bytes for its changelog: an applicant a foreign producer
left in clear (anywhere, any case) must not reach that changelog topic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from schemas.pseudonym import Pseudonymiser
from streams.detector.inlet import decode

MARKER = "791234567890"


def _message(event: dict[str, object]) -> SimpleNamespace:
    raw = json.dumps(event).encode()
    return SimpleNamespace(
        topic="events", partition=0, offset=7, key=str(event["dossier_id"]).encode(), value=raw
    )


def _event(**extra: object) -> dict[str, object]:
    return {
        "schema_version": 1, "event_id": "e-1", "dossier_id": "D-1", "type": "submitted",
        "occurred_at": "2025-11-03T08:00:00+07:00", "unit_code": "000.10.01.H99",
        "data": {"procedure_code": "1.004222", "channel": "online"}, **extra,
    }  # fmt: skip


def test_a_clear_applicant_never_reaches_the_changelog_bytes() -> None:
    scrub = Pseudonymiser(b"k" * 32).scrub_raw
    now = datetime.now(UTC)
    for event in (
        _event(applicant=MARKER),
        _event(extra={"nested": [{"Applicant": MARKER}]}),
        {**_event(), "data": {"procedure_code": "1.004222", "channel": "online", "applicant": MARKER}},
    ):
        decoded = decode(_message(event), now, scrub)
        assert isinstance(decoded, tuple), decoded
        parsed, raw = decoded
        assert MARKER.encode() not in raw
        assert json.loads(raw)["event_id"] == parsed.event_id


def test_events_without_an_applicant_keep_their_bytes() -> None:
    message = _message(_event())
    decoded = decode(message, datetime.now(UTC), Pseudonymiser(b"k" * 32).scrub_raw)
    assert isinstance(decoded, tuple) and decoded[1] is message.value


def test_a_key_that_is_an_applicant_s_id_is_not_published_in_the_dead_letter() -> None:
    """A message keyed by a citizen's id rather than its dossier is dead-lettered; the reason named the key
    in clear on the dead-letter topic (the sink masked it only when storing it: review of 2026-12-05)."""
    message = _message(_event())
    message.key = MARKER.encode()
    letter = decode(message, datetime.now(UTC), Pseudonymiser(b"k" * 32).scrub_raw)
    assert not isinstance(letter, tuple) and letter.reason_code == "key.mismatch"
    assert MARKER not in letter.reason and MARKER.encode() not in letter.encode()
    assert letter.reason == "the message key (12 bytes) is not the dossier_id 'D-1' of its event"


def test_an_event_with_a_clear_applicant_is_judged_as_the_sink_stores_it() -> None:
    """The diff review of 2026-12-06: the detector judged a foreign producer's event as sent, so a document
    repeating the applicant was quoted in clear by EXCESS_DOCUMENTS' evidence, in the violations topic and
    the warehouse, where the sink stored it pseudonymised."""
    pseudo = Pseudonymiser(b"k" * 32)
    clear = f"Nguyen Van A {MARKER}"
    data = {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": ["CT01", clear],
            "applicant": clear}  # fmt: skip
    event = {**_event(), "type": "received", "data": data}
    decoded = decode(_message(event), datetime.now(UTC), pseudo.scrub_raw)
    assert isinstance(decoded, tuple), decoded
    parsed, raw = decoded
    stored = pseudo.apply(parsed)
    assert MARKER not in parsed.model_dump_json() and MARKER.encode() not in raw
    assert parsed.data.documents == stored.data.documents == ["CT01", pseudo.pseudonymise(clear)]  # type: ignore[union-attr]
