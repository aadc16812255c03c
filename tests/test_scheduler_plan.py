"""The reminder plan: send times, days off, quiet hours, overrides and refusals.

Dates are the 2020 notice's (濮治市办〔2020〕8号, 五、督察安排). Everything here is pure:
no database, no clock, no sleeps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rubric_data.loader import RubricError
from scheduler.calendar import (
    DeliverableWindow,
    PhaseWindow,
    calendar_years,
    effective_phases,
    is_workday,
    validate_window,
    workday_on_or_before,
)
from scheduler.plan import Occurrence, due_between, plan, plan_campaign, send_time
from scheduler.rules import QuietHours, ReminderRules, Rule, load_rules

SH = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    """A Shanghai wall-clock moment."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def rules_of(*rules: dict, quiet: dict | None = None) -> ReminderRules:
    data: dict = {"rules": list(rules)}
    if quiet is not None:
        data["quiet_hours"] = quiet
    return ReminderRules.model_validate(data)


@pytest.fixture(scope="module")
def default_rules(rubric) -> ReminderRules:
    return load_rules(campaign=rubric.campaign)


@pytest.fixture(scope="module")
def occurrences(rubric, default_rules) -> list[Occurrence]:
    return plan_campaign(rubric.campaign, default_rules)


def by_key(occs: list[Occurrence]) -> dict[str, Occurrence]:
    return {o.key: o for o in occs}


# --- the whole 2020 campaign -------------------------------------------------------------


def test_default_rules_file(default_rules):
    assert default_rules.quiet_hours == QuietHours(start=dt.time(22), end=dt.time(8))
    assert [(r.key, r.kind, r.days_before, r.at, r.audience) for r in default_rules.rules] == [
        ("phase-start", "phase_start", 0, dt.time(9), "all"),
        ("inspection-start", "phase_start", 0, dt.time(9), "groups"),
        ("deadline-3", "deadline", 3, dt.time(9), "owing"),
        ("deadline-1", "deadline", 1, dt.time(9), "owing"),
        ("deadline-0", "deadline", 0, dt.time(9), "owing"),
    ]
    assert all(r.phases is None and r.deliverables is None for r in default_rules.rules if r.key != "inspection-start")
    assert default_rules.rules[1].phases == ("field_inspection",)


def test_whole_campaign_local_times(occurrences):
    got = [(o.key, o.due) for o in occurrences]
    assert got == [
        # 自查阶段 starts Saturday 8月1日: the notice goes out on Friday.
        ("phase-start:self_check:2020-07-31", at(2020, 7, 31)),
        # 8月10日 is a Monday: T-3 is Friday 8月7日; T-1 (Sunday) moves onto it and is merged.
        ("deadline-3:self_check_report:2020-08-07", at(2020, 8, 7)),
        ("deadline-0:self_check_report:2020-08-10", at(2020, 8, 10)),
        # The inspection groups get their own notice of the field inspection's first day.
        ("inspection-start:field_inspection:2020-08-11", at(2020, 8, 11)),
        ("phase-start:field_inspection:2020-08-11", at(2020, 8, 11)),
        # 督察组报告 due Tuesday 8月25日: T-3 is Saturday 8月22日, sent Friday 8月21日.
        ("deadline-3:inspection_group_report:2020-08-21", at(2020, 8, 21)),
        ("deadline-1:inspection_group_report:2020-08-24", at(2020, 8, 24)),
        ("deadline-0:inspection_group_report:2020-08-25", at(2020, 8, 25)),
        ("phase-start:rectification:2020-08-25", at(2020, 8, 25)),
        ("deadline-3:rectification_report:2020-09-02", at(2020, 9, 2)),
        # 整改报告 due Saturday 9月5日: the deadline-morning reminder moves to Friday and
        # coincides with T-1.
        ("deadline-1:rectification_report:2020-09-04", at(2020, 9, 4)),
    ]
    for o in occurrences:
        assert o.due.utcoffset() == dt.timedelta(hours=8)
        assert is_workday(o.due.date())
        assert not QuietHours().contains(o.due.time())


