"""Reading free-text answers typed during a self-check: a rectification deadline, or a level.

Where the bot offers buttons, officials often type instead. Two readers live here:

* ``parse_deadline`` turns "9月5日前", "两周内" or "下月底" into a date.
* ``match_level`` decides which level of a criterion ("记录完整 / 记录不完整 / 没有记录") a typed
  answer such as "不完整" or "开了两次" means.

Both are pure functions over strings. Both return None rather than guess: the bot then asks
again with buttons, which costs the user one tap, while a wrong guess costs a wrong score.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.common.rubric import Criterion
from bot.qa.query import chinese_to_int, clean

# A number as officials type it: digits or Chinese numerals (九, 十二, 二〇二〇).
_NUM = r"\d{1,4}|[零〇一二两三四五六七八九十百]+"


def _number(text: str) -> int:
    """The value of a matched number; ValueError if it is not one (so the caller gives up)."""
    value = chinese_to_int(text)
    if value is None:
        raise ValueError(f"not a number: {text!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------------------

# A deadline further away than this, or further in the past, is a typo rather than a plan.
_LATEST = dt.timedelta(days=366 * 10)
_EARLIEST = dt.timedelta(days=366)

_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7}


def parse_deadline(text: str, today: dt.date) -> dt.date | None:
    """The date a typed deadline means, or None when the text is not clearly a date.

    Absolute forms (9月5日, 9.5, 2020-09-05, 二〇二〇年九月五日) and relative ones (两周内, 下周五,
    月底, 年底, 明天) are read; words around them ("在9月5日前完成") are ignored. A month and day
    without a year is the next such date on or after ``today``. Never raises.
    """
    s = re.sub(r"\s+", "", clean(text))
    if not s:
        return None
    for reader in _DEADLINE_READERS:
        try:
            found = reader(s, today)
        except (ValueError, OverflowError):
            return None  # the text has the shape of a date but is not one (13月1日, 32号)
        if found is not None:
            return found if today - _EARLIEST <= found <= today + _LATEST else None
    return None


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, moved back to the month's last day when it is shorter."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_workdays(day: dt.date, n: int) -> dt.date:
    """``n`` working days (Monday to Friday) after ``day``; public holidays are not known."""
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _next_month_day(today: dt.date, month: int, day: int) -> dt.date:
    """The first month/day on or after today (1月10日 typed in December is next year's)."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueError("no such month or day")
    for year in range(today.year, today.year + 5):  # five years reach the next 29 February
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if date >= today:
            return date
    raise ValueError("no such date")


def _next_day_of_month(today: dt.date, day: int) -> dt.date:
    """The first day numbered ``day`` on or after today (25号 typed on the 26th is next month's)."""
    if not 1 <= day <= 31:
        raise ValueError("no such day")
    for k in range(13):
        first = _add_months(today.replace(day=1), k)
        if day <= calendar.monthrange(first.year, first.month)[1] and first.replace(day=day) >= today:
            return first.replace(day=day)
    raise ValueError("no such day")  # unreachable: some month within a year has a 31st


# 2020-09-05, 2020/9/5, 2020.9.5, 2020年9月5日, 二〇二〇年九月五日
_FULL_DATE = re.compile(
    rf"(?<!\d)(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})(?:年|[-/.])(?P<m>{_NUM})(?:月|[-/.])(?P<d>{_NUM})(?:日|号)?(?!\d)"
)


def _read_full_date(s: str, today: dt.date) -> dt.date | None:
    m = _FULL_DATE.search(s)
    return dt.date(_number(m["y"]), _number(m["m"]), _number(m["d"])) if m else None


# 3天内, 十天之内, 两周内, 一个月内, 半个月内, 5个工作日内, 一年内, or a bare 两周 ending the text.
# A bare 月 is a month's name (9月内 = by the end of September) except after 半/两 (半月内, 两月内).
_DURATION = re.compile(
    rf"(?<![\d月年.第每])(?P<n>半|{_NUM})"
    r"(?P<unit>个?工作日|个月|(?<=[半两])月|个?星期|个?礼拜|周|天|日|年)"
    r"(?:时间)?(?P<within>之内|以内|内|之后|以后|后|$)"
)


def _read_duration(s: str, today: dt.date) -> dt.date | None:
    m = _DURATION.search(s)
    if not m or (m["unit"] == "日" and not m["within"]):
        return None  # a bare 3日 is the 3rd of the month, not three days
    unit = m["unit"].lstrip("个")
    if m["n"] == "半":  # half a month is 15 days, half a year six months; nothing else halves
        if unit == "月":
            return today + dt.timedelta(days=15)
        if unit == "年":
            return _add_months(today, 6)
        raise ValueError("half of what?")
    n = _number(m["n"])
    if unit == "工作日":
        return _add_workdays(today, n)
    if unit in ("天", "日"):
        return today + dt.timedelta(days=n)
    if unit in ("周", "星期", "礼拜"):
        return today + dt.timedelta(weeks=n)
    return _add_months(today, n * (12 if unit == "年" else 1))


_YEAR_WORD = r"(?P<yw>今年|明年|来年)?"
_MONTH_DAY = re.compile(rf"{_YEAR_WORD}(?P<m>{_NUM})月(?P<d>{_NUM})(?:日|号)?(?!\d)")
_MONTH_END = re.compile(rf"{_YEAR_WORD}(?P<m>{_NUM})月(?:份)?(?:底|末|之内|以内|内)")
_RELATIVE_MONTH_DAY = re.compile(rf"(?P<rel>下个?|本|这个?|当)月(?P<d>{_NUM})(?:日|号)")


def _read_month_day(s: str, today: dt.date) -> dt.date | None:
    """9月5日, 九月五日, 明年1月10号, 9月底, 下个月10号."""
    if m := _MONTH_DAY.search(s):
        month, day = _number(m["m"]), _number(m["d"])
        if m["yw"] in ("明年", "来年"):
            return dt.date(today.year + 1, month, day)
        if m["yw"] == "今年":
            return dt.date(today.year, month, day)
        return _next_month_day(today, month, day)
    if m := _MONTH_END.search(s):
        month = _number(m["m"])
        if not 1 <= month <= 12:
            raise ValueError("no such month")
        year = today.year + (m["yw"] in ("明年", "来年"))
        if m["yw"] is None and _month_end(year, month) < today:
            year += 1  # 3月底 typed in August is next March
        return _month_end(year, month)
    if m := _RELATIVE_MONTH_DAY.search(s):
        first = _add_months(today.replace(day=1), 1 if m["rel"].startswith("下") else 0)
        return first.replace(day=_number(m["d"]))
    return None


# 9.5, 9/5 (month first, as Chinese writes dates); not part of a longer number or a duration
_SHORT_DATE = re.compile(r"(?<![\d./])(?P<m>\d{1,2})[./](?P<d>\d{1,2})(?![\d./]|个|天|周|星期|年|月)")


def _read_short_date(s: str, today: dt.date) -> dt.date | None:
    m = _SHORT_DATE.search(s)
    return _next_month_day(today, int(m["m"]), int(m["d"])) if m else None


def _week_start(today: dt.date, which: str) -> dt.date:
    """Monday of the week named by 本/这 (this week), 下 (next) or 下下; weeks run Monday to Sunday."""
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=which.count("下"))


