"""The committed JSON Schema is exactly what the models generate."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.events import EventType
from schemas.jsonschema import REGENERATE, SCHEMA_ID, SCHEMA_PATH, generate, main, render


def test_committed_schema_is_up_to_date() -> None:
    committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    assert committed == render(generate()), f"schemas/event.schema.json is stale: run `{REGENERATE}`"


def test_schema_names_contract_version_and_all_types() -> None:
    schema = generate()
    assert schema["$id"] == SCHEMA_ID
    assert "version 1" in schema["title"]
    assert "version 1" in schema["description"]
    assert set(schema["discriminator"]["mapping"]) == {t.value for t in EventType}
    received = schema["$defs"]["Received"]
    assert received["properties"]["schema_version"] == {
        "const": 1,
        "title": "Schema Version",
        "type": "integer",
    }
    assert received["additionalProperties"] is True
    due_at = schema["$defs"]["ReceivedData"]["properties"]["due_at"]["anyOf"][0]
    assert due_at["format"] == "date-time"
    assert "due_at" in schema["$defs"]["ReceivedData"]["required"]


def test_main_writes_sorted_indented_file(tmp_path: Path) -> None:
    target = tmp_path / "event.schema.json"
    assert main([str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