def test_coinciding_reminders_are_sent_once(occurrences):
    occs = by_key(occurrences)
    t3 = occs["deadline-3:self_check_report:2020-08-07"]
    assert t3.merged == ("deadline-1:self_check_report:2020-08-07",)
    assert not t3.moved
    t1 = occs["deadline-1:rectification_report:2020-09-04"]
    assert t1.merged == ("deadline-0:rectification_report:2020-09-04",)
    assert "deadline-1:self_check_report:2020-08-07" not in occs
    assert len(occs) == len(occurrences)  # keys are unique


def test_occurrence_fields(occurrences):
    start = by_key(occurrences)["phase-start:self_check:2020-07-31"]
    assert start.rule.key == "phase-start"
    assert start.phase.key == "self_check" and start.deliverable is None
    assert start.audience == "all"
    assert start.nominal == at(2020, 8, 1) and start.moved
    t3 = by_key(occurrences)["deadline-3:self_check_report:2020-08-07"]
    assert t3.deliverable == DeliverableWindow(
        key="self_check_report", name="自查报告（附问题清单）", due=D(2020, 8, 10), sender="各地各部门", to="市委依法治市办"
    )
    assert t3.audience == "owing"
    hash(t3)  # frozen and hashable: usable in sets
    with pytest.raises(dataclasses.FrozenInstanceError):
        t3.key = "x"  # type: ignore[misc]


def test_plan_is_stable(rubric, default_rules, occurrences):
    assert plan_campaign(rubric.campaign, default_rules) == occurrences


def test_texts(occurrences):
    occs = by_key(occurrences)
    assert occs["deadline-3:self_check_report:2020-08-07"].text == (
        "【提醒】自查阶段将于8月10日截止，请于8月10日前将自查报告（附问题清单）报送市委依法治市办。"
        "贵单位自评尚未提交，可发送 /score 继续。"
    )
    assert occs["deadline-0:self_check_report:2020-08-10"].text.startswith(
        "【提醒】自查阶段今天（8月10日）截止，请于今天内将自查报告（附问题清单）报送市委依法治市办。"
    )
    # Sent on Friday for a Saturday deadline: "tomorrow", not "today".
    assert occs["deadline-1:rectification_report:2020-09-04"].text == (
        "【提醒】反馈整改阶段将于明天（9月5日）截止，请于9月5日前将整改报告报送市委依法治市办。"
        "贵单位整改报告尚未报送，请抓紧报送。"
    )
    # A deliverable due after its phase ends names the deliverable, not the phase.
    assert occs["deadline-3:inspection_group_report:2020-08-21"].text.startswith(
        "【提醒】督察组报告将于8月25日截止报送，请于8月25日前报送市委依法治市办。"
    )
    # Sent on Friday 7月31日 for a phase starting Saturday.
    assert occs["phase-start:self_check:2020-07-31"].text.startswith(
        "【通知】明天（8月1日）起进入自查阶段（8月1日至8月10日）。"
        "本阶段各地各部门须于8月10日前将自查报告（附问题清单）报送市委依法治市办。"
    )
    assert "/score" in occs["phase-start:self_check:2020-07-31"].text
    assert occs["phase-start:field_inspection:2020-08-11"].text.startswith(
        "【通知】今天起进入实地督察阶段（8月11日至8月20日）。"
    )


def test_audience_all_deadline_says_nothing_owed(rubric):
    rules = rules_of(
        {"key": "t3-all", "kind": "deadline", "days_before": 3, "audience": "all", "deliverables": ["self_check_report"]}
    )
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.audience == "all"
    assert occ.text == "【提醒】自查阶段将于8月10日截止，请于8月10日前将自查报告（附问题清单）报送市委依法治市办。"


def test_rule_filters(rubric):
    rules = rules_of(
        {"key": "only-rect", "kind": "deadline", "days_before": 3, "deliverables": ["rectification_report"]},
        {"key": "only-field", "kind": "phase_start", "phases": ["field_inspection"]},
    )
    assert [o.key for o in plan_campaign(rubric.campaign, rules)] == [
        "only-field:field_inspection:2020-08-11",
        "only-rect:rectification_report:2020-09-02",
    ]


# --- China's calendar --------------------------------------------------------------------