def _weekday(today: dt.date, which: str | None, name: str) -> dt.date:
    """下周五 / 本周五 (that week's Friday, even if already past) / 周五 (the next Friday from today)."""
    n = int(name) if name.isdigit() else _WEEKDAYS[name]
    if not 1 <= n <= 7:
        raise ValueError("no such weekday")
    if which is None:
        return today + dt.timedelta(days=(n - 1 - today.weekday()) % 7)
    return _week_start(today, which) + dt.timedelta(days=n - 1)


# Named days and period ends, tried in order: the longer phrase first (大后天 before 后天).
_NAMED: list[tuple[re.Pattern[str], Callable[[re.Match[str], dt.date], dt.date]]] = [
    (re.compile(r"大后天"), lambda m, t: t + dt.timedelta(days=3)),
    (re.compile(r"后天"), lambda m, t: t + dt.timedelta(days=2)),
    (re.compile(r"明天|明日"), lambda m, t: t + dt.timedelta(days=1)),
    (re.compile(r"今天|今日|当天"), lambda m, t: t),
    (
        re.compile(r"(?:(?P<w>下+个?|本|这个?)(?:周|星期|礼拜)|(?:周|星期|礼拜))(?P<d>[一二三四五六日天1-7])"),
        lambda m, t: _weekday(t, m["w"], m["d"]),
    ),
    (
        re.compile(r"(?P<w>下+个?|本|这个?)(?:周|星期|礼拜)(?:末|之内|以内|内|$)"),
        lambda m, t: _week_start(t, m["w"]) + dt.timedelta(days=6),
    ),
    (re.compile(r"周末"), lambda m, t: _week_start(t, "本") + dt.timedelta(days=6)),
    (
        re.compile(r"下个?月(?:底|末|之内|以内|内|$)"),
        lambda m, t: _month_end(_add_months(t, 1).year, _add_months(t, 1).month),
    ),
    (
        re.compile(r"(?<![个\d零〇一二两三四五六七八九十])(?:本|这个?|当)?月(?:底|末|之内|以内|内)"),
        lambda m, t: _month_end(t.year, t.month),
    ),
    (re.compile(r"(?:明年|来年)(?:底|末|之内|以内|内)"), lambda m, t: dt.date(t.year + 1, 12, 31)),
    (
        re.compile(r"今年|本年度?(?:底|末|内)|(?<![\d明来去前个零〇一二两三四五六七八九十])年(?:底|末|内)"),
        lambda m, t: dt.date(t.year, 12, 31),
    ),
    (re.compile(r"(?P<y>\d{4})年(?:底|末|内)"), lambda m, t: dt.date(int(m["y"]), 12, 31)),
]


