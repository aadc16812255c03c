"""Reading typed deadlines and typed answers to criteria."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.scoring.parsing import match_level, parse_deadline
from rubric_data.loader import load_rubric

RUBRIC = load_rubric()

# 2020-08-09 is a Sunday in the self-check phase; 2020-12-20 (also a Sunday) tests year rollover.
AUG = dt.date(2020, 8, 9)
DEC = dt.date(2020, 12, 20)


def d(month: int, day: int, year: int = 2020) -> dt.date:
    return dt.date(year, month, day)


def criterion(table: str, task: int, index: int):
    return RUBRIC.tables[table].task(task).criteria[index]


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # absolute
        ("9月5日", d(9, 5)),
        ("9月5号", d(9, 5)),
        ("9.5", d(9, 5)),
        ("9/5", d(9, 5)),
        ("2020-09-05", d(9, 5)),
        ("2020/9/5", d(9, 5)),
        ("2020.9.5", d(9, 5)),
        ("2020年9月5日", d(9, 5)),
        ("二〇二〇年九月五日", d(9, 5)),
        ("九月五日", d(9, 5)),
        ("十二月三十一日", d(12, 31)),
        ("９月５日", d(9, 5)),  # full-width digits
        ("在２０２０年９月５日以前", d(9, 5)),
        ("在9月5日前完成", d(9, 5)),
        ("9月5日之前", d(9, 5)),
        ("整改时限：9月5日", d(9, 5)),
        ("8月9日", d(8, 9)),  # today itself
        ("8月1日", d(8, 1, 2021)),  # already past this year
        ("9月底前", d(9, 30)),
        ("下个月10号", d(9, 10)),
        ("20号前", d(8, 20)),
        # relative
        ("两周内", d(8, 23)),
        ("2周内", d(8, 23)),
        ("两周", d(8, 23)),
        ("一个月内", d(9, 9)),
        ("两个月内", d(10, 9)),
        ("3天内", d(8, 12)),
        ("3日内", d(8, 12)),
        ("十天之内", d(8, 19)),
        ("半个月内", d(8, 24)),
        ("半年内", d(2, 9, 2021)),
        ("一年内", d(8, 9, 2021)),
        ("5个工作日内", d(8, 14)),
        ("下周五", d(8, 14)),
        ("下周五之前", d(8, 14)),
        ("下星期一", d(8, 10)),
        ("周三", d(8, 12)),
        ("本周内", d(8, 9)),
        ("下周内", d(8, 16)),
        ("月底", d(8, 31)),
        ("本月底前", d(8, 31)),
        ("这个月底", d(8, 31)),
        ("下月底", d(9, 30)),
        ("下个月底", d(9, 30)),
        ("年底", d(12, 31)),
        ("年内", d(12, 31)),
        ("今年底", d(12, 31)),
        ("明年底", d(12, 31, 2021)),
        ("明天", d(8, 10)),
        ("后天", d(8, 11)),
        ("大后天", d(8, 12)),
    ],
)
def test_deadline_in_august(text, expected):
    assert parse_deadline(text, AUG) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1月10日", d(1, 10, 2021)),  # typed in December: next January
        ("1.10", d(1, 10, 2021)),
        ("12月25日", d(12, 25)),
        ("12月1日", d(12, 1, 2021)),  # passed this year, so next year's
        ("2021年1月10日", d(1, 10, 2021)),
        ("两周内", d(1, 3, 2021)),
        ("一个月内", d(1, 20, 2021)),
        ("十天之内", d(12, 30)),
        ("下周五", d(12, 25)),
        ("月底", d(12, 31)),
        ("下月底", d(1, 31, 2021)),
        ("年底", d(12, 31)),
        ("5号", d(1, 5, 2021)),
    ],
)
def test_deadline_across_the_year_end(text, expected):
    assert parse_deadline(text, DEC) == expected


def test_month_end_is_clamped():
    assert parse_deadline("一个月内", d(1, 31)) == d(2, 29)


@pytest.mark.parametrize(
    "text",
    ["尽快", "待定", "长期坚持", "", "   ", "32号", "13月1日", "9月31日", "0月5日", "立行立改", "100", "2周左右", "2019-01-01"],
)
def test_not_a_deadline(text):
    assert parse_deadline(text, AUG) is None


def test_deadline_never_raises():
    for text in [None, "9月", "月", "下下下", "半天内", "百月百日", "9999-99-99", "一百年内", "〇月〇日", "..//--"]:
        assert parse_deadline(text, AUG) is None  # type: ignore[arg-type]


# --- levels ------------------------------------------------------------------------------------

HEARD = ("party", 1, 0)  # 听取2次及以上 / 听取1次 / 未听取
RECORD = ("party", 1, 1)  # 记录完整 / 记录不完整 / 没有记录
MEASURES = ("party", 1, 2)  # 措施得力 / 措施过于简单 / 没有措施
CHAIR = ("party", 2, 0)  # 已担任 / 未担任
CARRIED_OUT = ("party", 2, 1)  # 全面落实 / 未全面落实 / 未落实
RESULTS = ("party", 2, 2)  # 成效显著 / 成效不明显 / 没有成效
GOALS = ("party", 4, 0)  # 目标任务举措完整 / 举措不完整（扣1分）/ 举措不完整（扣2分）/ 没有确定目标
SCIENTIFIC = ("party", 6, 1)  # 科学有效 / 不完整或不全面（扣1分）/ 不完整或不全面（扣2分）
DECISIONS = ("party", 14, 1)  # 参与全部重大决策 / 部分参与 / 未参与
INTERFERENCE = ("party", 16, 0)  # 没有干预司法现象 / 有干预司法现象
MEETINGS = ("government", 4, 1)  # 每半年至少一次 / 全年仅召开一次 / 未按规定召开
FILED = ("government", 10, 2)  # 达到100% / 达到80% / 低于80%
STUDY = ("government", 27, 1)  # 2期及以上 / 不足2期


@pytest.mark.parametrize(
    "which, text, expected",
    [
        # counts against the numbers in the labels
        (HEARD, "开了两次", 0),
        (HEARD, "听了3次", 0),
        (HEARD, "两次以上", 0),
        (HEARD, "就一次", 1),
        (HEARD, "1次", 1),
        (HEARD, "0次", 2),
        (HEARD, "一次也没开", 2),
        (HEARD, "没开", 2),
        (HEARD, "没有", 2),
        (HEARD, "未听取", 2),
        (MEETINGS, "两次", 0),
        (MEETINGS, "一次", 1),  # 仅一次 is more specific than 至少一次
        (MEETINGS, "没开", 2),
        (FILED, "100%", 0),
        (FILED, "90%", 1),
        (FILED, "70%", 2),
        (STUDY, "3期", 0),
        (STUDY, "1期", 1),
        # yes and no on two levels
        (CHAIR, "担任了", 0),
        (CHAIR, "是", 0),
        (CHAIR, "有", 0),
        (CHAIR, "是的", 0),
        (CHAIR, "已经担任", 0),
        (CHAIR, "没有", 1),
        (CHAIR, "未担任", 1),
        (CHAIR, "没担任", 1),
        (CHAIR, "否", 1),
        (CHAIR, "不是", 1),
        # negation wins over the word it negates
        (RECORD, "完整", 0),
        (RECORD, "很完整", 0),
        (RECORD, "不完整", 1),
        (RECORD, "不太完整", 1),
        (RECORD, "部分", 1),
        (RECORD, "记录不全", 1),
        (RECORD, "有记录但不完整", 1),
        (RECORD, "没记录", 2),
        (RECORD, "没有", 2),
        (CARRIED_OUT, "落实了", 0),
        (CARRIED_OUT, "没有落实", 2),
        (CARRIED_OUT, "没有全面落实", 1),
        (CARRIED_OUT, "部分落实", 1),
        (CARRIED_OUT, "基本落实", 1),
        (MEASURES, "很得力", 0),
        (MEASURES, "太简单了", 1),
        (MEASURES, "没有措施", 2),
        (RESULTS, "不明显", 1),
        (DECISIONS, "部分", 1),
        (DECISIONS, "没参与", 2),
        (INTERFERENCE, "没有干预", 0),
        (INTERFERENCE, "有干预", 1),
        # points and option numbers
        (HEARD, "2分", 0),
        (HEARD, "得2分", 0),
        (HEARD, "得1分", 1),
        (HEARD, "0分", 2),
        (GOALS, "2分", 1),
        (GOALS, "扣1分", 1),
        (GOALS, "满分", 0),
        (GOALS, "不得分", 3),
        (HEARD, "1", 0),
        (HEARD, "3", 2),
        (HEARD, "第2个", 1),
        (HEARD, "选第三个", 2),
        (RECORD, "记录完整。", 0),
        (GOALS, "举措不完整（扣2分）", 2),
        (GOALS, "举措不完整(扣2分)", 2),
    ],
)
def test_match_level(which, text, expected):
    assert match_level(criterion(*which), text) == expected


@pytest.mark.parametrize(
    "which, text",
    [
        (HEARD, "不好说"),
        (HEARD, "你好"),
        (HEARD, "还行吧"),
        (HEARD, "听取"),  # but how often?
        (HEARD, "是"),  # yes, but how often?
        (HEARD, "4"),  # only three buttons
        (HEARD, "3分"),  # no level is worth 3
        (CHAIR, "不知道"),
        (CHAIR, "部分"),  # two levels have no middle
        (RECORD, "记录"),
        (RECORD, "有"),  # a record, but complete?
        (RESULTS, "成效很好"),  # good, but 显著?
        (GOALS, "举措不完整"),  # which deduction?
        (GOALS, "部分"),
        (SCIENTIFIC, "不完整"),
        (SCIENTIFIC, "没有"),
        (INTERFERENCE, "是"),  # the best level is itself a negation
        (INTERFERENCE, "没有"),
        (HEARD, ""),
        (HEARD, "？？"),
    ],
)
def test_unclear_answers(which, text):
    assert match_level(criterion(*which), text) is None


ALL_CRITERIA = [
    pytest.param(c, id=f"{key}-{task.no}-{i}")
    for key, table in RUBRIC.tables.items()
    for task in table.tasks
    for i, c in enumerate(task.criteria)
]


@pytest.mark.parametrize("crit", ALL_CRITERIA)
def test_every_label_and_option_selects_its_level(crit):
    for i, level in enumerate(crit.levels):
        assert match_level(crit, level.label) == i, level.label
        assert match_level(crit, str(i + 1)) == i


@pytest.mark.parametrize("crit", ALL_CRITERIA)
def test_unrelated_text_selects_nothing(crit):
    for text in ("你好", "还行吧", "不好说", "明天再说"):
        assert match_level(crit, text) is None, text


def test_partly_about_something_else_is_not_an_answer(rubric):
    """Typed at "措施得力 / 措施过于简单 / 没有措施", "会议记录不全" is about the previous question."""
    from bot.scoring.parsing import match_level

    measures = rubric.tables["party"].task(1).criteria[2]
    assert match_level(measures, "会议记录不全") is None
    assert match_level(measures, "不全") == 1
    assert match_level(measures, "措施不全") == 1
