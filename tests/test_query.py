"""Reading task numbers, tables and aspects off questions."""

from __future__ import annotations

import pytest

from bot.qa.query import (
    Question,
    aspect_asked,
    chinese_to_int,
    clean,
    table_named,
    task_number,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("第10项怎么得分", 10),
        ("第十项", 10),
        ("第二十七项几分", 27),
        ("10号任务", 10),
        ("任务10", 10),
        ("任务十怎么得分", 10),
        ("task 10", 10),
        ("Task 12?", 12),
        ("what earns points for task 10", 10),
        ("#7", 7),
        ("第２７项", 27),
        ("10", 10),
        ("政府表第二十三项查什么材料", 23),
        ("第99项", 99),
        # not task numbers
        ("第一责任人要做什么", None),
        ("任务一共多少", None),
        ("每年2次专题学法", None),
        ("8月10日交报告", None),
        ("第一次汇报", None),
        ("", None),
    ],
)
def test_task_number(text, expected):
    assert task_number(clean(text)) == expected


@pytest.mark.parametrize("text, n", [("十", 10), ("二十七", 27), ("两", 2), ("一百零五", 105), ("三十", 30), ("abc", None)])
def test_chinese_numerals(text, n):
    assert chinese_to_int(text) == n


@pytest.mark.parametrize(
    "text, table",
    [
        ("县委第14项", "party"),
        ("党委表", "party"),
        ("县政府第3项", "government"),
        ("政府那张表", "government"),
        ("法治政府建设规划", None),
        ("在依法治县委员会里担任什么", None),
        ("党委和政府都要做吗", None),
    ],
)
def test_table_named(text, table):
    assert table_named(clean(text)) == table


@pytest.mark.parametrize(
    "text, aspect",
    [
        ("第10项怎么得分", "criteria"),
        ("怎么扣分", "criteria"),
        ("第27项几分", "points"),
        ("法律顾问那条谁负责", "units"),
        ("查什么材料", "check"),
        ("第10项", "card"),
    ],
)
def test_aspect(text, aspect):
    assert aspect_asked(text) == aspect


def test_clean_strips_control_characters_and_widths():
    assert clean("第\x00１０\u200b项\t\n ") == "第 10 项"


def test_long_questions_are_truncated():
    q = Question.read("法" * 10_000)
    assert q.truncated and len(q.text) == 300
