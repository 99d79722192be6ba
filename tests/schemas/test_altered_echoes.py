"""An applicant's value repeated in another form (case, accents or none, NFD, an id written with spaces or
dots) is hidden as an exact copy is: the privacy seat of 2026-12-07 found "LÒ VĂN PÁO", "Lo Van Pao" and
"079 201 001 234" kept in clear in a valid event's notes and ``documents`` (and so in violations' evidence
and the packs), in rejected lines and in their messages; and ``documents`` were searched only for the
declared applicant, not for one an unknown member names."""

from __future__ import annotations

import unicodedata
from typing import Any

import orjson
import pytest

from schemas.events import to_json_dict
from schemas.pseudonym import Pseudonymiser
from schemas.validation import Rejection, parse_event

PSEUDO = Pseudonymiser(b"altered-echoes-key-0123456789")
NAME, ID = "Lò Văn Páo", "079201001234"
BASE: dict[str, Any] = {
    "schema_version": 1, "event_id": "a-1", "dossier_id": "000.10.01.H99-251103-0001", "type": "received",
    "occurred_at": "2025-11-03T09:15:00+07:00", "unit_code": "000.10.01.H99",
    "data": {"procedure_code": "1.004222", "channel": "direct", "due_at": None, "documents": ["CT01"]},
}  # fmt: skip
ALTERED_NAMES = ["LÒ VĂN PÁO", "lò văn páo", "Lo Van Pao", unicodedata.normalize("NFD", NAME), "Lò-Văn-Páo"]
ALTERED_IDS = ["079 201 001 234", "079.201.001.234", "079-201-001-234"]


def _stored(data: dict[str, Any], **envelope: Any) -> str:
    raw = orjson.dumps({**BASE, **envelope, "data": {**BASE["data"], **data}})
    event = parse_event(raw)
    assert not isinstance(event, Rejection), event
    once = PSEUDO.apply(event)
    assert to_json_dict(PSEUDO.apply(once)) == to_json_dict(once)  # idempotent
    return orjson.dumps(to_json_dict(once)).decode()


def _clear(text: str) -> bool:
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()
    digits = "".join(c for c in text if c.isdigit())
    return "lo van pao" in plain.replace("-", " ") or "079201001234" in digits


@pytest.mark.parametrize("copy", ALTERED_NAMES)
def test_an_altered_name_in_a_note_or_a_code_is_hidden(copy: str) -> None:
    note = f"hồ sơ của {copy} thiếu giấy tờ"
    stored = _stored({"applicant": NAME, "note": note, "documents": ["CT01", copy]})
    assert not _clear(stored), stored
    assert '"CT01"' in stored  # a catalogue code stays as it is


@pytest.mark.parametrize("copy", ALTERED_IDS)
def test_an_id_written_with_separators_is_hidden(copy: str) -> None:
    stored = _stored({"applicant": ID, "memo": f"CCCD {copy}", "documents": ["CT01", f"CCCD {copy}"]})
    assert not _clear(stored), stored


def test_a_code_repeating_an_applicant_an_unknown_member_names_is_hidden() -> None:
    stored = _stored(
        {"applicant": "001099012345", "documents": ["0903123456", "canary@example.vn", "CT01"]},
        Applicant={"name": NAME, "phone": "0903123456", "email": "canary@example.vn"},
    )
    assert "0903123456" not in stored and "canary@example.vn" not in stored and '"CT01"' in stored


def test_another_persons_name_sharing_words_is_kept() -> None:
    stored = _stored({"applicant": "An Bình", "note": "cán bộ Phan Bình tiếp nhận"})
    assert "cán bộ Phan Bình tiếp nhận" in stored


@pytest.mark.parametrize(("applicant", "copy"), [(ID, "079 201 001 234"), (NAME, "LÒ VĂN PÁO")])
def test_a_rejected_line_and_its_message_hide_an_altered_copy(applicant: str, copy: str) -> None:
    raw = orjson.dumps({**BASE, "data": {**BASE["data"], "applicant": applicant, "documents": copy}})
    rejected = parse_event(raw, line_no=3)
    assert isinstance(rejected, Rejection)
    assert not _clear(rejected.message), rejected.message
    assert not _clear(PSEUDO.scrub_raw(raw).decode()), PSEUDO.scrub_raw(raw)