def _read_named(s: str, today: dt.date) -> dt.date | None:
    for pattern, resolve in _NAMED:
        if m := pattern.search(s):
            return resolve(m, today)
    return None


# 5号, 20日前: a day of the month alone
_DAY_ONLY = re.compile(rf"(?<![\d月.])(?P<d>{_NUM})(?:日|号)")


def _read_day_only(s: str, today: dt.date) -> dt.date | None:
    m = _DAY_ONLY.search(s)
    return _next_day_of_month(today, _number(m["d"])) if m else None


# Most specific first: a full date before a month-day, a duration (3日内) before a bare day (3日).
_DEADLINE_READERS: list[Callable[[str, dt.date], dt.date | None]] = [
    _read_full_date,
    _read_duration,
    _read_month_day,
    _read_short_date,
    _read_named,
    _read_day_only,
]


# ---------------------------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------------------------

# Returned by a step that recognised the kind of answer but cannot pick one level from it;
# match_level then answers None without trying weaker readings.
_UNCLEAR = -1

# Answers that say the user does not know: never a level.
_UNSURE = re.compile(r"不好说|说不好|不知道|不清楚|不确定|不一定|难说|待定|看情况|差不多|没想好")

_NEGATOR = re.compile(r"没有|没|未|不|无|否")
# Clause boundaries inside a label: the negation of 不完整或不全面 stops at 或.
_CLAUSE = re.compile(r"[或和且并、]")
_DEDUCTION = re.compile(r"[（(]扣[^）)]*[）)]")
# Particles that change nothing (担任了 = 担任, 已经担任 = 担任, 有的 = 有), and punctuation.
_PARTICLES = re.compile(r"已经|已|了|的|吧|啊|呀|呢|哦|嘛|哈|[\s，。！？!?,、；;：:~～…\"“”'‘’()（）【】\[\]]")

