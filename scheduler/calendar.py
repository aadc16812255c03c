"""Phase dates as they stand this round, and which days are working days.

The notice's dates are a template: a coordinator may override a phase's start and end
(stored elsewhere, e.g. ``PhaseDate`` rows). ``effective_phases`` merges the two into
``PhaseWindow`` values the planner reads. Working days follow China's official calendar
(holidays and 调休 swapped working days) from ``chinese_calendar`` for the years it covers,
and plain Monday–Friday for years it does not.
"""

from __future__ import annotations

import datetime as dt
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


def is_workday(d: dt.date) -> bool:
    """True if ``d`` is a working day in China.

    Within the years ``chinese_calendar`` covers this honours public holidays and the
    weekend days swapped into working days (调休); outside them it is Monday–Friday.
    """
    if isinstance(d, dt.datetime):  # a datetime is a date; compare calendars by day only
        d = d.date()
    first, last = calendar_years()
    if first <= d.year <= last:
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:  # the package's own range check disagrees: fall back
            pass
    return d.weekday() < 5


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


@dataclass(frozen=True)
class RoundCalendar:
    """This round's calendar as every answer, button, reminder and file speaks of it.

    ``phases`` are the effective windows (the notice's template with coordinators' overrides);
    ``template`` is True while no date has been set, so answers can say 通知原定. ``year`` and
    ``name`` follow the dates that were set (a 2026 calendar is 本轮（2026）).
    """

    phases: tuple[PhaseWindow, ...]
    year: int
    name: str
    template: bool

    def phase(self, key: str) -> PhaseWindow:
        return next(p for p in self.phases if p.key == key)

    def deliverable(self, key: str) -> tuple[PhaseWindow, DeliverableWindow]:
        for p in self.phases:
            for d in p.deliverables:
                if d.key == key:
                    return p, d
        raise KeyError(key)


def round_calendar(
    campaign: Campaign, overrides: Mapping[str, tuple[dt.date | None, dt.date | None]] | None = None
) -> RoundCalendar:
    """The effective calendar with the round's year taken from the dates that were set."""
    phases = tuple(effective_phases(campaign, overrides))
    set_dates = [d for key, window in (overrides or {}).items() for d in window if d is not None]
    year = min(set_dates).year if set_dates else campaign.year
    return RoundCalendar(phases=phases, year=year, name=texts.ROUND_NAME.format(year=year), template=not set_dates)
