"""Every average of the weekly report is over the same weeks: those before with dossiers to handle.

The review of 2026-12-04 found page 1 comparing this week's on-time rate with "the 4 weeks before" and, in
the next sentence, its violations with "the 5 weeks before": a week holding only a `submitted` event (an
online submission never received) counted as a week with data for the violations (any stored event) but
not for the rate (no dossier to handle), so the violations' average was divided by one week too many.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import orjson

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.jobs.warehouse import init, load_file
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting import counting, findings
from reporting.api import violation_summary
from reporting.model import build_report
from warehouse import open_warehouse

WEEK = Week.parse("2025-W45")
UNIT, PROCEDURE = "000.10.01.H99", "1.004222"


def _dossier(n: int, received: datetime, *, late: bool) -> list[dict[str, object]]:
    dossier_id = f"{UNIT}-{received:%y%m%d}-{n:04d}"
    due = received + timedelta(days=2)
    end = due + timedelta(days=1 if late else -1)

    def event(kind: str, at: datetime, data: dict[str, object]) -> dict[str, object]:
        envelope = {"schema_version": 1, "event_id": f"{dossier_id}-{kind}", "dossier_id": dossier_id}
        return {**envelope, "type": kind, "occurred_at": at.isoformat(), "unit_code": UNIT, "data": data}

    return [
        event(
            "received",
            received,
            {
                "procedure_code": PROCEDURE,
                "channel": "direct",
                "due_at": due.isoformat(),
                "documents": ["CT01"],
            },
        ),
        event("processed", end, {"outcome": "granted"}),
        event("returned", end + timedelta(hours=1), {"channel": "direct"}),
    ]


def test_the_rate_and_the_violations_are_averaged_over_the_same_weeks(tmp_path: Path) -> None:
    lines: list[dict[str, object]] = []
    for back, late in ((4, False), (3, True), (2, False), (1, True), (0, True)):  # W41..W45 have dossiers
        monday = datetime.combine(WEEK.previous(back).start, datetime.min.time(), VN_TZ)
        lines += _dossier(back, monday + timedelta(hours=9), late=late)
    w40 = datetime.combine(WEEK.previous(5).start, datetime.min.time(), VN_TZ) + timedelta(hours=9)
    lines.append({"schema_version": 1, "event_id": "sub-only", "dossier_id": f"{UNIT}-251001-9999",
                  "type": "submitted", "occurred_at": w40.isoformat(), "unit_code": UNIT,
                  "data": {"procedure_code": PROCEDURE, "channel": "online"}})  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    platform = Platform(load_settings())
    as_of = datetime(2025, 11, 20, tzinfo=VN_TZ)
    with open_warehouse(f"chdb://{tmp_path}/wh", create_database=True) as wh:
        init(platform, wh)
        load_file(platform, wh, path, as_of)
        report = build_report(platform.catalogue, platform.report_header("vi"), wh, WEEK, as_of=as_of)
        # The API's summary counts the weeks itself (the report passes its own): the same weeks.
        counts = counting.violation_counts(platform.catalogue, wh, WEEK)
        summary = violation_summary(platform.catalogue, wh, WEEK)
    assert report.prior_weeks == len(report.earlier_forms) == 4  # W40 held only a submission
    assert report.violations.previous_8_avg == 0.5  # two late weeks of the four
    assert counts.prior_weeks == 4 and counts.previous_8_avg == 0.5
    assert summary["previous_8_weeks_avg"] == 0.5 and summary["prior_weeks_with_data"] == 4
    text = " ".join(findings.key_findings(report))
    assert "bình quân 4 tuần trước" in text and "5 tuần trước" not in text, text
    assert date(2025, 9, 29) == WEEK.previous(5).start  # W40, the week of the submission only