def test_national_day_2020_and_adjusted_working_days():
    # 2020 National Day and Mid-Autumn: 10月1日–8日 off, Sunday 9月27日 and Saturday 10月10日 worked.
    assert [is_workday(D(2020, 10, 1) + dt.timedelta(days=i)) for i in range(8)] == [False] * 8
    assert D(2020, 9, 27).weekday() == 6 and is_workday(D(2020, 9, 27))  # a Sunday, worked (调休)
    assert D(2020, 10, 10).weekday() == 5 and is_workday(D(2020, 10, 10))  # a Saturday, worked
    assert not is_workday(D(2020, 10, 11))
    assert workday_on_or_before(D(2020, 10, 8)) == D(2020, 9, 30)
    assert workday_on_or_before(D(2020, 10, 10)) == D(2020, 10, 10)
    assert workday_on_or_before(D(2020, 8, 2)) == D(2020, 7, 31)


def test_weekends_outside_the_calendar_years():
    first, last = calendar_years()
    assert first <= 2020 <= last
    year = last + 5  # not covered: plain Monday–Friday
    jan1 = D(year, 1, 1)
    saturday = jan1 + dt.timedelta(days=(5 - jan1.weekday()) % 7)
    assert not is_workday(jan1)  # 元旦: a holiday by the fixed dates of the law, whatever the weekday
    assert not is_workday(saturday) and not is_workday(saturday + dt.timedelta(days=1))
    assert workday_on_or_before(saturday + dt.timedelta(days=1)) == saturday - dt.timedelta(days=1)
    before = D(first - 1, 6, 1)
    assert is_workday(before) == (before.weekday() < 5)


def test_fixed_date_holidays_after_the_calendar_years():
    """A 2026 round runs into 2027, past the package's years: 元旦, 劳动节 (5月1日、2日) and 国庆节
    (10月1日–3日) are the law's fixed days off (全国年节及纪念日放假办法), so no reminder is sent on them."""
    first, last = calendar_years()
    year = last + 1
    for month, day in ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)):
        assert not is_workday(D(year, month, day)), (month, day)
    assert is_workday(D(2027, 1, 4))  # a Monday
    if last == 2026:
        # The 2026 round's 整改报告 is due Tuesday 2027-01-05; T-3 is Saturday 1月2日, and the working
        # day before it is Thursday 12月31日, not 元旦.
        assert workday_on_or_before(D(2027, 1, 2)) == D(2026, 12, 31)


def test_rules_on_holidays_and_adjusted_working_days(rubric, default_rules):
    # 反馈整改 moved to 9月20日–10月10日: the report is due Saturday 10月10日, a working day.
    # 迎接督察 given a Sunday start that is a working day (9月27日).
    phases = effective_phases(
        rubric.campaign,
        {"rectification": (D(2020, 9, 20), D(2020, 10, 10)), "central_inspection": (D(2020, 9, 27), D(2020, 10, 20))},
    )
    occs = [o for o in plan(phases, default_rules, "Asia/Shanghai") if o.phase.key in {"rectification", "central_inspection"}]
    assert [(o.key, o.due) for o in occs] == [
        ("phase-start:rectification:2020-09-18", at(2020, 9, 18)),  # Sunday 9月20日 → Friday
        ("phase-start:central_inspection:2020-09-27", at(2020, 9, 27)),  # a worked Sunday: stays
        ("deadline-3:rectification_report:2020-09-30", at(2020, 9, 30)),  # 10月7日 holiday → 9月30日
        ("deadline-1:rectification_report:2020-10-09", at(2020, 10, 9)),
        ("deadline-0:rectification_report:2020-10-10", at(2020, 10, 10)),  # a worked Saturday: stays
    ]
    t3 = occs[2]
    assert t3.nominal == at(2020, 10, 7)
    assert t3.text.startswith("【提醒】反馈整改阶段将于10月10日截止，请于10月10日前将整改报告报送市委依法治市办。")
    # A phase starting in the middle of the holiday is announced on the last working day before.
    phases = effective_phases(rubric.campaign, {"central_inspection": (D(2020, 10, 3), None)})
    [occ] = [o for o in plan(phases, default_rules, SH) if o.phase.key == "central_inspection"]
    assert occ.due == at(2020, 9, 30)
    assert occ.text.startswith("【通知】10月3日（星期六）起进入迎接督察阶段（10月3日起）。")


