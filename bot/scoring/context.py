"""What every scoring feature shares: the rubric, the clock, the round, the admins, the time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.common.format import fmt_local
from bot.common.reply import Clock
from bot.common.rubric import Rubric
from bot.rounds import RoundCalendars


@dataclass(frozen=True)
class ScoringContext:
    rubric: Rubric
    clock: Clock
    admin_ids: frozenset[int]
    round: str
    tz: ZoneInfo
    calendars: RoundCalendars | None = None  # this round's calendar, shared with coordination

    def local(self, at: dt.datetime | None) -> str:
        """A moment as the bot says it: 2020年8月3日 09:00."""
        return fmt_local(at, self.tz)

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    def deadline_examples(self) -> dict[str, str]:
        """Example deadlines for prompts, in this round's dates: its rectification end while
        that is ahead, else a month from today (never the notice's 2020)."""
        today = self.today()
        calendar = self.calendars.peek() if self.calendars else None
        day = calendar.phase("rectification").end if calendar and not calendar.template else None
        if day is None or day < today:
            day = today + dt.timedelta(days=30)
        return {"md": f"{day.month}月{day.day}日", "iso": day.isoformat()}
