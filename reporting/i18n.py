"""Report wording in Vietnamese (default) and English, and number/date formatting per language.

Vietnamese conventions: ``1.234`` for thousands, ``85,3 %`` for rates, ``18,86`` for points,
``03/11/2025`` for dates and ``ngày 10 tháng 11 năm 2025`` in the place-and-date line.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Final

from inspections.audit_error import reported_rules
from inspections.rounding import half_up
from inspections.timeunits import VN_TZ
from reporting.labels import CHANNEL, EVENT_TYPES, SEVERITY, STATUS
from reporting.phrases import PHRASES, SUITE_NAMES
from reporting.phrases_findings import FINDING_PHRASES

LANGS: Final = ("vi", "en")


class LanguageError(ValueError):
    """A report language other than ``vi`` or ``en``."""


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise LanguageError(f"report language {lang!r} is not supported; choose vi or en")
    return lang


_STRINGS: Final[dict[str, dict[str, str]]] = {
    "national_name": {"vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "en": "SOCIALIST REPUBLIC OF VIETNAM"},
    "national_motto": {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"},
    "default_team": {"vi": "TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH", "en": "ADMINISTRATIVE REFORM INSPECTION TEAM"},
    "default_signer_title": {"vi": "TỔ TRƯỞNG", "en": "TEAM LEADER"},
    # "Nơi nhận" (Decree 30/2020): the addressee, the province's office, the home affairs department that
    # follows administrative reform, and the file copy at the clerical office (Văn thư).
    "default_copies": {
        "vi": "Như trên;Văn phòng UBND tỉnh;Sở Nội vụ (theo dõi);Lưu: VT",
        "en": "As above;Office of the Provincial People's Committee;Department of Home Affairs (for "
        "follow-up);Filed: Records office",
    },
    # The document type in capitals, then the subject (trích yếu) in ordinary case: Decree 30/2020,
    # Appendix I (LEGAL.md §4); the PDF and the HTML print them on two lines.
    # The subject says what the report is about first, then when (the usual wording of a báo cáo's trích
    # yếu; it opened with the week: review of 2026-12-05).
    "title": {
        "vi": "BÁO CÁO Tình hình vi phạm trong giải quyết thủ tục hành chính tuần {number}/{year} (từ ngày "
        "{start} đến ngày {sunday})",
        "en": "REPORT Violations in handling administrative procedures, week {number}/{year} ({start} – "
        "{sunday})",
    },
    "sample_catalogue": {
        "vi": "Lưu ý: báo cáo lập trên danh mục MẪU (không phải dữ liệu thật của tỉnh).",
        "en": "Note: built on a SAMPLE catalogue (not real provincial data).",
    },
    "empty_week": {"vi": "Không có hồ sơ nào trong tuần này.", "en": "No dossiers this week."},
    "empty_not_loaded": {
        "vi": "Chưa nạp dữ liệu của tuần này: dữ liệu đã nạp bắt đầu từ ngày {day}, sau khi tuần kết thúc.",
        "en": "This week's data were never loaded: the loaded data begin on {day}, after the week's end.",
    },
    "empty_not_reached": {
        "vi": "Chưa có dữ liệu của tuần này: dữ liệu đã nạp chỉ đến {time} ngày {day}, trước khi tuần "
        "bắt đầu. Tuần này không có số liệu để báo cáo; đề nghị kiểm tra việc đồng bộ dữ liệu từ các nguồn.",
        "en": "No data of this week yet: the loaded data reach only {time} on {day}, before the week "
        "began. This week has no figures to report; check that the feeds send their data.",
    },
    "no_data_violations": {
        "vi": "Không có số liệu để xét vi phạm của tuần này.",
        "en": "There are no data to look for this week's violations in.",
    },
    "empty_no_data": {
        "vi": "Kho dữ liệu chưa có dữ liệu nào: chưa nạp dữ liệu.",
        "en": "The warehouse holds no data yet: nothing was loaded.",
    },
    "blocking_warning": {
        "vi": "CẢNH BÁO: dữ liệu của báo cáo này không đạt {n} kiểm tra chất lượng bắt buộc. "
        "Các số liệu dưới đây có thể không chính xác; xem mục Chất lượng dữ liệu.",
        "en": "WARNING: the data behind this report failed {n} blocking quality check(s). "
        "The figures below may be wrong; see the Data quality section.",
    },
    # sections
    "s_summary": {"vi": "I. TÓM TẮT", "en": "I. SUMMARY"},
    "s_form": {"vi": "II. KẾT QUẢ GIẢI QUYẾT HỒ SƠ THEO ĐƠN VỊ", "en": "II. DOSSIER HANDLING BY UNIT"},
    "s_ranking": {
        "vi": "III. XẾP HẠNG ĐƠN VỊ (CHỈ SỐ 2.1, QĐ 766)",
        "en": "III. UNIT RANKING (INDICATOR 2.1)",
    },
    "s_trend": {"vi": "IV. TỶ LỆ ĐÚNG HẠN 8 TUẦN GẦN NHẤT", "en": "IV. ON-TIME RATE, LAST 8 WEEKS"},
    "s_violations": {"vi": "V. VI PHẠM", "en": "V. VIOLATIONS"},
    "s_fields": {"vi": "VI. THEO LĨNH VỰC", "en": "VI. BY FIELD"},
    "s_quality": {"vi": "VII. CHẤT LƯỢNG DỮ LIỆU", "en": "VII. DATA QUALITY"},
    "s_notes": {"vi": "Ghi chú", "en": "Notes"},
    # summary sentences
    "sum_received": {
        "vi": "Trong tuần, toàn tỉnh có {total} hồ sơ phải giải quyết ({carried} từ kỳ trước, "
        "{new} tiếp nhận mới, trong đó {online} trực tuyến).",
        "en": "This week the province had {total} dossiers to handle ({carried} carried over, {new} new, "
        "{online} of them online).",
    },
    "sum_resolved": {
        "vi": "Đã giải quyết {resolved} hồ sơ ({early} trước hạn, {on_time} đúng hạn, {late} quá hạn); "
        "đang giải quyết {in_progress} hồ sơ ({overdue} quá hạn).",
        "en": "{resolved} were resolved ({early} early, {on_time} on time, {late} late); {in_progress} are "
        "in progress ({overdue} overdue).",
    },
    "sum_rate": {
        "vi": "Tỷ lệ giải quyết đúng hạn (chỉ số 2.1): {rate}, "
        "tương ứng {points}/20 điểm theo QĐ 766/QĐ-TTg.",
        "en": "On-time rate (indicator 2.1): {rate}, i.e. {points}/20 points under Decision 766/QĐ-TTg.",
    },
    "sum_violations": {
        "vi": "Phát hiện {total} vi phạm tại {dossiers} hồ sơ (tuần trước: {previous}; {change}).",
        "en": "{total} violations found in {dossiers} dossiers (previous week: {previous}; {change}).",
    },
    "sum_findings": {
        "vi": "Ngoài ra có {n} phát hiện về dữ liệu (không tính là vi phạm).",
        "en": "Also {n} data findings (not counted as violations).",
    },
    "sum_not_checkable": {
        "vi": "Có {n} trường hợp không kiểm tra được do hệ thống nguồn không cung cấp dữ liệu cần thiết "
        "(không tính là vi phạm).",
        "en": "{n} rule checks could not be made because the source system does not provide the data they "
        "need (not counted as violations).",
    },
    "change_up": {"vi": "tăng {n}", "en": "up {n}"},
    "change_down": {"vi": "giảm {n}", "en": "down {n}"},
    "change_same": {"vi": "không đổi", "en": "unchanged"},
    # table headings
    "h_code": {"vi": "Mã đơn vị", "en": "Unit code"},
    "h_unit": {"vi": "Đơn vị", "en": "Unit"},
    "h_province_total": {"vi": "Toàn tỉnh", "en": "Province total"},
    "h_carried": {"vi": "Kỳ trước chuyển sang", "en": "Carried over"},
    "h_new_online": {"vi": "Mới - trực tuyến", "en": "New online"},
    # The national form's words ("BCCI" was never spelled out: review).
    "h_new_direct": {"vi": "Mới - trực tiếp, qua dịch vụ bưu chính", "en": "New direct/postal"},
    "h_received": {"vi": "Tổng số phải giải quyết", "en": "Total to handle"},
    "h_early": {"vi": "Trước hạn", "en": "Early"},
    "h_on_time": {"vi": "Đúng hạn", "en": "On time"},
    "h_late": {"vi": "Quá hạn", "en": "Late"},
    "h_within": {"vi": "Đang giải quyết trong hạn", "en": "In progress within time"},
    "h_overdue": {"vi": "Đang giải quyết quá hạn", "en": "In progress overdue"},
    "h_rate": {"vi": "Tỷ lệ đúng hạn", "en": "On-time rate"},
    "h_points": {"vi": "Điểm 2.1 (/20)", "en": "2.1 points (/20)"},
    "h_rank": {"vi": "Hạng", "en": "Rank"},
    "h_handled": {"vi": "Hồ sơ tính chỉ số", "en": "Dossiers counted"},
    "h_violations": {"vi": "Vi phạm", "en": "Violations"},
    "h_rule": {"vi": "Mã quy tắc", "en": "Rule"},
    "h_rule_title": {"vi": "Nội dung vi phạm", "en": "Violation"},
    "h_severity": {"vi": "Mức độ", "en": "Severity"},
    "h_kind": {"vi": "Loại", "en": "Kind"},
    "h_this_week": {"vi": "Tuần này", "en": "This week"},
    "h_prev_week": {"vi": "Tuần trước", "en": "Previous week"},
    "h_change": {"vi": "Thay đổi", "en": "Change"},
    "h_avg8": {"vi": "Bình quân {n} tuần trước", "en": "Avg. previous {n} weeks"},
    "h_week": {"vi": "Tuần", "en": "Week"},
    "h_field": {"vi": "Lĩnh vực", "en": "Field"},
    "h_field_code": {"vi": "Mã lĩnh vực", "en": "Field code"},
    "h_procedure": {"vi": "Thủ tục hành chính", "en": "Procedure"},
    "h_procedure_code": {"vi": "Mã TTHC", "en": "Procedure code"},
    "h_suite": {"vi": "Bộ kiểm tra", "en": "Suite"},
    "h_expectation": {"vi": "Kiểm tra", "en": "Check"},
    "h_column": {"vi": "Cột", "en": "Column"},
    "h_result": {"vi": "Kết quả", "en": "Result"},
    "h_blocking": {"vi": "Bắt buộc", "en": "Blocking"},
    "h_unexpected": {"vi": "Bản ghi lỗi", "en": "Failing"},
    "h_checked": {"vi": "Bản ghi kiểm tra", "en": "Checked"},
    "h_message": {"vi": "Diễn giải", "en": "Explanation"},
    "h_label": {"vi": "Chỉ tiêu", "en": "Figure"},
    "h_value": {"vi": "Giá trị", "en": "Value"},
    "h_dossier": {"vi": "Mã hồ sơ", "en": "Dossier"},
    "h_dossiers_count": {"vi": "Số hồ sơ vi phạm", "en": "Dossiers with violations"},
    "h_occurred": {"vi": "Thời điểm", "en": "Time"},
    "h_legal": {"vi": "Căn cứ pháp lý", "en": "Legal basis"},
    "h_evidence": {"vi": "Chứng cứ", "en": "Evidence"},
    "h_event": {"vi": "Sự kiện", "en": "Event"},
    "h_actor": {"vi": "Người thực hiện", "en": "Actor"},
    "h_details": {"vi": "Chi tiết", "en": "Details"},
    "h_received_at": {"vi": "Tiếp nhận", "en": "Received"},
    "h_due_at": {"vi": "Hẹn trả", "en": "Due"},
    "h_end": {"vi": "Kết thúc", "en": "Ended"},
    "h_status": {"vi": "Tình trạng", "en": "Status"},
    "h_channel": {"vi": "Kênh", "en": "Channel"},
    "h_total": {"vi": "Tổng cộng", "en": "Total"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no": {"vi": "Không", "en": "No"},
    "passed": {"vi": "Đạt", "en": "Passed"},
    "failed": {"vi": "Không đạt", "en": "Failed"},
    "kind_violation": {"vi": "Vi phạm", "en": "Violation"},
    "kind_finding": {"vi": "Phát hiện dữ liệu", "en": "Data finding"},
    # A rule not evaluated: the source system cannot provide a field it needs (EVENTS.md source.unknown).
    "kind_not_checkable": {"vi": "Không kiểm tra được", "en": "Not checkable"},
    "quality_not_checked": {
        "vi": "Chưa kiểm tra chất lượng dữ liệu cho tuần này.",
        "en": "Data quality not checked for this week.",
    },
    "quality_stale": {  # a load recorded after the checks were stored (``gather.Quality.loaded_since``)
        "vi": "Dữ liệu nạp lúc {at} chưa được kiểm tra: kết quả dưới đây có từ trước lần nạp đó.",
        "en": "Data loaded at {at} not checked: the results below predate that load.",
    },
    "quality_ok": {
        "vi": "Dữ liệu đạt tất cả {n} kiểm tra chất lượng.",
        "en": "The data passed all {n} quality checks.",
    },
    "quality_some_failed": {
        "vi": "{failed}/{n} kiểm tra không đạt ({blocking} kiểm tra bắt buộc).",
        "en": "{failed} of {n} checks failed ({blocking} blocking).",
    },
    "no_violations": {"vi": "Không phát hiện vi phạm trong tuần.", "en": "No violations this week."},
    "unranked": {"vi": "chưa xếp hạng", "en": "not ranked"},
    # charts
    "c_trend": {"vi": "Tỷ lệ giải quyết đúng hạn theo tuần", "en": "On-time rate by week"},
    "c_rules": {"vi": "Vi phạm theo quy tắc", "en": "Violations by rule"},
    "c_ranking": {"vi": "Tỷ lệ đúng hạn theo đơn vị", "en": "On-time rate by unit"},
    "c_no_data": {"vi": "Không có dữ liệu", "en": "No data"},
    "sheet_summary": {"vi": "Tổng hợp", "en": "Summary"},
    "sheet_units": {"vi": "Đơn vị", "en": "Units"},
    "sheet_ranking": {"vi": "Xếp hạng", "en": "Ranking"},
    "sheet_trend": {"vi": "Xu hướng 9 tuần", "en": "9-week trend"},
    "sheet_rules": {"vi": "Vi phạm theo quy tắc", "en": "Violations by rule"},
    "annex_by_rule": {"vi": "1. Theo quy tắc", "en": "1. By rule"},
    "page_word": {"vi": "Trang", "en": "Page"},
    "edition_line": {"vi": "Mã bản in: {code}", "en": "Edition: {code}"},
    "annex_by_unit": {"vi": "2. Theo đơn vị", "en": "2. By unit"},
    "sheet_rule_unit": {"vi": "Vi phạm quy tắc × đơn vị", "en": "Violations rule × unit"},
    "sheet_unit_violations": {"vi": "Vi phạm theo đơn vị", "en": "Violations by unit"},
    "sheet_fields": {"vi": "Lĩnh vực", "en": "Fields"},
    "sheet_procedures": {"vi": "Thủ tục", "en": "Procedures"},
    "sheet_quality": {"vi": "Chất lượng dữ liệu", "en": "Data quality"},
    "sheet_charts": {"vi": "Biểu đồ", "en": "Charts"},
    "sheet_violating": {"vi": "Hồ sơ vi phạm", "en": "Violating dossiers"},
    "sheet_timeline": {"vi": "Diễn biến hồ sơ", "en": "Timelines"},
    "sheet_sample": {"vi": "Mẫu kiểm tra", "en": "Verification sample"},
    "province_total_label": {"vi": "TOÀN TỈNH", "en": "PROVINCE"},
    "small_base_note": {
        "vi": "(*) Dưới {n} hồ sơ tính chỉ số: một hồ sơ làm tỷ lệ thay đổi vài điểm phần trăm, nên đọc "
        "cùng số hồ sơ.",
        "en": "(*) Fewer than {n} dossiers counted: one dossier moves the rate by several points; read it "
        "with the number of dossiers.",
    },
    "notes_ranking": {
        "vi": "Xếp hạng theo tỷ lệ đúng hạn (chỉ số 2.1; điểm = 20 × tỷ lệ), cùng tỷ lệ thì đơn vị có nhiều "
        "hồ sơ hơn xếp trên. Đơn vị không có hồ sơ tính chỉ số không được xếp hạng.",
        "en": "Ranked by on-time rate (indicator 2.1; points = 20 × rate); ties go to the unit with more "
        "dossiers. Units with no dossier counted are not ranked.",
    },
    "notes_violations": {
        "vi": "Vi phạm đang hiệu lực (chưa bị rút lại), tính vào tuần xảy ra theo giờ Việt Nam. Hồ sơ của "
        "đơn vị đã sáp nhập được tính cho đơn vị kế thừa.",
        "en": "Open (not retracted) violations, counted in the week they occurred (Vietnam time). "
        "Dossiers of merged units count for their successor.",
    },
    # audit packs
    "pack_title": {
        "vi": "HỒ SƠ KIỂM TRA TUẦN {number}/{year} ({start} – {sunday}) — {unit}",
        "en": "AUDIT PACK, WEEK {number}/{year} ({start} – {sunday}) — {unit}",
    },
    "pack_violating": {"vi": "A. Hồ sơ có vi phạm", "en": "A. Dossiers with violations"},
    "pack_timelines": {"vi": "B. Diễn biến xử lý (chứng cứ)", "en": "B. Evidence timelines"},
    "pack_sample": {
        "vi": "C. Mẫu ngẫu nhiên hồ sơ không vi phạm để kiểm tra tại chỗ",
        "en": "C. Random sample of clean dossiers for on-site verification",
    },
    "pack_sample_note": {
        # Which dossiers the sample is drawn from (``report_clean_dossiers``), said: "hồ sơ không vi phạm"
        # alone left an inspector guessing (pack review).
        "vi": "Mẫu chọn ngẫu nhiên theo khóa {seed}: chọn lại với cùng khóa cho cùng danh sách hồ sơ. "
        "Chọn {n} trong {of} hồ sơ không vi phạm: hồ sơ của đơn vị phải giải quyết trong tuần (tiếp nhận "
        "trước khi hết tuần, chưa kết thúc trước đầu tuần) không có vi phạm hay phát hiện dữ liệu nào đang "
        "hiệu lực.",
        "en": "Reproducible random sample (key: {seed}); reruns give the same dossiers. {n} of {of} clean "
        "dossiers: the unit's dossiers to handle in the week (received before its end, not ended before its "
        "start) with no open violation nor data finding.",
    },
    "pack_no_violations": {
        "vi": "Đơn vị không có hồ sơ vi phạm trong tuần.",
        "en": "The unit has no violating dossiers this week.",
    },
    "pack_no_clean": {
        "vi": "Không có hồ sơ không vi phạm để chọn mẫu.",
        "en": "No clean dossiers to sample.",
    },
}

_STRINGS.update(PHRASES)
_STRINGS.update(FINDING_PHRASES)


#: The most decimals a percentage takes to stay off 100 % or 0 % (one late dossier in a million).
_MOST_PERCENT_DIGITS = 4


def percent_digits(rate: float, digits: int = 1) -> int:
    """The decimals to show ``rate`` as a percentage with: ``digits``, more when that would round a rate
    below 1 to 100 % or one above 0 to 0 %, up to :data:`_MOST_PERCENT_DIGITS`. A unit with 2,500 dossiers
    and one late read "100,0 %" on time in the signed report, beside "19,99/20 điểm" (review of the
    documents, 2026-12-07); it reads "99,96 %". The spreadsheet's cell takes as many (``xlsx``)."""
    if not math.isfinite(rate) or rate == 0:
        return digits
    while digits < _MOST_PERCENT_DIGITS:
        value = half_up(rate, digits, 2)
        if value != 0 and not (rate < 1 and value == 100):
            break
        digits += 1
    return digits


