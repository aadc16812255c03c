"""Who may see and score which unit's inspection, decided by the user's binding alone.

Inspectors see and score only their group's units; coordinators see every unit (and
reopen and release) but do not score; the inspected units' own users are refused. Every
refusal is raised as ``Refusal``; the runner that called the action replies with its text
and writes the audit row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.common.errors import Refusal
from bot.common.reply import User
from bot.common.states import Role
from bot.inspection import records, texts
from bot.inspection.context import Context
from bot.inspection.states import InspectionStatus
from bot.scoring.membership import withdrawn
from bot.storage.models import Inspection, InspectionAssignment, Person

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Viewer:
    """The acting user as this feature sees them."""

    user_id: int
    name: str
    role: str  # inspector | coordinator
    group_id: int | None = None
    group_name: str | None = None

    @property
    def coordinator(self) -> bool:
        return self.role == Role.coordinator


class Access:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def viewer(self, s: Session, user: User) -> Viewer:
        """The user if they are an inspector (with a group this round) or a coordinator."""
        person = s.get(Person, user.id)
        if person is not None and withdrawn(person, self.ctx.admin_ids):  # DUCHA_ADMIN_IDS no longer lists them
            person = None
        if user.id in self.ctx.admin_ids and (person is None or person.role != Role.coordinator):
            return Viewer(user.id, user.name, Role.coordinator)
        if person is None:
            raise Refusal(texts.NOT_BOUND, f"unbound user {user.id} tried the inspection")
        if not person.active:
            raise Refusal(texts.INACTIVE, f"inactive user {user.id} tried the inspection")
        if person.role == Role.coordinator:
            return Viewer(user.id, person.name, Role.coordinator)
        if person.role != Role.inspector:
            raise Refusal(texts.UNIT_USER, f"unit user {user.id} ({person.unit} {person.role}) tried the inspection")
        group = records.group_by_name(s, self.ctx.round, person.unit)
        if group is None:
            raise Refusal(texts.NO_GROUP.format(group=person.unit), f"inspector {user.id}: no group {person.unit!r} this round")
        return Viewer(user.id, person.name, Role.inspector, group.id, group.name)

    def coordinator(self, s: Session, user: User | None, what: str) -> Viewer | None:
        """A coordinator, or None for the command line; anyone else is refused."""
        if user is None:
            return None
        try:
            viewer = self.viewer(s, user)
        except Refusal as exc:
            raise Refusal(texts.NOT_COORDINATOR, f"{exc.reason}; wanted {what}") from None
        if not viewer.coordinator:
            raise Refusal(texts.NOT_COORDINATOR, f"inspector {user.id} tried {what}")
        return viewer

    def inspector(self, s: Session, user: User) -> Viewer:
        viewer = self.viewer(s, user)
        if viewer.coordinator:
            raise Refusal(texts.COORDINATOR_NO_SCORE, f"coordinator {user.id} tried to score an inspection", slip=True)
        return viewer

    def may_see_unit(self, s: Session, viewer: Viewer, unit: str) -> None:
        if viewer.coordinator:
            return
        a = records.assignment_of(s, self.ctx.round, unit)
        if a is None or a.group_id != viewer.group_id:
            raise Refusal(
                texts.NOT_YOUR_UNIT.format(unit=unit),
                f"inspector {viewer.user_id} ({viewer.group_name}) touched {unit}, not their group's",
            )

    def assignment(self, s: Session, viewer: Viewer, assignment_id: int) -> InspectionAssignment:
        a = s.get(InspectionAssignment, assignment_id)
        if a is None or a.round != self.ctx.round:
            raise Refusal(texts.STALE, f"user {viewer.user_id}: no assignment {assignment_id}", slip=True)
        self.may_see_unit(s, viewer, a.unit)
        return a

    def inspection(self, s: Session, viewer: Viewer, inspection_id: int, *, score: bool = False) -> Inspection:
        """The inspection a button names, if the viewer may see it (and, with ``score``,
        change it: an inspector of its unit's group, while it is open)."""
        insp = s.get(Inspection, inspection_id)
        if insp is None or insp.round != self.ctx.round:
            raise Refusal(texts.STALE, f"user {viewer.user_id}: no inspection {inspection_id}", slip=True)
        self.may_see_unit(s, viewer, insp.unit)
        if score:
            if viewer.coordinator:
                raise Refusal(texts.COORDINATOR_NO_SCORE, f"coordinator {viewer.user_id} tried to score", slip=True)
            if insp.status != InspectionStatus.open:
                raise Refusal(
                    texts.LOCKED.format(unit=insp.unit, table=texts.TABLE_LABEL[insp.table_key], at=self.ctx.local(insp.submitted_at)),
                    f"inspection {insp.id} is {insp.status}",
                    slip=True,
                )
        return insp

    def group_units(self, s: Session, viewer: Viewer) -> list[InspectionAssignment]:
        return records.assignments(s, self.ctx.round, viewer.group_id)


def is_inspector(s: Session, user_id: int) -> bool:
    """True if the user is bound as an active inspector (for shells routing typed text)."""
    row = s.exec(select(Person.role, Person.active).where(Person.user_id == user_id)).first()
    return row is not None and row[0] == Role.inspector and bool(row[1])
