"""The log of questions to learn from (table ``asked_questions``).

What is kept: the question's text (as read, at most 300 characters), when it was asked, the
asker's role (party, government, …; none when unbound) and how it went — never who asked.
Refused questions and answers given with little confidence are kept until coordinators have
read them; an answer that offers 有帮助/没帮助 is kept a week so a press can reach it, then
dropped unless it was marked 没帮助.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.common.callbacks import Feedback
from bot.common.reply import Answer, Button, Intent
from bot.qa import texts as qt
from bot.storage.models import AskedQuestion

MAX_TEXT = 300
KEEP_ANSWERED = dt.timedelta(days=7)
PRUNE_EVERY = 50  # rows: the week-old answered questions are dropped every so many questions


class QuestionStatus(StrEnum):
    """How a kept question went; the strings are what the table stores."""

    refused = "refused"  # answered 抱歉，这个问题我暂时回答不了
    low = "low"  # answered, with little to go on, or by asking which was meant
    answered = "answered"  # answered, with 有帮助/没帮助 under it (kept a week)
    helpful = "helpful"  # marked 有帮助
    unhelpful = "unhelpful"  # marked 没帮助


TO_LEARN = (QuestionStatus.refused, QuestionStatus.low, QuestionStatus.unhelpful)
OPEN_FOR_FEEDBACK = (QuestionStatus.answered, QuestionStatus.low)


def status_of(question: str, answer: Answer) -> QuestionStatus | None:
    """Whether (and as what) a question is kept; None for the ones there is nothing to learn from."""
    if not any(ch.isalnum() for ch in question):
        return None  # empty, or emoji only: told how to ask, nothing to learn
    if answer.intent is Intent.out_of_scope:
        return QuestionStatus.refused
    if answer.unsure:
        return QuestionStatus.low
    if answer.feedback:
        return QuestionStatus.answered
    return None


class QuestionLog:
    """Keeps and lists questions; every call runs in the caller's session."""

    def remember(self, s: Session, question: str, answer: Answer, role: str | None, now: dt.datetime) -> int | None:
        """Keep the question if there is something to learn from it; its id, or None."""
        status = status_of(question, answer)
        if status is None:
            return None
        row = AskedQuestion(
            text=question.strip()[:MAX_TEXT],
            asked_at=now,
            role=role,
            status=status.value,
            intent=answer.intent.value,
            topic=(answer.topic or "")[:64] or None,
        )
        s.add(row)
        s.flush()
        assert row.id is not None
        if row.id % PRUNE_EVERY == 0:
            self.prune(s, now)
        return row.id

    @staticmethod
    def with_feedback(answer: Answer, question_id: int) -> Answer:
        """The answer with 有帮助/没帮助 under it, if it offers them."""
        if answer.feedback or answer.unsure:
            answer.buttons = [
                *answer.buttons,
                [Button(qt.HELPFUL, Feedback(question_id, True)), Button(qt.UNHELPFUL, Feedback(question_id, False))],
            ]
        return answer

    def mark(self, s: Session, question_id: int, helpful: bool) -> str:
        """A press of 有帮助/没帮助: the short notice shown on the button."""
        row = s.get(AskedQuestion, question_id)
        if row is None or row.status not in OPEN_FOR_FEEDBACK:
            return qt.FEEDBACK_STALE
        row.status = (QuestionStatus.helpful if helpful else QuestionStatus.unhelpful).value
        s.add(row)
        return qt.THANKS_HELPFUL if helpful else qt.THANKS_UNHELPFUL

    def prune(self, s: Session, now: dt.datetime) -> None:
        """Drop answered questions older than a week that nobody marked 没帮助."""
        s.exec(  # type: ignore[call-overload]
            delete(AskedQuestion).where(
                col(AskedQuestion.status).in_([QuestionStatus.answered.value, QuestionStatus.helpful.value]),
                col(AskedQuestion.asked_at) < now - KEEP_ANSWERED,
            )
        )

    def to_learn(self, s: Session, since: dt.datetime | None = None) -> list[AskedQuestion]:
        """Refused, unsure and 没帮助 questions, newest first."""
        query = select(AskedQuestion).where(col(AskedQuestion.status).in_([st.value for st in TO_LEARN]))
        if since is not None:
            query = query.where(col(AskedQuestion.asked_at) >= since)
        return list(s.exec(query.order_by(col(AskedQuestion.asked_at).desc(), col(AskedQuestion.id).desc())).all())


def listing(rows: list[AskedQuestion], since: str, tz: dt.tzinfo, role_names: dict[str, str]) -> list[str]:
    """What ``ducha questions unanswered`` prints: one line a question (the same words asked
    again are counted, newest time shown), then how to teach the engine those words."""
    if not rows:
        return [qt.UNANSWERED_EMPTY]
    seen: dict[tuple[str, str], list[AskedQuestion]] = {}
    for row in rows:
        seen.setdefault((row.status, row.text), []).append(row)
    lines = [qt.UNANSWERED_TITLE.format(since=since, count=len(rows))]
    for (status, text), same in seen.items():
        newest = same[0]
        at = newest.asked_at.replace(tzinfo=newest.asked_at.tzinfo or dt.timezone.utc).astimezone(tz)
        roles = "、".join(dict.fromkeys(role_names.get(r.role or "", r.role or "") or qt.ROLE_NONE for r in same))
        times = qt.UNANSWERED_TIMES.format(n=len(same)) if len(same) > 1 else ""
        lines.append(
            qt.UNANSWERED_LINE.format(
                at=f"{at:%Y-%m-%d %H:%M}", status=qt.STATUS_NAMES.get(status, status), role=roles, text=text
            )
            + times
        )
    lines += ["", qt.UNANSWERED_HINT]
    return lines