_YES = re.compile(r"(?:是|有|对|嗯|恩|没错|没问题|当然|肯定|确实|yes|y|ok)+", re.I)
_NO = re.compile(r"(?:并|从|还)?(?:(?:没有|没|未|无|否|不|no|n)(?:是|有|对)?)+", re.I)
# A negated verb the labels do not use (没开, 没做) still means "none at all"; 不 does not (不好说).
_NO_VERB = re.compile(r"^(?:从|并|还|都|也)?(?:没有|没|未|无)")
# Partly, not fully: these point at the middle level(s).
_PARTLY = re.compile(r"部分|不完全|未完全|没有?完全|不全|不够|不太|基本(?!没|未|无|不)")

# Points: 2分, 得2分, 扣1分, 满分, 不得分. A lone Chinese digit only, so 十分完整 is not 10 points.
_POINTS = re.compile(r"(?P<minus>扣)?(?<![十百])(?P<n>\d+(?:\.\d+)?|[零〇一二两三四五六七八九])分(?!之|钟)")
_FULL_MARKS = re.compile(r"满分")
_NO_MARKS = re.compile(r"不得分|没得分|不给分|没有分")

# An option number: 1, 第2个, 选3, 第二项.
_OPTION = re.compile(
    r"^(?:选项?|第|选第)?(?P<d>\d{1,2})(?:个|项|档|条|种)?$|^(?:选项?|第|选第)(?P<c>[一二三四五六七八九十])(?:个|项|档|条|种)?$"
)

# A count with its comparison: 2次及以上, 至少一次, 不足2期, 达到80%, 开了两次.
_COUNT = re.compile(
    r"(?P<less>不足|少于|低于|不到|未达到|没达到|没有|没)?(?P<least>至少|不少于|达到|起码)?(?P<over>超过|多于|高于)?"
    rf"(?P<n>\d+(?:\.\d+)?|{_NUM})(?P<unit>次|期|回|遍|场|%)(?P<more>及以上|或以上|以上|多)?"
)
_NONE_AT_ALL = re.compile(r"[一1][次回遍期场][也都]?(?:没|未|不)")  # 一次也没开


@dataclass(frozen=True)
class _Clause:
    """A run of words and whether a negator governs it."""

    negated: bool
    text: str


def _clauses(phrase: str) -> list[_Clause]:
    """Split a phrase at clause boundaries and negators: 记录不完整 -> [记录, not 完整]."""
    out: list[_Clause] = []
    for part in _CLAUSE.split(phrase):
        pieces = _NEGATOR.split(part)  # pieces[0] precedes the first negator; each other follows one
        if pieces[0]:
            out.append(_Clause(False, pieces[0]))
        out.extend(_Clause(True, p) for p in pieces[1:] if p)
    return out


def _tidy(text: str) -> str:
    """Cleaned text without particles, punctuation or spaces, lower-cased."""
    return _PARTICLES.sub("", clean(text)).lower()


@dataclass(frozen=True)
class _Count:
    """What a label says about a count: equal to, at least, or less than ``n``."""

    op: str  # "==", ">=" or "<"
    n: float

    def admits(self, value: float) -> bool:
        return {"==": value == self.n, ">=": value >= self.n, "<": value < self.n}[self.op]

    def specificity(self) -> tuple[int, float]:
        """Lower is more specific: 听取1次 beats 至少一次 for "一次", 达到100% beats 达到80% for 100%."""
        return {"==": (0, 0.0), ">=": (1, -self.n), "<": (2, self.n)}[self.op]