# --- quiet hours -------------------------------------------------------------------------


def test_late_rule_waits_for_next_morning(rubric):
    # T-1 at 23:30 for a Monday deadline: Sunday 23:30 → Monday 08:00 (a working day).
    rules = rules_of({"key": "late", "kind": "deadline", "days_before": 1, "at": "23:30", "deliverables": "self_check_report"})
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.nominal == at(2020, 8, 9, 23, 30)
    assert occ.due == at(2020, 8, 10, 8, 0)
    assert occ.key == "late:self_check_report:2020-08-10"
    assert occ.text.startswith("【提醒】自查阶段今天（8月10日）截止")


def test_early_rule_waits_until_eight(rubric):
    rules = rules_of({"key": "early", "kind": "deadline", "at": "06:00", "deliverables": ["self_check_report"]})
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.due == at(2020, 8, 10, 8, 0)


def test_late_friday_rule_goes_out_friday_morning(rubric):
    # Friday 23:30 would wait until Saturday 08:00, a day off: it goes out Friday 08:00.
    rules = rules_of({"key": "late3", "kind": "deadline", "days_before": 3, "at": "23:30", "deliverables": ["self_check_report"]})
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.due == at(2020, 8, 7, 8, 0)


def test_deadline_day_late_rule_is_worded_as_past(rubric):
    rules = rules_of({"key": "too-late", "kind": "deadline", "at": "22:30", "deliverables": ["inspection_group_report"]})
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.due == at(2020, 8, 26, 8, 0)
    assert occ.text.startswith("【提醒】督察组报告已于8月25日截止报送，请尽快报送市委依法治市办。")


def test_quiet_hours_boundaries():
    q = QuietHours()
    assert q.release(at(2020, 8, 3, 21, 59)) == at(2020, 8, 3, 21, 59)
    assert q.release(at(2020, 8, 3, 22, 0)) == at(2020, 8, 4, 8, 0)
    assert q.release(at(2020, 8, 3, 0, 0)) == at(2020, 8, 3, 8, 0)
    assert q.release(at(2020, 8, 3, 7, 59)) == at(2020, 8, 3, 8, 0)
    assert q.release(at(2020, 8, 3, 8, 0)) == at(2020, 8, 3, 8, 0)
    noon = QuietHours.model_validate({"start": "12:00", "end": "14:00"})  # within one day
    assert noon.release(at(2020, 8, 3, 13, 0)) == at(2020, 8, 3, 14, 0)
    assert noon.release(at(2020, 8, 3, 23, 0)) == at(2020, 8, 3, 23, 0)


def test_custom_quiet_hours(rubric):
    rules = rules_of(
        {"key": "t0", "kind": "deadline", "at": "07:00", "deliverables": ["self_check_report"]},
        quiet={"start": "21:00", "end": "07:30"},
    )
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.due == at(2020, 8, 10, 7, 30)


def test_send_time_keeps_timezone():
    nominal, due = send_time(D(2020, 8, 1), dt.time(9), QuietHours(), SH)
    assert nominal == at(2020, 8, 1) and due == at(2020, 7, 31)
    assert due.astimezone(dt.timezone.utc) == dt.datetime(2020, 7, 31, 1, 0, tzinfo=dt.timezone.utc)


# --- until when a reminder may still go out ----------------------------------------------


def test_a_reminder_is_sent_no_later_than_the_evening_of_its_day(occurrences):
    """Retried (Telegram unreachable) until quiet hours begin that evening, never the next day:
    its words are reckoned from the day it is sent."""
    occs = by_key(occurrences)
    t1 = occs["deadline-1:inspection_group_report:2020-08-24"]
    assert t1.due == at(2020, 8, 24) and t1.until == at(2020, 8, 24, 22, 0)
    assert all(o.until is not None and o.due < o.until <= dt.datetime.combine(o.due.date(), dt.time(22), tzinfo=SH) for o in occurrences)


