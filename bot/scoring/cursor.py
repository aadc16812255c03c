"""Where each user is in the self-scoring conversation: one ``scoring_cursors`` row per user,
written the moment it changes, so a bot killed at any moment continues at the same question."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from bot.common.states import Step
from bot.scoring.scores import CriterionKey
from bot.storage.db import upsert
from bot.storage.models import ScoringCursor
from bot.storage.prepared import Prepared



@dataclass(frozen=True)
class CursorRow:
    assessment_id: int
    task_no: int
    criterion: int
    step: str


_CURSOR = Prepared(
    select(ScoringCursor.assessment_id, ScoringCursor.task_no, ScoringCursor.criterion, ScoringCursor.step).where(
        ScoringCursor.user_id == bindparam("user_id")
    )
)


def read_cursor(s: Session, user_id: int) -> CursorRow | None:
    row = _CURSOR.first(s, user_id=user_id)
    return CursorRow(*row) if row else None


def move_cursor(s: Session, user_id: int, assessment_id: int, key: CriterionKey, step: Step, now: dt.datetime) -> None:
    """Write where the user now is: the next message continues from here, even after a crash."""
    upsert(
        s,
        ScoringCursor,
        {"user_id": user_id},
        assessment_id=assessment_id,
        task_no=key[0],
        criterion=key[1],
        step=step,
        updated_at=now,
    )


def pause(s: Session, user_id: int) -> None:
    """The user leaves the conversation: typed text is a question again."""
    s.exec(update(ScoringCursor).where(ScoringCursor.user_id == user_id).values(step=Step.paused))  # type: ignore[call-overload]


def pause_assessment(s: Session, assessment_id: int) -> None:
    """Everyone scoring this assessment leaves the conversation (it was submitted)."""
    s.exec(update(ScoringCursor).where(ScoringCursor.assessment_id == assessment_id).values(step=Step.paused))  # type: ignore[call-overload]


def step_aside(s: Session, user_id: int) -> None:
    """The user's next typed text belongs to another feature (a coordination input): the
    cursor keeps its place but stops asking."""
    s.exec(update(ScoringCursor).where(ScoringCursor.user_id == user_id).values(step=Step.away))  # type: ignore[call-overload]


def stepped_aside(s: Session, user_id: int) -> bool:
    """True unless the user is in the scoring conversation or has paused it since stepping aside."""
    cursor = read_cursor(s, user_id)
    return cursor is None or cursor.step == Step.away
