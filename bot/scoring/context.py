"""What every scoring feature shares: the rubric, the clock, the round, the admins, the time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.common.format import fmt_local
from bot.common.reply import Clock
from bot.common.rubric import Rubric


@dataclass(frozen=True)
class ScoringContext:
    rubric: Rubric
    clock: Clock
    admin_ids: frozenset[int]
    round: str
    tz: ZoneInfo

    def local(self, at: dt.datetime | None) -> str:
        """A moment as the bot says it: 2020年8月3日 09:00."""
        return fmt_local(at, self.tz)

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()
