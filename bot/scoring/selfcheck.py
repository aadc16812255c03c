"""Registration and the self-scoring conversation, as plain functions over a database session.

Every function takes a SQLModel session and the acting user, checks the user's binding (never
what a button claims), writes what it learns at once, and returns an Outcome: replies for
the user, notices for others, files to send. Telegram and the terminal both drive this.

The conversation's position lives in ``scoring_cursors``, one row per user, so a bot killed
at any moment continues at the same question for that user.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import AssessmentOp, Navigate, PickLevel
from bot.common.format import fmt_points
from bot.common.reply import (
    Answer,
    Button,
    Clock,
    Intent,
    Notice,
    Outcome,
    OutFile,
    User,
    refusal,
    utc_now,
)
from bot.common.richtext import Doc, Span
from bot.common.rubric import Rubric, Table, Task
from bot.scoring.parsing import match_level, parse_deadline
from bot.scoring.scores import (
    AnswerRecord,
    AssessmentSnapshot,
    CriterionKey,
    EvidenceRecord,
    Rectification,
    criterion_fingerprint,
)
from bot.storage.db import insert_new, upsert
from bot.storage.models import (
    Assessment,
    AuditEntry,
    CriterionAnswer,
    Evidence,
    Invite,
    Person,
    ScoringCursor,
)

logger = logging.getLogger(__name__)

ROLES = ("party", "government", "department", "coordinator")
RECT_STEPS = ("problem", "measure", "leader", "unit", "person", "deadline")
# Steps of the coordination side (bot/coordination.py) that wait for typed text.
PENDING_STEPS = ("rect_note", "item_comment", "asm_comment")
RECT_COLUMNS = {"problem": "problem", "measure": "measure", "leader": "leader", "unit": "resp_unit", "person": "resp_person"}
TEXT_LIMITS = {"problem": 500, "measure": 500, "leader": 50, "unit": 100, "person": 50, "deadline": 50}


class InviteError(Exception):
    pass


@dataclass(frozen=True)
class Binding:
    """A person's binding as read on the hot path (a plain row, not an ORM object)."""

    user_id: int
    name: str
    unit: str
    role: str
    table_key: str | None
    active: bool


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    unit: str
    table_key: str
    round: str
    rubric_version: str
    status: str
    submitted_by: str | None
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class CursorRow:
    assessment_id: int
    task_no: int
    criterion: int
    step: str


# Every answer runs these; built once so SQLAlchemy compiles each once.
_BINDING = select(Person.user_id, Person.name, Person.unit, Person.role, Person.table_key, Person.active).where(
    Person.user_id == bindparam("user_id")
)
_ASSESSMENT = select(
    Assessment.id, Assessment.unit, Assessment.table_key, Assessment.round, Assessment.rubric_version,
    Assessment.status, Assessment.submitted_by, Assessment.submitted_at,
).where(Assessment.id == bindparam("assessment_id"))
_CURSOR = select(ScoringCursor.assessment_id, ScoringCursor.task_no, ScoringCursor.criterion, ScoringCursor.step).where(
    ScoringCursor.user_id == bindparam("user_id")
)
_A, _E = CriterionAnswer, Evidence
_ANSWERS_BRIEF = select(
    _A.task_no, _A.criterion, _A.level, _A.points, _A.answered_by, _A.revision, _A.fingerprint
).where(_A.assessment_id == bindparam("assessment_id"))
_ANSWERS_FULL = select(
    _A.task_no, _A.criterion, _A.level, _A.points, _A.answered_by, _A.answered_at, _A.revision, _A.fingerprint,
    _A.problem, _A.measure, _A.leader, _A.resp_unit, _A.resp_person, _A.deadline, _A.deadline_text,
).where(_A.assessment_id == bindparam("assessment_id"))
_EVIDENCE = (
    select(_E.id, _E.task_no, _E.criterion, _E.kind, _E.file_id, _E.file_name, _E.size, _E.caption, _E.added_by, _E.added_at)
    .where(_E.assessment_id == bindparam("assessment_id"))
    .order_by(_E.id)
)
_ANSWER_REVISION = select(CriterionAnswer.id, CriterionAnswer.revision).where(
    CriterionAnswer.assessment_id == bindparam("assessment_id"),
    CriterionAnswer.task_no == bindparam("task_no"),
    CriterionAnswer.criterion == bindparam("criterion"),
)


