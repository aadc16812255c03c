"""Authorising the acting user for an assessment: may they score, is it their unit's, is it
still open; and which assessment a user's unit scores this round (created on first use)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import AssessmentOp
from bot.common.errors import Refusal
from bot.common.reply import Button, Outcome, User
from bot.common.states import AssessmentStatus, Role
from bot.scoring.context import ScoringContext
from bot.scoring.membership import Binding, Membership, table_of
from bot.scoring.snapshots import AssessmentRow, assessment_row
from bot.storage.models import Assessment


class Access:
    def __init__(self, ctx: ScoringContext, membership: Membership) -> None:
        self.ctx = ctx
        self.membership = membership

    def scorer(self, s: Session, user: User) -> Binding:
        """The user's binding if they may score; otherwise raises the refusal."""
        person = self.membership.binding(s, user)
        if person is None:
            raise Refusal(texts.NOT_BOUND, f"unbound user {user.id} tried to score")
        if not person.active:
            raise Refusal(texts.INACTIVE, f"inactive user {user.id} tried to score")
        if person.role == Role.coordinator:
            raise Refusal(texts.COORDINATOR_NO_SCORE, f"coordinator {user.id} tried to score")
        if person.role == Role.inspector:
            raise Refusal(texts.INSPECTOR_NO_SCORE, f"inspector {user.id} tried to self-score")
        return person

    def scoring(self, s: Session, user: User) -> Binding | None:
        """The user's binding if they may score, else None (for routing typed text, where not
        scoring is no refusal)."""
        person = self.membership.binding(s, user)
        if person is None or not person.active or person.role in (Role.coordinator, Role.inspector):
            return None
        return person

    def is_coordinator(self, s: Session, user: User) -> bool:
        """An active coordinator: may look at every unit's assessment and files."""
        person = self.membership.binding(s, user)  # admins are made coordinators here
        return person is not None and person.active and person.role == Role.coordinator

    def any(self, s: Session, assessment_id: int) -> AssessmentRow | None:
        """This round's assessment ``assessment_id`` of any unit (for coordinators)."""
        a = assessment_row(s, assessment_id)
        return a if a is not None and a.round == self.ctx.round else None

    def owned(self, s: Session, person: Binding, assessment_id: int) -> AssessmentRow:
        """The assessment, if it is this round's and the person's unit's; otherwise raises."""
        a = assessment_row(s, assessment_id)
        if a is None or a.round != self.ctx.round:
            raise Refusal(texts.STALE_BUTTON, f"user {person.user_id}: no assessment {assessment_id}", slip=True)
        if a.unit != person.unit:
            raise Refusal(texts.SCORE_WRONG_UNIT, f"user {person.user_id} ({person.unit}) touched assessment {a.id} of {a.unit}")
        return a

    def open(self, s: Session, person: Binding, assessment_id: int) -> AssessmentRow:
        """The assessment, if the person's unit owns it and has not submitted it."""
        a = self.owned(s, person, assessment_id)
        if a.status == AssessmentStatus.submitted:
            raise Refusal(texts.SCORE_LOCKED.format(at=self.ctx.local(a.submitted_at)), f"assessment {a.id} is submitted", slip=True)
        return a

    def usable(self, s: Session, person: Binding, assessment_id: int) -> AssessmentRow | None:
        """The assessment if ``open`` would give it, else None (for a prompt still waiting)."""
        a = assessment_row(s, assessment_id)
        ok = a is not None and a.round == self.ctx.round and a.unit == person.unit and a.status != AssessmentStatus.submitted
        return a if ok else None

    def scorer_and(self, s: Session, user: User, assessment_id: int, open_only: bool) -> tuple[Binding, AssessmentRow]:
        """The user's binding and the assessment an action names, if it is their unit's (and,
        with ``open_only``, not submitted); otherwise raises the refusal."""
        person = self.scorer(s, user)
        return person, (self.open if open_only else self.owned)(s, person, assessment_id)

    def current(self, s: Session, user: User) -> tuple[Binding, Assessment | None]:
        """The user's binding and their unit's assessment this round (None when it has not
        begun, or a department has not picked its table: then ``not_started`` says what to do)."""
        person = self.scorer(s, user)
        key = table_of(person)
        return person, (self.find(s, person.unit, key) if key is not None else None)

    def not_started(self, person: Binding) -> Outcome:
        """What a user whose unit has no assessment yet is offered: pick the table, or begin."""
        if table_of(person) is None:
            return pick_table()
        return Outcome().say(texts.NO_ASSESSMENT, [[Button("开始自评", AssessmentOp(0, "score"))]])

    def find(self, s: Session, unit: str, table_key: str) -> Assessment | None:
        """The unit's assessment of ``table_key`` this round, if it has begun."""
        return s.exec(
            select(Assessment).where(Assessment.unit == unit, Assessment.table_key == table_key, Assessment.round == self.ctx.round)
        ).first()

    def begin(self, s: Session, unit: str, table_key: str) -> Assessment:
        """The unit's assessment of ``table_key`` this round, created on first use."""
        found = self.find(s, unit, table_key)
        if found:
            return found
        try:
            with s.begin_nested():  # a colleague may create it at the same moment
                a = Assessment(
                    unit=unit,
                    table_key=table_key,
                    round=self.ctx.round,
                    rubric_version=self.ctx.rubric.version,
                    created_at=self.ctx.clock(),
                )
                s.add(a)
            return a
        except IntegrityError:
            found = self.find(s, unit, table_key)
            assert found is not None
            return found


def pick_table() -> Outcome:
    """A department picks the table it scores against."""
    return Outcome().say(
        texts.SCORE_PICK_TABLE,
        [[Button("参照党委表", AssessmentOp(0, "party")), Button("参照政府表", AssessmentOp(0, "government"))]],
    )