def test_a_reminder_is_not_sent_once_the_next_one_of_its_deliverable_is_due(rubric):
    rules = rules_of(
        {"key": "morning", "kind": "deadline", "at": "09:00", "deliverables": ["self_check_report"]},
        {"key": "noon", "kind": "deadline", "at": "12:00", "deliverables": ["self_check_report"]},
        {"key": "all", "kind": "deadline", "at": "10:00", "audience": "all", "deliverables": ["self_check_report"]},
    )
    occs = by_key(plan_campaign(rubric.campaign, rules))
    assert occs["morning:self_check_report:2020-08-10"].until == at(2020, 8, 10, 12, 0)
    assert occs["noon:self_check_report:2020-08-10"].until == at(2020, 8, 10, 22, 0)
    assert occs["all:self_check_report:2020-08-10"].until == at(2020, 8, 10, 22, 0)  # another audience


def test_without_evening_quiet_hours_a_reminder_goes_out_until_midnight(rubric):
    rules = rules_of({"key": "t0", "kind": "deadline", "deliverables": ["self_check_report"]}, quiet={"start": "12:00", "end": "13:00"})
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.due == at(2020, 8, 10) and occ.until == at(2020, 8, 10, 12, 0)
    rules = rules_of({"key": "t0", "kind": "deadline", "at": "14:00", "deliverables": ["self_check_report"]}, quiet={"start": "12:00", "end": "13:00"})
    [occ] = plan_campaign(rubric.campaign, rules)
    assert occ.until == at(2020, 8, 11, 0, 0)


# --- coordinator overrides ---------------------------------------------------------------


def test_override_moves_self_check_and_its_report(rubric, default_rules):
    phases = effective_phases(rubric.campaign, {"self_check": (D(2020, 8, 3), D(2020, 8, 14))})
    sc = phases[1]
    assert sc == PhaseWindow(
        key="self_check",
        name="自查阶段",
        start=D(2020, 8, 3),
        end=D(2020, 8, 14),
        date_text="8月3日至8月14日",
        deliverables=(
            DeliverableWindow("self_check_report", "自查报告（附问题清单）", D(2020, 8, 14), "各地各部门", "市委依法治市办"),
        ),
    )
    assert phases[2] == effective_phases(rubric.campaign, {})[2]  # other phases untouched
    occs = [o for o in plan(phases, default_rules, SH) if o.phase.key == "self_check"]
    assert [(o.key, o.due) for o in occs] == [
        ("phase-start:self_check:2020-08-03", at(2020, 8, 3)),
        ("deadline-3:self_check_report:2020-08-11", at(2020, 8, 11)),
        ("deadline-1:self_check_report:2020-08-13", at(2020, 8, 13)),
        ("deadline-0:self_check_report:2020-08-14", at(2020, 8, 14)),
    ]
    assert occs[0].text.startswith("【通知】今天起进入自查阶段（8月3日至8月14日）。本阶段各地各部门须于8月14日前")


def test_override_keeps_report_offset_from_phase_end(rubric):
    # The inspection groups report 5 days after the field phase ends, wherever it ends.
    phases = effective_phases(rubric.campaign, {"field_inspection": (D(2020, 8, 12), D(2020, 8, 24))})
    assert phases[2].deliverables[0].due == D(2020, 8, 29)
    assert phases[2].date_text == "8月12日至8月24日"


def test_override_without_end_leaves_due_unknown(rubric, default_rules):
    phases = effective_phases(rubric.campaign, {"self_check": (D(2020, 8, 3), None)})
    assert phases[1].date_text == "8月3日起"
    assert phases[1].deliverables[0].due is None
    occs = [o for o in plan(phases, default_rules, SH) if o.phase.key == "self_check"]
    assert [o.key for o in occs] == ["phase-start:self_check:2020-08-03"]


def test_template_dates_keep_the_notice_wording(rubric):
    phases = effective_phases(rubric.campaign, {"self_check": (D(2020, 8, 1), D(2020, 8, 10))})
    assert phases == effective_phases(rubric.campaign, {})
    assert [p.date_text for p in phases] == ["7月31日前", "8月1日至8月10日", "8月11日至8月20日", "8月25日至9月5日", "具体时间待定"]


def test_cross_year_window_text(rubric):
    phases = effective_phases(rubric.campaign, {"central_inspection": (D(2020, 12, 28), D(2021, 1, 8))})
    assert phases[4].date_text == "2020年12月28日至2021年1月8日"