@dataclass(frozen=True)
class _LevelView:
    """One level's label, read once: its exact form, its words by polarity, its count."""

    exact: str  # the whole label, tidied
    core: str  # without the deduction note: 措施不力（扣1分） -> 措施不力
    clauses: list[_Clause]  # core with count phrases removed, for matching words
    wholly_negated: bool  # 未听取, 没有记录, 不足2期
    count: _Count | None

    @classmethod
    def of(cls, label: str) -> _LevelView:
        core = _tidy(_DEDUCTION.sub("", clean(label)))
        full = _clauses(core)
        wholly_negated = bool(full) and all(c.negated for c in full)
        m = _COUNT.search(core)
        if m:
            op = "<" if m["less"] else ">=" if (m["least"] or m["more"]) else "=="
            count: _Count | None = _Count(op, float(_count_value(m["n"])))
        else:
            count = _Count("==", 0) if wholly_negated else None
        return cls(_tidy(label), core, _clauses(_COUNT.sub("", core)), wholly_negated, count)


def _count_value(text: str) -> float:
    return float(text) if re.fullmatch(r"\d+\.\d+", text) else _number(text)


def match_level(criterion: Criterion, text: str) -> int | None:
    """The index in ``criterion.levels`` that a typed answer clearly means, else None.

    The answer is read in steps, each stronger than the next: the exact label; an option number
    (1, 第2个); points (2分, 扣1分); a count (开了两次) against the numbers in the labels; a bare
    yes or no; "partly" (部分); and finally the label words it shares, with negation deciding
    polarity (不完整 is not 完整). The first step that recognises the answer decides.
    """
    said = _tidy(text)
    if not said or _UNSURE.search(said):
        return None
    levels = [_LevelView.of(lv.label) for lv in criterion.levels]
    points = [lv.points for lv in criterion.levels]
    steps: list[Callable[[], int | None]] = [
        lambda: _by_label(levels, said),
        lambda: _by_option(levels, said),
        lambda: _by_points(points, said),
        lambda: _by_count(levels, said),
        lambda: _by_yes_no(levels, said),
        lambda: _by_degree(levels, said),
        lambda: _by_words(levels, said),
    ]
    for step in steps:
        found = step()
        if found is not None:
            return None if found == _UNCLEAR else found
    return None


def _by_label(levels: list[_LevelView], said: str) -> int | None:
    """The label typed out (已担任, 举措不完整（扣1分）), or its core when that is unambiguous."""
    for i, lv in enumerate(levels):
        if said == lv.exact:
            return i
    cores = [i for i, lv in enumerate(levels) if said == lv.core]
    return cores[0] if len(cores) == 1 else None


def _by_option(levels: list[_LevelView], said: str) -> int | None:
    """The 1-based position of a button: 1, 第2个, 选三."""
    m = _OPTION.match(said)
    if not m:
        return None
    n = int(m["d"]) if m["d"] else _number(m["c"])
    return n - 1 if 1 <= n <= len(levels) else _UNCLEAR


def _by_points(points: list[float], said: str) -> int | None:
    """The level worth the points typed (2分, 得2分, 扣1分, 满分, 不得分), if exactly one is."""
    if _NO_MARKS.search(said):
        wanted = 0.0
    elif _FULL_MARKS.search(said):
        wanted = max(points)
    elif m := _POINTS.search(said):
        n = _count_value(m["n"])
        wanted = max(points) - n if m["minus"] else n
    else:
        return None
    matches = [i for i, p in enumerate(points) if p == wanted]
    return matches[0] if len(matches) == 1 else _UNCLEAR


def _by_count(levels: list[_LevelView], said: str) -> int | None:
    """A stated count (开了两次, 3次, 90%) against labels that carry numbers (听取2次及以上)."""
    if not any(lv.count and lv.count.n for lv in levels):
        return None  # the labels count nothing, so a number in the answer says nothing here
    if _NONE_AT_ALL.search(said):
        value = 0.0
    elif m := _COUNT.search(said):
        value = _count_value(m["n"])
        if m["less"]:
            value = max(value - 1, 0)  # 不到2次: fewer than two
        elif m["over"]:
            value += 1  # 超过2次: more than two
    else:
        return None
    fitting = [i for i, lv in enumerate(levels) if lv.count and lv.count.admits(value)]
    if not fitting:
        return _UNCLEAR
    best = min(levels[i].count.specificity() for i in fitting)  # type: ignore[union-attr]
    winners = [i for i in fitting if levels[i].count.specificity() == best]  # type: ignore[union-attr]
    return winners[0] if len(winners) == 1 else _UNCLEAR


