"""Reading a question: clean-up, task numbers, which table, and what it asks about a task.

Pure functions over strings; the answer engine combines them with the rubric.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.common.callbacks import Aspect

MAX_QUESTION_CHARS = 300

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = "[零〇一二两三四五六七八九十百]+"
_NUMBER = rf"(\d{{1,3}}|{_CN_NUMBER})"

# The forms officials use for "task N", most specific first. Each captures the number.
# Chinese numerals need a marker after them, or 第一责任人 would read as task 1.
_TASK_PATTERNS = [
    re.compile(rf"第\s*{_NUMBER}\s*(?:项|条|号|个任务|个)"),
    re.compile(r"第\s*(\d{1,3})(?![\d次年月日天批届名季期章款节部点阶个])"),
    # 县府第5项 is above; 党委23项, 政府表二十一项: a table word right before a number with 项/条.
    re.compile(rf"(?:表|党委|政府|县委|县府|区委|区府)\s*的?\s*{_NUMBER}\s*(?:项|条|号)(?!\s*(?:任务|主要职责|职责|指标|内容))"),
    re.compile(rf"{_NUMBER}\s*号\s*任务"),
    re.compile(r"任务\s*(?:第\s*)?(\d{1,3})(?![\d次年月日分%])"),
    re.compile(rf"任务\s*第?\s*({_CN_NUMBER})(?=$|\s|[项号的是怎如谁查几多要有？?，,。])"),
    re.compile(r"(?:(?<![a-z])(?:task|item|no\.?)|#)\s*(\d{1,3})(?!\d)", re.IGNORECASE),
    re.compile(r"^\s*(\d{1,3})\s*$"),
]


def chinese_to_int(text: str) -> int | None:
    """Chinese numerals up to 999 ('十' = 10, '二十七' = 27, '一百' = 100); None if not one."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[ch]
    return total + current


def clean(text: str | None) -> str:
    """Normalize width (NFKC), drop control and format characters, collapse whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def task_number(text: str) -> int | None:
    """The task number a question names ('第十项', '10号任务', 'task 10'), if any."""
    for pattern in _TASK_PATTERNS:
        m = pattern.search(text)
        if m:
            n = chinese_to_int(m.group(1))
            if n is not None and n > 0:
                return n
    return None


# Words that pick a table. 法治政府/政府信息 and friends name topics, not the government table.
_PARTY_WORDS = re.compile(r"党委|(?<!治)县委(?!员)|(?<!治)区委(?!员)|党工委|书记|常委会|党委表")
_GOV_WORDS = re.compile(r"县政府|区政府|县府|区府|政府表|县长|区长|政府主要负责人|(?<!法治)政府(?!信息|法律顾问|规章)")


def table_named(text: str) -> str | None:
    """'party' or 'government' when the question names exactly one table."""
    party = bool(_PARTY_WORDS.search(text))
    gov = bool(_GOV_WORDS.search(text))
    if party and not gov:
        return "party"
    if gov and not party:
        return "government"
    return None


_ASPECT_PATTERNS: list[tuple[Aspect, re.Pattern[str]]] = [
    ("check", re.compile(r"检查方式|怎么查|如何查|查什么|查哪些|查看什么|看什么材料|什么材料|哪些材料|佐证|台账|资料|check|evidence", re.I)),
    ("units", re.compile(r"谁负责|哪个单位|哪些单位|落实单位|责任单位|谁来(?!当|担任)|谁牵头|牵头单位|谁落实|哪个部门|哪些部门|负责单位|谁管|归谁|管还是|哪家|who", re.I)),
    ("criteria", re.compile(r"怎么得分|如何得分|得分|扣分|怎么评|评分|打分|标准|怎么算|给分|拿分|满分条件|要求是什么|criteria|score|earn|points? for", re.I)),
    ("points", re.compile(r"几分|多少分|分值|占多少|points|worth", re.I)),
]


def aspect_asked(text: str) -> Aspect:
    """What the question wants to know about a task; the whole card when it does not say."""
    for aspect, pattern in _ASPECT_PATTERNS:
        if pattern.search(text):
            return aspect
    return "card"


@dataclass(frozen=True)
class Question:
    """A cleaned question and what can be read off it without the rubric."""

    raw: str
    text: str
    truncated: bool
    task_no: int | None
    table: str | None
    aspect: Aspect

    @classmethod
    def read(cls, raw: str | None) -> Question:
        text = clean(raw)
        truncated = len(text) > MAX_QUESTION_CHARS
        text = text[:MAX_QUESTION_CHARS]
        return cls(
            raw=raw or "",
            text=text,
            truncated=truncated,
            task_no=task_number(text),
            table=table_named(text),
            aspect=aspect_asked(text),
        )
