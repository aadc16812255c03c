"""The coordinators' side put together: this round's calendar, broadcasts and
acknowledgements, reminders, the rectification loop, review (退回修改), progress and the digest.

Like self-scoring these are plain functions over a database session that check the acting
user's binding and return Outcomes; sending happens elsewhere (bot/delivery/dispatch.py).
Every coordinator action is written to the audit log with who, when and what. The features
live in their own modules (calendar, audiences, broadcasts, broadcast_pages, reminders,
rectification, review, progress, digest, pending); this object wires them to one SelfCheck
and routes the coordination buttons. See handlers/coordinate.mmd for the states.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordAction, CoordOp
from bot.common.errors import Refusal
from bot.common.reply import Answer, Outcome, User
from bot.common.states import PendingKind, Role
from bot.coordination.audiences import AudienceError, Audiences
from bot.coordination.broadcast_pages import BroadcastPages
from bot.coordination.broadcasts import Broadcasts, html_problem, made_recipients, visible_length
from bot.coordination.outbox import CopyCounts
from bot.coordination.calendar import Calendar
from bot.coordination.calendar_requests import CONFIRM_OPS, CalendarRequests
from bot.coordination.context import CoordinationContext
from bot.coordination.digest import Digest
from bot.coordination.members import Members
from bot.coordination.pending import PendingInputs
from bot.coordination.progress import Progress
from bot.coordination.rectification import Rectification, RectItem
from bot.coordination.rectification_report import RectificationReports
from bot.coordination.reminders import ReminderCopy, Reminders
from bot.coordination.review import SendBack
from bot.scoring.membership import Binding
from bot.scoring.selfcheck import SelfCheck
from bot.storage.models import AuditEntry, Broadcast
from bot.rounds import RoundCalendars
from scheduler.calendar import PhaseWindow, RoundCalendar
from scheduler.plan import Occurrence

__all__ = ["AudienceError", "Coordination", "RectItem", "html_problem", "made_recipients", "visible_length"]


class Coordination:
    """Coordinator services for one SelfCheck (rubric, clock, round, admins)."""

    def __init__(
        self,
        selfcheck: SelfCheck,
        rules_path: Path | None = None,
        campaign_file: Path | None = None,
        grace: dt.timedelta = dt.timedelta(hours=12),
    ) -> None:
        self.ctx = CoordinationContext(selfcheck)
        self.sc = selfcheck
        self.rubric, self.clock, self.tz, self.round = selfcheck.rubric, selfcheck.clock, selfcheck.tz, selfcheck.round
        self.pending = PendingInputs(self.ctx)
        self.cal = Calendar(self.ctx, campaign_file)
        self.calendar_requests = CalendarRequests(self.ctx, self.cal)
        self.rectification = Rectification(self.ctx, self.pending)
        self.audiences = Audiences(self.ctx, self.rectification)
        self.notices = Broadcasts(self.ctx, self.audiences)
        self.pages = BroadcastPages(self.ctx, self.notices)
        self.reminders = Reminders(self.ctx, self.cal, self.audiences, rules_path, grace)
        self.send_back = SendBack(self.ctx, self.pending)
        self.progress_report = Progress(self.ctx)
        self.digests = Digest(self.ctx, self.cal, self.rectification, self.notices, self.progress_report, self.reminders)
        self.members = Members(self.ctx)
        self.reports = RectificationReports(self.ctx, self.rectification)
        self.reminders.reports = self.reports

    # --- shared ------------------------------------------------------------------------

    @property
    def campaign_file(self) -> Path | None:
        return self.cal.campaign_file

    @property
    def grace(self) -> dt.timedelta:
        return self.reminders.grace

    def coordinator(self, s: Session, user: User, what: str) -> Binding:
        return self.ctx.coordinator(s, user, what)

    def audit(self, s: Session, actor_id: int | None, actor: str, action: str, detail: str) -> None:
        self.ctx.audit(s, actor_id, actor, action, detail)

    def audit_log(self, s: Session, limit: int = 50) -> list[AuditEntry]:
        return list(s.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all())

    def local(self, at: dt.datetime | None) -> str:
        return self.ctx.local(at)

    def coordinators(self, s: Session) -> list[int]:
        return self.sc.coordinators(s)

    # --- calendar, audiences -----------------------------------------------------------

    def overrides(self, s: Session) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        return self.cal.overrides(s)

    def phases(self, s: Session) -> list[PhaseWindow]:
        return self.cal.phases(s)

    def calendar(self, s: Session) -> Answer:
        return self.cal.calendar(s)

    def set_phase(self, s: Session, actor: User | None, phase: str, start: dt.date | None, end: dt.date | None) -> Outcome:
        return self._say_passed(s, self.cal.set_phase(s, actor, phase, start, end), [phase])

    def shift(self, s: Session, actor: User | None, start: dt.date) -> Outcome:
        """Move the whole calendar so the first phase starts on ``start`` (the notice's spacing kept)."""
        return self._say_passed(s, self.cal.shift(s, actor, start), [p.key for p in self.ctx.rubric.campaign.phases])

    def _say_passed(self, s: Session, out: Outcome, phases: list[str]) -> Outcome:
        """After a change of dates: the reminders whose moment is already past, which will not be
        sent, said before the calendar (a refusal is raised, so nothing changed never gets here)."""
        passed = self.reminders.passed(s, phases, self.ctx.clock())
        if passed:
            out.replies.insert(max(0, len(out.replies) - 1), self.reminders.passed_note(passed))
        return out

    @property
    def calendars(self) -> RoundCalendars:
        """This process's one provider of this round's calendar (shared with self-scoring)."""
        return self.cal.calendars

    def round_calendar(self, s: Session) -> RoundCalendar:
        """This round's calendar: what every answer, reminder and file says."""
        return self.cal.round_calendar(s)

    def campaign_command(self, s: Session, user: User, args: str) -> Outcome:
        """`/campaign [阶段|全部] [日期…]`, typed in Telegram or the terminal."""
        return self.calendar_requests.command(s, user, args)

    def campaign_request(self, s: Session, actor: User | None, phase: str, dates: list[str], confirmed: bool = False) -> Outcome:
        """A phase (or 全部) and dates as typed, from the command line (``actor`` None)."""
        return self.calendar_requests.request(s, actor, phase, dates, confirmed)

    def recipients(self, s: Session, spec: str) -> list[tuple[int, str]]:
        return self.audiences.recipients(s, spec)

    # --- broadcasts ----------------------------------------------------------------------

    def validate_notice(self, text: str, has_file: bool = False) -> str | None:
        return self.notices.validate_notice(text, has_file)

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
        return self.notices.create(s, actor, audience, text, send_at, file_id, file_name, status, kind, parent_id, recipients)

    def draft(self, s: Session, user: User, args: str, file_id: str | None = None, file_name: str | None = None) -> Outcome:
        return self.notices.draft(s, user, args, file_id, file_name)

    def confirm(self, s: Session, user: User, broadcast_id: int, when: str) -> Outcome:
        return self.notices.confirm(s, user, broadcast_id, when)

    def ack(self, s: Session, user: User, broadcast_id: int) -> str:
        return self.notices.ack(s, user, broadcast_id)

    def acknowledge(self, s: Session, user: User, broadcast_id: int) -> Outcome:
        return self.notices.acknowledge(s, user, broadcast_id)

    def due_broadcasts(self, s: Session, now: dt.datetime) -> list[int]:
        return self.notices.due(s, now)

    def broadcast_counts(self, s: Session, broadcast_id: int) -> CopyCounts:
        return self.notices.counts(s, broadcast_id)

    def unacknowledged_units(self, s: Session, broadcast_id: int) -> list[str]:
        return self.notices.unacknowledged_units(s, broadcast_id)

    def broadcasts(self, s: Session, user: User) -> Outcome:
        return self.pages.recent(s, user)

    def broadcast_page(self, s: Session, user: User, broadcast_id: int) -> Outcome:
        return self.pages.broadcast_page(s, user, broadcast_id)

    def page(self, s: Session, b: Broadcast) -> Answer:
        return self.pages.page(s, b)

    def nudge_broadcast(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        return self.pages.nudge(s, user, broadcast_id)

    def resend_question(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        """How many copies of a notice are unknown, and the warning that some may arrive twice."""
        return self.pages.resend_ask(s, user, broadcast_id)

    def resend_unknown(self, s: Session, user: User | None, broadcast_id: int) -> Outcome:
        """Queue a notice's copies whose fate is unknown again (after the warning)."""
        return self.pages.resend(s, user, broadcast_id)

    # --- reminders -----------------------------------------------------------------------

    def plan(self, s: Session) -> list[Occurrence]:
        return self.reminders.plan(s)

    def reminder_recipients(self, s: Session, occurrence: Occurrence) -> list[tuple[int, str]]:
        return self.reminders.recipients(s, occurrence)

    def due_reminders(self, s: Session, now: dt.datetime) -> tuple[list[ReminderCopy], list[Occurrence]]:
        """The reminder copies to try now (each claimed by its request), and those missed."""
        return self.reminders.due(s, now)

    def missed_report(self, missed: list[Occurrence]) -> Answer:
        return self.reminders.missed_report(missed)

    # --- rectification, progress, digest -------------------------------------------------

    def rect_items(self, s: Session, unit: str | None = None) -> list[RectItem]:
        return self.rectification.items(s, unit)

    def rectify(self, s: Session, user: User, unit: str | None = None) -> Outcome:
        """/rectify; a unit's own page ends with its 整改报告 buttons."""
        out = self.rectification.rectify(s, user, unit)
        person = self.sc.binding(s, user)
        if out.replies and person is not None and person.role not in ("coordinator", "inspector"):
            out.replies[-1].buttons.append(self.reports.buttons())
        return out

    def standing(self, s: Session, user: User) -> Answer | None:
        """Where a bound user stands (for /start): self-scoring's view of their unit, with the
        rectification items it still owes; None for a user who is not bound."""
        person = self.sc.binding(s, user)
        owed = self.rectification.owed(s, person.unit) if person is not None and person.role != Role.coordinator else None
        return self.sc.standing(s, user, owed)

    def progress_data(self, s: Session):
        return self.progress_report.data(s)

    def progress(self, s: Session, user: User | None, files: bool = True) -> Outcome:
        return self.progress_report.progress(s, user, files)

    def digest(self, s: Session) -> Answer | None:
        return self.digests.digest(s)

    def nudge_unsubmitted(self, s: Session, user: User | None) -> Outcome:
        return self.digests.nudge_unsubmitted(s, user)

    # --- buttons and typed text ----------------------------------------------------------

    def op(self, s: Session, user: User, op: CoordOp) -> Outcome:
        """Every coordination button, authorised by the presser's binding."""
        A = CoordAction
        if op.op in (A.bc_send, A.bc_morning, A.bc_cancel):
            return self.confirm(s, user, op.id, {A.bc_send: "now", A.bc_morning: "morning", A.bc_cancel: "cancel"}[CoordAction(op.op)])
        if op.op == A.bc_page:
            return self.broadcast_page(s, user, op.id)
        if op.op == A.bc_nudge:
            return self.nudge_broadcast(s, user, op.id)
        if op.op == A.bc_resend:
            return self.resend_question(s, user, op.id)
        if op.op == A.bc_resend_ok:
            return self.resend_unknown(s, user, op.id)
        if op.op == A.progress:
            return self.progress(s, user)
        if op.op == A.nudge_unsubmitted:
            return self.nudge_unsubmitted(s, user)
        if op.op in CONFIRM_OPS:
            return self.calendar_requests.op(s, user, op)
        if op.op == A.ev_remove:  # scoring decides who may take a file back
            return self.sc.remove_evidence(s, user, op.id)
        if op.op in (A.rr_file, A.rr_submit, A.rr_confirm):
            return self.reports.op(s, user, op)
        if op.op in (A.item_done, A.fb_done):
            return self.rectification.report(s, user, op)
        self.coordinator(s, user, op.op)
        if op.op in (A.item_close, A.item_return, A.fb_close, A.fb_return, A.item_reopen, A.fb_reopen):
            return self.rectification.decide(s, user, op)
        if op.op == A.asm_view:
            return self.send_back.view(s, op.id)
        if op.op == A.asm_return:
            return self.send_back.ask(s, user, op.id)
        if op.op == A.asm_files:
            return self.send_back.files(s, user, op.id)
        if op.op == A.nudge_unit:
            return self.digests.nudge_unit(s, user, op.id)
        raise Refusal(texts.STALE_BUTTON, f"unknown coordination op {op.op}", slip=True)

    def text(self, s: Session, user: User, text: str) -> Outcome | None:
        """Typed text a coordination step is waiting for (a rectification note or a comment);
        None when none is (the text is then self-scoring's, or a question)."""
        pending = self.pending.waiting(s, user.id)
        if pending is None:
            return None
        self.pending.done(s, user.id)
        if pending.kind == PendingKind.rect_files:  # only files were welcome: the text is a question
            return None
        text = text.strip()[:1000]
        if not text:
            return Outcome().say(texts.RECT_EMPTY)
        if pending.kind == PendingKind.asm_comment:
            return self.send_back.comment(s, user, pending, text)
        return self.rectification.pending_text(s, user, pending, text)

    def evidence_target(self, s: Session, user: User) -> tuple[int, int, int] | None:
        """The item (assessment, task, criterion) a unit is reporting done, if it is: files it
        sends now are that item's evidence, even after submission."""
        pending = self.pending.waiting(s, user.id)
        if pending is None or pending.kind not in (PendingKind.rect_note, PendingKind.rect_files):
            return None
        return self.rectification.evidence_target(s, pending)