class Texts:
    """The wording and number formats of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = check_lang(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = _STRINGS[key][self.lang]
        return text.format(**values) if values else text

    # -- numbers --------------------------------------------------------------------------------------
    def integer(self, n: int | None) -> str:
        if n is None:
            return "—"
        text = f"{n:,}"
        return text.replace(",", ".") if self.lang == "vi" else text

    def signed(self, n: int | None) -> str:
        if n is None:
            return "—"
        return ("+" if n > 0 else "") + self.integer(n)

    def decimal(self, x: float | None, digits: int = 2) -> str:
        """``x`` to ``digits`` decimals, a half rounded up (away from zero), as a reader rounds and as the
        spreadsheet shows the same value: 7,25 → "7,3" (Python's format rounds the binary value half to
        even, "7,2", beside "7,3" in the XLSX: review of 2026-12-04). The value rounded is the shortest
        decimal that reads back as ``x`` (``repr``): 0.1 + 0.2 is 0,30000000000000004, not a half."""
        if x is None:
            return "—"
        return self._decimal(x, digits)

    def percent(self, rate: float | None, digits: int = 1) -> str:
        """A 0..1 rate as ``85,3 %`` (vi) or ``85.3%`` (en), rounded as :meth:`decimal` rounds: the rate's
        own decimal times 100 (29/400 is 7,25 %, a half, though 0.0725 * 100 is 7.249999999999999), with
        the digits :func:`percent_digits` gives: never "100,0 %" for a rate below 1, nor "0,0 %" above 0."""
        if rate is None:
            return "—"
        shown = self._decimal(rate, percent_digits(rate, digits), shift=2)
        return shown + (" %" if self.lang == "vi" else "%")

    def _decimal(self, x: float, digits: int, shift: int = 0) -> str:
        if math.isfinite(x):
            value = half_up(x, digits, shift)
            text = f"{abs(value) if value == 0 else value:,.{digits}f}"  # never "-0,0"
        else:
            text = f"{x * 10**shift:,.{digits}f}"
        if self.lang == "vi":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def change(self, now: int, before: int) -> str:
        diff = now - before
        if diff == 0:
            return self("change_same")
        return self("change_up" if diff > 0 else "change_down", n=self.integer(abs(diff)))

    # -- dates ----------------------------------------------------------------------------------------
    def day(self, d: date) -> str:
        return d.strftime("%d/%m/%Y") if self.lang == "vi" else d.isoformat()

    def clock(self, t: datetime) -> str:
        """The time of day as an official text writes it: ``16 giờ 54`` (vi), ``16:54`` (en), in Vietnam."""
        local = t.astimezone(VN_TZ)
        return f"{local:%H} giờ {local:%M}" if self.lang == "vi" else f"{local:%H:%M}"

    def instant(self, t: datetime) -> str:
        local = t.astimezone(VN_TZ)
        return local.strftime("%d/%m/%Y %H:%M") if self.lang == "vi" else local.strftime("%Y-%m-%d %H:%M")

    def place_date(self, place: str, d: date) -> str:
        """The official place-and-date line: ``Tỉnh Mẫu, ngày 10 tháng 11 năm 2025``."""
        if self.lang == "vi":
            # Nghị định 30/2020/NĐ-CP: a leading zero on days below 10 and on months 1 and 2.
            day = f"{d.day:02d}" if d.day < 10 else str(d.day)
            month = f"{d.month:02d}" if d.month < 3 else str(d.month)
            return f"{place}, ngày {day} tháng {month} năm {d.year}"
        return f"{place}, {d.strftime('%d %B %Y')}"

    # -- vocabularies ---------------------------------------------------------------------------------
    def severity(self, code: str) -> str:
        return SEVERITY.get(code, {}).get(self.lang, code)

    def status(self, code: str | None) -> str:
        return STATUS.get(code or "none", {}).get(self.lang, code or "—")

    def channel(self, code: str | None) -> str:
        return CHANNEL.get(code or "", {}).get(self.lang, code or "—")

    def event_type(self, code: str) -> str:
        return EVENT_TYPES.get(code, {}).get(self.lang, code)

    def suite(self, code: str) -> str:
        """The name of a data-quality suite in this language (the code for a suite it does not know)."""
        return SUITE_NAMES.get(code, {}).get(self.lang, code)

    def kind(self, code: str) -> str:
        """The label of a record's kind (``violation``, ``finding``, ``not_checkable``); any other code is
        shown as it is, never as a violation."""
        key = f"kind_{code}"
        return self(key) if key in _STRINGS else code

    def rule_title(self, rule_id: str) -> str:
        """The rule's title from the rulebook (the rule id for rules it does not know)."""
        rule = _RULES.get(rule_id)
        if rule is None:
            return rule_id
        return rule.title_vi if self.lang == "vi" else rule.title_en


#: Every rule, finding and AUDIT_ERROR of the rulebook versions, by id.
_RULES = {rule.rule_id: rule for rule in reported_rules()}


def short_unit_name(name: str) -> str:
    """``Ủy ban nhân dân Phường X`` → ``UBND Phường X`` (the abbreviation official tables use), in any case:
    the letterhead's ``ỦY BAN NHÂN DÂN TỈNH X`` → ``UBND TỈNH X`` (``official.superior_line``)."""
    for long in ("ủy ban nhân dân ", "uỷ ban nhân dân "):
        if name[: len(long)].lower() == long:
            return "UBND " + name[len(long) :]
    return name
