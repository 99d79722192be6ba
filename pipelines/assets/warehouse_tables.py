"""The warehouse tables the weekly assets read, declared as external assets for lineage (the sink, the
detector and ``warehouse load`` write them, not Dagster)."""

from __future__ import annotations

from dagster import AssetKey, AssetSpec

EVENTS = AssetKey(["warehouse", "events"])
DOSSIERS = AssetKey(["warehouse", "dossiers"])
VIOLATIONS = AssetKey(["warehouse", "violations"])
LOAD_RUNS = AssetKey(["warehouse", "load_runs"])


def warehouse_tables() -> list[AssetSpec]:
    return [
        AssetSpec(
            EVENTS,
            description="Every valid dossier event (and rejected_events: the dead letters).",
            group_name="warehouse",
            kinds={"clickhouse"},
        ),
        AssetSpec(
            DOSSIERS,
            description="Dossier projections and outcome histories (reporting form source).",
            group_name="warehouse",
            kinds={"clickhouse"},
        ),
        AssetSpec(
            VIOLATIONS,
            description="Open and retracted violations (detector and batch audit).",
            group_name="warehouse",
            kinds={"clickhouse"},
        ),
        AssetSpec(
            LOAD_RUNS,
            description="Each warehouse load's start and end (a load interrupted leaves its run unfinished).",
            group_name="warehouse",
            kinds={"clickhouse"},
        ),
    ]
