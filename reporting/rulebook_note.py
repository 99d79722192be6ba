"""What the weekly report says when its violations were judged by more than one rulebook version.

A deployment judges by the one version its settings name, and verdicts already stored keep the version that
made them (a past dossier's verdict does not change under the inspectors' feet: the operator's guide). So a
warehouse whose setting changed holds, for one week, the ended dossiers' verdicts of the old version beside
the open ones' of the new, until its history is re-evaluated; two reports of one week could disagree with
nothing on either saying why (review of rules over time). The report then names each version with its count
and what to do, in one sentence.
"""

from __future__ import annotations

from inspections.weeks import Week
from reporting.gather import week_bounds
from warehouse.base import Warehouse
from warehouse.queries import load_sql

_MIXED = {
    "vi": "Vi phạm của tuần được đánh giá theo {n} phiên bản bộ quy tắc ({versions}): hồ sơ đánh giá trước "
    "khi đổi phiên bản giữ kết quả cũ; đánh giá lại dữ liệu đã lưu theo một phiên bản (hướng dẫn vận hành) "
    "trước khi so sánh các tuần.",
    "en": "The week's violations were judged by {n} rulebook versions ({versions}): dossiers judged before "
    "the version changed keep their verdicts; re-evaluate the stored history under one version (operator's "
    "guide) before comparing weeks.",
}
_VERSION = {"vi": "phiên bản {v}: {n} vi phạm", "en": "version {v}: {n} violations"}


def week_rulebook_versions(wh: Warehouse, week: Week) -> tuple[tuple[str, int], ...]:
    """(version, open violations) of the week's verdicts, by version."""
    from_s, to_s = week_bounds(week)
    rows = wh.query(load_sql("report_week_rulebook_versions"), {"from_s": from_s, "to_s": to_s})
    return tuple((str(version), int(n)) for version, n in rows)


def rulebook_lines(versions: tuple[tuple[str, int], ...], lang: str) -> list[str]:
    """The sentence for a week judged by more than one version; none for one (or none)."""
    if len(versions) < 2:
        return []
    named = "; ".join(_VERSION[lang].format(v=v, n=n) for v, n in versions)
    return [_MIXED[lang].format(n=len(versions), versions=named)]
