"""What every coordination feature shares: self-scoring's settings (rubric, clock, round, time
zone), the check that the acting user is a coordinator, and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.common import texts
from bot.common.format import fmt_date
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Notice, User
from bot.common.richtext import Doc
from bot.common.states import Role
from bot.scoring.membership import Binding
from bot.scoring.selfcheck import SelfCheck
from bot.storage.models import AuditEntry
from scheduler.texts import month_day


class CoordinationContext:
    def __init__(self, selfcheck: SelfCheck) -> None:
        self.sc = selfcheck
        self.rubric = selfcheck.rubric
        self.clock = selfcheck.clock
        self.tz = selfcheck.tz
        self.round = selfcheck.round

    def coordinator(self, s: Session, user: User, what: str) -> Binding:
        """The user's binding if they are a coordinator; otherwise raises the refusal (which
        the shell's runner logs and audits)."""
        person = self.sc.binding(s, user)
        if person is None or person.role != Role.coordinator or not person.active:
            raise Refusal(texts.NOT_COORDINATOR, f"non-coordinator {user.id} tried {what}")
        return person

    def audit(self, s: Session, actor_id: int | None, actor: str, action: str, detail: str) -> None:
        s.add(AuditEntry(at=self.clock(), actor_id=actor_id, actor=actor, action=action, detail=detail[:2000]))

    def local(self, at: dt.datetime | None) -> str:
        return self.sc.local(at)

    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()


def notice(user_id: int, text: str, buttons: list[list[Button]] | None = None) -> Notice:
    return Notice(user_id, Answer(Intent.help, Doc().add(text), buttons=buttons or []))


def day(d: dt.date | None, today: dt.date | None = None) -> str:
    """A date as the bot says it (8月3日), with its year when that is not ``today``'s
    (2027年12月1日), — for none."""
    if d is None:
        return "—"
    return fmt_date(d) if today is not None and d.year != today.year else month_day(d)
