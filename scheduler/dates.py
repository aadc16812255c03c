"""Phase names and dates as coordinators type them.

Pure functions: ``phase_key`` reads 自查阶段, 自查, self_check or 2; ``read_day`` reads
2026-12-01, 2026/12/1, 2026.12.1, 2026年12月1日, 12月18日, 12月18号, 12.18 and 12/18;
``questionable`` says why a date should be confirmed before it is set (it is in the past,
or more than a year ahead). Nothing here guesses silently: a month and day without a year
is read in today's year, and if that has passed the coordinator is asked, never moved on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from bot.common.rubric import PHASE_ORDER
from scheduler import texts

# Every name a phase goes by, beside its key: the notice's name, with or without 阶段, and
# the short forms people use. Matched after removing spaces; longest first.
_PHASE_ALIASES: dict[str, tuple[str, ...]] = {
    "prepare": ("组织筹备阶段", "组织筹备", "筹备阶段", "筹备", "准备阶段", "准备"),
    "self_check": ("自查阶段", "自查", "自评"),
    "field_inspection": ("实地督察阶段", "实地督察", "实地", "现场督察"),
    "rectification": ("反馈整改阶段", "反馈整改", "整改阶段", "整改", "反馈"),
    "central_inspection": ("迎接督察阶段", "迎接督察", "迎检", "中央督察", "迎接"),
}
ALL_PHASES = ("全部", "所有", "全部阶段", "所有阶段", "整体", "整个", "all")

YEAR_AHEAD = dt.timedelta(days=366)


def phase_key(text: str) -> str | None:
    """The phase key a typed name means: 自查阶段, 自查, self_check, 第2阶段 or 2; else None."""
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
    if name in PHASE_ORDER:
        return name
    number = re.fullmatch(r"第?([1-5])(?:阶段)?", name)
    if number:
        return PHASE_ORDER[int(number.group(1)) - 1]
    for key, aliases in _PHASE_ALIASES.items():
        if name in aliases:
            return key
    return None


def is_all(text: str) -> bool:
    """True for 全部 / all: the whole calendar at once."""
    return re.sub(r"\s+", "", (text or "").lower()) in ALL_PHASES


@dataclass(frozen=True)
class TypedDay:
    """A date as read from what was typed."""

    day: dt.date
    typed: str
    year_given: bool


_FULL = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*(?:日|号)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*(?:[/.]|月)\s*(\d{1,2})\s*(?:日|号)?")
_NONE = ("-", "—", "无", "空", "待定", "none")


def is_no_date(text: str) -> bool:
    """True for what clears a date: -, 无, 待定."""
    return (text or "").strip().lower() in _NONE


def read_day(text: str, today: dt.date) -> TypedDay | None:
    """The date ``text`` names, or None when it is not one of the forms above (or no real date).

    A month and day without a year is read in ``today``'s year.
    """
    typed = (text or "").strip()
    s = unicodedata.normalize("NFKC", typed).strip().rstrip("。.,，")
    try:
        m = _FULL.fullmatch(s) or _COMPACT.fullmatch(s)
        if m:
            return TypedDay(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), typed, True)
        m = _MONTH_DAY.fullmatch(s)
        if m:
            return TypedDay(dt.date(today.year, int(m.group(1)), int(m.group(2))), typed, False)
    except ValueError:  # 2026-13-01, 2月30日
        return None
    return None


def split_range(words: list[str]) -> list[str]:
    """Dates typed as one range (12月1日至12月10日, 2026-12-01~2026-12-10) as separate words."""
    out: list[str] = []
    for w in words:
        out += [p for p in re.split(r"至|到|~|～|—|－－", w) if p]
    return [w for w in out if w not in ("至", "到")]


def questionable(day: dt.date, today: dt.date) -> str | None:
    """Why a date should be confirmed before it is set: in the past, or over a year ahead."""
    if day < today:
        return texts.DAY_PAST.format(day=texts.month_day(day, with_year=True))
    if day > today + YEAR_AHEAD:
        return texts.DAY_FAR.format(day=texts.month_day(day, with_year=True))
    return None


def next_year(typed: TypedDay) -> dt.date | None:
    """For a month and day typed without a year, the same day a year later (None if there is none)."""
    if typed.year_given:
        return None
    try:
        return typed.day.replace(year=typed.day.year + 1)
    except ValueError:  # 2月29日
        return None
