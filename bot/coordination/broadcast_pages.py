"""What coordinators see of sent broadcasts: /broadcasts with counts, a notice's page with the
units that have not acknowledged, and 催办 to them."""

from __future__ import annotations

import html
import re

from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordOp
from bot.common.format import clip
from bot.common.reply import Answer, Button, Intent, Outcome, User, refusal
from bot.common.richtext import Doc
from bot.common.states import RecipientState
from bot.coordination.broadcasts import Broadcasts, notice_name
from bot.coordination.context import CoordinationContext
from bot.storage.models import Broadcast, BroadcastRecipient
from scheduler.texts import month_day


class BroadcastPages:
    def __init__(self, ctx: CoordinationContext, broadcasts: Broadcasts) -> None:
        self.ctx = ctx
        self.broadcasts = broadcasts

    def recent(self, s: Session, user: User) -> Outcome:
        """/broadcasts: recent notices with sent / failed / acknowledged counts."""
        person = self.ctx.coordinator(s, user, "/broadcasts")
        if isinstance(person, Outcome):
            return person
        recent = s.exec(
            select(Broadcast).where(Broadcast.status.in_(("scheduled", "sending", "done"))).order_by(Broadcast.id.desc()).limit(10)  # type: ignore[union-attr,attr-defined]
        ).all()
        if not recent:
            return Outcome().say(texts.BC_LIST_EMPTY)
        doc = Doc().bold(texts.BC_LIST_TITLE)
        buttons = []
        for n, b in enumerate(recent, 1):
            c = self.broadcasts.counts(s, b.id or 0)
            name = notice_name(b, self.ctx.tz)
            doc.add(
                texts.BC_LIST_LINE.format(
                    n=n,
                    name=name,
                    sent=c.get(RecipientState.sent, 0) + c.get(RecipientState.acknowledged, 0),
                    failed=c.get(RecipientState.failed, 0),
                    acked=c.get(RecipientState.acknowledged, 0),
                    total=c["total"],
                )
            )
            buttons.append(Button(f"{n}. {clip(name, 14)}", CoordOp("bc_page", b.id or 0)))
        return Outcome(replies=[Answer(Intent.help, doc, buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])])

    def broadcast_page(self, s: Session, user: User, broadcast_id: int) -> Outcome:
        """A notice's page: counts and the units that have not acknowledged, with 催办."""
        b = self.broadcasts.get(s, user, broadcast_id, "broadcast page")
        return b if isinstance(b, Outcome) else Outcome(replies=[self.page(s, b)])

    def page(self, s: Session, b: Broadcast) -> Answer:
        c = self.broadcasts.counts(s, b.id or 0)
        title = texts.BC_PAGE_TITLE.format(name=notice_name(b, self.ctx.tz), when=self.ctx.local(b.send_at), audience=self.broadcasts.audiences.label(b.audience))
        doc = Doc().bold(title)
        doc.add(clip(html.unescape(re.sub(r"<[^>]+>", "", b.text)), 200))
        doc.add(
            texts.BC_PAGE_COUNTS.format(
                sent=c.get(RecipientState.sent, 0) + c.get(RecipientState.acknowledged, 0),
                failed=c.get(RecipientState.failed, 0),
                queued=c.get(RecipientState.queued, 0) + (0 if b.status == "done" else c.get(RecipientState.sending, 0)),
                acked=c.get(RecipientState.acknowledged, 0),
                total=c["total"],
            )
        )
        if b.status == "done" and c.get(RecipientState.sending):
            # claimed by a sender that stopped before recording the result: never resent
            doc.add(texts.BC_PAGE_UNKNOWN.format(count=c[RecipientState.sending]))
        pending = self.broadcasts.unacknowledged_units(s, b.id or 0)
        buttons = []
        if pending:
            doc.add(texts.BC_PAGE_PENDING + "、".join(pending))
            buttons = [[Button(texts.BC_NUDGE, CoordOp("bc_nudge", b.id or 0))]]
        else:
            doc.add(texts.BC_PAGE_ALL_ACKED)
        return Answer(Intent.help, doc, buttons=buttons)

    def nudge(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        """Send the notice again, as a 催办, only to those who have not acknowledged it."""
        b = self.broadcasts.get(s, user, broadcast_id, "nudge")
        if isinstance(b, Outcome):
            return b
        pending = s.exec(
            select(BroadcastRecipient.user_id, BroadcastRecipient.unit).where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.state.in_((RecipientState.sent, RecipientState.failed)),  # type: ignore[attr-defined]
            )
        ).all()
        if not pending:
            return Outcome().say(texts.BC_NUDGE_NONE)
        text = texts.BC_NUDGE_TEXT.format(day=month_day(b.send_at.astimezone(self.ctx.tz)), text=b.text)
        made = self.broadcasts.create(
            s, user, f"nudge:{b.id}", text, None, b.file_id, b.file_name, kind="nudge", parent_id=b.id, recipients=[tuple(r) for r in pending]
        )
        if isinstance(made, str):
            return refusal(made, f"nudge refused: {made}")
        return Outcome().say(texts.NUDGE_SENT.format(count=len(pending)))
