"""The coordinators' side: this round's calendar, broadcasts and acknowledgements, the
rectification loop after the self-assessment, review (退回修改), progress and the digest.

Like bot/selfcheck.py these are plain functions over a database session that check the
acting user's binding and return Outcomes; sending happens elsewhere (bot/dispatch.py).
Every coordinator action is written to the audit log with who, when and what.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml
from sqlalchemy import func, update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import AssessmentOp, CoordOp
from bot.common.format import fmt_points
from bot.common.reply import Answer, Button, Intent, Outcome, User, refusal
from bot.common.richtext import Doc, Span
from bot.scoring.cursor import pause
from bot.scoring.selfcheck import Binding, SelfCheck
from bot.storage.db import insert_new, upsert
from bot.storage.models import (
    Assessment,
    AuditEntry,
    Broadcast,
    BroadcastRecipient,
    CriterionAnswer,
    Person,
    PhaseDate,
    RectificationState,
    ReminderDelivery,
    ScoringCursor,
)
from scheduler.calendar import (
    PhaseWindow,
    effective_phases,
    validate_window,
    workday_on_or_before,
)
from scheduler.plan import Occurrence, plan
from scheduler.rules import load_rules
from scheduler.texts import month_day

logger = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096
# Reminders missed by more than this are from a calendar no longer running: not reported.
MISSED_LOOKBACK = dt.timedelta(days=7)
CAPTION_LIMIT = 1024
# The tags Telegram's HTML parse mode accepts.
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "span", "blockquote", "tg-emoji"}


class AudienceError(ValueError):
    """The audience cannot be resolved; the message is for the coordinator."""


class _TelegramHTML(HTMLParser):
    """Checks text against Telegram's HTML subset: known tags, properly nested and closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f"不支持的标签 <{tag}>"
        if tag == "a" and not dict(attrs).get("href"):
            self.error = self.error or "<a> 标签缺少 href"
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"标签 </{tag}> 没有对应的开始标签"
        else:
            self.stack.pop()


def html_problem(text: str) -> str | None:
    """Why ``text`` is not valid Telegram HTML, or None if it is."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.error:
        return parser.error
    if parser.stack:
        return f"标签 <{parser.stack[-1]}> 没有闭合"
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text):
        return "“&”需要写成 &amp;amp;"
    return None


def visible_length(text: str) -> int:
    """Length of the text as Telegram counts it: after tags are removed and entities decoded."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", text)))


@dataclass(frozen=True)
class RectItem:
    assessment_id: int
    unit: str
    table_key: str
    task_no: int
    criterion: int
    problem: str
    measure: str | None
    deadline: dt.date | None
    deadline_text: str | None
    state: str
    comment: str | None


