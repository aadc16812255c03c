"""What every part of the inspection feature shares: rubric, clock, round, admins, calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.common.reply import Clock, utc_now
from bot.common.rubric import Rubric, Table
from bot.storage.models import PhaseDate
from scheduler.calendar import RoundCalendar, round_calendar

CalendarSource = Callable[[Session], RoundCalendar]


@dataclass
class Context:
    """One rubric, one round, one clock. ``calendars`` gives this round's calendar (the
    process's one provider, bot/rounds.py, shared with self-scoring and coordination);
    without it the phase dates coordinators stored are read directly."""

    rubric: Rubric
    round: str
    clock: Clock = utc_now
    admin_ids: frozenset[int] = frozenset()
    calendars: CalendarSource | None = None
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.rubric.campaign.timezone)

    def table(self, key: str) -> Table:
        return self.rubric.table(key)

    def calendar(self, s: Session) -> RoundCalendar:
        """This round's calendar (the notice's dates with the coordinators' changes)."""
        if self.calendars is not None:
            return self.calendars(s)
        rows = s.exec(select(PhaseDate).where(PhaseDate.round == self.round)).all()
        return round_calendar(self.rubric.campaign, {r.phase: (r.start, r.end) for r in rows})

    def round_name(self, s: Session) -> str:
        """The round as officials read it: 本轮（2026）, from the dates set (the key may be 2020)."""
        return self.calendar(s).name

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    def local(self, at: dt.datetime | None) -> str:
        """A moment as officials read it: 2020年8月12日 10:05 (Asia/Shanghai)."""
        if at is None:
            return "—"
        local = at.astimezone(self.tz)
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def month_day(d: dt.date | None) -> str:
    return f"{d.month}月{d.day}日" if d else "—"
