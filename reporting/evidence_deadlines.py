"""Evidence sentences of the rules about time (:mod:`reporting.evidence` picks one per rule): lateness
against the appointment, the apology's timing and its new date, rescheduling, the appointment itself and
changes to it.

Why together: these sentences share how they say when the dossier was due (:func:`_due`), how and when it
ended with the waiting time subtracted (:func:`_end`), by how much it was late and whether the time limit
restarted after a supplement (:func:`_lateness`, :func:`_clock`), so a printed pack words each of these
alike.
"""

from __future__ import annotations

from typing import Any

from reporting.evidence_times import local_day
from reporting.evidence_words import Ev, days_en, event_name, max_time_text, value_text


def _due(ev: Ev) -> str:
    """The appointment the lateness is judged against."""
    if ev.get("due_at"):
        text = ev.w(f"Hẹn trả {ev.when('due_at')}", f"Due {ev.when('due_at')}")
    else:
        legal = ev.when("legal_due_at") if ev.get("legal_due_at") else ev.when("due_date")
        text = ev.w(
            f"Tiếp nhận {ev.when('received_at')} không hẹn trả; hạn theo thời hạn quy định {legal}",
            f"Received {ev.when('received_at')} with no appointment; legal due {legal}",
        )
    if ev.get("basis") == "restart" and ev.get("restart_at"):
        text += ev.w(
            f"; thời hạn tính lại từ khi bổ sung xong {ev.when('restart_at')}, đến hạn {ev.when('due_date')}",
            f"; time limit restarted at the completion {ev.when('restart_at')}, due {ev.when('due_date')}",
        )
    if ev.get("basis") == "repeated_supplement":
        n = ev.count("supplement_requests")
        text += ev.w(  # the index's counting, not a clause of the decree (legal review)
            f"; yêu cầu bổ sung {n} lần nên hồ sơ tính là trễ hạn theo cách tính chỉ số 766",
            f"; {n} supplement requests count as late by the 766 index's counting",
        )
    return text


def _end(ev: Ev) -> str:
    """How (and when) the processing ended, with the waiting time subtracted."""
    if ev.get("waiting") is True:  # end_at is the supplement request the applicant has not answered
        text = ev.w(
            f"đang chờ người nộp bổ sung từ {ev.when('end_at')}",
            f"waiting for the applicant's supplement since {ev.when('end_at')}",
        )
        if ev.get("end_type") is not None:
            name = event_name(ev.get("end_type"), ev.lang)
            text = ev.w(f"{text}, sau đó {name}", f"{text}, then {name}")
    elif ev.get("end_type") is None:
        # "Recorded": the audit knows what its sources sent by then, not what the unit did (a source a day
        # behind made "chưa có kết quả" a statement of fact on no data: review of the signed documents).
        at = ev.when("end_at")
        text = ev.w(f"chưa ghi nhận kết quả tính đến {at}", f"no result recorded at {at}")
    else:
        text = f"{event_name(ev.get('end_type'), ev.lang)} {ev.when('end_at')}"
    waits = []
    for key, vi, en in (("supplement_hours", "chờ bổ sung", "waiting for supplements"),
                        ("financial_hours", "chờ nghĩa vụ tài chính", "waiting for fees")):  # fmt: skip
        hours = ev.get(key)
        if isinstance(hours, int | float) and not isinstance(hours, bool) and hours > 0:
            unit = "hour" if hours == 1 else "hours"  # "1 hours" (review)
            waits.append(ev.w(f"{value_text(float(hours))} giờ {vi}", f"{hours:g} {unit} {en}"))
    if waits:
        text += ev.w(" (trừ ", " (less ") + ", ".join(waits) + ")"
    return text


def _lateness(ev: Ev, due: Any = None) -> str:
    still_open = ev.get("end_type") is None and ev.get("waiting") is not True  # judged at the audit instant
    late = ev.late_by(
        due if due is not None else ev.get("due_date"), ev.get("effective_end"), open_end=still_open
    )
    return f" — {late}" if late else ""


def _clock(ev: Ev) -> str:
    """The clause the rulebook's restart setting reads (Decree 61/2018, Art. 19(4)), said only when the time
    limit did restart, and under Decree 118 as Decree 61's rule, unconfirmed since (LEGAL.md §2)."""
    if ev.get("supplement_clock") != "restart" or not ev.get("restart_at"):
        return ""
    if ev.under_118:
        vi = "thời hạn tính lại sau bổ sung (khoản 4 Điều 19)"
        en = "time limit restarts after supplements (Art. 19(4))"
        return "; " + ev.rule_of_61(vi, en)
    return ev.w(
        "; thời hạn tính lại sau bổ sung (khoản 4 Điều 19 Nghị định 61/2018)",
        "; time limit restarts after supplements (Decree 61/2018, Art. 19(4))",
    )


def late_no_apology(ev: Ev) -> str:
    """An ended dossier's apology is looked for before its end (RULES, LATE_NO_APOLOGY; amendment 6): one
    issued after it does not count, and "không có Văn bản xin lỗi" read as wrong to an inspector holding
    the letter of the day after (review). The sentence says "before then"."""
    if ev.get("end_type") is None:
        missing = ev.w(f"; không có {ev.apology()}", f"; no {ev.apology()}")
    else:
        missing = ev.w(
            f"; không có {ev.apology()} lập trước thời điểm đó", f"; no {ev.apology()} issued before then"
        )
    return f"{_due(ev)}; {_end(ev)}{_lateness(ev)}{missing}{_clock(ev)}"


