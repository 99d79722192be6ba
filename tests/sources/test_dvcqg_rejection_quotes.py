"""A rejection's reason quotes the value it refuses, unless it may name someone (then "[…]"), in every
message of the import (review of 2026-12-07): an unknown ``KenhThucHien`` or ``HinhThuc`` was quoted as
written (``HinhThuc 'Lê Văn Tám' is not 0 or 1``, on stderr and in ``.rejected.jsonl``), and so was a key
given twice in one object, the reader's problem that no applicant scrubbing reaches.
"""

from __future__ import annotations

import orjson
import pytest

from sources.dvcqg.notes import WITHHELD
from tests.sources.payloads import dossier, encode, run, sync_body

NAME = "Lê Văn Tám"


def _rejected(payload: bytes) -> tuple[str, str, str]:
    """(reason code, message, the rejected record's members but its raw, which the command masks whole:
    ``privacy.raw_scrubber``) of the one record refused."""
    _, rejected, _ = run(payload)
    (record,) = rejected
    written = {k: v for k, v in record.to_json().items() if k != "raw"}
    return record.code, record.message, orjson.dumps(written).decode()


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (dossier(method=NAME), "HinhThuc.unknown"),
        (dossier(channel=NAME), "KenhThucHien.unknown"),
        (dossier(channel=NAME.upper()), "KenhThucHien.unknown"),
    ],
)
def test_an_unknown_channel_or_return_method_naming_someone_is_not_quoted(record: dict, code: str) -> None:
    got, message, written = _rejected(encode(sync_body(record)))
    assert got == code
    assert WITHHELD in message, message
    assert "Tám" not in written and "TÁM" not in written and "Văn" not in written, written


@pytest.mark.parametrize(("record", "shown"), [(dossier(method="2"), "'2'"), (dossier(channel="4"), "'4'")])
def test_an_unknown_code_naming_nobody_is_still_quoted(record: dict, shown: str) -> None:
    _, message, _ = _rejected(encode(sync_body(record)))
    assert shown in message, message


def test_a_key_given_twice_is_quoted_unless_it_may_name_someone() -> None:
    twice = '{"service": "DongBoHoSoMC", "data": [{"MaHoSo": "x", "Lê Văn Tám": 1, "Lê Văn Tám": 2}]}\n'
    code, message, written = _rejected(twice.encode())
    assert code == "record.duplicate_key"
    assert WITHHELD in message and "Tám" not in written, written
    plain = b'{"service": "DongBoHoSoMC", "data": [{"MaHoSo": "x", "MaHoSo": "y"}]}\n'
    assert "the key 'MaHoSo' is given twice" in _rejected(plain)[1]
