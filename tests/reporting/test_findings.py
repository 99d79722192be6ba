""" "Nhận định chính" and "Kiến nghị" on made-up weeks (no warehouse): the sentences follow the figures —
the worst unit is the ranking's last, the most frequent violation is named, a provisional week compares
only the violations fixed when they occur, and every unit to inspect has a reason to be inspected."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.files.catalogue import sample_catalogue
from inspections.metrics import ReportingForm
from inspections.timeunits import VN_TZ
from inspections.weeks import Week
from reporting import counting, findings, gather
from reporting.header import letterhead, make_header
from reporting.i18n import Texts
from reporting.model import TIME_TRIGGERED, Names, WeeklyReport, relative_change
from reporting.tables import SMALL_BASE
from tests.depth import examples

CATALOGUE = sample_catalogue()
WEEK = Week.parse("2025-W45")
UNITS = ("000.00.01.H99", "000.00.02.H99", "000.00.03.H99", "000.10.01.H99", "000.10.02.H99")
RULES = (
    "LATE_NO_APOLOGY",
    "REFUSAL_UNWRITTEN",
    "DUE_DATE_OVERSTATED",
    "MISSED_NEW_DUE_DATE",
    "NO_APPOINTMENT",
)
#: Data far past the week: final figures. Data ending with the week: provisional.
FINAL = datetime(2025, 11, 20, tzinfo=UTC)
IMMATURE = datetime(2025, 11, 7, tzinfo=UTC)

counts = st.integers(min_value=0, max_value=400)
unit_form = st.tuples(counts, counts, counts, counts, st.integers(min_value=0, max_value=30))


def make_form(week: Week, early: int, on_time: int, late: int, within: int, overdue: int) -> ReportingForm:
    return ReportingForm(
        week.start,
        week.end,
        new_online=early + on_time + late + within + overdue,
        resolved_early=early,
        resolved_on_time=on_time,
        resolved_late=late,
        in_progress_within_time=within,
        in_progress_overdue=overdue,
    )


def make_report(
    units: dict[str, tuple[int, int, int, int, int]],
    previous: dict[str, tuple[int, int, int, int, int]],
    rules: dict[str, tuple[int, int, float]],
    data_through: datetime,
) -> WeeklyReport:
    forms = {code: make_form(WEEK, *f) for code, f in units.items()}
    province = ReportingForm(WEEK.start, WEEK.end)
    for f in forms.values():
        province.merge(f)
    before = {code: make_form(WEEK.previous(), *f) for code, f in previous.items()}
    before_total = ReportingForm(WEEK.previous().start, WEEK.previous().end)
    for f in before.values():
        before_total.merge(f)
    rule_counts = [
        counting.RuleCount(rule_id, "violation", "high", count, prev, avg, round(avg * counting.PRIOR_WEEKS))
        for rule_id, (count, prev, avg) in rules.items()
    ]
    total = sum(r.count for r in rule_counts)
    unit_counts = [counting.UnitCount(code, count=total // len(units), previous_8_avg=1.0) for code in units]
    violations = counting.ViolationCounts(
        week=WEEK,
        rules=rule_counts,
        units=unit_counts,
        by_rule_unit={},
        total=total,
        previous_total=sum(r.previous for r in rule_counts),
        dossiers=total,
        findings=0,
        previous_8_avg=round(sum(r.previous_8_avg for r in rule_counts), 2),
    )
    header = make_header(CATALOGUE, "vi")
    return WeeklyReport(
        lang="vi",
        week=WEEK,
        header=letterhead(header, WEEK),
        forms=gather.WeekForms(WEEK, province, forms, {}, {}),
        ranking=gather.rank_units(forms),
        trend=[
            gather.TrendPoint(WEEK.previous(), before_total, before),
            gather.TrendPoint(WEEK, province, forms),
        ],
        violations=violations,
        quality=gather.Quality(False),
        names=Names(CATALOGUE),
        sample_catalogue=True,
        data_through=data_through,
        data_from=datetime(2025, 1, 6, tzinfo=UTC),  # loaded from long before the week
    )


weeks = st.fixed_dictionaries(
    dict.fromkeys(UNITS[:3], unit_form), optional=dict.fromkeys(UNITS[3:], unit_form)
)
rule_figures = st.dictionaries(
    st.sampled_from(RULES),
    st.tuples(
        counts, counts, st.floats(min_value=0, max_value=400, allow_nan=False).map(lambda x: round(x, 2))
    ),
    max_size=len(RULES),
)


@settings(max_examples=examples(30), deadline=None)
@given(units=weeks, previous=weeks, rules=rule_figures, final=st.booleans())
def test_findings_follow_the_figures(units, previous, rules, final) -> None:
    report = make_report(units, previous, rules, FINAL if final else IMMATURE)
    if report.empty:
        assert findings.key_findings(report) == ["Không có hồ sơ nào trong tuần này."]
        return
    lines = findings.key_findings(report)
    # The proposal closes the box when the report proposes something (review of 2026-12-06: page 1 said
    # nothing to act on): the on-site inspections and the overdue dossiers of section III, nothing else.
    inspect = findings.units_to_inspect(report)
    overdue = report.province.in_progress_overdue
    if inspect or overdue:
        proposal = lines.pop()
        assert proposal.startswith("Đề nghị: ") and proposal.endswith(" (mục III).")
        assert all(report.names.unit(code) in proposal for code in inspect[: findings.MAX_UNITS])
        assert ("hồ sơ đang quá hạn" in proposal) == bool(overdue)
        # An apology for the overdue dossiers that have none: one apologised for and given a new date was
        # asked for a second, a second reschedule (review of the signed documents, 2026-12-07).
        apology = "gửi văn bản xin lỗi tổ chức, cá nhân đối với hồ sơ chưa có văn bản xin lỗi"
        assert (apology in proposal) == bool(overdue)
        said = " ".join(findings.recommendations(report))
        promised = "đã có văn bản xin lỗi và hẹn lại ngày trả kết quả thì trả kết quả đúng ngày đã hẹn lại"
        asked = "hồ sơ chưa có văn bản xin lỗi thì gửi văn bản xin lỗi"
        past = "trường hợp đã quá ngày hẹn lại thì khẩn trương giải quyết, trả kết quả"
        assert not overdue or (asked in said and promised in said and past in said)
        assert all(report.names.unit(code) in " ".join(findings.recommendations(report)) for code in inspect)
    assert not any(line.startswith("Đề nghị") for line in lines)
    assert 3 <= len(lines) <= 5
    assert all(line.endswith(".") for line in lines)
    ranked = [r for r in report.ranking if r.rank is not None]
    worst = findings.worst_units(report)
    if len(worst) == 1:  # the worst unit is the ranking's last, named in the first sentence
        assert lines[0].startswith(
            f"Đơn vị có tỷ lệ giải quyết đúng hạn thấp nhất là {report.names.unit(ranked[-1].code)} ("
        )
    elif worst:  # units tied at the lowest rate are all named (up to 3, then "và n đơn vị khác")
        assert lines[0].startswith("Các đơn vị có tỷ lệ giải quyết đúng hạn thấp nhất là ")
        assert all(report.names.unit(w.code) in lines[0] for w in worst[: findings.MAX_UNITS])
    # A rate of fewer than 30 dossiers is said with its count (two districts at 0,0 % of 1 and 3 dossiers
    # read as the province's firm worst: review); others are not.
    n = Texts("vi").integer
    for w in worst[: findings.MAX_UNITS]:
        name = report.names.unit(w.code)
        said = f", tính trên {n(w.handled)} hồ sơ" if len(worst) == 1 else f"{name} ({n(w.handled)} hồ sơ)"
        assert (said in lines[0]) == (0 < w.handled < SMALL_BASE), (said, lines[0])
    top = findings.frequent_rules(report)
    t = Texts("vi")
    if top:
        assert any(f"“{t.rule_title(top[0])}”" in line for line in lines)
        most = max(c for c, _, _ in rules.values())
        tied = [r for r in top if rules[r][0] == most][: findings.MAX_RULES]
        assert all(any(f"“{t.rule_title(r)}”" in line for line in lines) for r in tied)
        assert rules[top[0]][0] == max(c for c, _, _ in rules.values())
    else:
        assert "Không phát hiện vi phạm trong tuần." in lines
    # Like with like: a provisional week's comparison leaves the time-triggered rules out.
    assert report.maturity.provisional is not final
    instant, _previous, avg = report.instant_counts()
    assert instant == sum(c for r, (c, _, _) in rules.items() if r not in TIME_TRIGGERED)
    text = " ".join(lines) + " " + " ".join(report.violation_lines())
    if not final and (instant or avg):
        assert "xác định ngay khi xảy ra" in text
        assert "tuần trước:" not in " ".join(report.violation_lines())
    if final and sum(c for c, _, _ in rules.values()):
        assert "tuần trước:" in " ".join(report.violation_lines())


@settings(max_examples=examples(30), deadline=None)
@given(units=weeks, previous=weeks, rules=rule_figures, final=st.booleans())
def test_recommendations_follow_the_findings(units, previous, rules, final) -> None:
    report = make_report(units, previous, rules, FINAL if final else IMMATURE)
    recs = findings.recommendations(report)
    assert recs
    province = report.province.on_time_rate
    for code in findings.units_to_inspect(report):
        form = report.forms.units[code]
        uc = report.unit_violations(code)
        below = province is not None and form.on_time_rate is not None and form.on_time_rate < province
        assert below or uc.count > uc.previous_8_avg, code
    if findings.units_to_inspect(report):
        assert recs[0].startswith("Kiểm tra trực tiếp tại: ")
        for code in findings.units_to_inspect(report):  # each with why: its rate and its violations
            assert f"{report.names.unit(code)} (đúng hạn " in recs[0]
    ranked = findings.frequent_rules(report)
    named = ranked[: findings.MAX_RULES]
    if named:
        (remind,) = [r for r in recs if r.startswith("Chấn chỉnh")]
        # And every rule as frequent as the last one named (three at 39 were cut at two: review), up to
        # MAX_REMINDED, then how many more.
        last = rules[named[-1]][0]
        named += [r for r in ranked[findings.MAX_RULES :] if rules[r][0] == last]
        shown = [r for r in ranked if f"“{Texts('vi').rule_title(r)}”" in remind]
        assert shown == named[: findings.MAX_REMINDED], (shown, named)
        more = len(named) - findings.MAX_REMINDED
        assert (f" và {more} quy định khác." in remind) is (more > 0), remind
    assert any(r.startswith("Lập lại báo cáo sau ngày") for r in recs) is (not final)
    if report.province.in_progress_overdue:
        assert any("mẫu 04" in r for r in recs)


def test_a_count_like_its_average_reads_naturally() -> None:
    """ "tương đương so với bình quân 5 tuần trước" read awkwardly (review): before the average it is
    "tương đương bình quân …", and "cao hơn 12 % so với bình quân …" stays."""
    t = Texts("vi")
    same = t("f_violation_trend", scope="trong tuần", count="168", n=5, avg="168,4",
             change=relative_change(t, 168, 168.4, before_average=True))  # fmt: skip
    assert same == "Số vi phạm trong tuần là 168, tương đương bình quân 5 tuần trước (168,4)."
    more = relative_change(t, 200, 168.4, before_average=True)
    assert more == "cao hơn 19 % so với" and relative_change(t, 200, 168.4) == "cao hơn 19 %"


@given(value=st.integers(min_value=0, max_value=10_000), average=st.floats(min_value=0, max_value=10_000))
def test_relative_change_has_the_right_direction(value, average) -> None:
    t = Texts("vi")
    said = relative_change(t, value, average)
    if average <= 0:
        assert said == ("tương đương" if value <= 0 else "cao hơn")
    elif value > average * 1.02:
        assert said.startswith("cao hơn ")
    elif value < average * 0.98:
        assert said.startswith("thấp hơn ")


def test_a_worked_example_reads_right() -> None:
    units = {
        "000.00.01.H99": (80, 10, 10, 0, 0),
        "000.00.02.H99": (95, 5, 0, 0, 0),
        "000.00.03.H99": (90, 5, 5, 0, 2),
    }
    previous = {
        "000.00.01.H99": (85, 10, 5, 0, 0),
        "000.00.02.H99": (95, 5, 0, 0, 0),
        "000.00.03.H99": (90, 10, 0, 0, 0),
    }
    rules = {"REFUSAL_UNWRITTEN": (30, 20, 20.0), "LATE_NO_APOLOGY": (5, 25, 24.0)}
    final = make_report(units, previous, rules, FINAL)
    lines = findings.key_findings(final)
    assert lines[0] == (
        "Đơn vị có tỷ lệ giải quyết đúng hạn thấp nhất là Sở Tài chính tỉnh Mẫu (90,0 %, giảm 5,0 điểm "
        "phần trăm so với tuần trước)."
    )
    assert lines[1] == (
        "Vi phạm nhiều nhất là “Từ chối không bằng văn bản” với 30 trường hợp (bình quân 8 tuần trước: 20,0)."
    )
    assert "Số vi phạm trong tuần là 35, thấp hơn 20 % so với bình quân 8 tuần trước (44,0)." in lines
    provisional = make_report(units, previous, rules, IMMATURE)
    said = findings.key_findings(provisional)
    assert (
        "Số vi phạm xác định ngay khi xảy ra (số liệu tạm tính) là 30, cao hơn 50 % so với bình quân 8 tuần "
        "trước (20,0)." in said
    )
    # A time-limit rule is not compared in a provisional week, in words as in the tables (review of
    # 2026-12-04: the sentence gave the average the tables withhold).
    late = make_report(units, previous, {"LATE_NO_APOLOGY": (30, 25, 24.0)}, IMMATURE)
    assert "Vi phạm nhiều nhất là “Trễ hạn không có phiếu xin lỗi” với 30 trường hợp (tạm tính)." in (
        findings.key_findings(late)
    )
    final_late = findings.key_findings(
        make_report(units, previous, {"LATE_NO_APOLOGY": (30, 25, 24.0)}, FINAL)
    )
    assert "với 30 trường hợp (bình quân 8 tuần trước: 24,0)." in final_late[1]


def test_tied_rules_and_units_are_all_named() -> None:
    tied_units = {
        "000.00.01.H99": (90, 0, 10, 0, 0),
        "000.00.02.H99": (90, 0, 10, 0, 0),
        "000.00.03.H99": (100, 0, 0, 0, 0),
    }
    rules = {
        "REFUSAL_UNWRITTEN": (30, 20, 20.0),
        "NO_APPOINTMENT": (30, 10, 10.0),
        "LATE_NO_APOLOGY": (5, 5, 5.0),
    }
    lines = findings.key_findings(make_report(tied_units, tied_units, rules, FINAL))
    t = Texts("vi")
    names = [Names(CATALOGUE).unit(code) for code in ("000.00.02.H99", "000.00.01.H99")]
    assert lines[0] == (
        f"Các đơn vị có tỷ lệ giải quyết đúng hạn thấp nhất là {names[0]} và {names[1]}, cùng 90,0 %."
    )
    assert lines[1] == (
        f"Vi phạm nhiều nhất là “{t.rule_title('REFUSAL_UNWRITTEN')}” và “{t.rule_title('NO_APPOINTMENT')}”, "
        "cùng 30 trường hợp."
    )


def test_the_attention_sentence_says_how_many_units_it_leaves_out() -> None:
    units = {code: (10 + 10 * i, 0, 90 - 10 * i, 0, 0) for i, code in enumerate(UNITS[:4])}
    units[UNITS[4]] = (2000, 0, 0, 0, 0)
    report = make_report(units, units, {}, FINAL)
    below = findings.units_below(report)
    assert len(below) == 4
    (attention,) = [line for line in findings.key_findings(report) if line.startswith("Cần chú ý")]
    assert "và 1 đơn vị khác có tỷ lệ đúng hạn dưới mức toàn tỉnh" in attention


def test_without_weeks_before_nothing_is_compared_and_nobody_is_inspected_for_rising() -> None:
    units = dict.fromkeys(UNITS[:3], (100, 0, 0, 0, 0))
    report = make_report(units, units, {"REFUSAL_UNWRITTEN": (7, 0, 0.0)}, FINAL)
    report = dataclasses.replace(report, violations=dataclasses.replace(report.violations, prior_weeks=0))
    text = " ".join(findings.key_findings(report) + report.violation_lines())
    assert "chưa có số liệu các tuần trước để so sánh" in text
    assert "(0,0)" not in text and "bình quân 8 tuần" not in text and "không có so với" not in text
    assert findings.units_to_inspect(report) == []  # every unit "rising" from nothing: none picked for it
    assert report.texts("h_avg8", n=report.prior_weeks) == "Bình quân 0 tuần trước"
    three = dataclasses.replace(report, violations=dataclasses.replace(report.violations, prior_weeks=3))
    assert "bình quân 3 tuần trước" in " ".join(findings.key_findings(three) + three.violation_lines())


def test_a_provisional_week_inspects_units_on_the_rules_fixed_when_they_occur() -> None:
    units = dict.fromkeys(UNITS[:3], (100, 0, 0, 0, 0))
    report = make_report(units, units, {"REFUSAL_UNWRITTEN": (6, 0, 6.0), "LATE_NO_APOLOGY": (300, 0, 0.0)},
                         IMMATURE)  # fmt: skip
    unit = counting.UnitCount(UNITS[0], count=104, previous_8_avg=102.0, instant=4, instant_avg=6.0)
    violations = dataclasses.replace(report.violations, units=[unit])
    report = dataclasses.replace(report, violations=violations)
    assert report.maturity.provisional
    # 104 (with immature time-triggered ones) against 102,0 would look rising; 4 against 6,0 is not.
    assert findings.units_to_inspect(report) == []
    risen = dataclasses.replace(unit, instant=9)
    report = dataclasses.replace(report, violations=dataclasses.replace(violations, units=[risen]))
    assert findings.units_to_inspect(report) == [UNITS[0]]
    (inspect,) = [r for r in findings.recommendations(report) if r.startswith("Kiểm tra")]
    assert "9 vi phạm xác định ngay khi xảy ra, bình quân 8 tuần trước 6,0; số liệu tạm tính)" in inspect
    assert inspect.count("tạm tính") == 1  # once, not in parentheses within the parentheses
    assert "104 vi phạm" not in inspect


def test_rates_of_an_incomplete_week_are_marked() -> None:
    units = {"000.00.01.H99": (80, 10, 10, 0, 0), "000.00.02.H99": (95, 5, 0, 0, 0)}
    no_data = make_report(units, units, {}, IMMATURE)  # the data end before the week does
    assert no_data.maturity.incomplete
    lines = findings.key_findings(no_data)
    assert "(90,0 %, tạm tính, " in lines[0]
    assert any(line.startswith("Tỷ lệ đúng hạn toàn tỉnh đạt ") and "(tạm tính)" in line for line in lines)
    # After the week's end, before it matures: only the time-triggered violations are provisional.
    immature = make_report(units, units, {}, datetime(2025, 11, 11, tzinfo=UTC))
    assert immature.maturity.provisional
    assert not immature.maturity.incomplete
    assert "(tạm tính)" not in findings.key_findings(immature)[0]
    final = make_report(units, units, {}, FINAL)
    assert "tạm tính" not in " ".join(findings.key_findings(final))


def test_english_wording() -> None:
    assert relative_change(Texts("en"), 100, 100) == "about the same as"


def test_the_rate_of_the_weeks_before_is_the_mean_of_their_weekly_rates() -> None:
    """ "bình quân 4 tuần trước" beside a table of weekly rates is their mean (review of 2026-12-04: the
    report pooled the weeks' counts, 91,5 % beside weekly rates of mean 91,9 %; pooling also counts a dossier
    in progress once per week it stays open)."""
    busy = make_form(WEEK, 100, 0, 0, 0, 0)  # 100 %
    quiet = make_form(WEEK, 1, 0, 1, 0, 0)  # 50 %
    empty = ReportingForm(WEEK.start, WEEK.end)  # nothing to handle: not a week of the average
    assert findings.average_rate([busy, quiet, empty]) == 0.75  # (pooling the counts gave 101 / 102)
    assert findings.average_rate([empty]) is None


@given(st.lists(unit_form, min_size=1, max_size=8))
def test_the_mean_rate_lies_between_the_weeks_rates(weeks: list[tuple[int, int, int, int, int]]) -> None:
    forms = [make_form(WEEK, *w) for w in weeks]
    rates = [r for f in forms if (r := f.on_time_rate) is not None]
    mean = findings.average_rate(forms)
    assert (mean is None) == (not rates)
    if rates:
        assert min(rates) - 1e-12 <= mean <= max(rates) + 1e-12  # type: ignore[operator]


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=14), st.integers(1, 8)
)
def test_an_average_of_several_rules_is_taken_from_their_totals(
    totals: list[tuple[int, int]], weeks: int
) -> None:
    """Review of 2026-12-04: the provisional week's average summed the rules' averages, each rounded to 2
    decimals (77,34 where the weeks' violations average 77,33)."""
    rules = [counting.RuleCount(f"R{i}", "violation", "low", n, 0, round(prior / weeks, 2), prior)
             for i, (n, prior) in enumerate(totals)]  # fmt: skip
    total = sum(prior for _, prior in totals)
    # The exact quotient, half up (the report's rounding): Decimal arithmetic, not the float the code uses.
    exact = (Decimal(total) / Decimal(weeks)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(repr(counting.average_of(rules, weeks))) == exact


def test_an_average_rounds_a_half_up_as_the_report_prints_it() -> None:
    """``round`` took 1/8 to 0.12 (a binary half, to even) where the report's text rounds half up."""
    one = [counting.RuleCount("R", "violation", "low", 0, 0, 0.0, 1)]
    assert counting.average_of(one, 8) == 0.13 and counting.average_of(one * 3, 8) == 0.38
    assert counting.average_of([], 8) == 0.0 and counting.average_of(one, 0) == 0.0


def test_an_empty_week_says_whether_it_was_loaded() -> None:
    """Review of 2026-12-04: a week months before the first loaded event read "no dossiers this week", as
    final as a week that had none; and its section II said nothing at all."""
    empty = make_report({}, {}, {}, FINAL)
    assert empty.empty and empty.empty_note == "Không có hồ sơ nào trong tuần này."
    assert empty.violation_lines() == ["Không phát hiện vi phạm trong tuần."]
    later = dataclasses.replace(empty, data_from=datetime(2025, 11, 12, 2, tzinfo=UTC))
    assert later.empty_note == (
        "Chưa nạp dữ liệu của tuần này: dữ liệu đã nạp bắt đầu từ ngày 12/11/2025, sau khi tuần kết thúc."
    )
    assert findings.key_findings(later) == [later.empty_note] == later.handling_lines()
    assert later.violation_lines() == ["Không có số liệu để xét vi phạm của tuần này."]
    assert later.data_cutoff is None  # no figures to date
    nothing = dataclasses.replace(empty, data_from=None)
    assert nothing.empty_note == "Kho dữ liệu chưa có dữ liệu nào: chưa nạp dữ liệu."
    assert empty.data_cutoff == (
        "Số liệu tính đến 07 giờ 00 ngày 20/11/2025. Hồ sơ được tính theo tình trạng lúc hết ngày "
        f"{Texts('vi').day(empty.week.end - timedelta(days=1))} (ngày cuối của tuần báo cáo): hồ sơ giải "
        "quyết sau thời điểm đó vẫn tính là đang giải quyết trong tuần."
    )
    assert dataclasses.replace(empty, data_through=None).data_cutoff is None
    # Data that stop before the week's end: the dossiers are not "as they stood at its end" (the provisional
    # box says what is missing: review of this change).
    end = datetime.combine(empty.week.end, datetime.min.time(), tzinfo=VN_TZ)
    short = dataclasses.replace(empty, data_through=end - timedelta(hours=30))
    assert short.data_cutoff is not None and short.data_cutoff.startswith("Số liệu tính đến")
    assert "tình trạng lúc hết ngày" not in short.data_cutoff


def test_a_change_in_points_is_the_change_between_the_rates_as_printed() -> None:
    """86,22 % → 87,16 % said "tăng 0,9 điểm phần trăm" beside the table's 86,2 % and 87,2 % (review of
    2026-12-04); rates printed alike are unchanged, however far apart their unrounded values."""
    vi = Texts("vi")
    assert findings.points_change(vi, 0.8716, 0.8622) == "tăng 1,0 điểm phần trăm"
    assert findings.points_change(vi, 0.8622, 0.8716) == "giảm 1,0 điểm phần trăm"
    assert findings.points_change(vi, 0.87149, 0.87051) == "không đổi"  # 87,1 % and 87,1 %
    assert findings.points_change(vi, 0.8705, 0.87049) == "tăng 0,1 điểm phần trăm"  # 87,1 % and 87,0 %


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 10**6))
def test_the_points_said_are_the_printed_rates_difference(now: int, before: int, of: int) -> None:
    vi = Texts("vi")
    a, b = min(now, of) / of, min(before, of) / of
    said = findings.points_change(vi, a, b)
    shown = [Decimal(vi.percent(x).removesuffix(" %").replace(",", ".")) for x in (a, b)]
    diff = shown[0] - shown[1]
    places = max(-int(x.as_tuple().exponent) for x in shown)  # the finer printed rate's decimals
    expected = (
        "không đổi" if not diff else f"{'tăng' if diff > 0 else 'giảm'} {abs(diff):.{places}f} điểm phần trăm"
    )
    assert said == expected.replace(".", ",")


