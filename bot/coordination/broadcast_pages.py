"""What coordinators see of sent broadcasts: /broadcasts with counts, a notice's page with the
units that have not acknowledged, why copies failed, which are retrying and which are unknown;
催办 to those who have not acknowledged; resending the unknown copies after a warning."""

from __future__ import annotations

import html

from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordOp
from bot.common.format import clip
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.common.states import RecipientState
from bot.common.telegram_html import plain_text
from bot.coordination import outbox
from bot.coordination.broadcasts import Broadcasts, made_recipients, notice_name
from bot.coordination.context import CoordinationContext
from bot.storage.models import Broadcast, BroadcastRecipient
from scheduler.texts import month_day

# Copies a 催办 goes to: those who have not acknowledged and are not still being sent.
NUDGED = (RecipientState.sent, RecipientState.failed, RecipientState.unknown)


class BroadcastPages:
    def __init__(self, ctx: CoordinationContext, broadcasts: Broadcasts) -> None:
        self.ctx = ctx
        self.broadcasts = broadcasts

    def recent(self, s: Session, user: User) -> Outcome:
        """/broadcasts: recent notices with sent / failed / acknowledged counts, and how many
        催办 each had. A 催办 of a notice is not a notice of its own: it is counted on the
        notice it chases (its 收到 acknowledges that notice) and shown on that notice's page."""
        self.ctx.coordinator(s, user, "/broadcasts")
        recent = s.exec(
            select(Broadcast)
            .where(Broadcast.status.in_(("scheduled", "sending", "done")), Broadcast.parent_id.is_(None))  # type: ignore[union-attr,attr-defined]
            .order_by(Broadcast.id.desc())  # type: ignore[union-attr]
            .limit(10)
        ).all()
        if not recent:
            return Outcome().say(texts.BC_LIST_EMPTY)
        doc = Doc().bold(texts.BC_LIST_TITLE)
        buttons = []
        for n, b in enumerate(recent, 1):
            c = self.broadcasts.counts(s, b.id or 0)
            name = notice_name(b, self.ctx.tz)
            extra = (texts.BC_LIST_UNKNOWN.format(count=c.unknown) if c.unknown else "") + (
                texts.BC_LIST_RETRYING.format(count=c.retrying) if c.retrying else ""
            )
            chases = self.nudges(s, b.id or 0)
            if chases:
                extra += texts.BC_LIST_NUDGES.format(count=len(chases), when=self.ctx.local(chases[-1].send_at))
            doc.add(texts.BC_LIST_LINE.format(n=n, name=name, sent=c.sent, failed=c.failed, acked=c.acknowledged, total=c.total) + extra)
            buttons.append(Button(f"{n}. {clip(name, 14)}", CoordOp("bc_page", b.id or 0)))
        return Outcome(replies=[Answer(Intent.help, doc, buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])])

    def broadcast_page(self, s: Session, user: User, broadcast_id: int) -> Outcome:
        """A notice's page: counts and the units that have not acknowledged, with 催办."""
        b = self.broadcasts.get(s, user, broadcast_id, "broadcast page")
        if b.kind == "nudge" and b.parent_id is not None:  # an old button on a 催办: its notice
            b = self.broadcasts.get(s, user, b.parent_id, "broadcast page")
        return Outcome(replies=[self.page(s, b)])

    def nudges(self, s: Session, broadcast_id: int) -> list[Broadcast]:
        """The 催办 sent for a notice, oldest first (drafts and cancelled ones never are)."""
        return list(
            s.exec(
                select(Broadcast)
                .where(Broadcast.parent_id == broadcast_id, Broadcast.kind == "nudge", Broadcast.status.in_(("scheduled", "sending", "done")))  # type: ignore[union-attr,attr-defined]
                .order_by(Broadcast.id)  # type: ignore[arg-type]
            ).all()
        )

    def page(self, s: Session, b: Broadcast) -> Answer:
        c = self.broadcasts.counts(s, b.id or 0)
        title = texts.BC_PAGE_TITLE.format(name=notice_name(b, self.ctx.tz), when=self.ctx.local(b.send_at), audience=self.broadcasts.audiences.label(b.audience))
        doc = Doc().bold(title)
        doc.add(clip(plain_text(b.text), 200))
        doc.add(texts.BC_PAGE_COUNTS.format(sent=c.sent, failed=c.failed, queued=c.queued, acked=c.acknowledged, total=c.total))
        if c.retrying:
            doc.add(texts.BC_PAGE_RETRYING.format(count=c.retrying, next=self.ctx.local(c.next_retry), until=self.ctx.local(c.retry_until)))
        if c.failures:
            doc.add(texts.BC_PAGE_FAILURES + "；".join(texts.BC_PAGE_FAILURE.format(reason=r, count=n) for r, n in c.failures.most_common()))
        buttons = []
        if c.unknown:
            doc.add(texts.BC_PAGE_UNKNOWN.format(count=c.unknown))
            buttons.append([Button(texts.BC_RESEND.format(count=c.unknown), CoordOp("bc_resend", b.id or 0))])
        chases = self.nudges(s, b.id or 0)
        if chases:
            doc.add(
                texts.BC_PAGE_NUDGES.format(count=len(chases))
                + "；".join(texts.BC_PAGE_NUDGE.format(when=self.ctx.local(n.send_at), count=len(made_recipients(s, n.id or 0))) for n in chases)
            )
        pending = self.broadcasts.unacknowledged_units(s, b.id or 0)
        if pending:
            doc.add(texts.BC_PAGE_PENDING + "、".join(pending))
            if b.kind != "nudge":  # a 催办 is not chased again
                buttons.insert(0, [Button(texts.BC_NUDGE, CoordOp("bc_nudge", b.id or 0))])
        else:
            doc.add(texts.BC_PAGE_ALL_ACKED)
        return Answer(Intent.help, doc, buttons=buttons)

    def nudge(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        """Send the notice again, as a 催办, only to those who have not acknowledged it: those
        it reached, those it failed for, and those whose copy's fate is unknown. Copies still
        being sent or waiting to retry are left to that, and the coordinator is told so."""
        b = self.broadcasts.get(s, user, broadcast_id, "nudge")
        if b.kind == "nudge":
            if b.parent_id is None:
                raise Refusal(texts.BC_NUDGE_OF_NUDGE, f"nudge of nudge #{b.id}", slip=True)
            b = self.broadcasts.get(s, user, b.parent_id, "nudge")  # an old button on a 催办 chases its notice
            broadcast_id = b.id or 0
        rows = s.exec(
            select(BroadcastRecipient.user_id, BroadcastRecipient.unit, BroadcastRecipient.state).where(
                BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state != RecipientState.acknowledged
            )
        ).all()
        pending = [(uid, unit) for uid, unit, state in rows if state in NUDGED]
        waiting = len(rows) - len(pending)
        if not pending:
            return Outcome().say(texts.BC_NUDGE_NONE + (texts.BC_NUDGE_WAITING.format(count=waiting) if waiting else ""))
        text, file_id = self.nudge_text(b)
        made = self.broadcasts.create(
            s, user, f"nudge:{b.id}", text, None, file_id, b.file_name if file_id else None, kind="nudge", parent_id=b.id, recipients=pending
        )
        if isinstance(made, str):
            raise Refusal(made, f"nudge refused: {made}", slip=True)
        return Outcome().say(texts.NUDGE_SENT.format(count=len(pending)) + (texts.BC_NUDGE_WAITING.format(count=waiting) if waiting else ""))

    def nudge_text(self, b: Broadcast) -> tuple[str, str | None]:
        """A 催办's HTML and file: the notice again under the 催办 line when both fit in one
        message; otherwise a short reminder naming the notice (first words, date) and quoting
        its first line, without the file. The dispatcher sends either as a reply to each
        recipient's own copy of the notice where Telegram returned one."""
        day = month_day(b.send_at.astimezone(self.ctx.tz))
        full = texts.BC_NUDGE_TEXT.format(day=day, text=b.text)
        if self.broadcasts.validate_notice(full, has_file=b.file_id is not None) is None:
            return full, b.file_id
        first = next((line.strip() for line in plain_text(b.text).splitlines() if line.strip()), "")
        short = texts.BC_NUDGE_SHORT.format(name=html.escape(notice_name(b, self.ctx.tz), quote=False), first=html.escape(clip(first, 200), quote=False))
        return short, None

    def resend_ask(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        """重新发送 on a notice's page: how many, and the warning that some may get it twice."""
        b = self.broadcasts.get(s, user, broadcast_id, "resend")
        count = self.broadcasts.counts(s, b.id or 0).unknown
        if not count:
            return Outcome().say(texts.BC_RESEND_NONE)
        buttons = [[Button(texts.BC_RESEND_CONFIRM, CoordOp("bc_resend_ok", b.id or 0)), Button(texts.BC_RESEND_BACK, CoordOp("bc_page", b.id or 0))]]
        return Outcome().say(texts.BC_RESEND_ASK.format(count=count, name=notice_name(b, self.ctx.tz)), buttons=buttons)

    def resend(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        """The confirmed resend: every unknown copy is queued again, and the dispatcher sends it."""
        b = self.broadcasts.get(s, user, broadcast_id, "resend")
        now = self.ctx.clock()
        outbox.sweep_stale(s, now)
        count = outbox.resend_unknown(s, b.id or 0, now)
        if not count:
            return Outcome().say(texts.BC_RESEND_NONE)
        name = notice_name(b, self.ctx.tz)
        actor = user.name if user else texts.CLI_ACTOR
        self.ctx.audit(s, user.id if user else None, actor, "broadcast.resend", texts.AUDIT_BROADCAST_RESEND.format(name=name, count=count))
        return Outcome().say(texts.BC_RESEND_DONE.format(name=name, count=count))