def test_central_inspection_reminds_nobody_until_dated(rubric, default_rules, occurrences):
    assert not [o for o in occurrences if o.phase.key in {"central_inspection", "prepare"}]
    phases = effective_phases(rubric.campaign, {"central_inspection": (D(2020, 11, 2), D(2020, 11, 20))})
    assert phases[4].deliverables == ()  # dates, but no deliverables beyond the template's
    occs = [o for o in plan(phases, default_rules, SH) if o.phase.key == "central_inspection"]
    assert [(o.key, o.due, o.audience) for o in occs] == [
        ("phase-start:central_inspection:2020-11-02", at(2020, 11, 2), "all")
    ]
    assert occs[0].text.startswith("【通知】今天起进入迎接督察阶段（11月2日至11月20日）。")
    # Clearing the dates again silences it.
    phases = effective_phases(rubric.campaign, {"central_inspection": (None, None)})
    assert not [o for o in plan(phases, default_rules, SH) if o.phase.key == "central_inspection"]


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "start", "end", "reason"),
    [
        ("self-check", D(2020, 8, 1), D(2020, 8, 10), "没有“self-check”这个阶段"),
        ("inspection", None, None, "自查阶段（self_check）"),
        ("self_check", D(2020, 8, 10), D(2020, 8, 1), "自查阶段的结束日期（2020年8月1日）早于开始日期（2020年8月10日）"),
        ("rectification", dt.datetime(2020, 8, 25, 9), None, "反馈整改阶段的开始日期应为日期"),
        ("rectification", None, "2020-09-05", "反馈整改阶段的结束日期应为日期"),
    ],
)
def test_invalid_windows_refused(rubric, key, start, end, reason):
    with pytest.raises(ValueError, match=reason):
        validate_window(key, start, end)
    with pytest.raises(ValueError, match=reason):
        effective_phases(rubric.campaign, {key: (start, end)})


def test_valid_windows_accepted():
    validate_window("self_check", D(2020, 8, 1), D(2020, 8, 1))  # one-day phase
    validate_window("central_inspection", None, None)
    validate_window("prepare", None, D(2020, 7, 31))


def test_malformed_override_refused(rubric):
    with pytest.raises(ValueError, match="两项"):
        effective_phases(rubric.campaign, {"self_check": (D(2020, 8, 1),)})  # type: ignore[dict-item]


def test_duplicate_deliverable_keys_refused(default_rules):
    d = DeliverableWindow("report", "报告", D(2020, 8, 10), "各地各部门", "市委依法治市办")
    phases = [
        PhaseWindow("self_check", "自查阶段", D(2020, 8, 1), D(2020, 8, 10), "", (d,)),
        PhaseWindow("rectification", "反馈整改阶段", D(2020, 8, 1), D(2020, 8, 10), "", (d,)),
    ]
    with pytest.raises(ValueError, match="unique"):
        plan(phases, default_rules, SH)


