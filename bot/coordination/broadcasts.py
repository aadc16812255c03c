"""Broadcasts: a coordinator's notice to an audience, previewed and confirmed, sent now or
the next working morning; 收到 acknowledgements; a notice's page with who has not
acknowledged; 催办 to them. Sending itself is bot/delivery/dispatch.py's."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordOp
from bot.common.format import clip
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Outcome, User
from bot.common.richtext import Doc, Span
from bot.common.states import RecipientState
from bot.common.telegram_html import html_problem, plain_text, visible_length
from bot.coordination.audiences import AudienceError, Audiences
from bot.coordination.context import CoordinationContext
from bot.coordination.outbox import CopyCounts, tally
from bot.storage.models import Broadcast, BroadcastRecipient
from scheduler.calendar import workday_on_or_before
from scheduler.texts import month_day

logger = logging.getLogger(__name__)

# A scheduled notice found this late (the bot was down at its moment) waits for its coordinator.
LATE_NOTICE = dt.timedelta(hours=12)

TELEGRAM_TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Telegram's 4,096 count visible characters; the HTML carrying them may be longer (links,
# tags), up to this much source (bot/storage/models.py: the column has no length).
SOURCE_LIMIT = 16000
__all__ = ["Broadcasts", "html_problem", "made_recipients", "notice_name", "plain_preview", "visible_length"]


def notice_name(b: Broadcast, tz) -> str:
    """A notice as coordinators call it: its first words and the day it is sent,
    “请各单位于12月16日前报送…”（12月1日）."""
    first = next((line.strip() for line in plain_text(b.text).splitlines() if line.strip()), "")
    first = re.sub(r"^【[^】]{1,12}】", "", first) or first  # a nudge's 【催办】 says nothing of what it is
    return texts.BC_NAME.format(title=clip(first, 16), day=month_day(b.send_at.astimezone(tz)))


def made_recipients(s: Session, broadcast_id: int) -> list[BroadcastRecipient]:
    return list(s.exec(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)).all())


def plain_preview(text: str, limit: int = 60) -> str:
    """A notice's first words as plain text, cut with "…" when longer."""
    plain = plain_text(text).strip().replace("\n", " ")
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


