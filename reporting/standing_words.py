"""A dossier's standing in words, as the audit packs and the console's dossier page say it: how it ended
(with the time its clock stopped for a supplement), or that it is in progress, within time, overdue or
waiting for the applicant, and as of when."""

from __future__ import annotations

from datetime import datetime

from reporting.i18n import Texts
from reporting.pack_texts import pack_text

__all__ = ["paused_text", "status_text"]


def status_text(
    t: Texts,
    end_type: str | None,
    status: str,
    waiting: int = 0,
    paused: int = 0,
    as_of: datetime | None = None,
) -> str:
    """A dossier's standing: how it ended, waiting for the applicant's supplement (counted as handled at the
    request, by its judgement, as the form counts it), or "đang giải quyết (trong hạn / quá hạn)" while it
    has not (its status is then the projection's at the evaluation time, ``as_of``, said
    when given: "trong hạn" beside a report counting it overdue at the week's end read as a contradiction,
    the instant it held at nowhere: review; ``late`` is overdue). An end judged with its clock stopped
    ``paused`` seconds for a supplement says so: "Trước hạn" beside an end after the appointment read as a
    mistake on site."""
    if end_type is None and waiting:  # ended at the request it waits on (RULES.md), as the form counts it
        return pack_text("open_waiting", t.lang, status=t.status(status).lower())
    if end_type is None:
        key = "open_overdue" if status == "late" else "open_within"
        at = pack_text("as_of", t.lang, at=t.instant(as_of)) if as_of is not None else ""
        return pack_text(key, t.lang) + at
    return t.status(status) + paused_text(t, status, paused)


def paused_text(t: Texts, status: str, paused: int) -> str:
    """The note "(không tính 2,9 ngày chờ bổ sung)" after an ended dossier's standing when its clock stopped
    for a supplement (``paused`` seconds), else nothing (the console's dossier page says it too). Only beside
    an early or on-time end, which the stop explains; a late one is late whatever it waited (a second
    request makes it late outright: the note read as if the clock had: review)."""
    if paused <= 0 or status not in ("early", "on_time"):
        return ""
    # The unit is chosen by the value as it is printed, rounded half up as the reports round: 3,599 s read
    # "60 phút" and 86,399 s "24 giờ" (review); a half-hour wait read "1 giờ" (review).
    minutes = max(1, int(paused / 60 + 0.5))
    tenths_of_hours = int(paused / 360 + 0.5)
    if minutes < 60:
        time = pack_text("minute" if minutes == 1 else "minutes", t.lang, n=t.integer(minutes))
    elif tenths_of_hours < 240:
        n = t.decimal(paused / 3_600, 1).removesuffix(",0").removesuffix(".0")
        time = pack_text("hour" if n == "1" else "hours", t.lang, n=n)
    else:
        n = t.decimal(paused / 86_400, 1).removesuffix(",0").removesuffix(".0")
        time = pack_text("day" if n == "1" else "days", t.lang, n=n)
    return pack_text("paused", t.lang, time=time)