class Coordination:
    """Coordinator services for one SelfCheck (rubric, clock, round, admins)."""

    def __init__(
        self,
        selfcheck: SelfCheck,
        rules_path: Path | None = None,
        campaign_file: Path | None = None,
        grace: dt.timedelta = dt.timedelta(hours=12),
    ) -> None:
        self.sc = selfcheck
        self.rubric = selfcheck.rubric
        self.clock = selfcheck.clock
        self.tz = selfcheck.tz
        self.round = selfcheck.round
        self.rules = load_rules(rules_path)
        env_file = os.environ.get("DUCHA_CAMPAIGN_FILE")
        self.campaign_file = campaign_file or (Path(env_file) if env_file else None)
        self.grace = grace
        # Typed text that a coordination step waits for reaches us through the self-check
        # conversation, which owns each user's cursor.
        selfcheck.pending_handler = self.pending_text

    # --- who may act ---------------------------------------------------------------

    def coordinator(self, s: Session, user: User, what: str) -> Binding | Outcome:
        """The user's binding if they are a coordinator; otherwise a logged, audited refusal."""
        person = self.sc.binding(s, user)
        if person is None or person.role != "coordinator" or not person.active:
            self.audit(s, user.id, user.name, "refused", what)
            return refusal(texts.NOT_COORDINATOR, f"non-coordinator {user.id} tried {what}")
        return person

    def audit(self, s: Session, actor_id: int | None, actor: str, action: str, detail: str) -> None:
        s.add(AuditEntry(at=self.clock(), actor_id=actor_id, actor=actor, action=action, detail=detail[:2000]))

    def local(self, at: dt.datetime | None) -> str:
        return self.sc.local(at)

    _local = local

    def _today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    # --- calendar ------------------------------------------------------------------

    def overrides(self, s: Session) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """This round's dates: DUCHA_CAMPAIGN_FILE first, then what coordinators set."""
        out: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        if self.campaign_file:
            data = yaml.safe_load(self.campaign_file.read_text(encoding="utf-8")) or {}
            for key, value in (data.get("phases") or {}).items():
                start, end = value.get("start"), value.get("end")
                validate_window(key, start, end)
                out[key] = (start, end)
        for row in s.exec(select(PhaseDate).where(PhaseDate.round == self.round)).all():
            out[row.phase] = (row.start, row.end)
        return out

    def phases(self, s: Session) -> list[PhaseWindow]:
        return effective_phases(self.rubric.campaign, self.overrides(s))

    def calendar(self, s: Session) -> Answer:
        setters = {r.phase: r.updated_by for r in s.exec(select(PhaseDate).where(PhaseDate.round == self.round)).all()}
        doc = Doc().bold(texts.CAL_TITLE.format(round=self.round))
        for i, p in enumerate(self.phases(s), 1):
            if p.start is None and p.end is None:
                dates = texts.CAL_NO_DATE
            else:
                dates = f"{_d(p.start) if p.start else '—'} 至 {_d(p.end) if p.end else '—'}"
            source = texts.CAL_SOURCE_SET.format(by=setters[p.key]) if p.key in setters else ""
            doc.add(texts.CAL_LINE.format(i=i, name=p.name, dates=dates, source=source))
            for d in p.deliverables:
                doc.add(texts.CAL_DUE.format(name=d.name, due=_d(d.due)))
        return Answer(Intent.help, doc)

    def set_phase(self, s: Session, actor: User | None, phase: str, start: dt.date | None, end: dt.date | None) -> Outcome:
        """Set this round's dates of a phase; ``actor`` None means the command line."""
        if actor is not None:
            person = self.coordinator(s, actor, f"campaign set {phase}")
            if isinstance(person, Outcome):
                return person
        try:
            validate_window(phase, start, end)
        except ValueError as exc:
            return refusal(texts.CAL_BAD.format(reason=exc), f"bad calendar {phase} {start} {end}")
        name = actor.name if actor else "命令行"
        upsert(s, PhaseDate, {"round": self.round, "phase": phase}, start=start, end=end, updated_by=name, updated_at=self.clock())
        self.audit(s, actor.id if actor else None, name, "calendar.set", f"{self.round} {phase} {start} {end}")
        label = next(p.name for p in self.rubric.campaign.phases if p.key == phase)
        out = Outcome().say(texts.CAL_SET.format(name=label, start=start or "—", end=end or "—"))
        out.replies.append(self.calendar(s))
        return out

    # --- audiences -----------------------------------------------------------------

    def recipients(self, s: Session, spec: str) -> list[tuple[int, str]]:
        """(user id, unit) of every active user the audience names."""
        spec = spec.strip()
        people = s.exec(select(Person).where(Person.active == True)).all()  # noqa: E712
        units = {p.unit for p in people if p.role != "coordinator"}
        if spec == "all":
            chosen = [p for p in people if p.role != "coordinator"]
        elif spec.startswith("role:"):
            role = spec[5:]
            if role not in ("party", "government", "department", "coordinator"):
                raise AudienceError(texts.BC_BAD_AUDIENCE.format(audience=spec))
            chosen = [p for p in people if p.role == role]
        elif spec.startswith("unit:"):
            wanted = [u.strip() for u in re.split(r"[,，、]", spec[5:]) if u.strip()]
            known = {u.name for u in self.rubric.units} | units
            unknown = [u for u in wanted if u not in known]
            if unknown or not wanted:
                raise AudienceError(texts.BC_UNKNOWN_UNITS.format(units="、".join(unknown) or "（空）"))
            chosen = [p for p in people if p.unit in wanted and p.role != "coordinator"]
        elif spec == "not-submitted":
            done = self._submitted_units(s)
            chosen = [p for p in people if p.role != "coordinator" and (p.unit, self._table_of(p)) not in done]
        elif spec == "open-rectification":
            owing = {i.unit for i in self.rect_items(s) if i.state in ("open", "returned")}
            chosen = [p for p in people if p.role != "coordinator" and p.unit in owing]
        else:
            raise AudienceError(texts.BC_BAD_AUDIENCE.format(audience=spec))
        return sorted({(p.user_id, p.unit) for p in chosen})

    def _table_of(self, p: Person) -> str | None:
        return p.role if p.role in ("party", "government") else p.table_key

    def _submitted_units(self, s: Session) -> set[tuple[str, str]]:
        rows = s.exec(
            select(Assessment.unit, Assessment.table_key).where(Assessment.round == self.round, Assessment.status == "submitted")
        ).all()
        return {(u, t) for u, t in rows}

    def coordinators(self, s: Session) -> list[int]:
        return self.sc.coordinators(s)

    # --- broadcasts ----------------------------------------------------------------

    def validate_notice(self, text: str, has_file: bool = False) -> str | None:
        """Why a notice cannot be sent as written, in Chinese; None if it can."""
        if not text.strip():
            return texts.BC_EMPTY_TEXT
        problem = html_problem(text)
        if problem:
            return texts.BC_BAD_HTML.format(reason=problem)
        limit = CAPTION_LIMIT if has_file else TELEGRAM_TEXT_LIMIT - 40  # room for the header
        if visible_length(text) > limit:
            return texts.BC_TOO_LONG.format(length=visible_length(text), limit=limit)
        return None

    def create_broadcast(
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
        problem = self.validate_notice(text, has_file=file_id is not None)
        if problem:
            return problem
        now = self.clock()
        if send_at is not None and send_at < now - dt.timedelta(minutes=1):
            return texts.BC_PAST.format(at=self._local(send_at))
        try:
            chosen = recipients if recipients is not None else self.recipients(s, audience)
        except AudienceError as exc:
            return str(exc)
        if not chosen:
            return texts.BC_EMPTY_AUDIENCE.format(audience=audience)
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
            self.audit(s, actor.id if actor else None, b.created_by, "broadcast.create", f"#{b.id} {audience} {len(chosen)}人 {text[:60]}")
        return b

    def draft(self, s: Session, user: User, args: str, file_id: str | None = None, file_name: str | None = None) -> Outcome:
        """`/broadcast AUDIENCE TEXT`: a preview with the recipient count and a confirm step."""
        person = self.coordinator(s, user, "/broadcast")
        if isinstance(person, Outcome):
            return person
        audience, _, text = args.strip().partition(" ")
        if not audience or not text.strip():
            return Outcome().say(texts.BC_USAGE)
        made = self.create_broadcast(s, user, audience, text.strip(), None, file_id, file_name, status="draft")
        if isinstance(made, str):
            return refusal(made, f"broadcast refused: {made}")
        queued = made_recipients(s, made.id or 0)
        count, units = len(queued), len({r.unit for r in queued})
        doc = Doc().bold(texts.BC_PREVIEW.format(count=count, units=units))
        preview = Answer(Intent.help, doc)
        body = Answer(
            Intent.help,
            Doc().add(texts.BC_HEADER).add(Span(text.strip())),
            buttons=[
                [
                    Button(texts.BC_SEND_NOW, CoordOp("bc_send", made.id or 0)),
                    Button(texts.BC_SEND_MORNING, CoordOp("bc_morning", made.id or 0)),
                    Button(texts.BC_CANCEL, CoordOp("bc_cancel", made.id or 0)),
                ]
            ],
        )
        return Outcome(replies=[preview, body])

    def _broadcast(self, s: Session, user: User | None, broadcast_id: int, what: str) -> Broadcast | Outcome:
        """The broadcast, if ``user`` (None: the command line) is a coordinator and it exists."""
        if user is not None:
            person = self.coordinator(s, user, f"{what} #{broadcast_id}")
            if isinstance(person, Outcome):
                return person
        b = s.get(Broadcast, broadcast_id)
        if b is None:
            return refusal(texts.STALE_BUTTON, f"no broadcast {broadcast_id}")
        return b

    def _own_draft(self, s: Session, user: User, broadcast_id: int) -> Broadcast | Outcome:
        b = self._broadcast(s, user, broadcast_id, "broadcast")
        if isinstance(b, Outcome):
            return b
        if b.status != "draft":
            return Outcome().say(texts.BC_ALREADY.format(status=b.status))
        return b

    def confirm(self, s: Session, user: User, broadcast_id: int, when: str) -> Outcome:
        """立即发送 / 明早9点发送 / 取消 on a draft."""
        b = self._own_draft(s, user, broadcast_id)
        if isinstance(b, Outcome):
            return b
        if when == "cancel":
            s.exec(update(Broadcast).where(Broadcast.id == b.id).values(status="cancelled"))  # type: ignore[call-overload]
            return Outcome().say(texts.BC_CANCELLED)
        now = self.clock()
        if when == "morning":
            local = now.astimezone(self.tz)
            day = workday_on_or_before(local.date() + dt.timedelta(days=1))
            if day <= local.date():  # the day before tomorrow's day off is today: take the next working day
                day = local.date() + dt.timedelta(days=1)
                while workday_on_or_before(day) != day:
                    day += dt.timedelta(days=1)
            send_at = dt.datetime.combine(day, dt.time(9, 0), self.tz).astimezone(dt.timezone.utc)
        else:
            send_at = now
        done = s.exec(  # type: ignore[call-overload]
            update(Broadcast).where(Broadcast.id == b.id, Broadcast.status == "draft").values(status="scheduled", send_at=send_at)
        )
        if done.rowcount != 1:
            return Outcome().say(texts.BC_ALREADY.format(status="scheduled"))
        count = len(made_recipients(s, b.id or 0))
        self.audit(s, user.id, user.name, "broadcast.send", f"#{b.id} {b.audience} {count}人 at {send_at.isoformat()}")
        if when == "morning":
            return Outcome().say(texts.BC_SCHEDULED.format(id=b.id, count=count, at=self._local(send_at)))
        return Outcome().say(texts.BC_QUEUED.format(id=b.id, count=count))

    def ack(self, s: Session, user: User, broadcast_id: int) -> str:
        """The 收到 button: returns the short notice to show."""
        row = s.get(BroadcastRecipient, (broadcast_id, user.id))
        if row is None:
            logger.warning("ack refused: user %s is not a recipient of #%s", user.id, broadcast_id)
            return texts.BC_ACK_UNKNOWN
        if row.state == "acknowledged":
            return texts.BC_ACK_ALREADY
        row.state, row.acked_at = "acknowledged", self.clock()
        s.add(row)
        return texts.BC_ACKED

    def broadcast_counts(self, s: Session, broadcast_id: int) -> dict[str, int]:
        rows = s.exec(
            select(BroadcastRecipient.state, func.count()).where(BroadcastRecipient.broadcast_id == broadcast_id).group_by(BroadcastRecipient.state)
        ).all()
        counts = {state: n for state, n in rows}
        counts["total"] = sum(counts.values())
        return counts

    def broadcasts(self, s: Session, user: User) -> Outcome:
        """/broadcasts: recent notices with sent / failed / acknowledged counts."""
        person = self.coordinator(s, user, "/broadcasts")
        if isinstance(person, Outcome):
            return person
        recent = s.exec(
            select(Broadcast).where(Broadcast.status.in_(("scheduled", "sending", "done"))).order_by(Broadcast.id.desc()).limit(10)  # type: ignore[union-attr,attr-defined]
        ).all()
        if not recent:
            return Outcome().say(texts.BC_LIST_EMPTY)
        doc = Doc().bold(texts.BC_LIST_TITLE)
        buttons = []
        for b in recent:
            c = self.broadcast_counts(s, b.id or 0)
            preview = re.sub(r"<[^>]+>", "", b.text)[:16]
            doc.add(
                texts.BC_LIST_LINE.format(
                    id=b.id,
                    when=self._local(b.send_at),
                    preview=preview,
                    sent=c.get("sent", 0) + c.get("acknowledged", 0),
                    failed=c.get("failed", 0),
                    acked=c.get("acknowledged", 0),
                    total=c["total"],
                )
            )
            buttons.append(Button(f"#{b.id}", CoordOp("bc_page", b.id or 0)))
        return Outcome(replies=[Answer(Intent.help, doc, buttons=[buttons[i : i + 5] for i in range(0, len(buttons), 5)])])

    def broadcast_page(self, s: Session, user: User, broadcast_id: int) -> Outcome:
        """A notice's page: counts and the units that have not acknowledged, with 催办."""
        b = self._broadcast(s, user, broadcast_id, "broadcast page")
        return b if isinstance(b, Outcome) else Outcome(replies=[self.page(s, b)])

    def page(self, s: Session, b: Broadcast) -> Answer:
        c = self.broadcast_counts(s, b.id or 0)
        doc = Doc().bold(texts.BC_PAGE_TITLE.format(id=b.id, when=self._local(b.send_at), audience=b.audience))
        doc.add(re.sub(r"<[^>]+>", "", b.text)[:200])
        doc.add(
            texts.BC_PAGE_COUNTS.format(
                sent=c.get("sent", 0) + c.get("acknowledged", 0),
                failed=c.get("failed", 0),
                queued=c.get("queued", 0) + (0 if b.status == "done" else c.get("sending", 0)),
                acked=c.get("acknowledged", 0),
                total=c["total"],
            )
        )
        if b.status == "done" and c.get("sending"):
            # claimed by a sender that stopped before recording the result: never resent
            doc.add(texts.BC_PAGE_UNKNOWN.format(count=c["sending"]))
        pending = self.unacknowledged_units(s, b.id or 0)
        buttons = []
        if pending:
            doc.add(texts.BC_PAGE_PENDING + "、".join(pending))
            buttons = [[Button(texts.BC_NUDGE, CoordOp("bc_nudge", b.id or 0))]]
        else:
            doc.add(texts.BC_PAGE_ALL_ACKED)
        return Answer(Intent.help, doc, buttons=buttons)

    def unacknowledged_units(self, s: Session, broadcast_id: int) -> list[str]:
        rows = s.exec(
            select(BroadcastRecipient.unit).where(
                BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state != "acknowledged"
            )
        ).all()
        return sorted(set(rows))

    def nudge_broadcast(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        """Send the notice again, as a 催办, only to those who have not acknowledged it."""
        b = self._broadcast(s, user, broadcast_id, "nudge")
        if isinstance(b, Outcome):
            return b
        pending = s.exec(
            select(BroadcastRecipient.user_id, BroadcastRecipient.unit).where(
                BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.state.in_(("sent", "failed"))  # type: ignore[attr-defined]
            )
        ).all()
        if not pending:
            return Outcome().say(texts.BC_NUDGE_NONE)
        text = texts.BC_NUDGE_TEXT.format(id=b.id, text=b.text)
        made = self.create_broadcast(
            s, user, f"nudge:#{b.id}", text, None, b.file_id, b.file_name, kind="nudge", parent_id=b.id, recipients=[tuple(r) for r in pending]
        )
        if isinstance(made, str):
            return refusal(made, f"nudge refused: {made}")
        return Outcome().say(texts.NUDGE_SENT.format(count=len(pending)))

    def due_broadcasts(self, s: Session, now: dt.datetime) -> list[int]:
        rows = s.exec(
            select(Broadcast.id).where(Broadcast.status.in_(("scheduled", "sending")), Broadcast.send_at <= now)  # type: ignore[attr-defined]
        ).all()
        return list(rows)

    # --- reminders -----------------------------------------------------------------

    def plan(self, s: Session) -> list[Occurrence]:
        return plan(self.phases(s), self.rules, self.tz)

    def reminder_recipients(self, s: Session, occurrence: Occurrence) -> list[tuple[int, str]]:
        """Who this reminder is for: everyone, or only those who still owe its deliverable."""
        if occurrence.audience == "all":
            return self.recipients(s, "all")
        deliverable = occurrence.deliverable.key if occurrence.deliverable else ""
        if deliverable == "inspection_group_report":
            return [(uid, texts.COORDINATOR_UNIT) for uid in self.coordinators(s)]
        if deliverable == "rectification_report" or occurrence.phase.key == "rectification":
            return self.recipients(s, "open-rectification")
        return self.recipients(s, "not-submitted")

    def due_reminders(self, s: Session, now: dt.datetime) -> tuple[list[tuple[Occurrence, int, str]], list[Occurrence]]:
        """Claim every reminder due by ``now``: (occurrence, user, unit) to send now, and the
        occurrences that fell due while the bot was down longer than the grace window (each
        reported once). A claim is a row with a unique key: claimed once, sent once."""
        to_send: list[tuple[Occurrence, int, str]] = []
        missed: list[Occurrence] = []
        for occ in self.plan(s):
            due = occ.due.astimezone(dt.timezone.utc)
            if due > now:
                break
            common = {"rule": occ.rule.key, "phase": occ.phase.key, "due_at": due, "claimed_at": now}
            if due < now - self.grace:
                # Missed while the bot was down: reported once. Older than a week it belongs
                # to a calendar nobody is running any more (say, the template's 2020 dates):
                # recorded, not reported. INSERT … ON CONFLICT DO NOTHING: of two processes,
                # exactly one wins each claim.
                state = "missed" if due >= now - MISSED_LOOKBACK else "expired"
                marker = f"missed:{occ.key}"[:160]
                if s.get(ReminderDelivery, marker) is None and insert_new(
                    s, ReminderDelivery, key=marker, user_id=0, unit="", state=state, **common
                ):
                    if state == "missed":
                        missed.append(occ)
                continue
            # The bot ticks every half minute: look up who already has this one in a single
            # query, and only try to claim the rest.
            prefix = f"{occ.key}:"
            claimed = set(
                s.exec(select(ReminderDelivery.user_id).where(ReminderDelivery.key.startswith(prefix, autoescape=True))).all()  # type: ignore[attr-defined]
            )
            for user_id, unit in self.reminder_recipients(s, occ):
                if user_id in claimed:
                    continue
                key = f"{prefix}{user_id}"[:160]
                if insert_new(s, ReminderDelivery, key=key, user_id=user_id, unit=unit, state="claimed", **common):
                    to_send.append((occ, user_id, unit))
        return to_send, missed

    def missed_report(self, missed: list[Occurrence]) -> Answer:
        doc = Doc().bold(texts.REMINDER_MISSED.format(hours=int(self.grace.total_seconds() // 3600)))
        for occ in missed:
            doc.add(texts.REMINDER_MISSED_LINE.format(due=self._local(occ.due), text=occ.text[:80]))
        return Answer(Intent.help, doc)

    # --- rectification -------------------------------------------------------------

    def rect_items(self, s: Session, unit: str | None = None) -> list[RectItem]:
        """Every deduction's rectification item of this round, with its state."""
        query = (
            select(CriterionAnswer, Assessment)
            .join(Assessment, Assessment.id == CriterionAnswer.assessment_id)
            .where(Assessment.round == self.round)
        )
        if unit:
            query = query.where(Assessment.unit == unit)
        states = {
            (r.assessment_id, r.task_no, r.criterion): r
            for r in s.exec(select(RectificationState)).all()
        }
        items = []
        for answer, a in s.exec(query).all():
            table = self.rubric.tables.get(a.table_key)  # type: ignore[call-overload]
            task = table.task(answer.task_no) if table else None
            if task is None or answer.criterion >= len(task.criteria):
                continue
            criterion = task.criteria[answer.criterion]
            if answer.points >= criterion.points:
                continue
            st = states.get((a.id, answer.task_no, answer.criterion))
            items.append(
                RectItem(
                    assessment_id=a.id or 0,
                    unit=a.unit,
                    table_key=a.table_key,
                    task_no=answer.task_no,
                    criterion=answer.criterion,
                    problem=answer.problem or criterion.text,
                    measure=answer.measure,
                    deadline=answer.deadline,
                    deadline_text=answer.deadline_text,
                    state=st.state if st else "open",
                    comment=st.comment if st else None,
                )
            )
        items.sort(key=lambda i: (i.unit, i.table_key, i.task_no, i.criterion))
        return items

    def _mark(self, item: RectItem) -> str:
        if item.state == "closed":
            return texts.RECT_DONE
        if item.deadline is None:
            return texts.RECT_OK
        days = (item.deadline - self._today()).days
        if days < 0:
            return texts.RECT_OVERDUE
        return texts.RECT_SOON if days <= 3 else texts.RECT_OK

    def rectify(self, s: Session, user: User) -> Outcome:
        """/rectify: a unit's items with deadlines, red when overdue, yellow within three days;
        for coordinators, every reported item waiting to be closed."""
        person = self.sc.binding(s, user)
        if person is None or not person.active:
            return refusal(texts.NOT_BOUND, f"unbound user {user.id} /rectify")
        coordinator = person.role == "coordinator"
        items = self.rect_items(s, None if coordinator else person.unit)
        if coordinator:
            items = [i for i in items if i.state == "reported"] or [i for i in items if i.state in ("open", "returned")][:30]
        title = "各单位" if coordinator else person.unit
        if not items:
            return Outcome().say(texts.RECT_LIST_EMPTY)
        doc = Doc().bold(texts.RECT_LIST_TITLE.format(unit=title, count=len(items)))
        buttons = []
        for n, item in enumerate(items, 1):
            deadline = _d(item.deadline) if item.deadline else (item.deadline_text or "待定")
            doc.add(
                (f"{item.unit} " if coordinator else "")
                + texts.RECT_ITEM.format(
                    mark=self._mark(item), n=n, no=item.task_no, i=item.criterion + 1, problem=item.problem[:60],
                    measure=(item.measure or "待定")[:40], deadline=deadline, state=texts.RECT_STATE[item.state],
                )
            )
            if item.comment and item.state == "returned":
                doc.add(f"　　退回意见：{item.comment}")
            key = (item.assessment_id, item.task_no, item.criterion)
            if coordinator and item.state == "reported":
                buttons.append([Button(f"{texts.RECT_CLOSE} {n}", CoordOp("item_close", *key)), Button(f"{texts.RECT_RETURN} {n}", CoordOp("item_return", *key))])
            elif not coordinator and item.state in ("open", "returned"):
                buttons.append([Button(texts.RECT_REPORT_BUTTON.format(n=n), CoordOp("item_done", *key))])
        return Outcome(replies=[Answer(Intent.help, doc, buttons=buttons[:20])])

    def _item(self, s: Session, op: CoordOp) -> RectItem | None:
        for item in self.rect_items(s):
            if (item.assessment_id, item.task_no, item.criterion) == (op.id, op.x, op.y):
                return item
        return None

    def _set_item(self, s: Session, item: RectItem, state: str, by: str, note: str | None = None, comment: str | None = None) -> None:
        values = {"state": state, "updated_by": by, "updated_at": self.clock()}
        if note is not None:
            values["note"] = note
        if comment is not None:
            values["comment"] = comment
        upsert(s, RectificationState, {"assessment_id": item.assessment_id, "task_no": item.task_no, "criterion": item.criterion}, **values)

    def _unit_users(self, s: Session, unit: str) -> list[int]:
        return list(s.exec(select(Person.user_id).where(Person.unit == unit, Person.active == True)).all())  # noqa: E712

    def op(self, s: Session, user: User, op: CoordOp) -> Outcome:
        """Every coordination button, authorised by the presser's binding."""
        if op.op in ("bc_send", "bc_morning", "bc_cancel"):
            return self.confirm(s, user, op.id, {"bc_send": "now", "bc_morning": "morning", "bc_cancel": "cancel"}[op.op])
        if op.op == "bc_page":
            return self.broadcast_page(s, user, op.id)
        if op.op == "bc_nudge":
            return self.nudge_broadcast(s, user, op.id)
        if op.op == "progress":
            return self.progress(s, user)
        if op.op == "nudge_unsubmitted":
            return self.nudge_unsubmitted(s, user)
        if op.op == "item_done":
            person = self.sc.binding(s, user)
            item = self._item(s, op)
            if person is None or item is None or person.unit != item.unit or person.role == "coordinator":
                return refusal(texts.SCORE_WRONG_UNIT if item else texts.STALE_BUTTON, f"user {user.id} item_done {op}")
            if item.state not in ("open", "returned"):
                return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
            upsert(s, ScoringCursor, {"user_id": user.id}, assessment_id=item.assessment_id, task_no=item.task_no, criterion=item.criterion, step="rect_note", updated_at=self.clock())
            return Outcome().say(texts.RECT_ASK_NOTE.format(no=item.task_no, i=item.criterion + 1))
        person = self.coordinator(s, user, op.op)
        if isinstance(person, Outcome):
            return person
        if op.op in ("item_close", "item_return"):
            item = self._item(s, op)
            if item is None:
                return refusal(texts.STALE_BUTTON, f"no item {op}")
            if item.state != "reported":
                return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
            if op.op == "item_close":
                self._set_item(s, item, "closed", user.name)
                self.audit(s, user.id, user.name, "rectification.close", f"{item.unit} {item.table_key} {item.task_no}.{item.criterion + 1}")
                out = Outcome().say(texts.RECT_CLOSED.format(unit=item.unit, no=item.task_no, i=item.criterion + 1))
                for uid in self._unit_users(s, item.unit):
                    out.notices.append(_notice(uid, texts.RECT_NOTICE_CLOSED.format(no=item.task_no, i=item.criterion + 1)))
                return out
            upsert(s, ScoringCursor, {"user_id": user.id}, assessment_id=item.assessment_id, task_no=item.task_no, criterion=item.criterion, step="item_comment", updated_at=self.clock())
            return Outcome().say(texts.RECT_ASK_COMMENT)
        if op.op == "asm_view":
            a = s.get(Assessment, op.id)
            if a is None:
                return refusal(texts.STALE_BUTTON, f"no assessment {op.id}")
            answer = self.sc.views.summary(self.sc.snapshot(s, a))
            answer.buttons = [[Button(texts.ASM_RETURN, CoordOp("asm_return", op.id)), Button(texts.REOPEN_BUTTON, AssessmentOp(op.id, "reopen"))]] if a.status == "submitted" else []
            answer.buttons.append([Button(texts.DIGEST_NUDGE_UNIT.format(unit=a.unit), CoordOp("nudge_unit", op.id))])
            return Outcome(replies=[answer])
        if op.op == "asm_return":
            a = s.get(Assessment, op.id)
            if a is None:
                return refusal(texts.STALE_BUTTON, f"no assessment {op.id}")
            if a.status != "submitted":
                return Outcome().say(texts.ASM_NOT_SUBMITTED)
            upsert(s, ScoringCursor, {"user_id": user.id}, assessment_id=a.id, task_no=0, criterion=0, step="asm_comment", updated_at=self.clock())
            return Outcome().say(texts.ASM_ASK_COMMENT.format(unit=a.unit, table=texts.TABLE_LABEL[a.table_key]))
        if op.op == "nudge_unit":
            a = s.get(Assessment, op.id)
            if a is None:
                return refusal(texts.STALE_BUTTON, f"no assessment {op.id}")
            owing = any(i.unit == a.unit and i.state in ("open", "returned") and i.deadline and i.deadline < self._today() for i in self.rect_items(s, a.unit))
            text = texts.NUDGE_OVERDUE_TEXT if owing else texts.NUDGE_UNSUBMITTED_TEXT.format(due=self._self_check_due(s))
            made = self.create_broadcast(s, user, f"unit:{a.unit}", text, kind="nudge")
            if isinstance(made, str):
                return refusal(made, f"nudge refused: {made}")
            return Outcome().say(texts.NUDGE_SENT.format(count=len(made_recipients(s, made.id or 0))))
        return refusal(texts.STALE_BUTTON, f"unknown coordination op {op.op}")

    def pending_text(self, s: Session, user: User, step: str, assessment_id: int, task_no: int, criterion: int, text: str) -> Outcome:
        """Typed text a coordination step was waiting for (a rectification note or a comment)."""
        text = text.strip()[:1000]
        pause(s, user.id)
        if not text:
            return Outcome().say(texts.RECT_EMPTY)
        if step == "asm_comment":
            person = self.coordinator(s, user, "asm_return")
            if isinstance(person, Outcome):
                return person
            a = s.get(Assessment, assessment_id)
            if a is None or a.status != "submitted":
                return Outcome().say(texts.ASM_NOT_SUBMITTED)
            a.status, a.submitted_at, a.submitted_by, a.return_comment = "open", None, None, text
            s.add(a)
            table = texts.TABLE_LABEL[a.table_key]
            self.audit(s, user.id, user.name, "assessment.return", f"{a.id} {a.unit} {a.table_key}: {text}")
            out = Outcome().say(texts.ASM_RETURNED.format(unit=a.unit, table=table))
            for uid in self._unit_users(s, a.unit):
                out.notices.append(_notice(uid, texts.ASM_NOTICE_RETURNED.format(unit=a.unit, table=table, comment=text), [[Button("继续自评", AssessmentOp(a.id or 0, "score"))]]))
            return out
        item = self._item(s, CoordOp("item_done", assessment_id, task_no, criterion))
        if item is None:
            return refusal(texts.STALE_BUTTON, f"item vanished {assessment_id} {task_no} {criterion}")
        if step == "rect_note":
            person = self.sc.binding(s, user)
            if person is None or person.unit != item.unit:
                return refusal(texts.SCORE_WRONG_UNIT, f"user {user.id} reported item of {item.unit}")
            if item.state not in ("open", "returned"):
                return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
            self._set_item(s, item, "reported", user.name, note=text)
            out = Outcome().say(texts.RECT_REPORTED.format(no=item.task_no, i=item.criterion + 1))
            for uid in self.coordinators(s):
                out.notices.append(
                    _notice(
                        uid,
                        texts.RECT_NOTICE_REPORTED.format(unit=item.unit, no=item.task_no, i=item.criterion + 1, note=text),
                        [[Button(texts.RECT_CLOSE, CoordOp("item_close", item.assessment_id, item.task_no, item.criterion)), Button(texts.RECT_RETURN, CoordOp("item_return", item.assessment_id, item.task_no, item.criterion))]],
                    )
                )
            return out
        # item_comment: a coordinator sends the item back
        person = self.coordinator(s, user, "item_return")
        if isinstance(person, Outcome):
            return person
        if item.state != "reported":
            return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
        self._set_item(s, item, "returned", user.name, comment=text)
        self.audit(s, user.id, user.name, "rectification.return", f"{item.unit} {item.table_key} {item.task_no}.{item.criterion + 1}: {text}")
        out = Outcome().say(texts.RECT_RETURNED.format(unit=item.unit, no=item.task_no, i=item.criterion + 1))
        for uid in self._unit_users(s, item.unit):
            out.notices.append(_notice(uid, texts.RECT_NOTICE_RETURNED.format(no=item.task_no, i=item.criterion + 1, comment=text)))
        return out

    def _self_check_due(self, s: Session) -> str:
        for p in self.phases(s):
            for d in p.deliverables:
                if d.key == "self_check_report":
                    return _d(d.due)
        return "规定时间"

    def nudge_unsubmitted(self, s: Session, user: User | None) -> Outcome:
        if user is not None:
            person = self.coordinator(s, user, "nudge_unsubmitted")
            if isinstance(person, Outcome):
                return person
        made = self.create_broadcast(s, user, "not-submitted", texts.NUDGE_UNSUBMITTED_TEXT.format(due=self._self_check_due(s)), kind="nudge")
        if isinstance(made, str):
            return refusal(made, f"nudge refused: {made}")
        return Outcome().say(texts.NUDGE_SENT.format(count=len(made_recipients(s, made.id or 0))))

    # --- progress and the digest -------------------------------------------------

    def progress_data(self, s: Session):
        """Per unit and table: users, answered criteria, submission, score; and the tasks with
        the lowest average score across units."""
        from bot.files.progress import TaskAverage, UnitProgress

        people = s.exec(select(Person).where(Person.active == True, Person.role != "coordinator")).all()  # noqa: E712
        users: dict[tuple[str, str], int] = {}
        for p in people:
            key = (p.unit, self._table_of(p) or "")
            users[key] = users.get(key, 0) + 1
        rows = []
        sums: dict[tuple[str, int], list[float]] = {}
        for a in s.exec(select(Assessment).where(Assessment.round == self.round).order_by(Assessment.unit)).all():
            snap = self.sc.snapshot(s, a, full=False)
            rows.append(
                UnitProgress(
                    unit=a.unit,
                    table=a.table_key,
                    users=users.pop((a.unit, a.table_key), 0),
                    answered=snap.criteria_done,
                    total=snap.criteria_total,
                    submitted_at=a.submitted_at,
                    score=snap.total,
                )
            )
            for task in snap.table.tasks:
                if snap.task_done(task):
                    sums.setdefault((a.table_key, task.no), []).append(snap.task_score(task))
        for (unit, table), n in sorted(users.items()):
            if table:
                total = sum(len(t.criteria) for t in self.rubric.tables[table].tasks)  # type: ignore[index]
                rows.append(UnitProgress(unit=unit, table=table, users=n, answered=0, total=total, submitted_at=None, score=0))
        lowest = []
        for (table, no), scores in sums.items():
            task = self.rubric.tables[table].task(no)  # type: ignore[index]
            assert task is not None
            lowest.append(TaskAverage(table=table, no=no, title=task.title, average=sum(scores) / len(scores), points=task.points, units=len(scores)))
        lowest.sort(key=lambda t: (t.average / t.points, t.table, t.no))
        return rows, lowest[:5]

    def progress(self, s: Session, user: User | None, files: bool = True) -> Outcome:
        """/progress: the table in text, the chart as a PNG and the same as an .xlsx."""
        if user is not None:
            person = self.coordinator(s, user, "/progress")
            if isinstance(person, Outcome):
                return person
        from bot.common.reply import OutFile
        from bot.files.progress import progress_chart_png, progress_xlsx

        rows, lowest = self.progress_data(s)
        if not rows:
            return Outcome().say(texts.PROGRESS_NONE)
        doc = Doc().bold(texts.PROGRESS_TITLE.format(round=self.round))
        buttons = []
        assessments = {(a.unit, a.table_key): a.id for a in s.exec(select(Assessment).where(Assessment.round == self.round)).all()}
        for r in rows:
            status = texts.PROGRESS_SUBMITTED.format(at=self._local(r.submitted_at)) if r.submitted_at else texts.PROGRESS_OPEN
            mark = "✅" if r.submitted_at else ("🟡" if r.answered else "⬜")
            doc.add(
                texts.PROGRESS_LINE.format(
                    mark=mark, unit=r.unit, table=texts.TABLE_LABEL.get(r.table, r.table), users=r.users,
                    answered=r.answered, total=r.total, status=status, score=fmt_points(r.score),
                )
            )
            aid = assessments.get((r.unit, r.table))
            if aid:
                buttons.append(Button(f"{r.unit}{texts.TABLE_LABEL.get(r.table, '')[:2]}", CoordOp("asm_view", aid)))
        if lowest:
            doc.blank().bold(texts.PROGRESS_LOWEST)
            for t in lowest:
                doc.add(texts.PROGRESS_LOWEST_LINE.format(table=texts.TABLE_LABEL[t.table], no=t.no, title=t.title, average=f"{t.average:.1f}", points=fmt_points(t.points), units=t.units))
        rows_of_buttons = [buttons[i : i + 3] for i in range(0, min(len(buttons), 30), 3)]
        rows_of_buttons.append([Button(texts.DIGEST_NUDGE_UNSUBMITTED, CoordOp("nudge_unsubmitted", 0))])
        out = Outcome(replies=[Answer(Intent.help, doc, buttons=rows_of_buttons)])
        if files:
            now = self.clock().astimezone(self.tz)
            chart = progress_chart_png(rows, lowest, texts.PROGRESS_TITLE.format(round=self.round).rstrip("："))
            caption = "\n".join(chart.legend)[:1000] or texts.PROGRESS_CHART
            out.files.append(OutFile(f"进度图-{now:%Y%m%d}.png", chart.png, caption))
            out.files.append(OutFile(f"进度表-{now:%Y%m%d}.xlsx", progress_xlsx(rows, lowest, now), texts.PROGRESS_XLSX))
        return out

    def digest(self, s: Session) -> Answer | None:
        """The 09:00 digest for coordinators: overdue items, units not submitted, notices not
        acknowledged, each with a one-tap nudge."""
        today = self._today()
        rows, _ = self.progress_data(s)
        unsubmitted = sorted({r.unit for r in rows if r.submitted_at is None})
        overdue = [i for i in self.rect_items(s) if i.state in ("open", "returned") and i.deadline and i.deadline < today]
        recent = s.exec(select(Broadcast).where(Broadcast.status == "done", Broadcast.kind == "notice").order_by(Broadcast.id.desc()).limit(5)).all()
        pending = {b.id: self.unacknowledged_units(s, b.id or 0) for b in recent}  # one query per notice
        unacked = [f"#{b.id}（{len(pending[b.id])}个单位）" for b in recent if pending[b.id]]
        doc = Doc().bold(texts.DIGEST_TITLE.format(date=_d(today)))
        buttons: list[list[Button]] = []
        if unsubmitted:
            doc.add(texts.DIGEST_UNSUBMITTED.format(count=len(unsubmitted), units="、".join(unsubmitted)))
            buttons.append([Button(texts.DIGEST_NUDGE_UNSUBMITTED, CoordOp("nudge_unsubmitted", 0))])
        if overdue:
            doc.add(texts.DIGEST_OVERDUE.format(count=len(overdue)))
            for i in overdue[:20]:
                doc.add(texts.DIGEST_OVERDUE_LINE.format(unit=i.unit, no=i.task_no, i=i.criterion + 1, deadline=_d(i.deadline)))
            seen = []
            for i in overdue:
                if i.assessment_id not in seen:
                    seen.append(i.assessment_id)
                    buttons.append([Button(texts.DIGEST_NUDGE_UNIT.format(unit=i.unit), CoordOp("nudge_unit", i.assessment_id))])
        if unacked:
            doc.add(texts.DIGEST_UNACKED.format(items="、".join(unacked)))
            for b in recent:
                if pending[b.id]:
                    buttons.append([Button(f"{texts.BC_NUDGE} #{b.id}", CoordOp("bc_nudge", b.id or 0))])
        if not (unsubmitted or overdue or unacked):
            doc.add(texts.DIGEST_ALL_CLEAR)
        return Answer(Intent.help, doc, buttons=buttons[:10])

    def audit_log(self, s: Session, limit: int = 50) -> list[AuditEntry]:
        return list(s.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all())


def made_recipients(s: Session, broadcast_id: int) -> list[BroadcastRecipient]:
    return list(s.exec(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)).all())


def _notice(user_id: int, text: str, buttons: list[list[Button]] | None = None):
    from bot.common.reply import Notice

    return Notice(user_id, Answer(Intent.help, Doc().add(text), buttons=buttons or []))


def _d(d: dt.date | None) -> str:
    return month_day(d) if d else "—"