def test_a_provisional_week_compares_its_instant_violations_in_one_reading_order() -> None:
    """ "… so với bình quân 8 tuần trước 387,0: thấp hơn 7 %" read backwards beside the key findings' "thấp
    hơn 7 % so với bình quân 8 tuần trước (387,0)" (review of 2026-12-04): both say it one way."""
    units = dict.fromkeys(UNITS[:2], (100, 0, 0, 0, 0))
    report = make_report(units, units, {"REFUSAL_UNWRITTEN": (9, 10, 10.0), "LATE_NO_APOLOGY": (30, 0, 0.0)},
                         IMMATURE)  # fmt: skip
    assert report.maturity.provisional
    said = " ".join(report.violation_lines())
    instant = "Riêng số vi phạm xác định ngay khi xảy ra (không phụ thuộc thời hạn giải quyết) là 9,"
    assert f"{instant} thấp hơn 10 % so với bình quân 8 tuần trước (10,0)." in said
    assert "thấp hơn 10 % so với bình quân 8 tuần trước (10,0)" in " ".join(findings.key_findings(report))


def test_the_annex_prints_the_averages_as_the_body_does() -> None:
    """One decimal everywhere: the body said 33,1 where the annex said 33,13 (review of 2026-12-04)."""
    from reporting.violation_tables import rules_body_table, rules_table, unit_violations_table

    units = dict.fromkeys(UNITS[:2], (100, 0, 0, 0, 0))
    report = make_report(units, units, {"REFUSAL_UNWRITTEN": (40, 37, 33.125)}, FINAL)

    def averages(table: Any) -> set[str]:
        column = next(i for i, h in enumerate(table.headings) if h.startswith("Bình quân "))
        return {row.cells[column].text for row in table.rows}

    assert averages(rules_table(report)) == averages(rules_body_table(report)) == {"33,1"}
    assert {len(text.partition(",")[2]) for text in averages(unit_violations_table(report))} == {1}