class Broadcasts:
    def __init__(self, ctx: CoordinationContext, audiences: Audiences) -> None:
        self.ctx = ctx
        self.audiences = audiences

    def validate_notice(self, text: str, has_file: bool = False) -> str | None:
        """Why a notice cannot be sent as written, in Chinese; None if it can."""
        if not text.strip():
            return texts.BC_EMPTY_TEXT
        if len(text) > SOURCE_LIMIT:
            return texts.BC_SOURCE_TOO_LONG.format(length=len(text), limit=SOURCE_LIMIT)
        problem = html_problem(text)
        if problem:
            return texts.BC_BAD_HTML.format(reason=problem)
        limit = CAPTION_LIMIT if has_file else TELEGRAM_TEXT_LIMIT - 40  # room for the header
        if visible_length(text) > limit:
            return texts.BC_TOO_LONG.format(length=visible_length(text), limit=limit)
        return None

    def create(
        self,
        s: Session,
        actor: User | None,
        audience: str,
        text: str,
        send_at: dt.datetime | None = None,
        file_id: str | None = None,
        file_name: str | None = None,
        status: str = "scheduled",
        kind: str = "notice",
        parent_id: int | None = None,
        recipients: list[tuple[int, str]] | None = None,
    ) -> Broadcast | str:
        """A broadcast with its recipients queued, or the reason it cannot be made."""
        audience = self.audiences.canonical(audience) if recipients is None else audience
        problem = self.validate_notice(text, has_file=file_id is not None)
        if problem:
            return problem
        now = self.ctx.clock()
        if send_at is not None and send_at < now - dt.timedelta(minutes=1):
            return texts.BC_PAST.format(at=self.ctx.local(send_at))
        try:
            chosen = recipients if recipients is not None else self.audiences.recipients(s, audience)
        except AudienceError as exc:
            return str(exc)
        if not chosen:
            return texts.BC_EMPTY_AUDIENCE.format(audience=self.audiences.label(audience))
        b = Broadcast(
            kind=kind,
            text=text,
            file_id=file_id,
            file_name=file_name,
            audience=audience,
            created_by=actor.name if actor else "命令行",
            created_by_id=actor.id if actor else None,
            created_at=now,
            send_at=send_at or now,
            status=status,
            parent_id=parent_id,
        )
        s.add(b)
        s.flush()
        for user_id, unit in chosen:
            s.add(BroadcastRecipient(broadcast_id=b.id or 0, user_id=user_id, unit=unit))
        if status != "draft":
            self.ctx.audit(s, actor.id if actor else None, b.created_by, "broadcast.create", texts.AUDIT_BROADCAST.format(name=notice_name(b, self.ctx.tz), audience=self.audiences.label(audience), count=len(chosen)))
        return b

    def draft(self, s: Session, user: User, args: str, file_id: str | None = None, file_name: str | None = None) -> Outcome:
        """`/broadcast AUDIENCE TEXT`: a preview with the recipient count and a confirm step."""
        self.ctx.coordinator(s, user, "/broadcast")
        audience, _, text = args.strip().partition(" ")
        if not audience or not text.strip():
            return Outcome().say(texts.BC_USAGE)
        audience = self.audiences.canonical(audience)
        made = self.create(s, user, audience, text.strip(), None, file_id, file_name, status="draft")
        if isinstance(made, str):  # why the notice cannot be made (audience, HTML, length)
            raise Refusal(made, f"broadcast refused: {made}", slip=True)
        queued = made_recipients(s, made.id or 0)
        count, units = len(queued), len({r.unit for r in queued})
        preview = Answer(Intent.help, Doc().bold(texts.BC_PREVIEW.format(count=count, units=units)))
        # as recipients will see it: the bold header, then the notice with its formatting
        body = Answer(
            Intent.help,
            Doc().bold(texts.BC_HEADER).add(Span(text.strip(), markup=True)),
            buttons=[
                [
                    Button(texts.BC_SEND_NOW, CoordOp("bc_send", made.id or 0)),
                    Button(texts.BC_SEND_MORNING, CoordOp("bc_morning", made.id or 0)),
                    Button(texts.BC_CANCEL, CoordOp("bc_cancel", made.id or 0)),
                ]
            ],
        )
        return Outcome(replies=[preview, body])

    def get(self, s: Session, user: User | None, broadcast_id: int, what: str) -> Broadcast:
        """The broadcast, if ``user`` (None: the command line) is a coordinator and it exists;
        otherwise raises the refusal."""
        if user is not None:
            self.ctx.coordinator(s, user, f"{what} #{broadcast_id}")
        b = s.get(Broadcast, broadcast_id)
        if b is None:
            raise Refusal(texts.STALE_BUTTON, f"no broadcast {broadcast_id}", slip=True)
        return b

    def confirm(self, s: Session, user: User, broadcast_id: int, when: str) -> Outcome:
        """立即发送 / 明早9点发送 / 取消 on a draft."""
        b = self.get(s, user, broadcast_id, "broadcast")
        if b.status not in ("draft", "held"):  # a held notice is put to its coordinator again
            return Outcome().say(texts.BC_ALREADY.format(status=b.status))
        if when == "cancel":
            s.exec(update(Broadcast).where(Broadcast.id == b.id).values(status="cancelled"))  # type: ignore[call-overload]
            return Outcome().say(texts.BC_CANCELLED)
        now = self.ctx.clock()
        send_at = self._next_morning(now) if when == "morning" else now
        done = s.exec(  # type: ignore[call-overload]
            update(Broadcast).where(Broadcast.id == b.id, Broadcast.status == b.status).values(status="scheduled", send_at=send_at)
        )
        if done.rowcount != 1:
            return Outcome().say(texts.BC_ALREADY.format(status="scheduled"))
        count = len(made_recipients(s, b.id or 0))
        self.ctx.audit(
            s, user.id, user.name, "broadcast.send",
            texts.AUDIT_BROADCAST_SEND.format(name=notice_name(b, self.ctx.tz), audience=self.audiences.label(b.audience), count=count, at=self.ctx.local(send_at)),
        )
        if when == "morning":
            b.send_at = send_at
            return Outcome().say(texts.BC_SCHEDULED.format(name=notice_name(b, self.ctx.tz), count=count, at=self.ctx.local(send_at)))
        return Outcome().say(texts.BC_QUEUED.format(name=notice_name(b, self.ctx.tz), count=count))

    def _next_morning(self, now: dt.datetime) -> dt.datetime:
        """09:00 on the next working day."""
        local = now.astimezone(self.ctx.tz)
        day = workday_on_or_before(local.date() + dt.timedelta(days=1))
        if day <= local.date():  # the day before tomorrow's day off is today: take the next working day
            day = local.date() + dt.timedelta(days=1)
            while workday_on_or_before(day) != day:
                day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(9, 0), self.ctx.tz).astimezone(dt.timezone.utc)

    def ack(self, s: Session, user: User, broadcast_id: int) -> str:
        """The 收到 button: returns the short notice to show."""
        return self.acknowledge(s, user, broadcast_id).replies[0].text

    def acknowledge(self, s: Session, user: User, broadcast_id: int) -> Outcome:
        """The 收到 button: the short notice to show on it, and the message's button turned
        into “✅ 已确认收到（时间）”, so that nobody wonders whether the press counted. Pressing
        an old 收到 again (on the notice or on a 催办 of it) says when it was confirmed."""
        row = s.get(BroadcastRecipient, (broadcast_id, user.id))
        if row is None:
            logger.warning("ack refused: user %s is not a recipient of #%s", user.id, broadcast_id)
            return Outcome().say(texts.BC_ACK_UNKNOWN)
        if row.state == RecipientState.acknowledged and row.acked_at is not None:
            when = self._short_moment(row.acked_at)
            out = Outcome().say(texts.BC_ACK_ALREADY_AT.format(when=when))
        elif row.state == RecipientState.acknowledged:
            return Outcome().say(texts.BC_ACK_ALREADY)
        else:
            row.state, row.acked_at = RecipientState.acknowledged.value, self.ctx.clock()
            s.add(row)
            when = self._short_moment(row.acked_at)
            out = Outcome().say(texts.BC_ACKED)
        out.pressed_buttons = [[Button(texts.BC_ACKED_BUTTON.format(when=when), CoordOp("ack", broadcast_id))]]
        return out

    def _short_moment(self, at: dt.datetime) -> str:
        """12月8日 10:05, in the campaign's time zone."""
        local = (at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)).astimezone(self.ctx.tz)
        return f"{month_day(local.date())} {local:%H:%M}"

    def due(self, s: Session, now: dt.datetime) -> list[int]:
        """Broadcasts to send by ``now`` (or being sent when a sender stopped). A scheduled
        notice whose moment passed more than ``LATE_NOTICE`` ago was not sent while the bot was
        down: it is held for its coordinator (``hold_late``), never sent late on its own."""
        rows = s.exec(
            select(Broadcast.id).where(  # type: ignore[call-overload]
                ((Broadcast.status == "scheduled") & (Broadcast.send_at >= now - LATE_NOTICE))
                | (Broadcast.status == "sending"),
                Broadcast.send_at <= now,
            )
        ).all()
        return list(rows)

    def hold_late(self, s: Session, now: dt.datetime) -> list[Broadcast]:
        """Hold the scheduled notices that were due long ago, and return them so the
        coordinator who made each can send it now or cancel it."""
        late = s.exec(
            select(Broadcast).where(Broadcast.status == "scheduled", Broadcast.send_at < now - LATE_NOTICE)
        ).all()
        for b in late:
            s.exec(update(Broadcast).where(Broadcast.id == b.id, Broadcast.status == "scheduled").values(status="held"))  # type: ignore[call-overload]
            self.ctx.audit(s, None, texts.SYSTEM_ACTOR, "broadcast.hold", texts.AUDIT_BROADCAST_HOLD.format(name=notice_name(b, self.ctx.tz), due=self.ctx.local(b.send_at), now=self.ctx.local(now)))
        return list(late)

    def held_question(self, b: Broadcast) -> Answer:
        """What the coordinator is asked about a held notice, with 仍然发送 / 取消."""
        doc = Doc().bold(texts.BC_HELD_TITLE).add(
            texts.BC_HELD.format(at=self.ctx.local(b.send_at), preview=plain_preview(b.text))
        )
        buttons = [[Button(texts.BC_HELD_SEND, CoordOp("bc_send", b.id or 0)), Button(texts.BC_HELD_CANCEL, CoordOp("bc_cancel", b.id or 0))]]
        return Answer(Intent.help, doc, buttons=buttons)

    def counts(self, s: Session, broadcast_id: int) -> CopyCounts:
        return tally(s, broadcast_id, self.ctx.clock())

    def unacknowledged_units(self, s: Session, broadcast_id: int) -> list[str]:
        rows = s.exec(
            select(BroadcastRecipient.unit).where(
                BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state != RecipientState.acknowledged
            )
        ).all()
        return sorted(set(rows))
