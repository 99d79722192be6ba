"""No applicant leaves in an export: neither in clear nor as a pseudonym (``reporting.exports.model``:
applicants, free-text reasons, the acting official and unknown fields are not exported at all).

The privacy corpus (``tests/privacy_corpus.py``: a marker applicant in every position, spelling and value
shape, valid and broken lines) is exported from the file and, after ``warehouse load``, from the warehouse;
the simulated province (applicants in ``data.applicant``) likewise."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.exports.conftest import AS_OF, cli, ok
from tests.privacy_corpus import corpus, leaks

#: Words of what is never exported: the member name, the pseudonyms' prefix, a reason the corpus and the
#: simulator write, the simulator's officials.
NEVER = (b"applicant", b"hmac-sha256", b"Applicant", b"cb-0")


@pytest.fixture(scope="module")
def marker_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("privacy") / "corpus.jsonl"
    path.write_text("\n".join(corpus()) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["xes", "ocel"])
def test_the_marker_applicant_is_in_no_export_of_a_file_or_of_the_warehouse(
    fmt: str, marker_file: Path, tmp_path: Path
) -> None:
    url = f"chdb://{tmp_path}/wh"
    ok(cli("warehouse", "load", str(marker_file), "--warehouse", url, "--as-of", AS_OF))
    from_file, from_warehouse = tmp_path / f"file.{fmt}", tmp_path / f"wh.{fmt}"
    result = ok(cli("export", fmt, str(marker_file), "--as-of", AS_OF, "--out", str(from_file)))
    assert "rejected" in result.stderr  # the corpus's broken lines are counted, not exported
    ok(cli("export", fmt, "--warehouse", url, "--out", str(from_warehouse)))
    for out in (from_file, from_warehouse):
        text = out.read_bytes()
        assert text.count(b"priv-") > 50  # the corpus's valid events are there
        assert not leaks(text), out.name
        assert not [word for word in NEVER if word in text], out.name
        assert not leaks(result.stderr + result.stdout)


def test_the_simulated_applicants_and_officials_are_in_no_export(province: Path, tmp_path: Path) -> None:
    applicants = set()
    for line in province.read_bytes().splitlines():
        applicant = orjson.loads(line)["data"].get("applicant")
        if applicant:
            applicants.add(applicant.encode())
    assert len(applicants) > 50
    for fmt in ("xes", "ocel"):
        out = tmp_path / f"log.{fmt}"
        ok(cli("export", fmt, str(province), "--as-of", AS_OF, "--out", str(out)))
        text = out.read_bytes()
        assert not [a for a in applicants if a in text]
        assert not [word for word in NEVER if word in text]