class SelfCheck:
    """The self-scoring service for one rubric, one campaign round and one clock."""

    def __init__(
        self,
        rubric: Rubric,
        clock: Clock = utc_now,
        admin_ids: frozenset[int] = frozenset(),
        round_: str | None = None,
    ) -> None:
        self.rubric = rubric
        self.clock = clock
        self.admin_ids = admin_ids
        self.round = round_ or str(rubric.campaign.year)
        self.tz = ZoneInfo(rubric.campaign.timezone)
        # Set by bot.coordination.service: handles text for its steps (rectification notes, comments).
        self.pending_handler: Callable[..., Outcome] | None = None

    # --- people ------------------------------------------------------------------------

    def person(self, s: Session, user: User) -> Person | None:
        """The user's binding; users listed in DUCHA_ADMIN_IDS are coordinators from the start."""
        person = s.get(Person, user.id)
        if user.id in self.admin_ids and (person is None or person.role != "coordinator"):
            person = person or Person(user_id=user.id, name=user.name, unit=texts.COORDINATOR_UNIT, role="coordinator")
            person.role, person.unit, person.active = "coordinator", texts.COORDINATOR_UNIT, True
            person.bound_at = self.clock()
            s.add(person)
            s.flush()
        return person

    def table_hint(self, s: Session, user: User) -> str | None:
        """The table a user's role implies, for answering questions that name none."""
        person = s.get(Person, user.id)
        if person is None:
            return None
        if person.role in ("party", "government"):
            return person.role
        return person.table_key

    def create_invite(
        self, s: Session, unit: str, role: str, uses: int = 1, expires: dt.timedelta | None = None, created_by: str = "cli"
    ) -> Invite:
        """A new invite code for ``unit`` and ``role``; the unit must be one the data knows."""
        if role not in ROLES:
            raise InviteError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
        known = {u.name for u in self.rubric.units} | {texts.COORDINATOR_UNIT}
        if unit not in known:
            raise InviteError(f"unknown unit {unit!r}: add it to rubric_data/units.yaml (known: {'、'.join(sorted(known))})")
        if role == "coordinator" and unit != texts.COORDINATOR_UNIT:
            raise InviteError(f"coordinators belong to {texts.COORDINATOR_UNIT}")
        if uses < 1:
            raise InviteError("--uses must be at least 1")
        now = self.clock()
        invite = Invite(
            code=secrets.token_urlsafe(9),
            unit=unit,
            role=role,
            max_uses=uses,
            expires_at=now + expires if expires else None,
            created_by=created_by,
            created_at=now,
        )
        s.add(invite)
        s.add(AuditEntry(at=now, actor=created_by, action="invite.create", detail=f"{unit} {role} uses={uses}"))
        return invite

    def bind(self, s: Session, user: User, code: str) -> Outcome:
        """`/start CODE`: join the invite's unit with its role."""
        person = self.person(s, user)
        if person is not None and person.role == "coordinator":
            return Outcome().say(texts.BOUND_COORDINATOR)
        invite = s.get(Invite, code.strip()[:32]) if code.strip() else None
        now = self.clock()
        if invite is None or invite.revoked:
            return refusal(texts.INVITE_UNKNOWN, f"unknown invite code from {user.id}")
        if person is not None and person.active:
            if (person.unit, person.role) == (invite.unit, invite.role):
                return Outcome().say(texts.ALREADY_BOUND.format(unit=person.unit, role=texts.ROLE_LABEL[person.role]))
            return refusal(
                texts.ALREADY_BOUND.format(unit=person.unit, role=texts.ROLE_LABEL[person.role]),
                f"user {user.id} already bound to {person.unit}",
            )
        if invite.expires_at is not None and invite.expires_at <= now:
            return refusal(texts.INVITE_EXPIRED, f"expired invite {invite.code} from {user.id}")
        # Count the use atomically: two people racing for the last use cannot both get it.
        used = s.exec(  # type: ignore[call-overload]
            update(Invite)
            .where(Invite.code == invite.code, Invite.uses < Invite.max_uses)
            .values(uses=Invite.uses + 1)
        )
        if used.rowcount != 1:
            return refusal(texts.INVITE_USED_UP, f"used-up invite {invite.code} from {user.id}")
        person = person or Person(user_id=user.id, name=user.name, unit=invite.unit, role=invite.role)
        person.name, person.unit, person.role, person.active = user.name, invite.unit, invite.role, True
        person.bound_at, person.invite_code = now, invite.code
        s.add(person)
        s.add(AuditEntry(at=now, actor_id=user.id, actor=user.name, action="invite.use", detail=f"{invite.code} {invite.unit} {invite.role}"))
        if invite.role == "coordinator":
            return Outcome().say(texts.BOUND_COORDINATOR)
        return Outcome().say(
            texts.BOUND.format(unit=invite.unit, role=texts.ROLE_LABEL[invite.role]),
            [[Button("开始自评", AssessmentOp(0, "score"))]],
        )

    def _binding(self, s: Session, user: User) -> Binding | None:
        if user.id in self.admin_ids:
            self.person(s, user)  # makes sure the admin is a coordinator
        row = s.connection().execute(_BINDING, {"user_id": user.id}).first()
        return Binding(*row) if row else None

    def _scorer(self, s: Session, user: User) -> Binding | Outcome:
        """The user's binding if they may score, else the refusal to send."""
        person = self._binding(s, user)
        if person is None:
            return refusal(texts.NOT_BOUND, f"unbound user {user.id}")
        if not person.active:
            return refusal(texts.INACTIVE, f"inactive user {user.id}")
        if person.role == "coordinator":
            return refusal(texts.COORDINATOR_NO_SCORE, f"coordinator {user.id} tried to score")
        return person

    def _cursor(self, s: Session, user_id: int) -> CursorRow | None:
        row = s.connection().execute(_CURSOR, {"user_id": user_id}).first()
        return CursorRow(*row) if row else None

    def _pause(self, s: Session, user_id: int) -> None:
        s.exec(update(ScoringCursor).where(ScoringCursor.user_id == user_id).values(step="paused"))  # type: ignore[call-overload]

    # --- assessments -------------------------------------------------------------------

    def _table_of(self, person: Person) -> str | None:
        return person.role if person.role in ("party", "government") else person.table_key

    def _assessment_for(self, s: Session, person: Person, table_key: str) -> Assessment:
        """The unit's assessment of ``table_key`` this round, created on first use."""
        query = select(Assessment).where(
            Assessment.unit == person.unit, Assessment.table_key == table_key, Assessment.round == self.round
        )
        found = s.exec(query).first()
        if found:
            return found
        try:
            with s.begin_nested():  # a colleague may create it at the same moment
                a = Assessment(
                    unit=person.unit,
                    table_key=table_key,
                    round=self.round,
                    rubric_version=self.rubric.version,
                    created_at=self.clock(),
                )
                s.add(a)
            return a
        except IntegrityError:
            return s.exec(query).one()

    def _owned(self, s: Session, person: Binding, assessment_id: int) -> AssessmentRow | Outcome:
        row = s.connection().execute(_ASSESSMENT, {"assessment_id": assessment_id}).first()
        a = AssessmentRow(*row) if row else None
        if a is None or a.round != self.round:
            return refusal(texts.STALE_BUTTON, f"user {person.user_id}: no assessment {assessment_id}")
        if a.unit != person.unit:
            return refusal(texts.SCORE_WRONG_UNIT, f"user {person.user_id} ({person.unit}) touched assessment of {a.unit}")
        return a

    def _scorer_and(
        self, s: Session, user: User, assessment_id: int, open_only: bool
    ) -> tuple[Binding, AssessmentRow] | Outcome:
        """The user's binding and the assessment an action names, if it is their unit's (and,
        with ``open_only``, not submitted); otherwise the refusal."""
        person = self._scorer(s, user)
        if isinstance(person, Outcome):
            return person
        a = (self._open if open_only else self._owned)(s, person, assessment_id)
        return a if isinstance(a, Outcome) else (person, a)

    def _open(self, s: Session, person: Binding, assessment_id: int) -> AssessmentRow | Outcome:
        a = self._owned(s, person, assessment_id)
        if isinstance(a, AssessmentRow) and a.status == "submitted":
            return refusal(texts.SCORE_LOCKED.format(at=self._local(a.submitted_at)), f"assessment {a.id} is submitted")
        return a

    def snapshot(self, s: Session, a: Assessment | AssessmentRow, full: bool = True) -> AssessmentSnapshot:
        """The assessment with its answers and evidence, read fresh from the database.

        Plain column queries rather than ORM objects: this runs on every answer. The
        conversation needs only levels and points (``full=False``); review, summary and
        the files need the rectification items too.
        """
        table = self.rubric.tables[a.table_key]  # type: ignore[index]
        statement = _ANSWERS_FULL if full else _ANSWERS_BRIEF
        rows = s.connection().execute(statement, {"assessment_id": a.id})
        answers = {(r.task_no, r.criterion): _answer_record(r, full) for r in rows}
        evidence = [
            EvidenceRecord(**r._mapping) for r in s.connection().execute(_EVIDENCE, {"assessment_id": a.id})
        ]
        return AssessmentSnapshot(
            id=a.id or 0,
            unit=a.unit,
            table=table,
            round=a.round,
            status=a.status,
            rubric_version=a.rubric_version,
            answers=answers,
            evidence=evidence,
            submitted_by=a.submitted_by,
            submitted_at=a.submitted_at,
        )

    # --- the conversation ------------------------------------------------------------

    def start(self, s: Session, user: User, table_key: str | None = None) -> Outcome:
        """/score: resume where this user left off, or begin at the first unanswered criterion."""
        person = self._scorer(s, user)
        if isinstance(person, Outcome):
            return person
        if person.role == "department" and table_key in ("party", "government"):
            s.exec(update(Person).where(Person.user_id == user.id).values(table_key=table_key))  # type: ignore[call-overload]
            person = Binding(person.user_id, person.name, person.unit, person.role, table_key, person.active)
        key = self._table_of(person)
        if key is None:
            return Outcome().say(
                texts.SCORE_PICK_TABLE,
                [[Button("参照党委表", AssessmentOp(0, "party")), Button("参照政府表", AssessmentOp(0, "government"))]],
            )
        a = self._assessment_for(s, person, key)
        snap = self.snapshot(s, a)
        if a.status == "submitted":
            return Outcome(replies=[self._summary(snap)])
        # A coordinator's 退回修改 comment leads every resumption until the next submission.
        note = texts.RETURNED_NOTE.format(comment=a.return_comment) if a.return_comment else None
        cursor = self._cursor(s, user.id)
        if cursor and cursor.assessment_id == a.id and cursor.step in RECT_STEPS + ("level",):
            if cursor.step in RECT_STEPS:
                return Outcome(replies=[self._rect_prompt(snap, (cursor.task_no, cursor.criterion), cursor.step, note=note)])
            return Outcome(replies=[self._question(snap, (cursor.task_no, cursor.criterion), user.id, note)])
        start_at = (cursor.task_no, cursor.criterion) if cursor and cursor.assessment_id == a.id else None
        target = snap.next_unanswered(self._before(snap, start_at)) if start_at else snap.next_unanswered()
        if target is None:
            self._move(s, user.id, a, snap.keys()[-1], "paused")
            return Outcome(replies=[self._done(snap, note)])
        self._move(s, user.id, a, target, "level")
        return Outcome(replies=[self._question(snap, target, user.id, note)])

    def _before(self, snap: AssessmentSnapshot, key: CriterionKey) -> CriterionKey | None:
        keys = snap.keys()
        return keys[keys.index(key) - 1] if key in keys and keys.index(key) > 0 else None

    def _move(self, s: Session, user_id: int, a: Assessment | AssessmentRow, key: CriterionKey, step: str) -> None:
        """Write where the user now is: the next message continues from here, even after a crash."""
        upsert(
            s,
            ScoringCursor,
            {"user_id": user_id},
            assessment_id=a.id,
            task_no=key[0],
            criterion=key[1],
            step=step,
            updated_at=self.clock(),
        )

    def pick_level(self, s: Session, user: User, action: PickLevel) -> Outcome:
        """A level button: record the answer, then ask for the rectification or move on."""
        found = self._scorer_and(s, user, action.assessment, open_only=True)
        if isinstance(found, Outcome):
            return found
        person, a = found
        table = self.rubric.tables[a.table_key]  # type: ignore[index]
        task = table.task(action.task)
        if task is None or action.criterion >= len(task.criteria) or action.level >= len(task.criteria[action.criterion].levels):
            return refusal(texts.STALE_BUTTON, f"user {user.id}: level out of range {action}")
        return self._record(s, person, user, a, task, action.criterion, action.level, action.rev)

    def _record(
        self, s: Session, person: Person, user: User, a: Assessment, task: Task, ci: int, level: int, rev: int
    ) -> Outcome:
        criterion = task.criteria[ci]
        chosen = criterion.levels[level]
        now = self.clock()
        row = s.connection().execute(_ANSWER_REVISION, {"assessment_id": a.id, "task_no": task.no, "criterion": ci}).first()
        current_rev = row.revision if row else 0
        values = dict(
            level=level,
            points=chosen.points,
            fingerprint=criterion_fingerprint(criterion),
            answered_by=user.name,
            answered_by_id=user.id,
            answered_at=now,
        )
        conflict = current_rev != rev
        if not conflict and row is None:
            new = insert_new(s, CriterionAnswer, assessment_id=a.id, task_no=task.no, criterion=ci, revision=1, **values)
            conflict = not new  # a colleague's first answer landed in between
        elif not conflict and row is not None:
            # Compare-and-swap on the revision: a colleague's change since the button was
            # drawn makes this press a conflict instead of silently overwriting it.
            done = s.exec(  # type: ignore[call-overload]
                update(CriterionAnswer)
                .where(CriterionAnswer.id == row.id, CriterionAnswer.revision == rev)
                .values(revision=CriterionAnswer.revision + 1, **values)
            )
            conflict = done.rowcount != 1
        key = (task.no, ci)
        if conflict:
            s.expire_all()
            snap = self.snapshot(s, a)
            other = snap.answers.get(key)
            out = Outcome(replies=[self._question(snap, key, user.id)])
            if other is not None:
                label = task.criteria[ci].levels[other.level].label if other.level < len(task.criteria[ci].levels) else "?"
                out.replies.insert(0, Answer(Intent.help, Doc().add(texts.SCORE_CONFLICT.format(by=other.answered_by, label=label))))
            out.refused = f"conflicting answer on assessment {a.id} {key} by {user.id}"
            return out
        snap = self.snapshot(s, a, full=False)
        # One message per answer: the confirmation leads the next question.
        saved = texts.SCORE_SAVED.format(label=chosen.label, points=fmt_points(chosen.points))
        if chosen.points < criterion.points:
            self._move(s, user.id, a, key, "problem")
            return Outcome(replies=[self._rect_prompt(snap, key, "problem", intro=True, note=saved)])
        return self._advance(s, user, a, snap, key, saved)

    def _advance(
        self, s: Session, user: User, a: Assessment, snap: AssessmentSnapshot, after: CriterionKey, note: str | None = None
    ) -> Outcome:
        target = snap.next_unanswered(after)
        if target is None:
            self._move(s, user.id, a, after, "paused")
            return Outcome(replies=[self._done(snap, note)])
        self._move(s, user.id, a, target, "level")
        return Outcome(replies=[self._question(snap, target, user.id, note)])

    def navigate(self, s: Session, user: User, action: Navigate) -> Outcome:
        """上一项 / 跳过 / 暂停, go to a criterion, show its evidence, skip a rectification field."""
        found = self._scorer_and(s, user, action.assessment, open_only=False)
        if isinstance(found, Outcome):
            return found
        person, a = found
        snap = self.snapshot(s, a)
        key = (action.task, action.criterion)
        if key not in snap.keys():
            return refusal(texts.STALE_BUTTON, f"user {user.id}: no criterion {key}")
        if action.move == "evidence":
            files = snap.evidence_for(key)
            if not files:
                return Outcome().say(texts.EVIDENCE_NONE)
            out = Outcome().say(texts.EVIDENCE_SENDING.format(no=key[0], i=key[1] + 1, count=len(files)))
            out.resend = files
            return out
        if action.move == "review_task":
            return Outcome(replies=[self._review_task(snap, key[0], user.id)])
        if a.status == "submitted":
            return refusal(texts.SCORE_LOCKED.format(at=self._local(a.submitted_at)), f"assessment {a.id} is submitted")
        if action.move == "pause":
            self._move(s, user.id, a, key, "paused")
            return Outcome().say(texts.SCORE_PAUSED)
        if action.move == "goto":
            self._move(s, user.id, a, key, "level")
            return Outcome(replies=[self._question(snap, key, user.id)])
        if action.move == "prev":
            keys = snap.keys()
            target = keys[max(0, keys.index(key) - 1)]
            self._move(s, user.id, a, target, "level")
            return Outcome(replies=[self._question(snap, target, user.id)])
        if action.move == "skip":
            target = next((k for k in snap.keys()[snap.keys().index(key) + 1 :] if not snap.answered(k)), None)
            target = target or snap.next_unanswered(key)
            if target is None or target == key:
                target = snap.keys()[(snap.keys().index(key) + 1) % len(snap.keys())]
            self._move(s, user.id, a, target, "level")
            return Outcome(replies=[self._question(snap, target, user.id)])
        if action.move == "field_skip":
            cursor = self._cursor(s, user.id)
            if cursor is None or (cursor.task_no, cursor.criterion) != key or cursor.step not in RECT_STEPS:
                return refusal(texts.SCORE_STALE_BUTTON, f"user {user.id}: stale field skip") if cursor is None else self.start(s, user)
            return self._next_field(s, user, a, key, cursor.step)
        return refusal(texts.STALE_BUTTON, f"user {user.id}: unknown move {action.move}")

    def _next_field(self, s: Session, user: User, a: Assessment, key: CriterionKey, step: str, note: str | None = None) -> Outcome:
        i = RECT_STEPS.index(step)
        s.flush()
        snap = self.snapshot(s, a, full=False)
        if i + 1 < len(RECT_STEPS):
            nxt = RECT_STEPS[i + 1]
            self._move(s, user.id, a, key, nxt)
            return Outcome(replies=[self._rect_prompt(snap, key, nxt, note=note)])
        return self._advance(s, user, a, snap, key, note)

    def text(self, s: Session, user: User, text: str) -> Outcome | None:
        """Typed text while scoring: a rectification field, or a level in words. None when
        the user is not in the conversation (the text is then a question for the engine)."""
        cursor = self._cursor(s, user.id)
        if cursor is None or cursor.step == "paused":
            return None
        if cursor.step in PENDING_STEPS:
            if self.pending_handler is None:
                return None
            return self.pending_handler(s, user, cursor.step, cursor.assessment_id, cursor.task_no, cursor.criterion, text)
        person = self._scorer(s, user)
        if isinstance(person, Outcome):
            return None
        a = self._open(s, person, cursor.assessment_id)
        if isinstance(a, Outcome):
            self._pause(s, user.id)
            return None
        table = self.rubric.tables[a.table_key]  # type: ignore[index]
        task = table.task(cursor.task_no)
        key = (cursor.task_no, cursor.criterion)
        if task is None or cursor.criterion >= len(task.criteria):
            self._pause(s, user.id)
            return None
        text = text.strip()
        if cursor.step == "level":
            snap = self.snapshot(s, a)
            level = match_level(task.criteria[cursor.criterion], text)
            if level is None:
                out = Outcome().say(texts.SCORE_NOT_UNDERSTOOD)
                out.replies.append(self._question(snap, key, user.id))
                return out
            current = snap.answers.get(key)
            return self._record(s, person, user, a, task, cursor.criterion, level, current.revision if current else 0)
        return self._save_field(s, user, a, key, cursor.step, text)

    def _save_field(self, s: Session, user: User, a: Assessment, key: CriterionKey, step: str, text: str) -> Outcome:
        snap = self.snapshot(s, a)
        if not text:
            return Outcome(replies=[Answer(Intent.help, Doc().add(texts.RECT_EMPTY)), self._rect_prompt(snap, key, step)])
        limit = TEXT_LIMITS[step]
        if len(text) > limit:
            return Outcome(
                replies=[
                    Answer(Intent.help, Doc().add(texts.RECT_TOO_LONG.format(length=len(text), limit=limit))),
                    self._rect_prompt(snap, key, step),
                ]
            )
        row = s.exec(
            select(CriterionAnswer).where(
                CriterionAnswer.assessment_id == a.id, CriterionAnswer.task_no == key[0], CriterionAnswer.criterion == key[1]
            )
        ).first()
        if row is None:  # the answer vanished (reopened and cleared?): ask the level again
            self._move(s, user.id, a, key, "level")
            return Outcome(replies=[self._question(snap, key, user.id)])
        if step == "deadline":
            today = self.clock().astimezone(self.tz).date()
            deadline = parse_deadline(text, today)
            if deadline is None:
                out = Outcome(replies=[Answer(Intent.help, Doc().add(texts.RECT_BAD_DEADLINE.format(text=text[:20]))), self._rect_prompt(snap, key, step)])
                out.refused = f"unparseable deadline {text[:40]!r} from {user.id}"
                return out
            row.deadline, row.deadline_text = deadline, text
        else:
            setattr(row, RECT_COLUMNS[step], text)
        s.add(row)
        return self._next_field(s, user, a, key, step, note=texts.RECT_SAVED.format(field=texts.RECT_LABEL[step]))

    def evidence(
        self,
        s: Session,
        user: User,
        kind: str,
        file_id: str,
        file_unique_id: str,
        file_name: str,
        size: int,
        caption: str | None,
    ) -> Outcome:
        """A document or photo sent while on a criterion: keep it as that criterion's evidence."""
        person = self._scorer(s, user)
        if isinstance(person, Outcome):
            return person
        cursor = self._cursor(s, user.id)
        if cursor is None:
            return refusal(texts.EVIDENCE_NO_CRITERION, f"evidence without a criterion from {user.id}")
        # While reporting a rectification done, evidence is welcome after submission too.
        a = (self._owned if cursor.step == "rect_note" else self._open)(s, person, cursor.assessment_id)
        if isinstance(a, Outcome):
            return a
        key = (cursor.task_no, cursor.criterion)
        exists = s.exec(
            select(Evidence).where(Evidence.assessment_id == a.id, Evidence.file_unique_id == file_unique_id)
        ).first()
        if exists:
            return Outcome().say(texts.EVIDENCE_DUPLICATE)
        s.add(
            Evidence(
                assessment_id=a.id or 0,
                task_no=key[0],
                criterion=key[1],
                kind=kind,
                file_id=file_id,
                file_unique_id=file_unique_id,
                file_name=file_name[:256],
                size=size,
                caption=(caption or None) and caption[:1024],
                added_by=user.name,
                added_by_id=user.id,
                added_at=self.clock(),
            )
        )
        return Outcome().say(
            texts.EVIDENCE_SAVED.format(name=file_name, size=_size(size), no=key[0], i=key[1] + 1)
        )

    # --- review, summary, submit -----------------------------------------------------

    def _current(self, s: Session, user: User) -> tuple[Person, Assessment] | Outcome:
        person = self._scorer(s, user)
        if isinstance(person, Outcome):
            return person
        key = self._table_of(person)
        if key is None:
            return self.start(s, user)
        a = s.exec(
            select(Assessment).where(Assessment.unit == person.unit, Assessment.table_key == key, Assessment.round == self.round)
        ).first()
        if a is None:
            return Outcome().say(texts.NO_ASSESSMENT, [[Button("开始自评", AssessmentOp(0, "score"))]])
        return person, a

    def review(self, s: Session, user: User) -> Outcome:
        """/review: every task with its score; a button per task opens it for changes."""
        found = self._current(s, user)
        if isinstance(found, Outcome):
            return found
        _, a = found
        snap = self.snapshot(s, a)
        table = snap.table
        doc = Doc().bold(
            texts.REVIEW_TITLE.format(
                unit=a.unit, table=texts.TABLE_LABEL[table.key], score=fmt_points(snap.total), done=snap.tasks_done, total=len(table.tasks)
            )
        )
        buttons: list[Button] = []
        for task in table.tasks:
            stale = any(snap.is_stale((task.no, i)) for i in range(len(task.criteria)))
            files = sum(len(snap.evidence_for((task.no, i))) for i in range(len(task.criteria)))
            extra = ("　⚠标准已变更" if stale else "") + (f"　佐证{files}份" if files else "")
            mark = "✅" if snap.task_done(task) else "⬜"
            score = fmt_points(snap.task_score(task)) if any(snap.answered((task.no, i)) for i in range(len(task.criteria))) else "—"
            doc.add(texts.REVIEW_LINE.format(mark=mark, no=task.no, title=task.title, score=score, points=fmt_points(task.points), extra=extra))
            buttons.append(Button(f"第{task.no}项", Navigate(a.id or 0, "review_task", task.no, 0)))
        doc.blank().add(Span(texts.REVIEW_HINT, italic=True))
        rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
        rows.append([Button("汇总", AssessmentOp(a.id or 0, "summary")), Button("继续自评", AssessmentOp(a.id or 0, "score"))])
        return Outcome(replies=[Answer(Intent.help, doc, buttons=rows)])

    def _review_task(self, snap: AssessmentSnapshot, no: int, user_id: int) -> Answer:
        task = snap.table.task(no)
        assert task is not None
        doc = Doc().bold(texts.REVIEW_TASK_TITLE.format(no=no, title=task.title, score=fmt_points(snap.task_score(task)), points=fmt_points(task.points)))
        buttons = []
        for i, c in enumerate(task.criteria):
            doc.add(texts.REVIEW_CRITERION.format(i=i + 1, text=c.text))
            ans = snap.answers.get((no, i))
            if ans is None:
                doc.add(texts.REVIEW_UNANSWERED)
            else:
                label = c.levels[ans.level].label if ans.level < len(c.levels) else "?"
                doc.add(texts.REVIEW_ANSWER.format(label=label, points=fmt_points(ans.points), by=ans.answered_by))
                if snap.is_stale((no, i)):
                    doc.add(Span("   " + texts.SCORE_STALE, italic=True))
                for step in RECT_STEPS:
                    value = _rect_value(ans.rectification, step)
                    if value:
                        doc.add(texts.REVIEW_RECT.format(label=texts.RECT_LABEL[step], value=value))
            for e in snap.evidence_for((no, i)):
                doc.add(f"   📎 {e.file_name}（{_size(e.size)}）")
            if snap.status != "submitted":
                buttons.append(Button(texts.REVIEW_CHANGE.format(i=i + 1), Navigate(snap.id, "goto", no, i)))
            if snap.evidence_for((no, i)):
                buttons.append(Button(f"第{i + 1}条佐证", Navigate(snap.id, "evidence", no, i)))
        rows = [buttons[j : j + 3] for j in range(0, len(buttons), 3)]
        rows.append([Button("返回总览", AssessmentOp(snap.id, "review"))])
        return Answer(Intent.help, doc, buttons=rows)

    def summary(self, s: Session, user: User) -> Outcome:
        """/summary: total, subtotal per duty, deductions largest first."""
        found = self._current(s, user)
        if isinstance(found, Outcome):
            return found
        return Outcome(replies=[self._summary(self.snapshot(s, found[1]))])

    def _summary(self, snap: AssessmentSnapshot) -> Answer:
        table = snap.table
        doc = Doc().bold(texts.SUMMARY_TITLE.format(unit=snap.unit, table=texts.TABLE_LABEL[table.key]))
        doc.add(texts.SUMMARY_TOTAL.format(score=fmt_points(snap.total), done=snap.tasks_done, total=len(table.tasks)))
        doc.blank()
        for no, score, full in snap.duty_subtotals():
            text = table.duty(no).text
            short = text if len(text) <= 24 else text[:24] + "…"
            doc.add(texts.SUMMARY_DUTY.format(no=no, text=short, score=fmt_points(score), points=fmt_points(full)))
        doc.blank().bold(texts.SUMMARY_DEDUCTIONS)
        deductions = snap.deductions()
        for d in deductions:
            label = d.criterion.levels[d.answer.level].label if d.answer.level < len(d.criterion.levels) else "?"
            doc.add(texts.SUMMARY_DEDUCTION.format(no=d.task.no, title=d.task.title, i=d.criterion_index + 1, lost=fmt_points(d.lost), label=label))
        if not deductions:
            doc.add(texts.SUMMARY_NO_DEDUCTIONS)
        doc.blank()
        if snap.status == "submitted":
            doc.add(texts.SUMMARY_STATUS_SUBMITTED.format(at=self._local(snap.submitted_at), by=snap.submitted_by))
        else:
            doc.add(texts.SUMMARY_STATUS_OPEN)
        rows = [[Button(texts.FILES_XLSX, AssessmentOp(snap.id, "xlsx")), Button(texts.FILES_DOCX, AssessmentOp(snap.id, "docx"))]]
        if snap.status != "submitted":
            rows.append([Button("检查修改", AssessmentOp(snap.id, "review")), Button("提交", AssessmentOp(snap.id, "submit"))])
        return Answer(Intent.help, doc, buttons=rows)

    def submit(self, s: Session, user: User) -> Outcome:
        """/submit: check completeness and ask to confirm."""
        found = self._current(s, user)
        if isinstance(found, Outcome):
            return found
        return self._ask_submit(s, found[0], found[1])

    def _ask_submit(self, s: Session, person: Person, a: Assessment) -> Outcome:
        if a.status == "submitted":
            return refusal(texts.SCORE_LOCKED.format(at=self._local(a.submitted_at)), f"assessment {a.id} already submitted")
        snap = self.snapshot(s, a)
        missing = snap.criteria_total - snap.criteria_done
        if missing:
            return Outcome().say(texts.SUBMIT_INCOMPLETE.format(missing=missing), [[Button("继续自评", AssessmentOp(a.id or 0, "score"))]])
        return Outcome().say(
            texts.SUBMIT_CONFIRM.format(unit=a.unit, table=texts.TABLE_LABEL[a.table_key], score=fmt_points(snap.total)),
            [[Button(texts.SUBMIT_YES, AssessmentOp(a.id or 0, "confirm")), Button(texts.SUBMIT_NO, AssessmentOp(a.id or 0, "cancel"))]],
        )

    def _confirm_submit(self, s: Session, person: Person, user: User, a: Assessment) -> Outcome:
        snap = self.snapshot(s, a)
        if snap.criteria_done < snap.criteria_total:
            return self._ask_submit(s, person, a)
        now = self.clock()
        done = s.exec(  # type: ignore[call-overload]
            update(Assessment)
            .where(Assessment.id == a.id, Assessment.status == "open")
            .values(status="submitted", submitted_by=user.name, submitted_at=now, return_comment=None)
        )
        if done.rowcount != 1:
            s.expire_all()
            a = s.get(Assessment, a.id)
            return refusal(texts.SCORE_LOCKED.format(at=self._local(a.submitted_at if a else None)), "double submit")
        s.add(AuditEntry(at=now, actor_id=user.id, actor=user.name, action="assessment.submit", detail=f"{a.id} {a.unit} {a.table_key}"))
        s.exec(update(ScoringCursor).where(ScoringCursor.assessment_id == a.id).values(step="paused"))  # type: ignore[call-overload]
        table = texts.TABLE_LABEL[a.table_key]
        at = self._local(now)
        score = fmt_points(snap.total)
        out = Outcome().say(
            texts.SUBMIT_DONE.format(unit=a.unit, table=table, score=score, by=user.name, at=at),
            [[Button(texts.FILES_XLSX, AssessmentOp(a.id or 0, "xlsx")), Button(texts.FILES_DOCX, AssessmentOp(a.id or 0, "docx"))]],
        )
        for other in s.exec(select(Person).where(Person.unit == a.unit, Person.active == True)).all():  # noqa: E712
            if other.user_id != user.id:
                out.notices.append(Notice(other.user_id, Answer(Intent.help, Doc().add(texts.SUBMIT_NOTICE_UNIT.format(by=user.name, unit=a.unit, table=table, score=score)))))
        for coordinator in self._coordinators(s):
            out.notices.append(
                Notice(
                    coordinator,
                    Answer(
                        Intent.help,
                        Doc().add(texts.SUBMIT_NOTICE_COORD.format(unit=a.unit, table=table, score=score, by=user.name, at=at)),
                        buttons=[[Button(texts.REOPEN_BUTTON, AssessmentOp(a.id or 0, "reopen"))]],
                    ),
                )
            )
        return out

    def _coordinators(self, s: Session) -> list[int]:
        ids = {p.user_id for p in s.exec(select(Person).where(Person.role == "coordinator", Person.active == True)).all()}  # noqa: E712
        return sorted(ids | set(self.admin_ids))

    def reopen(self, s: Session, user: User, assessment_id: int) -> Outcome:
        """A coordinator reopens a submitted assessment; the unit's users are told."""
        person = self.person(s, user)
        if person is None or person.role != "coordinator" or not person.active:
            return refusal(texts.NOT_COORDINATOR, f"non-coordinator {user.id} tried to reopen {assessment_id}")
        a = s.get(Assessment, assessment_id)
        if a is None:
            return refusal(texts.STALE_BUTTON, f"reopen of unknown assessment {assessment_id}")
        table = texts.TABLE_LABEL[a.table_key]
        if a.status != "submitted":
            return Outcome().say(texts.REOPEN_NOT_SUBMITTED.format(unit=a.unit, table=table))
        a.status, a.submitted_at, a.submitted_by = "open", None, None
        s.add(a)
        s.add(AuditEntry(at=self.clock(), actor_id=user.id, actor=user.name, action="assessment.reopen", detail=f"{a.id} {a.unit} {a.table_key}"))
        out = Outcome().say(texts.REOPENED.format(unit=a.unit, table=table))
        for p in s.exec(select(Person).where(Person.unit == a.unit, Person.active == True)).all():  # noqa: E712
            out.notices.append(Notice(p.user_id, Answer(Intent.help, Doc().add(texts.REOPEN_NOTICE.format(unit=a.unit, table=table)), buttons=[[Button("继续自评", AssessmentOp(a.id or 0, "score"))]])))
        return out

    def reopen_by_name(self, s: Session, user: User, args: str) -> Outcome:
        """`/reopen 华龙区 党委`."""
        parts = args.split()
        tables = {"党委": "party", "党委表": "party", "party": "party", "政府": "government", "政府表": "government", "government": "government"}
        if len(parts) != 2 or parts[1] not in tables:
            person = self.person(s, user)
            if person is None or person.role != "coordinator":
                return refusal(texts.NOT_COORDINATOR, f"non-coordinator {user.id} tried /reopen")
            return Outcome().say(texts.REOPEN_USAGE)
        unit, key = parts[0], tables[parts[1]]
        a = s.exec(select(Assessment).where(Assessment.unit == unit, Assessment.table_key == key, Assessment.round == self.round)).first()
        if a is None:
            person = self.person(s, user)
            if person is None or person.role != "coordinator":
                return refusal(texts.NOT_COORDINATOR, f"non-coordinator {user.id} tried /reopen")
            return Outcome().say(texts.REOPEN_NOT_FOUND.format(unit=unit, table=texts.TABLE_LABEL[key]))
        return self.reopen(s, user, a.id or 0)

    # --- files ---------------------------------------------------------------------

    def files(self, s: Session, user: User, kind: str, assessment_id: int | None = None) -> Outcome:
        """The score sheet (xlsx) or report draft (docx) of the user's assessment."""
        person = self.person(s, user)
        if person is None:
            return refusal(texts.NOT_BOUND, f"unbound user {user.id} asked for files")
        if assessment_id:
            a = s.get(Assessment, assessment_id)
            if a is None or (a.unit != person.unit and person.role != "coordinator"):
                return refusal(texts.SCORE_WRONG_UNIT, f"user {user.id} asked for files of assessment {assessment_id}")
        else:
            found = self._current(s, user)
            if isinstance(found, Outcome):
                return found
            a = found[1]
        return self.export(s, a, kind)

    def export(self, s: Session, a: Assessment, kind: str) -> Outcome:
        from bot.files.reports import (
            export_filename,
            score_sheet_xlsx,
            self_check_report_docx,
        )

        snap = self.snapshot(s, a)
        now = self.clock()
        today = now.astimezone(self.tz).date()
        out = Outcome()
        if kind == "xlsx":
            name = export_filename(a.unit, a.table_key, "score_sheet", today)
            data = score_sheet_xlsx(snap, self.rubric.campaign, now.astimezone(self.tz))
            out.files.append(OutFile(name, data, texts.FILES_SENT.format(name=name)))
            return out
        draft = self_check_report_docx(snap, self.rubric.campaign, today)
        name = export_filename(a.unit, a.table_key, "self_check_report", today)
        caption = "\n".join(draft.warnings) or texts.FILES_SHARE_OK.format(share=round(draft.problem_share * 100))
        out.files.append(OutFile(name, draft.data, caption[:1000]))
        return out

    def find_assessment(self, s: Session, unit: str, table_key: str) -> Assessment | None:
        return s.exec(
            select(Assessment).where(Assessment.unit == unit, Assessment.table_key == table_key, Assessment.round == self.round)
        ).first()

    # --- whole-assessment buttons ----------------------------------------------------

    def assessment_op(self, s: Session, user: User, action: AssessmentOp) -> Outcome:
        if action.op == "reopen":
            return self.reopen(s, user, action.assessment)
        if action.op in ("xlsx", "docx"):
            return self.files(s, user, action.op, action.assessment or None)
        if action.op in ("score", "party", "government"):
            return self.start(s, user, action.op if action.op != "score" else None)
        if action.op == "review":
            return self.review(s, user)
        if action.op == "summary":
            return self.summary(s, user)
        found = self._scorer_and(s, user, action.assessment, open_only=False)
        if isinstance(found, Outcome):
            return found
        person, a = found
        if action.op == "submit":
            return self._ask_submit(s, person, a)
        if action.op == "confirm":
            if a.status == "submitted":
                return refusal(texts.SCORE_LOCKED.format(at=self._local(a.submitted_at)), "double submit")
            return self._confirm_submit(s, person, user, a)
        if action.op == "cancel":
            return Outcome().say(texts.SUBMIT_CANCELLED)
        return refusal(texts.STALE_BUTTON, f"unknown op {action.op}")

    # --- rendering -----------------------------------------------------------------

    def _local(self, at: dt.datetime | None) -> str:
        if at is None:
            return "—"
        local = at.astimezone(self.tz)
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"

    def _progress(self, snap: AssessmentSnapshot) -> str:
        return texts.SCORE_PROGRESS.format(
            unit=snap.unit,
            table=texts.TABLE_LABEL[snap.table.key],
            done=snap.tasks_done,
            total=len(snap.table.tasks),
            score=fmt_points(snap.total),
        )

    def _question(self, snap: AssessmentSnapshot, key: CriterionKey, owner: int, note: str | None = None) -> Answer:
        """A criterion as a question: task card on its first criterion, one button per level."""
        task = snap.table.task(key[0])
        assert task is not None
        ci = key[1]
        c = task.criteria[ci]
        doc = Doc()
        if note:
            doc.add(note)
        doc.add(Span(self._progress(snap), italic=True))
        doc.bold(texts.SCORE_TASK_HEAD.format(no=task.no, title=task.title, points=fmt_points(task.points)))
        if ci == 0:
            doc.add(texts.SCORE_TASK_TEXT.format(text=task.text))
            doc.add(texts.SCORE_CHECK.format(text=task.check_method))
        doc.add(Span(texts.SCORE_CRITERION.format(i=ci + 1, n=len(task.criteria), points=fmt_points(c.points), text=c.text), bold=True))
        current = snap.answers.get(key)
        if current is not None:
            label = c.levels[current.level].label if current.level < len(c.levels) else "?"
            doc.add(texts.SCORE_CURRENT.format(label=label, points=fmt_points(current.points), by=current.answered_by))
            if snap.is_stale(key):
                doc.add(Span(texts.SCORE_STALE, italic=True))
        files = snap.evidence_for(key)
        doc.add(Span(texts.SCORE_EVIDENCE_COUNT.format(count=len(files)) if files else texts.SCORE_EVIDENCE_HINT, italic=True))
        rev = current.revision if current else 0
        levels = [
            Button(texts.SCORE_LEVEL_BUTTON.format(label=lv.label, points=fmt_points(lv.points)), PickLevel(snap.id, task.no, ci, i, rev))
            for i, lv in enumerate(c.levels)
        ]
        rows = [levels[i : i + 2] for i in range(0, len(levels), 2)] if len(levels) > 3 else [levels]
        nav = [
            Button(texts.SCORE_PREV, Navigate(snap.id, "prev", task.no, ci)),
            Button(texts.SCORE_SKIP, Navigate(snap.id, "skip", task.no, ci)),
            Button(texts.SCORE_PAUSE, Navigate(snap.id, "pause", task.no, ci)),
        ]
        if files:
            nav.append(Button(texts.SCORE_SHOW_EVIDENCE, Navigate(snap.id, "evidence", task.no, ci)))
        rows.append(nav)
        return Answer(Intent.help, doc, buttons=rows, topic="score")

    def _rect_prompt(
        self, snap: AssessmentSnapshot, key: CriterionKey, step: str, intro: bool = False, note: str | None = None
    ) -> Answer:
        task = snap.table.task(key[0])
        assert task is not None
        c = task.criteria[key[1]]
        doc = Doc()
        if note:
            doc.add(note)
        if intro:
            got = snap.answers[key].points if key in snap.answers else 0
            doc.add(texts.RECT_INTRO.format(got=fmt_points(got), full=fmt_points(c.points)))
        doc.add(Span(f"第{task.no}项第{key[1] + 1}条：{c.text}", italic=True))
        doc.bold(texts.RECT_ASK[step].format(units="、".join(task.units)))
        return Answer(Intent.help, doc, buttons=[[Button(texts.SCORE_SKIP, Navigate(snap.id, "field_skip", key[0], key[1]))]], topic="rectify")

    def _done(self, snap: AssessmentSnapshot, note: str | None = None) -> Answer:
        doc = Doc()
        if note:
            doc.add(note)
        doc.add(texts.SCORE_DONE.format(total=len(snap.table.tasks), score=fmt_points(snap.total)))
        return Answer(
            Intent.help,
            doc,
            buttons=[[Button("检查修改", AssessmentOp(snap.id, "review")), Button("汇总", AssessmentOp(snap.id, "summary")), Button("提交", AssessmentOp(snap.id, "submit"))]],
        )


