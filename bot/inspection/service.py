"""The field-inspection feature's one entry point for every shell.

``InspectionService`` wires the parts (access, groups, listing, the conversation, submit /
reopen / release, reports and ranking) over one shared context, and exposes each command
and button action as a plain function ``(session, user, …) -> Outcome``. Refusals are
raised as ``bot.common.errors.Refusal``; the shell's runner replies and audits them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from bot.common.callbacks import InspectLevel, InspectNav, InspectOp
from bot.common.errors import Refusal
from bot.common.reply import Clock, Outcome, User, utc_now
from bot.common.rubric import Rubric
from bot.inspection import texts
from bot.inspection.access import Access, is_inspector
from bot.inspection.context import CalendarSource, Context
from bot.inspection.conversation import Conversation
from bot.inspection.groups import GroupAdmin
from bot.inspection.lifecycle import Lifecycle
from bot.inspection.listing import Listing
from bot.inspection.outputs import Outputs
from bot.inspection.states import TABLE_KEYS
from bot.inspection.views import Views
from bot.storage.models import Invite


class InspectionService:
    def __init__(
        self,
        rubric: Rubric,
        clock: Clock = utc_now,
        admin_ids: frozenset[int] = frozenset(),
        round_: str | None = None,
        calendars: CalendarSource | None = None,
    ) -> None:
        self.ctx = Context(rubric, round_ or str(rubric.campaign.year), clock, admin_ids, calendars)
        self.access = Access(self.ctx)
        self.views = Views(self.ctx)
        self.groups = GroupAdmin(self.ctx, self.access)
        self.listing = Listing(self.ctx, self.access)
        self.conversation = Conversation(self.ctx, self.access, self.views)
        self.lifecycle = Lifecycle(self.ctx, self.access, self.conversation)
        self.outputs = Outputs(self.ctx, self.access, self.conversation)

    @classmethod
    def beside(cls, selfcheck) -> InspectionService:
        """The service for the same rubric, round, admins, clock and calendar as a SelfCheck
        (the clock is read through it, so a command line that fixes the time fixes it here too)."""
        calendars = getattr(selfcheck, "calendars", None)
        return cls(selfcheck.rubric, lambda: selfcheck.clock(), selfcheck.admin_ids, selfcheck.round, calendars.get if calendars else None)

    @property
    def round(self) -> str:
        return self.ctx.round

    # --- commands --------------------------------------------------------------------------

    def inspect(self, s: Session, user: User) -> Outcome:
        """/inspect."""
        return self.listing.listing(s, user)

    def summary(self, s: Session, user: User) -> Outcome:
        """/summary for an inspector: the inspection they are working on."""
        current = self.conversation.current(s, user)
        if current is None:
            return self.listing.listing(s, user)
        viewer, insp = current
        return Outcome(replies=[self.conversation.summary_answer(s, insp, viewer)])

    def submit(self, s: Session, user: User) -> Outcome:
        """/submit for an inspector: submit the inspection they are working on."""
        current = self.conversation.current(s, user)
        if current is None:
            return self.listing.listing(s, user)
        return self.lifecycle.ask_submit(s, user, current[1].id or 0)

    def release(self, s: Session, user: User | None, args: str) -> Outcome:
        """/release 华龙区 党委."""
        return self.lifecycle.release_by_name(s, user, args)

    def ranking(self, s: Session, user: User | None, files: bool = True) -> Outcome:
        """/ranking and `ducha ranking`."""
        return self.outputs.ranking(s, user, files)

    def groups_command(self, s: Session, user: User, args: str) -> Outcome:
        """/groups [create|assign|unassign NAME UNITS]."""
        return self.groups.command(s, user, args)

    def report(self, s: Session, unit: str, table_key: str) -> Outcome:
        """`ducha export --report inspection` (the command line is trusted)."""
        return self.outputs.report_by_name(s, unit, table_key)

    def create_invite(self, s: Session, group: str, uses: int = 10, expires: dt.timedelta | None = None, created_by: User | None = None) -> Invite:
        """`ducha invite create --group NAME --role inspector`."""
        return self.groups.invite(s, created_by, group, uses, expires)

    # --- typed text and files --------------------------------------------------------------

    def in_conversation(self, s: Session, user_id: int) -> bool:
        """Whether typed text from this user belongs to the inspection (not a question)."""
        cursor = self.conversation.cursor(s, user_id)
        return cursor is not None and cursor.step != "paused" and is_inspector(s, user_id)

    def text(self, s: Session, user: User, text: str) -> Outcome | None:
        """Typed text an inspection step waits for; None if none does (it is then a question
        or belongs to self-scoring)."""
        return self.conversation.text(s, user, text)

    def evidence(
        self, s: Session, user: User, kind: str, file_id: str, file_unique_id: str, file_name: str, size: int, caption: str | None
    ) -> Outcome | None:
        """An inspector's photo or document; None if the user is no inspector."""
        return self.conversation.evidence(s, user, kind, file_id, file_unique_id, file_name, size, caption)

    def is_inspector(self, s: Session, user_id: int) -> bool:
        return is_inspector(s, user_id)

    # --- buttons ---------------------------------------------------------------------------

    def pick_level(self, s: Session, user: User, action: InspectLevel) -> Outcome:
        return self.conversation.pick_level(s, user, action)

    def navigate(self, s: Session, user: User, action: InspectNav) -> Outcome:
        return self.conversation.navigate(s, user, action)

    def op(self, s: Session, user: User, action: InspectOp) -> Outcome:
        """Every whole-inspection and group button, authorised by the presser's binding."""
        i = action.id
        handlers: dict[str, Callable[[], Outcome]] = {
            "open": lambda: self.conversation.open_unit(s, user, i, action.x),
            "resume": lambda: self.conversation.resume(s, user, i),
            "view": lambda: self._view(s, user, i),
            "review": lambda: self.conversation.review(s, user, i),
            "submit": lambda: self.lifecycle.ask_submit(s, user, i),
            "confirm": lambda: self.lifecycle.confirm(s, user, i),
            "cancel": lambda: Outcome().say(texts.SUBMIT_CANCELLED),
            "reopen": lambda: self.lifecycle.reopen(s, user, i),
            "release": lambda: self.lifecycle.release(s, user, i),
            "report": lambda: self.outputs.report(s, user, i),
            "list": lambda: self.listing.listing(s, user),
            "ranking": lambda: self.outputs.ranking(s, user),
            "invite": lambda: self.groups.invite_reply(s, user, i),
        }
        handler = handlers.get(action.op)
        if handler is None or (action.op == "open" and action.x >= len(TABLE_KEYS)):
            raise Refusal(texts.STALE, f"unknown inspection op {action}", slip=True)
        return handler()

    def _view(self, s: Session, user: User, inspection_id: int) -> Outcome:
        viewer = self.access.viewer(s, user)
        insp = self.access.inspection(s, viewer, inspection_id)
        return Outcome(replies=[self.conversation.summary_answer(s, insp, viewer)])