def apology_too_late(ev: Ev) -> str:
    lead = ev.count("lead_working_days")
    return (
        f"{_due(ev)}; "
        + ev.w(
            f"{ev.apology()} lập {ev.when('apology_at')}, sau hạn chót {ev.when('apology_deadline')} "
            f"({lead} ngày làm việc trước ngày hẹn; đọc “01 ngày” là ngày làm việc: chưa xác nhận); ",
            f"{ev.apology()} issued {ev.when('apology_at')}, after the deadline "
            f"{ev.when('apology_deadline')} ({days_en(lead)} before the due date; reading the decree's "
            "“01 day” as a working day: unconfirmed); ",
        )
        + _deadline_before_receipt(ev)
        + f"{_end(ev)}{_lateness(ev)}{_clock(ev)}"
    )


def _deadline_before_receipt(ev: Ev) -> str:
    """Said when the apology's deadline falls before the day the dossier was received (a procedure due
    within its lead, same-day ones above all): no apology could meet it, which the sentence alone hid, "sau
    hạn chót 19/11" for a dossier received on 20/11 (review of the signed documents, 2026-12-07). The rule
    holds as the rulebook writes it; the inspector weighs it knowing so."""
    deadline, received = local_day(ev.get("apology_deadline")), local_day(ev.get("received_at"))
    if deadline is None or received is None or deadline >= received:
        return ""
    return ev.w(
        f"hạn chót này trước cả ngày tiếp nhận {ev.when('received_at')}: không văn bản xin lỗi nào đáp ứng "
        "được, cần xem xét khi kết luận; ",
        f"that deadline comes before the receipt on {ev.when('received_at')}: no apology could meet it, to "
        "be weighed before concluding; ",
    )


def missed_new_due_date(ev: Ev) -> str:
    late = _lateness(ev, ev.get("new_due_at"))
    return (
        ev.w(
            f"{ev.apology()} hẹn lại {ev.when('new_due_at')}; ",
            f"Apology promised {ev.when('new_due_at')}; ",
        )
        + _end(ev)
        + (late + ev.w(" so với ngày hẹn lại", " after the new date") if late else "")
        + _clock(ev)
    )


def rescheduled_more_than_once(ev: Ev) -> str:
    shown = ", ".join(value_text(d, ev.lang, ev.year) for d in ev.items("new_due_dates")) or ev.empty()
    n = ev.count("apologies")
    rule = ev.rule_of_61("chỉ được hẹn lại một lần", "a due date may be moved only once")
    return ev.w(f"Lập {n} {ev.apology()}, hẹn lại các ngày {shown} — {rule}",
                f"{n} apology notices, new dates {shown} — {rule}")  # fmt: skip


def no_appointment(ev: Ev) -> str:
    limit = max_time_text(ev.get("max_time"), ev.lang)
    return ev.w(
        "Tiếp nhận không ghi ngày hẹn trả trên Giấy tiếp nhận (mẫu 01), trong khi thời hạn giải quyết là "
        + limit,
        f"Received with no appointment on the receipt (form 01), although the time limit is {limit}",
    )


def due_date_overstated(ev: Ev) -> str:
    legal = ev.when("legal_due_at") if ev.get("legal_due_at") else ev.when("legal_due_date")
    limit = max_time_text(ev.get("max_time"), ev.lang)
    late = ev.late_by(ev.get("legal_due_date"), ev.get("due_at"), over=True)
    return ev.w(
        f"Hẹn trả {ev.when('due_at')}, muộn hơn hạn theo quy định {legal} (thời hạn {limit})",
        f"Appointment {ev.when('due_at')}, later than the legal due {legal} (limit {limit})",
    ) + (f" — {late}" if late else "")


def _change(ev: Ev) -> str:
    return ev.w(
        f"Ngày hẹn trả sửa từ {ev.when('old_due_at')} sang {ev.when('new_due_at')}",
        f"Due date changed from {ev.when('old_due_at')} to {ev.when('new_due_at')}",
    )


def _in_force(ev: Ev) -> str:
    if "due_at_in_force" not in ev.facts:
        return ""
    return ev.w(
        f"; ngày hẹn đang có hiệu lực: {ev.when('due_at_in_force')}",
        f"; due date in force: {ev.when('due_at_in_force')}",
    )


def due_date_changed(ev: Ev) -> str:
    return (
        _change(ev)
        + _in_force(ev)
        + ev.w(
            f"; không có {ev.apology()} hẹn ngày này; lý do ghi: {ev.text('reason')}",
            f"; no {ev.apology()} promised this date; reason given: {ev.text('reason')}",
        )
    )


def old_due_date_mismatch(ev: Ev) -> str:
    return ev.w(
        f"Lần sửa ngày hẹn ghi ngày hẹn cũ {ev.when('old_due_at')}, nhưng ngày hẹn đang có hiệu lực là "
        f"{ev.when('due_at_in_force')}; sửa sang {ev.when('new_due_at')}; lý do ghi: {ev.text('reason')}",
        f"The change claims the old due date {ev.when('old_due_at')}, but "
        f"{ev.when('due_at_in_force')} was in force; changed to {ev.when('new_due_at')}; reason given: "
        + ev.text("reason"),
    )