def test_a_report_issued_before_circular_03_2025_names_only_the_forms_of_its_day() -> None:
    """The overdue recommendation named the 'Văn bản xin lỗi' of Circular 03/2025 (of 15/9/2025) in a report
    issued before that day (a backfill); issued from that day it names both, with when each applies."""
    from inspections.rules.legal import CIRCULAR_03

    report = make_report({UNITS[0]: (10, 10, 1, 2, 3)}, {UNITS[0]: (10, 10, 1, 2, 3)}, {}, FINAL)
    for issued, names_2025 in ((CIRCULAR_03.replace(day=14), False), (CIRCULAR_03, True)):
        dated = dataclasses.replace(report, header=dataclasses.replace(report.header, issued_on=issued))
        (overdue,) = [r for r in findings.recommendations(dated) if "quá hạn (3 hồ sơ)" in r]
        assert ("Thông tư 03/2025" in overdue) == names_2025, overdue
        assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in overdue


def test_a_week_the_data_never_reached_has_no_figures_and_proposes_nothing() -> None:
    """Review of the documents, 2026-12-07: a week after the feeds stopped (the newest event days before it
    began) was reported as real figures: the dossiers still open counted overdue ("1,1 % on time, 174
    overdue") and three communes proposed for inspection, on no evidence. It has no figures now, as a week
    before the data has none; an event at its very first instant reaches it."""
    units = {UNITS[0]: (0, 0, 0, 3, 174), UNITS[1]: (0, 0, 0, 0, 12)}
    stopped = datetime(2025, 10, 28, 9, 30, tzinfo=UTC)  # 16:30 on 28/10, W44; W45 starts on 3/11
    report = make_report(units, units, {"LATE_NO_APOLOGY": (0, 3, 2.5)}, stopped)
    assert report.province.received_total == 189 and report.unreached and report.empty
    note = (
        "Chưa có dữ liệu của tuần này: dữ liệu đã nạp chỉ đến 16 giờ 30 ngày 28/10/2025, "
        "trước khi tuần bắt đầu. "
        "Tuần này không có số liệu để báo cáo; đề nghị kiểm tra việc đồng bộ dữ liệu từ các nguồn."
    )
    assert report.empty_note == note and report.never_loaded
    assert findings.key_findings(report) == [note] == report.handling_lines()
    assert report.violation_lines() == ["Không có số liệu để xét vi phạm của tuần này."]  # not "100 % fewer"
    assert report.violations.previous_8_avg > 0 and findings.recommendations(report) == [
        "Kiểm tra việc đồng bộ dữ liệu của các nguồn, nạp dữ liệu của tuần và lập lại báo cáo này."
    ]  # no unit to inspect, no overdue dossiers to chase
    clocked = make_report(units, units, {"LATE_NO_APOLOGY": (40, 3, 2.5)}, stopped)  # a clock's findings
    assert clocked.violation_lines() == ["Không có số liệu để xét vi phạm của tuần này."]
    from reporting.tables import report_tables

    assert not report_tables(clocked)["rules"].rows and not report_tables(clocked)["rules_body"].rows
    first = datetime(2025, 11, 3, tzinfo=VN_TZ)
    for reached in (first, dataclasses.replace(report, data_through=stopped, data_ahead=first)):
        other = reached if isinstance(reached, WeeklyReport) else make_report(units, units, {}, reached)
        assert not other.unreached and not other.empty and not other.never_loaded


