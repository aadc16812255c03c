"""Phase dates as they stand this round, and which days are working days.

The notice's dates are a template: a coordinator may override a phase's start and end
(stored elsewhere, e.g. ``PhaseDate`` rows). ``effective_phases`` merges the two into
``PhaseWindow`` values the planner reads. Working days follow China's official calendar
(holidays and 调休 swapped working days) from ``chinese_calendar`` for the years it covers,
and plain Monday–Friday for years it does not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

from bot.common.rubric import PHASE_ORDER, Campaign, Phase
from scheduler import texts


@dataclass(frozen=True)
class DeliverableWindow:
    """A deliverable with its due date for this round (None while the phase's end is unknown)."""

    key: str
    name: str
    due: dt.date | None
    sender: str
    to: str


@dataclass(frozen=True)
class PhaseWindow:
    """A phase with this round's dates: the notice's, or a coordinator's override."""

    key: str
    name: str
    start: dt.date | None
    end: dt.date | None
    date_text: str
    deliverables: tuple[DeliverableWindow, ...] = ()


# --- working days ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def calendar_years() -> tuple[int, int]:
    """First and last year ``chinese_calendar`` has official data for (2004–2026 in 1.11.0)."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


# Public holidays on fixed dates of the Gregorian calendar (全国年节及纪念日放假办法, as revised
# for 2025): 元旦 1月1日, 劳动节 5月1日–2日, 国庆节 10月1日–3日. The lunar ones (春节, 清明, 端午,
# 中秋) and the swapped days are known only from the State Council's yearly notice.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def is_workday(d: dt.date) -> bool:
    """True if ``d`` is a working day in China.

    Within the years ``chinese_calendar`` covers this honours public holidays and the
    weekend days swapped into working days (调休); outside them it is Monday–Friday except
    the holidays on fixed dates (元旦, 劳动节, 国庆节).
    """
    if isinstance(d, dt.datetime):  # a datetime is a date; compare calendars by day only
        d = d.date()
    first, last = calendar_years()
    if first <= d.year <= last:
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:  # the package's own range check disagrees: fall back
            pass
    return d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS


def workday_on_or_before(d: dt.date) -> dt.date:
    """``d`` itself if it is a working day, else the closest working day before it."""
    day = d.date() if isinstance(d, dt.datetime) else d
    # The longest run of days off in China's calendar is about nine days; a month is ample.
    for _ in range(31):
        if is_workday(day):
            return day
        day -= dt.timedelta(days=1)
    raise ValueError(f"no working day in the 31 days up to {d.isoformat()}")  # pragma: no cover


# --- phase windows -----------------------------------------------------------------------


def validate_window(phase_key: str, start: dt.date | None, end: dt.date | None) -> None:
    """Refuse a coordinator's dates for a phase, with a reason an official can act on.

    Raises ValueError (message in Chinese) for an unknown phase key or an end before the start.
    Clearing a date (None) is allowed: a phase without dates reminds nobody.
    """
    if phase_key not in PHASE_ORDER:
        known = "、".join(texts.BAD_PHASE_ITEM.format(name=texts.PHASE_NAMES[k], key=k) for k in PHASE_ORDER)
        raise ValueError(texts.BAD_PHASE.format(key=phase_key, known=known))
    name = texts.PHASE_NAMES[phase_key]
    for label, value in ((texts.START_LABEL, start), (texts.END_LABEL, end)):
        # A datetime is a date subclass, but a phase is whole days: refuse it rather than truncate.
        if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
            raise ValueError(texts.BAD_DATE_TYPE.format(phase=name, label=label, value=value))
    if start is not None and end is not None and end < start:
        raise ValueError(
            texts.END_BEFORE_START.format(
                phase=name,
                end=texts.month_day(end, with_year=True),
                start=texts.month_day(start, with_year=True),
            )
        )


def _shifted(due: dt.date, phase: Phase, start: dt.date | None, end: dt.date | None) -> dt.date | None:
    """Move a template due date with its phase: by as many days as the phase end moved.

    A phase with no template end moves its deliverables with its start instead. If the
    override leaves the date the shift is measured from unknown, the due date is unknown too.
    """
    if phase.end is not None:
        return due + (end - phase.end) if end is not None else None
    if phase.start is not None:
        return due + (start - phase.start) if start is not None else None
    return due  # the template has no dates to measure from: keep the notice's due date


def _window(phase: Phase, start: dt.date | None, end: dt.date | None, overridden: bool) -> PhaseWindow:
    if not overridden or (start, end) == (phase.start, phase.end):
        date_text = phase.date_text
        deliverables = tuple(
            DeliverableWindow(key=d.key, name=d.name, due=d.due, sender=d.from_, to=d.to)
            for d in phase.deliverables
        )
    else:
        date_text = texts.window_text(start, end)
        deliverables = tuple(
            DeliverableWindow(
                key=d.key, name=d.name, due=_shifted(d.due, phase, start, end), sender=d.from_, to=d.to
            )
            for d in phase.deliverables
        )
    return PhaseWindow(
        key=phase.key, name=phase.name, start=start, end=end, date_text=date_text, deliverables=deliverables
    )


def effective_phases(
    campaign: Campaign, overrides: Mapping[str, tuple[dt.date | None, dt.date | None]] | None = None
) -> list[PhaseWindow]:
    """The campaign's phases in order, with a coordinator's overrides applied.

    An override replaces both the start and the end of its phase (None clears a date) and
    moves the phase's deliverables by as many days as its end moved. A phase the template
    leaves undated (迎接督察) gains dates from an override but no deliverables. Every override
    is checked with ``validate_window``; a bad one raises ValueError.
    """
    overrides = dict(overrides or {})
    for key, window in overrides.items():
        if not isinstance(window, tuple) or len(window) != 2:
            raise ValueError(texts.BAD_WINDOW_SHAPE.format(key=key))
        validate_window(key, *window)
    windows = []
    for phase in campaign.phases:
        if phase.key in overrides:
            start, end = overrides[phase.key]
            windows.append(_window(phase, start, end, overridden=True))
        else:
            windows.append(_window(phase, phase.start, phase.end, overridden=False))
    return windows


_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class RoundCalendar:
    """This round's calendar as every answer, button, reminder and file speaks of it.

    ``phases`` are the effective windows (the notice's template with coordinators' overrides);
    ``template`` is True while no date has been set, so answers can say 通知原定. ``year`` and
    ``name`` follow the dates that were set (a 2026 calendar is 本轮（2026）). ``notice`` holds
    the notice's own windows, for "通知原定" where someone asks for them.
    """

    phases: tuple[PhaseWindow, ...]
    year: int
    name: str
    template: bool
    notice: tuple[PhaseWindow, ...] = ()
    notice_year: int = 0

    def phase(self, key: str) -> PhaseWindow:
        return next(p for p in self.phases if p.key == key)

    def deliverable(self, key: str) -> tuple[PhaseWindow, DeliverableWindow]:
        for p in self.phases:
            for d in p.deliverables:
                if d.key == key:
                    return p, d
        raise KeyError(key)

    def notice_phase(self, key: str) -> PhaseWindow | None:
        return next((p for p in self.notice if p.key == key), None)

    def notice_deliverable(self, key: str) -> DeliverableWindow | None:
        return next((d for p in self.notice for d in p.deliverables if d.key == key), None)

    def moved(self, key: str) -> bool:
        """True if this round's dates of phase ``key`` differ from the notice's."""
        original = self.notice_phase(key)
        mine = self.phase(key)
        return original is not None and (original.start, original.end) != (mine.start, mine.end)

    def day(self, d: dt.date | None, weekday: bool = False) -> str:
        """2026年12月10日 (with its weekday if asked); 待定 for no date."""
        if d is None:
            return texts.NO_DATE
        text = texts.month_day(d, with_year=True)
        return f"{text}（{texts.weekday(d)}）" if weekday else text

    def window(self, p: PhaseWindow) -> str:
        """A phase's dates in full: 2026年12月1日至12月10日, 2026年11月30日前, 具体时间待定."""
        if p.start and p.end:
            end = texts.month_day(p.end, with_year=p.end.year != p.start.year)
            return texts.WINDOW_BOTH.format(start=self.day(p.start), end=end)
        if p.start:
            return texts.WINDOW_FROM.format(start=self.day(p.start))
        if p.end:
            return texts.WINDOW_UNTIL.format(end=self.day(p.end))
        return texts.WINDOW_NONE

    def localize(self, text: str, prefer: str | None = None) -> str:
        """The notice's wording with its dates (8月10日) replaced by this round's.

        A template date may belong to two phases (8月25日 ends the inspection groups' report
        and starts rectification); ``prefer`` names the phase whose dates win. A date this
        round has cleared reads 规定时间; a date the calendar does not know stays as written.
        """
        if self.template or not self.notice:
            return text
        mapping: dict[dt.date, dt.date | None] = {}
        ordered = sorted(zip(self.notice, self.phases), key=lambda pair: pair[0].key != prefer)
        for original, mine in ordered:
            pairs = [(original.start, mine.start), (original.end, mine.end)]
            pairs += [(a.due, b.due) for a, b in zip(original.deliverables, mine.deliverables)]
            for old, new in pairs:
                if old is not None:
                    mapping.setdefault(old, new)

        def swap(m: re.Match[str]) -> str:
            try:
                old = dt.date(self.notice_year, int(m.group(1)), int(m.group(2)))
            except ValueError:
                return m.group(0)
            if old not in mapping:
                return m.group(0)
            new = mapping[old]
            if new is None:
                return texts.DUE_UNSET
            return texts.month_day(new, with_year=new.year != self.year)

        return _MONTH_DAY.sub(swap, text)

    def as_notice(self) -> RoundCalendar:
        """The notice's own calendar (通知原定), in the same shape."""
        return RoundCalendar(
            phases=self.notice,
            year=self.notice_year,
            name=texts.NOTICE_NAME.format(year=self.notice_year),
            template=True,
            notice=self.notice,
            notice_year=self.notice_year,
        )


def round_calendar(
    campaign: Campaign, overrides: Mapping[str, tuple[dt.date | None, dt.date | None]] | None = None
) -> RoundCalendar:
    """The effective calendar with the round's year taken from the dates that were set."""
    phases = tuple(effective_phases(campaign, overrides))
    set_dates = [d for key, window in (overrides or {}).items() for d in window if d is not None]
    year = min(set_dates).year if set_dates else campaign.year
    return RoundCalendar(
        phases=phases,
        year=year,
        name=texts.ROUND_NAME.format(year=year),
        template=not set_dates,
        notice=tuple(effective_phases(campaign)),
        notice_year=campaign.year,
    )


def shift_overrides(campaign: Campaign, start: dt.date) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Every dated phase moved so that the first phase start falls on ``start``, keeping the
    notice's spacing (筹备 ends the day before 自查 starts, and so on). Undated phases are left out."""
    anchor = shift_anchor(campaign)
    delta = start - anchor.start  # type: ignore[operator]
    out: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    for p in campaign.phases:
        if p.start is None and p.end is None:
            continue
        out[p.key] = (p.start + delta if p.start else None, p.end + delta if p.end else None)
    return out


def shift_anchor(campaign: Campaign) -> Phase:
    """The phase whose start a whole-calendar move sets: the first phase with a start date."""
    return min((p for p in campaign.phases if p.start is not None), key=lambda p: p.start)  # type: ignore[arg-type,return-value]
