"""Event lines carrying a marker applicant in every position the privacy tests know, and the leak check.

Shared by the property tests (``tests/schemas/test_privacy_any_depth.py``, which draw the same axes with
hypothesis) and the end-to-end test (``tests/project/test_privacy_marker.py``, which writes the whole
cartesian product to one file). JSON is written by hand (:func:`dump`) because the cases need what no
encoder writes: duplicate member names, escaped names, escaped or raw non-ASCII, pretty-printing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: A citizen-id-like number (12 digits, no leading zero so that it is also a JSON number) and a name.
CITIZEN_ID = "791234567890"
NAME = "Nguyễn Thị Hồng Nhung"
#: What must never be found in any output: every 6-digit piece of the id, and the name's distinctive words
#: ("Nhung" is all ASCII: it survives escaping of the rest; "Nguy" alone would match "Nguyên đán").
NEEDLES = (
    *(CITIZEN_ID[i : i + 6] for i in range(len(CITIZEN_ID) - 5)),
    "Nguyễn",
    "Hồng",
    "Nhung",
)
_PSEUDONYMS = re.compile(r"hmac-sha256:[0-9a-f]{64}")
#: The platform's own instants (``rejected_at``, ``ingested_at``...): their microseconds are six digits
#: that match a piece of the id once in ~140,000 instants (a dead letter's ``...:32.456789``), and a run
#: writes thousands.
_INSTANTS = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Obj:
    """A JSON object as its members in order (duplicate names allowed)."""

    members: tuple[tuple[str, Any], ...]


def obj(*members: tuple[str, Any]) -> Obj:
    return Obj(tuple(members))


def dump(node: Any, *, ascii_only: bool = False, indent: int | None = None, escape_key: bool = False) -> str:
    """JSON text of ``node``; ``escape_key`` writes each applicant-like name with its first letter as
    ``\\uXXXX``; ``indent`` pretty-prints (every container on its own lines)."""

    def text(value: str) -> str:
        return json.dumps(value, ensure_ascii=ascii_only)

    def name(value: str) -> str:
        if escape_key and value.casefold() == "applicant":
            return f'"\\u{ord(value[0]):04x}{json.dumps(value[1:], ensure_ascii=ascii_only)[1:]}'
        return text(value)

    def go(value: Any, depth: int) -> str:
        pad = "" if indent is None else "\n" + " " * (indent * (depth + 1))
        end = "" if indent is None else "\n" + " " * (indent * depth)
        sep = ", " if indent is None else ","
        if isinstance(value, Obj):
            if not value.members:
                return "{}"
            inner = sep.join(f"{pad}{name(k)}: {go(v, depth + 1)}" for k, v in value.members)
            return "{" + inner + end + "}"
        if isinstance(value, list):
            if not value:
                return "[]"
            return "[" + sep.join(f"{pad}{go(v, depth + 1)}" for v in value) + end + "]"
        if isinstance(value, str):
            return text(value)
        return json.dumps(value)

    return go(node, 0)


#: Spellings of the member name (escaping is a separate axis: :func:`dump`'s ``escape_key``).
KEYS = ("applicant", "Applicant", "APPLICANT", "aPpLiCaNt", "ａｐｐｌｉｃａｎｔ",
        # Stored in clear before (review of 2026-12-05): a dotted capital I, a space, a zero-width space.
        "applİcant", "applicant ", "appli\u200bcant",
        # And these (review of 2026-12-05, second): Cyrillic a, Cyrillic i, dotless i, Latin alpha, a capital
        # I for l, a space inside, a NUL before, a Hangul filler after.
        "\u0430pplicant", "appl\u0456cant", "appl\u0131cant", "\u0251pplicant", "appIicant", "app licant",
        "\u0000applicant", "applicant\u3164",
        # And these (review of 2026-12-05, third): a Greek capital Nu, the braille blank after, small
        # capitals, an enclosing circle after.
        "APPLICA\u039dT", "applicant\u2800", "\u1d00\u1d18\u1d18\u029f\u026a\u1d04\u1d00\u0274\u1d1b",
        "applicant\u20dd")  # fmt: skip


def _nested_lists(depth: int) -> list[Any]:
    """``[[...[]...]]``, ``depth`` arrays deep."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