GOOD_RULE = '  - {key: t3, kind: deadline, days_before: 3, at: "09:00"}\n'


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ('quiet_hours: {start: 22:00, end: "08:00"}\nrules:\n' + GOOD_RULE, ["quiet_hours › start", 'did you mean "22:00"']),
        ('quiet_hours: {start: "22:00", end: "22:00"}\nrules:\n' + GOOD_RULE, ["quiet_hours", "same time"]),
        ("rules:\n  - {key: t3, kind: deadline, at: 21:30}\n", ["rules[0] › at", 'did you mean "21:30"']),
        ('rules:\n  - {key: t3, kind: deadline, at: "25:00"}\n', ["rules[0] › at", "not a time of day"]),
        ("rules:\n  - {key: t3, kind: reminder}\n", ["rules[0] › kind", "phase_start", "deadline"]),
        ("rules:\n  - {key: t3, kind: deadline, days_before: -1}\n", ["rules[0] › days_before", "greater than or equal to 0"]),
        ("rules:\n  - {key: t3, kind: deadline, days_befor: 3}\n", ["rules[0] › days_befor", "Extra inputs"]),
        ("rules:\n  - {key: t3, kind: deadline, audience: some}\n", ["rules[0] › audience", "'all', 'owing' or 'groups'"]),
        ("rules:\n  - {key: s, kind: phase_start, audience: owing}\n", ["rules[0]", "owing needs a deadline rule"]),
        ("rules:\n  - {key: s, kind: phase_start, deliverables: [self_check_report]}\n", ["only apply to deadline rules"]),
        ("rules:\n  - {key: s, kind: phase_start, phases: [selfcheck]}\n", ["rules[0] › phases[0]", "self_check"]),
        ("rules:\n  - {key: s, kind: phase_start, phases: []}\n", ["rules[0] › phases", "never remind anyone"]),
        ("rules:\n  - {key: Phase Start, kind: phase_start}\n", ["rules[0] › key", "pattern"]),
        ("rules:\n" + GOOD_RULE + GOOD_RULE, ["rules", "two rules are named 't3'"]),
        ("quiet_hours: {start: \"22:00\"}\n", ["rules: Field required"]),
        ("", ["rules: Field required"]),
        ("rules: [\n", ["not valid YAML"]),
    ],
)
def test_invalid_rules_refused(tmp_path, text, reasons):
    path = tmp_path / "reminders.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rules(path)
    message = str(info.value)
    assert str(path) in message
    for reason in reasons:
        assert reason in message, message


def test_unknown_deliverable_refused_against_campaign(tmp_path, rubric):
    path = tmp_path / "reminders.yaml"
    path.write_text("rules:\n  - {key: t3, kind: deadline, deliverables: [self_report]}\n", encoding="utf-8")
    load_rules(path)  # without a campaign the key cannot be checked
    with pytest.raises(RubricError, match=r"rules\[0\] \(t3\) › deliverables: unknown self_report"):
        load_rules(path, campaign=rubric.campaign)


def test_missing_rules_file(tmp_path):
    with pytest.raises(RubricError, match="file not found"):
        load_rules(tmp_path / "nope.yaml")


def test_rules_file_follows_rubric_dir(tmp_path, monkeypatch):
    (tmp_path / "reminders.yaml").write_text("rules: []\n", encoding="utf-8")
    monkeypatch.setenv("DUCHA_RUBRIC_DIR", str(tmp_path))
    assert load_rules().rules == []


def test_rule_defaults():
    rule = Rule.model_validate({"key": "d", "kind": "deadline"})
    assert (rule.days_before, rule.at, rule.audience, rule.phases, rule.deliverables) == (0, dt.time(9), "owing", None, None)
    assert Rule.model_validate({"key": "p", "kind": "phase_start", "phases": "all"}).audience == "all"
    assert Rule.model_validate({"key": "p", "kind": "phase_start", "at": "8:30"}).at == dt.time(8, 30)


# --- due_between -------------------------------------------------------------------------


def test_due_between(occurrences):
    friday = due_between(occurrences, at(2020, 8, 7, 0, 0), at(2020, 8, 8, 0, 0))
    assert [o.key for o in friday] == ["deadline-3:self_check_report:2020-08-07"]
    # The same window in UTC gives the same answer.
    utc = dt.timezone.utc
    assert due_between(occurrences, at(2020, 8, 7, 0, 0).astimezone(utc), at(2020, 8, 8, 0, 0).astimezone(utc)) == friday
    # Half-open: a reminder due exactly at the end belongs to the next window.
    assert due_between(occurrences, at(2020, 8, 7, 8, 0), at(2020, 8, 7, 9, 0)) == []
    assert due_between(occurrences, at(2020, 8, 7, 9, 0), at(2020, 8, 7, 9, 1)) == friday
    both = due_between(occurrences, at(2020, 8, 25, 9, 0), at(2020, 8, 25, 9, 1))
    assert [o.key for o in both] == ["deadline-0:inspection_group_report:2020-08-25", "phase-start:rectification:2020-08-25"]
    assert due_between(occurrences, at(2019, 1, 1), at(2030, 1, 1)) == occurrences


def test_due_between_needs_aware_bounds(occurrences):
    with pytest.raises(ValueError, match="timezone-aware"):
        due_between(occurrences, dt.datetime(2020, 8, 7), at(2020, 8, 8))