def test_the_spreadsheet_of_a_week_no_data_reach_has_no_violation_rows(tmp_path: Any) -> None:
    """The last read of 2026-12-07: the XLSX still filled its rule, unit and rule × unit sheets from what a
    detector's clock found in a week no data reach; they hold their headings and the week's note only."""
    from openpyxl import load_workbook
    from PIL import Image

    from reporting.xlsx import write_report_xlsx

    units = {UNITS[0]: (0, 0, 0, 3, 174), UNITS[1]: (0, 0, 0, 0, 12)}
    clocked = make_report(units, units, {"LATE_NO_APOLOGY": (40, 3, 2.5)}, datetime(2025, 10, 28, tzinfo=UTC))
    charts = {}
    for role in ("trend", "ranking", "rules"):
        charts[role] = tmp_path / f"{role}.png"
        Image.new("RGB", (40, 30), "white").save(charts[role])
    book = load_workbook(write_report_xlsx(clocked, charts, tmp_path / "r.xlsx"))
    t = clocked.texts
    for key in ("sheet_rules", "sheet_unit_violations", "sheet_rule_unit"):
        (sheet,) = [ws for ws in book.worksheets if ws.title == t(key)[:31]]
        values = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
        assert len(values) == 2 and values[1][0] == clocked.empty_note, (key, values)
