"""The 09:00 digest for coordinators (overdue items, units not submitted, notices not
acknowledged, reminders not delivered) and the one-tap 催办 it offers."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordOp
from bot.common.format import clip
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.coordination.broadcasts import Broadcasts, made_recipients, notice_name
from bot.coordination.calendar import Calendar
from bot.coordination.context import CoordinationContext, day
from bot.coordination.progress import Progress, unjoined_units, unsubmitted_offices
from bot.coordination.rectification import Rectification
from bot.coordination.reminders import Reminders
from bot.storage.models import Assessment, Broadcast


class Digest:
    def __init__(
        self,
        ctx: CoordinationContext,
        calendar: Calendar,
        rectification: Rectification,
        broadcasts: Broadcasts,
        progress: Progress,
        reminders: Reminders,
    ) -> None:
        self.ctx = ctx
        self.calendar = calendar
        self.rectification = rectification
        self.broadcasts = broadcasts
        self.progress = progress
        self.reminders = reminders

    def digest(self, s: Session) -> Answer | None:
        """The 09:00 digest for coordinators: overdue items, units not submitted, notices not
        acknowledged, each with a one-tap nudge; and the reminders of yesterday and today that
        did not reach everyone (a T-1 that failed at 22:00 is read the next morning)."""
        today = self.ctx.today()
        rows, _ = self.progress.data(s)
        unjoined = unjoined_units(rows)
        # an office is late when it has joined and not submitted; offices nobody joined are listed apart
        unsubmitted = unsubmitted_offices(rows)
        overdue = self.rectification.overdue(s)
        recent = s.exec(select(Broadcast).where(Broadcast.status == "done", Broadcast.kind == "notice").order_by(Broadcast.id.desc()).limit(5)).all()
        pending = {b.id: self.broadcasts.unacknowledged_units(s, b.id or 0) for b in recent}  # one query per notice
        unacked = [texts.DIGEST_UNACKED_ITEM.format(name=notice_name(b, self.ctx.tz), count=len(pending[b.id])) for b in recent if pending[b.id]]
        since = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(0), tzinfo=self.ctx.tz)
        reminders = self.reminders.undelivered(s, since, self.ctx.clock())
        doc = Doc().bold(texts.DIGEST_TITLE.format(date=day(today)))
        buttons: list[list[Button]] = []
        if unsubmitted:
            doc.add(texts.DIGEST_UNSUBMITTED.format(count=len(unsubmitted), units="、".join(unsubmitted)))
            buttons.append([Button(texts.DIGEST_NUDGE_UNSUBMITTED, CoordOp("nudge_unsubmitted", 0))])
        if unjoined:
            doc.add(texts.DIGEST_UNJOINED.format(count=len(unjoined), units="、".join(unjoined)))
        if overdue:
            doc.add(texts.DIGEST_OVERDUE.format(count=len(overdue)))
            for i in overdue[:20]:
                doc.add(texts.DIGEST_OVERDUE_LINE.format(unit=i.unit, item=i.label, deadline=day(i.deadline)))
            seen = []
            for i in overdue:
                if i.assessment_id not in seen:
                    seen.append(i.assessment_id)
                    buttons.append([Button(texts.DIGEST_NUDGE_UNIT.format(unit=i.unit), CoordOp("nudge_unit", i.assessment_id))])
        if unacked:
            doc.add(texts.DIGEST_UNACKED.format(items="、".join(unacked)))
            for b in recent:
                if pending[b.id]:
                    buttons.append([Button(texts.DIGEST_NUDGE_NOTICE.format(name=clip(notice_name(b, self.ctx.tz), 20)), CoordOp("bc_nudge", b.id or 0))])
        if reminders:
            doc.add(texts.DIGEST_REMINDERS)
            for line in reminders:
                doc.add(line)
        if not (unsubmitted or unjoined or overdue or unacked or reminders):
            doc.add(texts.DIGEST_ALL_CLEAR)
        return Answer(Intent.help, doc, buttons=buttons[:10])

    def nudge_unit(self, s: Session, user: User, assessment_id: int) -> Outcome:
        """催办 one unit about what it owes now (the button may be hours old): its overdue
        items, named; else its unsubmitted self-check; else nothing is sent."""
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise Refusal(texts.STALE_BUTTON, f"no assessment {assessment_id}", slip=True)
        overdue = self.rectification.overdue(s, a.unit)
        if overdue:
            lines = "；".join(
                texts.NUDGE_OVERDUE_ITEM.format(no=i.task_no, i=i.criterion + 1, deadline=day(i.deadline)) for i in overdue[:10]
            )
            text = texts.NUDGE_OVERDUE_TEXT.format(count=len(overdue), items=lines)
        elif a.submitted_at is None:
            text = texts.NUDGE_UNSUBMITTED_TEXT.format(due=self.calendar.self_check_due(s))
        else:
            return Outcome().say(texts.NUDGE_NOTHING_OWED.format(unit=a.unit))
        made = self.broadcasts.create(s, user, f"unit:{a.unit}", text, kind="nudge")
        if isinstance(made, str):
            raise Refusal(made, f"nudge refused: {made}", slip=True)
        return Outcome().say(texts.NUDGE_SENT.format(count=len(made_recipients(s, made.id or 0))))

    def nudge_unsubmitted(self, s: Session, user: User | None) -> Outcome:
        """催办 every unit that has not submitted its self-check."""
        if user is not None:
            self.ctx.coordinator(s, user, "nudge_unsubmitted")
        text = texts.NUDGE_UNSUBMITTED_TEXT.format(due=self.calendar.self_check_due(s))
        made = self.broadcasts.create(s, user, "not-submitted", text, kind="nudge")
        if isinstance(made, str):
            raise Refusal(made, f"nudge refused: {made}", slip=True)
        return Outcome().say(texts.NUDGE_SENT.format(count=len(made_recipients(s, made.id or 0))))
