"""Typed text a coordination step waits for, one row per user in ``coordinator_pending``.

Asking for the text makes the user's scoring cursor step aside; anything the user then does in
the scoring conversation takes the next typed text back. ``waiting`` is what the core's text
router (bot/inputs.py) asks before giving the text to self-scoring."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session

from bot.common.states import PendingKind
from bot.coordination.context import CoordinationContext
from bot.scoring.cursor import pause, step_aside, stepped_aside
from bot.storage.db import upsert
from bot.storage.models import CoordinatorPending


@dataclass(frozen=True)
class Pending:
    kind: PendingKind
    assessment_id: int | None
    task_no: int
    criterion: int
    item_id: int | None = None  # a rectification_items row (督察反馈) instead of a self-check item


class PendingInputs:
    def __init__(self, ctx: CoordinationContext) -> None:
        self.ctx = ctx

    def ask(
        self, s: Session, user_id: int, kind: PendingKind, assessment_id: int | None, task_no: int = 0, criterion: int = 0,
        item_id: int | None = None,
    ) -> None:
        """The user's next typed text answers ``kind`` about this assessment (and item), or
        about the rectification_items row ``item_id``."""
        upsert(
            s,
            CoordinatorPending,
            {"user_id": user_id},
            kind=kind.value,
            assessment_id=assessment_id,
            task_no=task_no,
            criterion=criterion,
            item_id=item_id,
            created_at=self.ctx.clock(),
        )
        step_aside(s, user_id)

    def waiting(self, s: Session, user_id: int) -> Pending | None:
        """What the user's next typed text answers, if coordination is waiting for it."""
        row = s.get(CoordinatorPending, user_id)
        if row is None or not stepped_aside(s, user_id):
            return None
        return Pending(PendingKind(row.kind), row.assessment_id, row.task_no, row.criterion, row.item_id)

    def done(self, s: Session, user_id: int) -> None:
        """The text arrived: nothing is waiting any more, and typed text is a question again."""
        s.exec(delete(CoordinatorPending).where(CoordinatorPending.user_id == user_id))  # type: ignore[call-overload]
        pause(s, user_id)