#: Shapes of the applicant value: strings, numbers, objects and arrays holding the marker.
VALUES: tuple[Any, ...] = (
    CITIZEN_ID,
    int(CITIZEN_ID),
    NAME,
    f"{NAME} {CITIZEN_ID}",
    obj(("name", NAME), ("cccd", CITIZEN_ID)),
    [NAME, int(CITIZEN_ID)],
    obj(("person", obj(("ids", [CITIZEN_ID]), ("names", [obj(("full", NAME))])))),
    # The marker as an object KEY, with a value beyond the limits: a rejection message names where the
    # value is, and its path must stop at the applicant (``data.x.applicant.…``).
    obj((CITIZEN_ID, float("nan"))),
    obj((NAME, float("inf"))),
    obj((CITIZEN_ID, 10**30)),
    obj((NAME, _nested_lists(40))),
    obj(("ids", obj((CITIZEN_ID, 1), (CITIZEN_ID, 2)))),  # a repeated key under the applicant
)


def _placed(where: str, key: str, value: Any) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """(envelope extras, data extras) putting ``key: value`` at ``where``."""
    member = (key, value)
    match where:
        case "data":
            return [], [member]
        case "top":
            return [member], []
        case "source":
            return [("source", obj(("system", "dvcqg"), member))], []
        case "nested-object":
            return [("meta", obj(("x", obj(member))))], []
        case "nested-list":
            return [], [("attachments", [1, obj(member), []])]
        case "deep":
            return [("meta", [[obj(("a", [obj(("b", obj(member)))]))]])], []
        case "duplicate":  # an earlier duplicate holds the value, the last one is null
            return [], [member, (key, None)]
        case "duplicate-parent":  # an earlier duplicate parent holds it, the last one does not
            return [("meta", obj(member)), ("meta", 0)], []
    raise ValueError(where)


_DATA: dict[str, list[tuple[str, Any]]] = {
    "submitted": [("procedure_code", "1.004222"), ("channel", "online")],
    "received": [
        ("procedure_code", "1.004222"),
        ("channel", "direct"),
        ("due_at", "2025-11-12T17:00:00+07:00"),
        ("documents", ["CT01"]),
    ],
    "processed": [("outcome", "granted")],
    "refused": [("stage", "reception"), ("notice_id", None), ("reason", "")],
}
WHERE = ("data", "top", "source", "nested-object", "nested-list", "deep", "duplicate", "duplicate-parent")
KINDS = ("submitted", "received", "processed", "refused")


def event(n: int, kind: str, where: str, key: str, value: Any, *, valid: bool = True) -> Obj:
    """Event number ``n`` of ``kind`` (valid unless ``valid`` is false: then ``data`` misses a field)."""
    top, extra = _placed(where, key, value)
    data: list[tuple[str, Any]] = _DATA[kind]
    if not valid:
        data = data[1:] if kind != "processed" else [("outcome", "maybe")]
    return obj(
        ("schema_version", 1),
        ("event_id", f"priv-{n}"),
        ("dossier_id", f"000.10.01.H99-251103-{n % 7:04d}"),
        ("type", kind),
        ("occurred_at", f"2025-11-03T{8 + n % 9:02d}:00:00+07:00"),
        ("unit_code", "000.10.01.H99"),
        *top,
        ("data", obj(*data, *extra)),
    )


def breakages(line: str) -> Iterator[str]:
    """Broken lines made of one compact event line: cut inside and after the marker, split in two at each
    point of the marker (each half is a physical line), and a stray character at the end."""
    starts = [m.start() for m in re.finditer(f"{CITIZEN_ID[:6]}|Nguy", line)]
    for at in starts[:2]:
        for cut in (at + 2, at + 7):
            yield line[:cut]
            yield line[cut:]
    yield line + "}"
    yield line[: len(line) // 2]
    yield line[len(line) // 2 :]


def corpus() -> list[str]:
    """The end-to-end file: every kind × position × spelling × value, compact and valid or not; each
    escaped, ASCII-only and pretty-printed; their broken forms; and fragments standing alone."""
    lines: list[str] = []
    n = 0
    for where in WHERE:
        for key in KEYS:
            for value in VALUES:
                kind = KINDS[n % len(KINDS)]
                for valid in (True, False):
                    n += 1
                    doc = event(n, kind, where, key, value, valid=valid)
                    variant = n % 3
                    line = dump(doc, ascii_only=variant == 1, escape_key=variant == 2)
                    lines.append(line)
                    if n % 4 == 0:
                        lines.extend(breakages(line))
                    if n % 5 == 0:
                        lines.extend(dump(doc, indent=2).splitlines())
    lines.extend(dump(v) for v in VALUES)  # fragments standing alone
    lines.extend(dump(obj(("x", v))) for v in VALUES)
    return lines


def leaks(output: str | bytes) -> list[str]:
    """The needles found in ``output`` (after undoing ``\\uXXXX`` escapes, ignoring pseudonyms and the
    platform's own instants, whose hex digits or microseconds could match a piece of the id by chance)."""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    text = _INSTANTS.sub("", _PSEUDONYMS.sub("", text))
    unescaped = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return [needle for needle in NEEDLES if needle in text or needle in unescaped]