def _answer_record(r, full: bool) -> AnswerRecord:
    """An answer row as the scoring core sees it; brief rows carry no rectification."""
    rectification = (
        Rectification(
            problem=r.problem,
            measure=r.measure,
            leader=r.leader,
            unit=r.resp_unit,
            person=r.resp_person,
            deadline=r.deadline,
            deadline_text=r.deadline_text,
        )
        if full
        else Rectification()
    )
    return AnswerRecord(
        task_no=r.task_no,
        criterion=r.criterion,
        level=r.level,
        points=r.points,
        answered_by=r.answered_by,
        answered_at=r.answered_at if full else None,
        revision=r.revision,
        fingerprint=r.fingerprint,
        rectification=rectification,
    )


def _rect_value(r: Rectification, step: str) -> str | None:
    if step == "deadline":
        return r.deadline_text or (r.deadline.isoformat() if r.deadline else None)
    return getattr(r, step)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def parse_duration(text: str) -> dt.timedelta:
    """'7d', '12h', '30m' or '2w' for `ducha invite create --expires`."""
    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise ValueError(f"expected a duration like 7d, 12h or 2w, got {text!r}")
    return dt.timedelta(seconds=int(text[:-1]) * units[text[-1]])


def table_for(rubric: Rubric, key: str) -> Table:
    return rubric.tables[key]  # type: ignore[index]
