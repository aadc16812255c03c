"""Slots read off a question once: dates, shares, counts, and whether it asks yes or no.

Pure functions over the cleaned question text. Dates without a year take the round's year;
relative dates (明天, 下周三, 月底) need ``today`` and are skipped without it.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from dataclasses import dataclass

from bot.qa.query import chinese_to_int

_CN = "[零〇一二两三四五六七八九十]+"
_NUM = rf"(\d{{1,2}}|{_CN})"
_BEFORE = r"\s*(?:号|日)?\s*(?P<before>之前|以前|前)?"

_FULL_DATE = re.compile(r"(?P<y>\d{4})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*[月\-/.]\s*(?P<d>\d{1,2})" + _BEFORE)
_MONTH_DAY = re.compile(rf"(?P<m>{_NUM[1:-1]})\s*月\s*(?P<d>{_NUM[1:-1]})\s*(?:号|日)" + r"\s*(?P<before>之前|以前|前)?")
_MONTH_END = re.compile(rf"(?:(?P<m>{_NUM[1:-1]})\s*月|(?P<rel>本月|这个月|下个月|下月)|月)\s*底" + r"\s*(?P<before>之前|以前|前)?")
_DAY_ONLY = re.compile(r"(?<![月\d])(?P<d>\d{1,2})\s*号(?!\s*任务)" + r"\s*(?P<before>之前|以前|前)?")
_WEEKDAY = re.compile(
    r"(?P<rel>下下|下|本|这|这个|下个)?\s*(?:周|星期|礼拜)(?P<w>[一二三四五六日天])" + r"\s*(?P<before>之前|以前|前)?"
)
_RELATIVE_DAY = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3, "昨天": -1}
_RELATIVE = re.compile(r"(大后天|后天|明天|明日|今天|今日|昨天)" + r"\s*(?P<before>之前|以前|前)?")
_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class DateSlot:
    """A date the question names; ``before`` when written as a deadline (9月10号前)."""

    date: dt.date
    before: bool
    text: str
    year_given: bool = True  # False when the year was assumed (8月12号)

    def near(self, ref: dt.date) -> dt.date:
        """The date, its year assumed so that it falls nearest ``ref`` (1月10日 for a January deadline)."""
        if self.year_given:
            return self.date
        options = []
        for year in (ref.year - 1, ref.year, ref.year + 1):
            try:
                options.append(self.date.replace(year=year))
            except ValueError:  # 2月29日
                continue
        return min(options, key=lambda d: abs((d - ref).days))


def _safe_date(year: int, month: int | None, day: int | None) -> dt.date | None:
    if month is None or day is None or not 1 <= month <= 12:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def read_dates(text: str, year: int, today: dt.date | None = None) -> list[DateSlot]:
    """Every date in ``text`` in the order written; relative ones only when ``today`` is known."""
    found: list[tuple[int, DateSlot]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], d: dt.date | None, year_given: bool = True) -> None:
        if d is None or any(a < m.end() and m.start() < b for a, b in taken):
            return
        taken.append((m.start(), m.end()))
        found.append((m.start(), DateSlot(d, bool(m.group("before")), m.group(0), year_given)))

    for m in _FULL_DATE.finditer(text):
        add(m, _safe_date(int(m.group("y")), int(m.group("m")), int(m.group("d"))))
    for m in _MONTH_DAY.finditer(text):
        add(m, _safe_date(year, chinese_to_int(m.group("m")), chinese_to_int(m.group("d"))), False)
    for m in _MONTH_END.finditer(text):
        month = chinese_to_int(m.group("m")) if m.group("m") else None
        rel = m.group("rel")
        y = year
        if month is None:
            if today is None:
                continue
            month, y = today.month, today.year
            if rel in ("下个月", "下月"):
                month, y = (1, y + 1) if month == 12 else (month + 1, y)
        if month is None or not 1 <= month <= 12:
            continue
        add(m, dt.date(y, month, _calendar.monthrange(y, month)[1]), m.group("m") is None)
    if today is not None:
        for m in _RELATIVE.finditer(text):
            add(m, today + dt.timedelta(days=_RELATIVE_DAY[m.group(1)]))
        for m in _WEEKDAY.finditer(text):
            rel = m.group("rel") or ""
            weeks = 2 if rel == "下下" else 1 if rel.startswith("下") else 0
            target = _WEEKDAYS.index("日" if m.group("w") == "天" else m.group("w"))
            monday = today - dt.timedelta(days=today.weekday())
            add(m, monday + dt.timedelta(weeks=weeks, days=target))
        for m in _DAY_ONLY.finditer(text):
            add(m, _safe_date(today.year, today.month, int(m.group("d"))))
    return [slot for _, slot in sorted(found, key=lambda kv: kv[0])]


# --- shares and counts ----------------------------------------------------------------------

_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*[%％]")
_PERCENT_CN = re.compile(rf"百分之\s*({_CN}|\d{{1,3}})")
_TENTHS = re.compile(r"([一二两三四五六七八九十])\s*成")
_HALF = re.compile(r"一半|半数|过半|二分之一")
_FRACTION = re.compile(r"([一二三四五六七八九])分之([一二三四五六七八九])")


def read_shares(text: str) -> list[float]:
    """Shares the question names, in per cent: 60%, 百分之六十, 六成, 一半, 三分之二."""
    out: list[float] = [float(m.group(1)) for m in _PERCENT.finditer(text)]
    for m in _PERCENT_CN.finditer(text):
        n = chinese_to_int(m.group(1))
        if n is not None:
            out.append(float(n))
    for m in _TENTHS.finditer(text):
        n = chinese_to_int(m.group(1))
        if n is not None:
            out.append(n * 10.0)
    if _HALF.search(text):
        out.append(50.0)
    for m in _FRACTION.finditer(text):
        whole, part = chinese_to_int(m.group(1)), chinese_to_int(m.group(2))
        if whole and part is not None and part < whole:
            out.append(round(100 * part / whole, 1))
    return out


_COUNT = re.compile(rf"(?<![第\d])(\d{{1,3}}|{_CN})\s*(?:项|条|个任务|个)(?!目|制度|主要职责|职责|指标|二级|一级|具体)")


def read_counts(text: str) -> list[int]:
    """Counts the question states (30项, 二十七条), never a task number (第30项)."""
    out = []
    for m in _COUNT.finditer(text):
        n = chinese_to_int(m.group(1))
        if n is not None and n > 0:
            out.append(n)
    return out


def without_counts(text: str) -> str:
    """The text with its counts blanked (五十七项): a count is a slot, not a word to search for."""
    return _COUNT.sub(" ", text)


# --- the form of the question -----------------------------------------------------------------

_TIMELY = re.compile(r"来得及|来不及|赶得上|赶不上|来的及|还来得")
# 晚了没, 算不算晚: asked about lateness, answered 晚了/不晚.
_LATE = re.compile(r"晚不晚|迟不迟|晚了|迟了|算晚|会晚|太晚|晚吗|超期|逾期了?吗|过期|超时")
_YESNO = re.compile(
    r"吗\s*[?？]?\s*$|吗[,，。]|吧\s*[?？]?\s*$|是不是|是否|行不行|可不可以|能不能|对不对|对吗|对吧|要不要|有没有|算不算|"
    r"会不会|可以吧|可以吗|行吗|成吗|好吗|还行|没错吧|不\s*[?？]?\s*$|没有?\s*[?？]?\s*$"
)
# The word a yes/no question is answered with follows its form, as people answer: 行不行 → 行 /
# 不行, 可以吗 → 可以 / 不可以, 对吗 → 对 / 不对; anything else → 是 / 不是. Most specific first.
_FORMS: list[tuple[str, re.Pattern[str]]] = [
    ("ok", re.compile(r"行不行|行吗|行吧|行了吧|行不\s*[?？]?\s*$|还行|成吗|成不成")),
    ("may", re.compile(r"可不可以|可以吗|可以吧|可以不\s*[?？]?\s*$|可以么|可否|可以.{1,12}吗\s*[?？]?\s*$")),
    ("can", re.compile(r"能不能|能否|能.{1,12}吗\s*[?？]?\s*$")),
    ("right", re.compile(r"对不对|对吗|对吧|没错吧")),
]
_DAYS_LEFT = re.compile(r"还有几天|还剩几天|还有多少天|还剩多少天|剩几天|几天后|多少天后|离.{0,8}还有")


def yesno_form(text: str) -> str | None:
    """'timely' for 来得及吗 and 晚了吗 questions, 'yes' for other yes/no questions, else None."""
    if _TIMELY.search(text) or _LATE.search(text):
        return "timely"
    if _YESNO.search(text):
        return "yes"
    return None


def answer_form(text: str) -> str | None:
    """Which pair of words answers a yes/no question (keys of ``bot.qa.texts.ANSWER_WORDS``).

    'timely' (来得及/来不及), 'late' (不晚/晚了), 'ok' (行/不行), 'may' (可以/不可以), 'can'
    (能/不能), 'right' (对/不对), 'yes' (是/不是); None when the question is not yes/no.
    """
    form = yesno_form(text)
    if form is None:
        return None
    if form == "timely":
        return "timely" if _TIMELY.search(text) else "late"
    for key, pattern in _FORMS:
        if pattern.search(text):
            return key
    return "yes"


def asks_days_left(text: str) -> bool:
    """True for 还有几天 questions: the answer counts from today."""
    return bool(_DAYS_LEFT.search(text))
