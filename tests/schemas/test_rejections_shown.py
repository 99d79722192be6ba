"""The rejected lines a command shows are the earliest of the file, in line order, whatever order its
workers report them in (review of 2026-12-04: the first ten reported, out of order, another ten each run)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from schemas.validation import EarliestRejections, Rejection


def _rejection(line: int | None) -> Rejection:
    return Rejection("json.invalid", "not JSON", line, b"{")


@given(st.lists(st.one_of(st.integers(1, 10_000), st.none()), max_size=60), st.integers(0, 12), st.randoms())
def test_the_earliest_lines_are_kept_in_line_order(lines: list[int | None], keep: int, order) -> None:
    given_order = [_rejection(line) for line in lines]
    order.shuffle(given_order)
    shown = EarliestRejections(keep)
    for rejection in given_order:
        shown(rejection)
    numbered = sorted(line for line in lines if line is not None)
    expected = (numbered + [None] * (len(lines) - len(numbered)))[:keep]
    assert [r.line_no for r in shown.samples] == expected


def test_validate_and_load_show_the_first_ten_rejected_lines_in_order(tmp_path) -> None:
    """Through the commands, with two workers splitting the file's dossiers between them."""
    import re

    from typer.testing import CliRunner

    from dossier_audit.cli import app

    events = tmp_path / "broken.jsonl"
    # Each an event of an unknown type, of its own dossier (so the worker of its dossier rejects it), or a
    # line that is not JSON (the first worker's): the workers report theirs in their own order.
    event = (
        '{{"schema_version": 1, "event_id": "e{n}", "dossier_id": "D{n}", "type": "approved_by_magic", '
        '"occurred_at": "2025-11-03T09:00:00+07:00", "unit_code": "U1", "data": {{}}}}'
    )
    broken = [event.format(n=n) if n % 3 else "{" for n in range(40)]
    events.write_text("\n".join(broken) + "\n")
    env = {"DOSSIER_AUDIT_BATCH_WORKERS": "2"}
    for args in (
        ["validate", str(events)],
        ["warehouse", "load", str(events), "--warehouse", f"chdb://{tmp_path}/wh", "--as-of", "2025-11-20"],
    ):
        result = CliRunner().invoke(app, args, env=env)
        assert re.findall(r"^  line (\d+):", result.stderr, re.M) == [str(n) for n in range(1, 11)], args
