"""The chaos run's observations and invariants: the file's events, the stored and published violations,
and how they differ from the expected answer (issue 19; see ``tests/streams/chaos_support.py``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaAdminClient

from schemas.lines import parse_line, without_bom
from schemas.validation import Rejection
from tests.streams.detector_support import final_open_set

VKey = tuple[str, str, str]


def parse_file(path: Path) -> tuple[list[str], int]:
    """The event ids of the file's valid lines (the ingest's own parser), in file order, duplicates kept;
    and the number of lines it rejects."""
    ids, rejected = [], 0
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        parsed = parse_line(without_bom(line) if number == 1 else line, line_no=number)
        if isinstance(parsed, Rejection):
            rejected += 1
        else:
            ids.append(parsed.event_id)
    return ids, rejected


def _instant(value: str) -> str | None:
    """``value`` as a UTC instant if it is an RFC 3339 time with an offset, else None."""
    if len(value) < 20 or value[4] != "-" or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp().hex()


def normalised(value: Any) -> Any:
    """A violation document with every time as an instant (so +07:00 and UTC renderings compare equal)."""
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, str):
        instant = _instant(value)
        return f"instant:{instant}" if instant is not None else value
    return value


def violation_key(doc: dict[str, Any]) -> VKey:
    return (str(doc["dossier_id"]), str(doc["rule_id"]), str(doc.get("event_id") or ""))


def by_key(docs: Iterable[dict[str, Any]]) -> tuple[dict[VKey, dict[str, Any]], list[VKey]]:
    """Documents by violation key, and the keys seen more than once."""
    found: dict[VKey, dict[str, Any]] = {}
    twice = []
    for doc in docs:
        key = violation_key(doc)
        if key in found:
            twice.append(key)
        found[key] = doc
    return found, twice


def json_lines(text: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def published_open_set(bootstrap: str, topic: str) -> dict[VKey, dict[str, Any]]:
    """What the detectors published, newest version per key wins: the open ones (read to the topic's true
    end, as the detector tests read it)."""
    return final_open_set(bootstrap, topic)


def describe_group(bootstrap: str, group: str) -> str:
    """A consumer group's state and members as the broker describes them (for the report), or why not."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    except Exception as exc:
        return f"group {group}: cannot connect ({type(exc).__name__}: {exc})"
    try:
        # tansu answers authorized operations kafka-python cannot name: skip their decoding.
        admin._process_acl_operations = lambda obj: obj
        found = admin.describe_groups([group]).get(group, {})
        members = [m.get("member_id", "?") for m in found.get("members", [])]
        return f"group {group}: state {found.get('group_state')}, {len(members)} members {members}"
    except Exception as exc:
        return f"group {group}: cannot describe ({type(exc).__name__}: {exc})"
    finally:
        admin.close()


def _keys(keys: Iterable[VKey], limit: int = 12) -> str:
    shown = sorted(keys)
    text = ", ".join("/".join(k[:2]) + (f"@{k[2]}" if k[2] else "") for k in shown[:limit])
    return text + (f", … ({len(shown) - limit} more)" if len(shown) > limit else "")


def diff_sets(
    want: dict[VKey, dict[str, Any]], got: dict[VKey, dict[str, Any]], *, got_name: str
) -> list[str]:
    """Lines saying how ``got`` differs from ``want`` (empty when equal, times compared as instants)."""
    lines = []
    missing, extra = want.keys() - got.keys(), got.keys() - want.keys()
    if missing:
        lines.append(f"{len(missing)} missing from {got_name}: {_keys(missing)}")
        lines.append(f"    missing by rule: {dict(Counter(k[1] for k in missing))}")
    if extra:
        lines.append(f"{len(extra)} extra in {got_name}: {_keys(extra)}")
        lines.append(f"    extra by rule: {dict(Counter(k[1] for k in extra))}")
        for key in sorted(extra)[:3]:
            evidence = orjson.dumps(got[key].get("evidence")).decode()
            lines.append(f"    extra {'/'.join(key)} evidence: {evidence}")
    differ = [k for k in want.keys() & got.keys() if normalised(want[k]) != normalised(got[k])]
    if differ:
        lines.append(f"{len(differ)} with other content in {got_name}: {_keys(differ)}")
        key = sorted(differ)[0]
        fields = sorted(f for f in want[key].keys() | got[key].keys()
                        if normalised(want[key].get(f)) != normalised(got[key].get(f)))  # fmt: skip
        for f in fields[:4]:
            lines.append(f"    {'/'.join(key)} {f}: audit {want[key].get(f)!r} vs {got[key].get(f)!r}")
    return lines


@dataclass
class Outcome:
    """What a run observed, for the invariants and the report."""

    valid_ids: list[str] = field(default_factory=list)
    audit: dict[VKey, dict[str, Any]] = field(default_factory=dict)
    stored_ids: Counter[str] = field(default_factory=Counter)
    stored_final_count: int = 0
    rejected_lines: int = 0
    stored_rejected: int = 0
    stored_violations: dict[VKey, dict[str, Any]] = field(default_factory=dict)
    stored_twice: list[VKey] = field(default_factory=list)
    published: dict[VKey, dict[str, Any]] | None = None
    ingest_code: int | None = None
    drains: dict[str, int | None] = field(default_factory=dict)
    unexpected_exits: list[str] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    #: The drain's stuck-group recoveries (the runbook's new group id), one line each.
    recoveries: list[str] = field(default_factory=list)


def broken_invariants(o: Outcome, aborted: str | None) -> list[str]:
    """Each broken invariant of a run, by name (``drain``, ``workers``, ``events``, …) with its evidence."""
    broken = list(o.failures)
    if aborted is not None:
        return [*broken, f"harness: the run did not complete\n{aborted}"]
    if o.unexpected_exits:
        broken.append("workers: " + "; ".join(o.unexpected_exits))
    want = Counter(o.valid_ids)
    events = []
    if o.stored_final_count != len(want):
        events.append(f"{o.stored_final_count} events stored (FINAL), the file has {len(want)} valid")
    missing, extra = want.keys() - o.stored_ids.keys(), o.stored_ids.keys() - want.keys()
    twice = [i for i, n in o.stored_ids.items() if n > 1]
    if missing:
        events.append(f"{len(missing)} missing: {sorted(missing)[:10]}")
    if extra:
        events.append(f"{len(extra)} not in the file: {sorted(extra)[:10]}")
    if twice:
        events.append(f"{len(twice)} stored twice: {sorted(twice)[:10]}")
    if o.stored_rejected != o.rejected_lines:
        events.append(
            f"{o.stored_rejected} rejected records stored, the file has {o.rejected_lines} bad lines"
        )
    # With a drain unfinished, what was not consumed yet is missing: say so next to the differences.
    caveat = (
        " [a drain did not finish: part of this may follow from it]"
        if any(code != 0 for code in o.drains.values())
        else ""
    )
    if events:
        broken.append("events: " + "; ".join(events) + caveat)
    lines = diff_sets(o.audit, o.stored_violations, got_name="the stored open violations")
    if o.stored_twice:
        lines.append(f"{len(o.stored_twice)} keys listed twice: {_keys(o.stored_twice)}")
    if lines:
        if o.published is not None:
            side = diff_sets(o.audit, o.published, got_name="the published open set")
            lines.append(
                "  published by the detectors vs the batch audit: "
                + ("equal (so the sink lost or mangled them)" if not side else "")
            )
            lines += [f"    {line}" for line in side]
        broken.append("violations: " + "\n  ".join(lines) + caveat)
    return broken
