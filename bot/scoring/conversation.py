"""The self-scoring conversation: /score, a level pressed or typed, moving between criteria,
the rectification fields of a deduction, and files sent as evidence.

See handlers/score.mmd for its states. The position lives in ``scoring_cursors``
(bot/scoring/cursor.py), so a restart loses nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import Navigate, NavMove, PickLevel
from bot.common.format import clip, fmt_date, fmt_points
from bot.common.errors import Refusal
from bot.common.reply import Answer, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.common.rubric import Task
from bot.common.states import ASKING_STEPS, RECT_STEPS, AssessmentStatus, Role, Step
from bot.scoring.access import Access, pick_table
from bot.scoring.context import ScoringContext
from bot.scoring.cursor import CursorRow, move_cursor, pause, read_cursor
from bot.scoring.membership import Binding, table_of
from bot.scoring.parsing import match_level, parse_deadline
from bot.scoring.scores import AssessmentSnapshot, CriterionKey, Rectification, criterion_fingerprint
from bot.scoring.snapshots import AssessmentRow, assessment_row, snapshot
from bot.scoring.typed import is_clear, is_pause, is_skip, ongoing_deadline, reads_as_question, year_left_out
from bot.scoring.views import Views, rect_value
from bot.storage.db import insert_new
from bot.storage.prepared import Prepared
from bot.storage.models import Assessment, CriterionAnswer, Person

logger = logging.getLogger(__name__)

RECT_COLUMNS = {Step.problem: "problem", Step.measure: "measure", Step.leader: "leader", Step.unit: "resp_unit", Step.person: "resp_person"}
TEXT_LIMITS = {Step.problem: 500, Step.measure: 500, Step.leader: 50, Step.unit: 100, Step.person: 50, Step.deadline: 50}

_RECTIFICATION = select(
    CriterionAnswer.problem, CriterionAnswer.measure, CriterionAnswer.leader, CriterionAnswer.resp_unit,
    CriterionAnswer.resp_person, CriterionAnswer.deadline, CriterionAnswer.deadline_text,
).where(
    CriterionAnswer.assessment_id == bindparam("assessment_id"),
    CriterionAnswer.task_no == bindparam("task_no"),
    CriterionAnswer.criterion == bindparam("criterion"),
)

_REVISE = Prepared(
    update(CriterionAnswer)
    .where(
        CriterionAnswer.assessment_id == bindparam("assessment_id"),
        CriterionAnswer.task_no == bindparam("task_no"),
        CriterionAnswer.criterion == bindparam("criterion"),
        CriterionAnswer.revision == bindparam("rev"),
    )
    .values(
        revision=CriterionAnswer.revision + 1,
        **{c: bindparam(c) for c in ("level", "points", "fingerprint", "answered_by", "answered_by_id", "answered_at")},
    )
)

AnyAssessment = Assessment | AssessmentRow


class Conversation:
    def __init__(self, ctx: ScoringContext, access: Access, views: Views) -> None:
        self.ctx = ctx
        self.access = access
        self.views = views

    def _snapshot(self, s: Session, a: AnyAssessment, full: bool = True) -> AssessmentSnapshot:
        return snapshot(s, self.ctx.rubric, a, full)

    def _move(self, s: Session, user_id: int, a: AnyAssessment, key: CriterionKey, step: Step) -> None:
        move_cursor(s, user_id, a.id or 0, key, step, self.ctx.clock())

    def _rectification(self, s: Session, a: AnyAssessment, key: CriterionKey) -> Rectification:
        """What the answer's rectification item holds now (one row; brief snapshots omit it)."""
        row = s.connection().execute(_RECTIFICATION, {"assessment_id": a.id, "task_no": key[0], "criterion": key[1]}).first()
        if row is None:
            return Rectification()
        return Rectification(row.problem, row.measure, row.leader, row.resp_unit, row.resp_person, row.deadline, row.deadline_text)

    def _prompt(
        self, s: Session, a: AnyAssessment, snap: AssessmentSnapshot, key: CriterionKey, step: Step, intro: bool = False, note: str | None = None
    ) -> Answer:
        """Ask for one rectification field, showing what it holds now."""
        current = rect_value(self._rectification(s, a, key), step)
        return self.views.rect_prompt(snap, key, step, intro=intro, note=note, current=current)

    def pending(self, s: Session, user: User) -> Answer | None:
        """The prompt this user's conversation is waiting on, to show again after a detour
        (a question, /task, /help, /review …); None when nothing is waiting."""
        cursor = read_cursor(s, user.id)
        if cursor is None or cursor.step not in ASKING_STEPS:
            return None
        person = self.access.scoring(s, user)
        a = self.access.usable(s, person, cursor.assessment_id) if person is not None else None
        if a is None:
            return None
        task = self.ctx.rubric.table(a.table_key).task(cursor.task_no)
        if task is None or cursor.criterion >= len(task.criteria):
            return None
        key = (cursor.task_no, cursor.criterion)
        snap = self._snapshot(s, a, full=False)
        if cursor.step == Step.level:
            return self.views.question(snap, key, texts.RESUME_LEVEL, compact=True)
        return self._prompt(s, a, snap, key, Step(cursor.step), note=texts.RESUME_RECT)

    def pending_task(self, s: Session, user: User) -> tuple[str, int] | None:
        """(table, task) of the criterion the conversation waits on, if it waits."""
        cursor = read_cursor(s, user.id)
        if cursor is None or cursor.step not in ASKING_STEPS:
            return None
        a = assessment_row(s, cursor.assessment_id)
        return (a.table_key, cursor.task_no) if a is not None else None

    def start(self, s: Session, user: User, table_key: str | None = None) -> Outcome:
        """/score: resume where this user left off, or begin at the first unanswered criterion."""
        person = self.access.scorer(s, user)
        if person.role == Role.department and table_key in ("party", "government"):
            s.exec(update(Person).where(Person.user_id == user.id).values(table_key=table_key))  # type: ignore[call-overload]
            person = Binding(person.user_id, person.name, person.unit, person.role, table_key, person.active, person.role_source)
        key = table_of(person)
        if key is None:
            return pick_table()
        a = self.access.begin(s, person.unit, key)
        snap = self._snapshot(s, a)
        if a.status == AssessmentStatus.submitted:
            return Outcome(replies=[self.views.summary(snap)])
        # A coordinator's 退回修改 comment leads every resumption until the next submission.
        note = texts.RETURNED_NOTE.format(comment=a.return_comment) if a.return_comment else None
        cursor = read_cursor(s, user.id)
        if cursor and cursor.assessment_id == a.id and cursor.step in ASKING_STEPS:
            if cursor.step in RECT_STEPS:
                return Outcome(replies=[self._prompt(s, a, snap, (cursor.task_no, cursor.criterion), Step(cursor.step), note=note)])
            return Outcome(replies=[self.views.question(snap, (cursor.task_no, cursor.criterion), note)])
        start_at = (cursor.task_no, cursor.criterion) if cursor and cursor.assessment_id == a.id else None
        target = snap.next_unanswered(_before(snap, start_at)) if start_at else snap.next_unanswered()
        if target is None:
            self._move(s, user.id, a, snap.keys()[-1], Step.paused)
            return Outcome(replies=[self.views.done(snap, note)])
        self._move(s, user.id, a, target, Step.level)
        return Outcome(replies=[self.views.question(snap, target, note)])

    def pick_level(self, s: Session, user: User, action: PickLevel) -> Outcome:
        """A level button: record the answer, then ask for the rectification or move on."""
        _, a = self.access.scorer_and(s, user, action.assessment, open_only=True)
        task = self.ctx.rubric.table(a.table_key).task(action.task)
        if task is None or action.criterion >= len(task.criteria) or action.level >= len(task.criteria[action.criterion].levels):
            raise Refusal(texts.STALE_BUTTON, f"user {user.id}: level out of range {action}", slip=True)
        return self._record(s, user, a, task, action.criterion, action.level, action.rev)

    def _record(self, s: Session, user: User, a: AnyAssessment, task: Task, ci: int, level: int, rev: int) -> Outcome:
        criterion = task.criteria[ci]
        chosen = criterion.levels[level]
        now = self.ctx.clock()
        values = dict(
            level=level,
            points=chosen.points,
            fingerprint=criterion_fingerprint(criterion),
            answered_by=user.name,
            answered_by_id=user.id,
            answered_at=now,
        )
        # Compare-and-swap on the revision the button was drawn with (0: unanswered then), in
        # one statement: a colleague's answer or change since makes this press a conflict
        # instead of silently overwriting it.
        if rev == 0:
            conflict = not insert_new(s, CriterionAnswer, assessment_id=a.id, task_no=task.no, criterion=ci, revision=1, **values)
        else:
            conflict = _REVISE.rowcount(s, assessment_id=a.id, task_no=task.no, criterion=ci, rev=rev, **values) != 1
        key = (task.no, ci)
        if conflict:
            s.expire_all()
            snap = self._snapshot(s, a)
            other = snap.answers.get(key)
            out = Outcome(replies=[self.views.question(snap, key)])
            if other is not None:
                label = task.criteria[ci].levels[other.level].label if other.level < len(task.criteria[ci].levels) else "?"
                out.replies.insert(0, Answer(Intent.help, Doc().add(texts.SCORE_CONFLICT.format(by=other.answered_by, label=label))))
            logger.info("conflicting answer on assessment %s %s by %s: shown the colleague's", a.id, key, user.id)
            return out
        snap = self._snapshot(s, a, full=False)
        # One message per answer: the confirmation leads the next question.
        saved = texts.SCORE_SAVED.format(label=chosen.label, points=fmt_points(chosen.points))
        if chosen.points < criterion.points:
            self._move(s, user.id, a, key, Step.problem)
            return Outcome(replies=[self._prompt(s, a, snap, key, Step.problem, intro=True, note=saved)])
        return self._advance(s, user, a, snap, key, saved)

    def _advance(
        self, s: Session, user: User, a: AnyAssessment, snap: AssessmentSnapshot, after: CriterionKey, note: str | None = None
    ) -> Outcome:
        target = snap.next_unanswered(after)
        if target is None:
            self._move(s, user.id, a, after, Step.paused)
            return Outcome(replies=[self.views.done(snap, note)])
        self._move(s, user.id, a, target, Step.level)
        return Outcome(replies=[self.views.question(snap, target, note)])

    def navigate(self, s: Session, user: User, action: Navigate) -> Outcome:
        """上一项 / 跳过 / 暂停, go to a criterion, skip a rectification field, change only the
        rectification (evidence buttons are bot/scoring/evidence.py's)."""
        _, a = self.access.scorer_and(s, user, action.assessment, open_only=False)
        snap = self._snapshot(s, a)
        key = (action.task, action.criterion)
        keys = snap.keys()
        if key not in keys:
            raise Refusal(texts.STALE_BUTTON, f"user {user.id}: no criterion {key}", slip=True)
        if action.move == NavMove.review_task:
            return Outcome(replies=[self.views.review_task(snap, key[0])])
        if a.status == AssessmentStatus.submitted:
            raise Refusal(texts.SCORE_LOCKED.format(at=self.ctx.local(a.submitted_at)), f"assessment {a.id} is submitted", slip=True)
        if action.move == NavMove.pause:
            self._move(s, user.id, a, key, Step.paused)
            return Outcome().say(texts.SCORE_PAUSED)
        if action.move == NavMove.field_skip:
            cursor = read_cursor(s, user.id)
            if cursor is None or (cursor.task_no, cursor.criterion) != key or cursor.step not in RECT_STEPS:
                if cursor is None:
                    raise Refusal(texts.SCORE_STALE_BUTTON, f"user {user.id}: stale field skip", slip=True)
                return self.start(s, user)
            return self._skip_field(s, user, a, key, Step(cursor.step))
        if action.move == NavMove.rect_edit:
            return self._edit_rectification(s, user, a, snap, key)
        if action.move == NavMove.goto:
            target = key
        elif action.move == NavMove.prev:
            target = keys[max(0, keys.index(key) - 1)]
        elif action.move == NavMove.skip:
            later = next((k for k in keys[keys.index(key) + 1 :] if not snap.answered(k)), None)
            target = later or snap.next_unanswered(key) or key
            if target == key:
                target = keys[(keys.index(key) + 1) % len(keys)]
        else:
            raise Refusal(texts.STALE_BUTTON, f"user {user.id}: unknown move {action.move}", slip=True)
        self._move(s, user.id, a, target, Step.level)
        return Outcome(replies=[self.views.question(snap, target)])

    def _edit_rectification(self, s: Session, user: User, a: AnyAssessment, snap: AssessmentSnapshot, key: CriterionKey) -> Outcome:
        """修改整改信息: walk the rectification fields of an answer, each showing what it holds,
        without choosing the level again."""
        answer = snap.answers.get(key)
        task = snap.table.task(key[0])
        assert task is not None
        if answer is None:
            self._move(s, user.id, a, key, Step.level)
            return Outcome(replies=[self.views.question(snap, key, texts.RECT_EDIT_UNANSWERED)])
        if answer.points >= task.criteria[key[1]].points:
            return Outcome().say(texts.RECT_EDIT_FULL.format(no=key[0], i=key[1] + 1))
        self._move(s, user.id, a, key, Step.problem)
        return Outcome(replies=[self._prompt(s, a, snap, key, Step.problem, note=texts.RECT_EDIT_INTRO.format(no=key[0], i=key[1] + 1))])

    def _skip_field(self, s: Session, user: User, a: AnyAssessment, key: CriterionKey, step: Step) -> Outcome:
        """跳过 (typed or pressed): the field keeps what it holds, and the next one is asked."""
        had = rect_value(self._rectification(s, a, key), step)
        label = texts.RECT_LABEL[step]
        note = texts.RECT_KEPT.format(field=label, value=had) if had else texts.RECT_SKIPPED.format(field=label)
        return self._next_field(s, user, a, key, step, note=note)

    def _next_field(self, s: Session, user: User, a: AnyAssessment, key: CriterionKey, step: Step, note: str | None = None) -> Outcome:
        i = RECT_STEPS.index(step)
        s.flush()
        snap = self._snapshot(s, a, full=False)
        if i + 1 < len(RECT_STEPS):
            nxt = RECT_STEPS[i + 1]
            self._move(s, user.id, a, key, nxt)
            return Outcome(replies=[self._prompt(s, a, snap, key, nxt, note=note)])
        return self._advance(s, user, a, snap, key, note)

    def text(self, s: Session, user: User, text: str, cursor: CursorRow | None = None) -> Outcome | None:
        """Typed text while scoring: a rectification field, or a level in words. None when
        the user is not in the conversation, or asks a question (the text is then for the
        engine, and the shell shows ``pending`` again after its answer)."""
        cursor = cursor or read_cursor(s, user.id)
        if cursor is None or cursor.step not in ASKING_STEPS:
            return None
        text = text.strip()
        if reads_as_question(text):
            return None
        person = self.access.scoring(s, user)
        if person is None:
            return None
        a = self.access.usable(s, person, cursor.assessment_id)
        if a is None:
            pause(s, user.id)
            return None
        task = self.ctx.rubric.table(a.table_key).task(cursor.task_no)
        key = (cursor.task_no, cursor.criterion)
        if task is None or cursor.criterion >= len(task.criteria):
            pause(s, user.id)
            return None
        if is_pause(text):  # typed 暂停: as the button, at a level or a rectification field
            return self.navigate(s, user, Navigate(a.id or 0, NavMove.pause, key[0], key[1]))
        if cursor.step == Step.level:
            if is_skip(text):  # typed 跳过: as the button
                return self.navigate(s, user, Navigate(a.id or 0, NavMove.skip, key[0], key[1]))
            snap = self._snapshot(s, a)
            level = match_level(task.criteria[cursor.criterion], text)
            if level is None:
                out = Outcome().say(texts.SCORE_NOT_UNDERSTOOD)
                out.replies.append(self.views.question(snap, key))
                return out
            current = snap.answers.get(key)
            return self._record(s, user, a, task, cursor.criterion, level, current.revision if current else 0)
        return self._save_field(s, user, a, key, Step(cursor.step), text)

    def _save_field(self, s: Session, user: User, a: AnyAssessment, key: CriterionKey, step: Step, text: str) -> Outcome:
        snap = self._snapshot(s, a, full=False)
        label = texts.RECT_LABEL[step]
        if not text:
            return Outcome(replies=[Answer(Intent.help, Doc().add(texts.RECT_EMPTY)), self._prompt(s, a, snap, key, step)])
        row = s.exec(
            select(CriterionAnswer).where(
                CriterionAnswer.assessment_id == a.id, CriterionAnswer.task_no == key[0], CriterionAnswer.criterion == key[1]
            )
        ).first()
        if row is None:  # the answer vanished (reopened and cleared?): ask the level again
            self._move(s, user.id, a, key, Step.level)
            return Outcome(replies=[self.views.question(snap, key)])
        if is_skip(text):
            return self._skip_field(s, user, a, key, step)
        if is_clear(text):
            if step == Step.deadline:
                row.deadline, row.deadline_text = None, None
            else:
                setattr(row, RECT_COLUMNS[step], None)
            s.add(row)
            return self._next_field(s, user, a, key, step, note=texts.RECT_CLEARED.format(field=label))
        limit = TEXT_LIMITS[step]
        if len(text) > limit:
            return Outcome(
                replies=[
                    Answer(Intent.help, Doc().add(texts.RECT_TOO_LONG.format(length=len(text), limit=limit))),
                    self._prompt(s, a, snap, key, step),
                ]
            )
        note = texts.RECT_SAVED.format(field=label)
        if step == Step.deadline:
            today = self.ctx.today()
            deadline = parse_deadline(text, today)
            ongoing = None if deadline else ongoing_deadline(text)
            if deadline is None and ongoing is None:
                bad = texts.RECT_BAD_DEADLINE.format(text=clip(text, 20), **self.ctx.deadline_examples())
                out = Outcome(replies=[Answer(Intent.help, Doc().add(bad)), self._prompt(s, a, snap, key, step)])
                logger.info("unparseable deadline %r from %s: asked again", text[:40], user.id)
                return out
            row.deadline, row.deadline_text = deadline, (text if deadline else ongoing)
            if deadline is not None:
                note = texts.RECT_DEADLINE_READ.format(date=fmt_date(deadline), weekday=texts.WEEKDAYS[deadline.weekday()])
                if deadline < today:
                    note += texts.RECT_DEADLINE_PAST
                elif deadline.year > today.year and year_left_out(text):
                    note += texts.RECT_DEADLINE_NEXT_YEAR.format(year=deadline.year)
            else:
                note = texts.RECT_DEADLINE_ONGOING.format(text=ongoing)
        else:
            setattr(row, RECT_COLUMNS[step], text)
        s.add(row)
        return self._next_field(s, user, a, key, step, note=note)


def _before(snap: AssessmentSnapshot, key: CriterionKey) -> CriterionKey | None:
    keys = snap.keys()
    return keys[keys.index(key) - 1] if key in keys and keys.index(key) > 0 else None
