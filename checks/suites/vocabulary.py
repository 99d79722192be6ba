"""Suite ``vocabulary``: closed vocabularies of the contract and the rulebook.

Event types and channels (per event type, as the contract allows them), the dossier projection's
reception channel and end type, and each stored violation's (rule, severity) against the rulebook. All
blocking: a value outside the vocabulary is counted in no column of the reporting form, or in the wrong one.
"""

from __future__ import annotations

from checks.check import CORRECTING, CORRECTING_VI, DOSSIERS, EVENTS, VIOLATIONS, Advice, Check, in_set
from checks.suite_run import SuiteRun
from inspections.audit_error import AUDIT_ERROR
from inspections.rulebook import RULEBOOKS
from schemas.events import END_TYPES, EventType

SUITE = "vocabulary"
BLOCKING = True  # whether any of its expectations blocks reports
DESCRIPTION = "Event types, channels, end types and violation severities are in their closed vocabularies."
#: What an operator does when the suite fails (Dagster's check metadata, the withheld-report note).
NEXT_STEP = Advice(
    vi=(
        "Kho dữ liệu có bản ghi mang giá trị ngoài tập giá trị cho phép của hợp đồng dữ liệu (data "
        "contract) hoặc của bộ quy tắc (danh sách cụ thể có trong kết quả kiểm tra). Mọi cách nạp dữ liệu "
        "đều kiểm tra sự kiện, và bộ quy tắc liệt kê mọi quy tắc của mọi phiên bản, nên các bản ghi này "
        "đã được ghi vào kho bằng cách khác (ví dụ ghi trực tiếp bằng SQL): xóa chúng cùng các bản ghi vi "
        f"phạm và bản ghi hồ sơ (dossiers, dossier_outcomes) được tạo từ chúng ({CORRECTING_VI}), nạp lại "
        "các sự kiện đúng của hồ sơ, rồi lập lại báo cáo của các tuần liên quan."
    ),
    en=(
        "Stored rows hold values outside the data contract's or the rulebook's allowed values (the "
        "check's results list them). Every load and the stream validate events, and the rulebook lists "
        "every rule of every version, so these rows were written another way (SQL by hand): delete them, "
        f"with the violations and dossier rows they made ({CORRECTING}), load the dossiers' right events "
        "again, then build the weeks they touch again."
    ),
)

CHANNELS = ("direct", "online", "postal")
#: "type:channel" as the contract allows: online submission only; reception and return by any channel.
TYPE_CHANNELS = (
    "submitted:online",
    *(f"received:{c}" for c in CHANNELS),
    *(f"returned:{c}" for c in CHANNELS),
)
_WITH_CHANNEL = frozenset({EventType.SUBMITTED, EventType.RECEIVED, EventType.RETURNED})


def event_checks() -> list[Check]:
    return [
        Check(
            expectation="events.type is a contract event type",
            column="type",
            blocking=True,
            build=in_set("type", [t.value for t in EventType]),
            fail_vi="Loại sự kiện ngoài danh mục của hợp đồng dữ liệu: {n}",
            fail_en="Event type outside the data contract's vocabulary: {n}",
            ok_vi="Loại sự kiện hợp lệ ({total})",
            ok_en="Event types are valid ({total})",
        ),
        Check(
            expectation="events.data.channel is allowed for the event type",
            column="channel",
            blocking=True,
            build=in_set("type_channel", TYPE_CHANNELS),
            fail_vi="Kênh nộp / tiếp nhận / trả kết quả không hợp lệ: {n}",
            fail_en="Submission, reception or return channel not allowed: {n}",
            ok_vi="Kênh nộp / tiếp nhận / trả kết quả hợp lệ ({total})",
            ok_en="Submission, reception and return channels are valid ({total})",
            params={"allowed": list(TYPE_CHANNELS)},
        ),
    ]


def dossier_checks() -> list[Check]:
    return [
        Check(
            expectation="dossiers.channel is a reception channel",
            column="channel",
            blocking=True,
            build=in_set("channel", CHANNELS),
            fail_vi="Kênh tiếp nhận của hồ sơ không hợp lệ: {n}",
            fail_en="Dossier reception channel not valid: {n}",
            ok_vi="Kênh tiếp nhận của hồ sơ hợp lệ ({total})",
            ok_en="Dossier reception channels are valid ({total})",
        ),
        Check(
            expectation="dossiers.end_type is an end event type",
            column="end_type",
            blocking=True,
            build=in_set("end_type", [str(t) for t in END_TYPES]),
            fail_vi="Loại kết thúc của hồ sơ không hợp lệ: {n}",
            fail_en="Dossier end type not valid: {n}",
            ok_vi="Loại kết thúc của hồ sơ hợp lệ ({total})",
            ok_en="Dossier end types are valid ({total})",
        ),
    ]


def violation_check(allowed: list[str]) -> Check:
    return Check(
        expectation="violations.rule_id and severity match the rulebook",
        column="severity",
        blocking=True,
        build=in_set("rule_severity", allowed),
        fail_vi="Vi phạm đang có hiệu lực có mã quy tắc hoặc mức độ không khớp bộ quy tắc: {n}",
        fail_en="Violations in force whose rule or severity is not the rulebook's: {n}",
        ok_vi="Mã quy tắc và mức độ của vi phạm đang có hiệu lực khớp bộ quy tắc ({total})",
        ok_en="Rules and severities of the violations in force match the rulebook ({total})",
    )


def run(suite: SuiteRun) -> None:
    inputs = suite.inputs
    events = inputs.events.copy()
    has_channel = events["type"].isin([str(t) for t in _WITH_CHANNEL])
    events["type_channel"] = (events["type"] + ":" + events["channel"]).where(has_channel, None)
    suite.validate(events, event_checks(), EVENTS, id_columns=["event_id", "dossier_id"])
    suite.validate(inputs.dossiers, dossier_checks(), DOSSIERS, id_columns=["dossier_id"])

    # The violations in force (open): those the reports show. How many a stream detector opened and then
    # retracted depends on the order its events arrived in, and the count the report prints changed between
    # two runs of the same input (465, then 466: README's "byte for byte": onboarding review).
    stored = inputs.violations
    violations = stored[stored["state"] == "open"].copy()
    violations["rule_severity"] = (
        violations["rule_id"] + ":" + violations["severity"] + ":" + violations["rulebook_version"]
    )
    # Each rule of each registered version with its severity in that version, and AUDIT_ERROR, under the
    # version the verdict names: a report says when its week holds verdicts of two versions (the guide); the
    # deployed version's alone blocked every week holding a v2 finding once a deployment was set back to v1
    # (newcomer's review).
    books = [*RULEBOOKS.values(), *inputs.rulebooks.versions]
    keys = {f"{r.rule_id}:{r.severity.value}:{b.version}" for b in books for r in (*b.all_rules, AUDIT_ERROR)}
    allowed = sorted(keys)
    suite.validate(violations, [violation_check(allowed)], VIOLATIONS, id_columns=["dossier_id", "rule_id"])