def _plain_polarity(levels: list[_LevelView]) -> bool:
    """Whether yes/no answers make sense: the best level is affirmative, the worst a negation.

    Not so for 没有干预司法现象 / 有干预司法现象, where "是" could mean either.
    """
    return not any(c.negated for c in levels[0].clauses) and levels[-1].wholly_negated


def _distinct(levels: list[_LevelView], i: int) -> int:
    """``i``, unless another level has the same words and differs only by its deduction."""
    return _UNCLEAR if sum(lv.core == levels[i].core for lv in levels) > 1 else i


def _say_no(levels: list[_LevelView]) -> int:
    """A plain "no" means the worst level: nothing was done."""
    return _distinct(levels, len(levels) - 1) if _plain_polarity(levels) else _UNCLEAR


def _by_yes_no(levels: list[_LevelView], said: str) -> int | None:
    """是 / 有 on a two-level criterion is its best level; 没有 / 否 / 不是 is the worst level."""
    if _YES.fullmatch(said):
        return 0 if len(levels) == 2 and _plain_polarity(levels) else _UNCLEAR
    if _NO.fullmatch(said):
        return _say_no(levels)
    return None


def _by_degree(levels: list[_LevelView], said: str) -> int | None:
    """部分 / 不全 / 基本落实: the one middle level, neither full marks nor none."""
    if not _PARTLY.search(said):
        return None
    # "会议记录不全" typed at a question about measures is about something else: a "partly"
    # answer counts only when the rest of it is a word or two, or words of these labels.
    rest = _PARTLY.sub("", said)
    if len(rest) > 2 and not _covered(rest, [lv.exact for lv in levels]):
        return None
    middle = list(range(1, len(levels) - 1))
    return _distinct(levels, middle[0]) if len(middle) == 1 else _UNCLEAR


def _covered(text: str, others: list[str]) -> int:
    """How many characters of ``text`` lie in a run of two or more that also occurs in ``others``."""
    hit = [False] * len(text)
    for i in range(len(text)):
        j = i + 2
        while j <= len(text) and any(text[i:j] in o for o in others):
            hit[i:j] = [True] * (j - i)
            j += 1
    return sum(hit)


def _agreement(said: list[_Clause], label: list[_Clause]) -> tuple[int, float]:
    """How well an answer fits a label: words shared with like polarity minus words contradicted,
    then, to break ties (未落实 vs 未全面落实 for 没有落实), how much of the label is accounted for.
    """
    shared = contradicted = 0
    for clause in said:
        shared += _covered(clause.text, [c.text for c in label if c.negated == clause.negated])
        contradicted += _covered(clause.text, [c.text for c in label if c.negated != clause.negated])
    accounted = sum(_covered(c.text, [s.text for s in said if s.negated == c.negated]) for c in label)
    return shared - contradicted, accounted / max(1, sum(len(c.text) for c in label))


def _by_words(levels: list[_LevelView], said: str) -> int | None:
    """The level whose words the answer repeats with the same polarity, if one fits best.

    完整 -> 记录完整, 不完整 -> 记录不完整, 没记录 -> 没有记录, 担任了 -> 已担任. An answer that only
    negates a verb the labels do not use (没开, 没做) means nothing was done.
    """
    clauses = _clauses(said)
    scores = sorted(((_agreement(clauses, lv.clauses), i) for i, lv in enumerate(levels)), reverse=True)
    (best, i), (runner_up, _) = scores[0], scores[1]
    if best[0] > 0:
        return i if best > runner_up else _UNCLEAR
    if _NO_VERB.match(said):
        return _say_no(levels)
    return None
