"""Everything the reminders say to users, in one place.

Officials read these; keep them polite, short and in plain Chinese. Templates use
str.format fields; ``scheduler.plan`` fills them.
"""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

ROUND_NAME = "本轮（{year}）"
NOTICE_NAME = "通知原定（{year}）"
NO_DATE = "待定"
# A notice date whose phase this round has no date for.
DUE_UNSET = "规定时间"

MONTH_DAY = "{m}月{d}日"
YEAR_MONTH_DAY = "{y}年{m}月{d}日"

# How a phase's dates are worded when a coordinator has set them (the notice's own wording
# is kept while the dates are the notice's).
WINDOW_BOTH = "{start}至{end}"
WINDOW_FROM = "{start}起"
WINDOW_UNTIL = "{end}前"
WINDOW_NONE = "具体时间待定"

# --- phase start -------------------------------------------------------------------------

# {when} is PHASE_TODAY or PHASE_ON; {dates} is the phase's date wording.
PHASE_START = "【通知】{when}进入{phase}（{dates}）。"
PHASE_TODAY = "今天起"
PHASE_TOMORROW = "明天（{start}）起"
PHASE_ON = "{start}（{weekday}）起"
PHASE_STARTED = "{start}起已"  # only if a reminder is deferred past the phase's first day
# One line per deliverable of the phase.
PHASE_DELIVERABLE = "本阶段{sender}须于{due}前将{name}报送{to}。"
# What the phase asks of units, by phase key; a phase not listed adds nothing.
PHASE_HINT = {
    "prepare": "请做好督察筹备工作。",
    "self_check": "请对照打分表组织自查，可发送 /score 开始或继续本单位自评打分。",
    "field_inspection": "请做好迎接实地督察的各项准备，督察组将现场反馈督察情况及存在问题。",
    "rectification": "请根据督察反馈意见逐项整改，明确责任领导、责任单位、责任人及完成时限。",
    "central_inspection": "请积极配合做好中央依法治国办和省委依法治省办的督察工作。",
}

# What a phase asks of the inspection groups (rules with audience "groups").
PHASE_HINT_GROUPS = {
    "field_inspection": "请各督察组发送 /inspect 查看本组负责的单位，逐项核查打分，督察结束后现场反馈，并按时提交督察结果。",
}

# --- deadlines ---------------------------------------------------------------------------

# When the deliverable's due date is the phase's last day, the reminder names the phase.
DEADLINE_PHASE = "【提醒】{phase}{when}，请{by}将{name}报送{to}。"
DEADLINE_ITEM = "【提醒】{name}{when}报送，请{by}报送{to}。"
# {when}: how far away the deadline is, seen from the day the reminder is sent.
WHEN_LATER = "将于{due}截止"
WHEN_TOMORROW = "将于明天（{due}）截止"
WHEN_TODAY = "今天（{due}）截止"
WHEN_PAST = "已于{due}截止"
# {by}: what to do by when.
BY_DATE = "于{due}前"
BY_TODAY = "于今天内"
BY_PAST = "尽快"
# Added to "owing" reminders: what the recipient still owes, by deliverable key.
OWING = {
    "self_check_report": "贵单位自评尚未提交，可发送 /score 继续。",
    "inspection_group_report": "本督察组尚有单位的督察结果未提交，请抓紧完成（发送 /inspect 查看）。",
    "rectification_report": "贵单位整改报告尚未报送，请抓紧报送。",
}
OWING_DEFAULT = "贵单位尚未报送{name}，请抓紧报送。"


def month_day(d: dt.date, *, with_year: bool = False) -> str:
    """8月10日 (or 2020年8月10日)."""
    if with_year:
        return YEAR_MONTH_DAY.format(y=d.year, m=d.month, d=d.day)
    return MONTH_DAY.format(m=d.month, d=d.day)


def weekday(d: dt.date) -> str:
    """星期一 … 星期日."""
    return WEEKDAYS[d.weekday()]


def window_text(start: dt.date | None, end: dt.date | None) -> str:
    """Word a phase's dates as the notice does: 8月1日至8月10日, 7月31日前, 具体时间待定."""
    # The year is spelled out only when the two dates fall in different years.
    with_year = bool(start and end and start.year != end.year)
    if start and end:
        return WINDOW_BOTH.format(
            start=month_day(start, with_year=with_year), end=month_day(end, with_year=with_year)
        )
    if start:
        return WINDOW_FROM.format(start=month_day(start))
    if end:
        return WINDOW_UNTIL.format(end=month_day(end))
    return WINDOW_NONE

# --- refusing a coordinator's phase dates --------------------------------------------------

# The notice's phase names, for messages that have no campaign at hand.
PHASE_NAMES = {
    "prepare": "组织筹备阶段",
    "self_check": "自查阶段",
    "field_inspection": "实地督察阶段",
    "rectification": "反馈整改阶段",
    "central_inspection": "迎接督察阶段",
}
BAD_PHASE = "没有“{key}”这个阶段，可设置的阶段为：{known}。"
BAD_PHASE_ITEM = "{name}（{key}）"
BAD_DATE_TYPE = "{phase}的{label}应为日期，收到的是“{value}”。"
BAD_WINDOW_SHAPE = "阶段“{key}”的日期应为（开始日期, 结束日期）两项。"
START_LABEL = "开始日期"
END_LABEL = "结束日期"
END_BEFORE_START = "{phase}的结束日期（{end}）早于开始日期（{start}），请检查后重新设置。"

# --- questioning a typed date ----------------------------------------------------------------
DAY_PAST = "{day}已经过去"
DAY_FAR = "{day}距今超过一年"
