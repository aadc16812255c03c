"""Reading the inspection's tables: groups, assignments, members, and both sides of a unit's
scores (the inspectors' and the unit's own) as ``AssessmentSnapshot`` values.

Plain queries over a session; no authorisation here (access.py decides who may see what).
An inspection snapshot reuses the self-assessment's arithmetic (capped task scores, duty
subtotals, staleness): its answers carry the finding and recommendation where a
self-assessment carries its problem and measure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from bot.common.reply import EvidenceRecord
from bot.common.rubric import Rubric
from bot.common.states import Role
from bot.inspection.states import TABLE_KEYS
from bot.scoring.membership import active_coordinator_ids
from bot.scoring.scores import AnswerRecord, AssessmentSnapshot, Rectification
from bot.storage.models import (
    Assessment,
    CriterionAnswer,
    Evidence,
    Inspection,
    InspectionAnswer,
    InspectionAssignment,
    InspectionEvidence,
    InspectionGroup,
    Person,
)


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    units: tuple[str, ...]  # in the order they were assigned
    members: tuple[str, ...]  # names of active inspectors


def group_by_name(s: Session, round_: str, name: str) -> InspectionGroup | None:
    return s.exec(select(InspectionGroup).where(InspectionGroup.round == round_, InspectionGroup.name == name)).first()


def groups(s: Session, round_: str) -> list[GroupRow]:
    """Every group of the round with its units and members, in creation order."""
    found = s.exec(select(InspectionGroup).where(InspectionGroup.round == round_).order_by(InspectionGroup.id)).all()
    assigned = s.exec(
        select(InspectionAssignment).where(InspectionAssignment.round == round_).order_by(InspectionAssignment.id)
    ).all()
    people = s.exec(select(Person).where(Person.role == Role.inspector, Person.active == True)).all()  # noqa: E712
    rows = []
    for g in found:
        units = tuple(a.unit for a in assigned if a.group_id == g.id)
        members = tuple(p.name for p in people if p.unit == g.name)
        rows.append(GroupRow(g.id or 0, g.name, units, members))
    return rows


def assignments(s: Session, round_: str, group_id: int | None = None) -> list[InspectionAssignment]:
    query = select(InspectionAssignment).where(InspectionAssignment.round == round_)
    if group_id is not None:
        query = query.where(InspectionAssignment.group_id == group_id)
    return list(s.exec(query.order_by(InspectionAssignment.id)).all())


def assignment_of(s: Session, round_: str, unit: str) -> InspectionAssignment | None:
    return s.exec(
        select(InspectionAssignment).where(InspectionAssignment.round == round_, InspectionAssignment.unit == unit)
    ).first()


def members(s: Session, group_name: str) -> list[Person]:
    """Active inspectors of a group (bound by an invite made for the group)."""
    return list(
        s.exec(
            select(Person).where(Person.role == Role.inspector, Person.unit == group_name, Person.active == True)  # noqa: E712
        ).all()
    )


def unit_users(s: Session, unit: str) -> list[int]:
    """The unit's own active users (never inspectors or coordinators: their `unit` differs)."""
    return list(
        s.exec(
            select(Person.user_id).where(
                Person.unit == unit, Person.active == True, Person.role.not_in((Role.inspector, Role.coordinator))  # type: ignore[attr-defined]  # noqa: E712
            )
        ).all()
    )


def coordinators(s: Session, admin_ids: frozenset[int]) -> list[int]:
    return active_coordinator_ids(s, admin_ids)


def tables_for_unit(s: Session, rubric: Rubric, round_: str, unit: str) -> list[str]:
    """The tables a unit is inspected on: both for a county, district or zone (its party and
    its government leader); a department by its reference table (the one it scored or its
    users score by), or both while that is unknown."""
    kind = next((u.kind for u in rubric.units if u.name == unit), None)
    found: set[str] = set()
    if kind == "department":
        found |= set(s.exec(select(Assessment.table_key).where(Assessment.unit == unit, Assessment.round == round_)).all())
        found |= set(s.exec(select(Inspection.table_key).where(Inspection.unit == unit, Inspection.round == round_)).all())
        for p in s.exec(select(Person).where(Person.unit == unit, Person.active == True)).all():  # noqa: E712
            if p.table_key in TABLE_KEYS:
                found.add(p.table_key)
    return [k for k in TABLE_KEYS if k in rubric.tables and (k in found or not found)]


def find_inspection(s: Session, round_: str, unit: str, table_key: str) -> Inspection | None:
    return s.exec(
        select(Inspection).where(Inspection.round == round_, Inspection.unit == unit, Inspection.table_key == table_key)
    ).first()


def inspections(s: Session, round_: str) -> list[Inspection]:
    return list(s.exec(select(Inspection).where(Inspection.round == round_).order_by(Inspection.unit, Inspection.table_key)).all())


# --- snapshots -------------------------------------------------------------------------------


def inspection_snapshot(s: Session, rubric: Rubric, insp: Inspection) -> AssessmentSnapshot:
    """The inspectors' answers and evidence, read fresh."""
    rows = s.exec(select(InspectionAnswer).where(InspectionAnswer.inspection_id == insp.id)).all()
    answers = {
        (r.task_no, r.criterion): AnswerRecord(
            task_no=r.task_no,
            criterion=r.criterion,
            level=r.level,
            points=r.points,
            answered_by=r.answered_by,
            answered_at=r.answered_at,
            revision=r.revision,
            fingerprint=r.fingerprint,
            rectification=Rectification(problem=r.finding, measure=r.recommendation),
        )
        for r in rows
    }
    files = s.exec(
        select(InspectionEvidence).where(InspectionEvidence.inspection_id == insp.id).order_by(InspectionEvidence.id)
    ).all()
    return AssessmentSnapshot(
        id=insp.id or 0,
        unit=insp.unit,
        table=rubric.table(insp.table_key),
        round=insp.round,
        status=insp.status,
        rubric_version=insp.rubric_version,
        answers=answers,
        evidence=[_evidence(e) for e in files],
        submitted_by=insp.submitted_by,
        submitted_at=insp.submitted_at,
    )


def self_snapshot(s: Session, rubric: Rubric, round_: str, unit: str, table_key: str) -> AssessmentSnapshot | None:
    """The unit's own self-assessment of the table this round, or None if it never began."""
    a = s.exec(
        select(Assessment).where(Assessment.unit == unit, Assessment.table_key == table_key, Assessment.round == round_)
    ).first()
    if a is None:
        return None
    rows = s.exec(select(CriterionAnswer).where(CriterionAnswer.assessment_id == a.id)).all()
    answers = {
        (r.task_no, r.criterion): AnswerRecord(
            task_no=r.task_no,
            criterion=r.criterion,
            level=r.level,
            points=r.points,
            answered_by=r.answered_by,
            answered_at=r.answered_at,
            revision=r.revision,
            fingerprint=r.fingerprint,
            rectification=Rectification(
                problem=r.problem, measure=r.measure, leader=r.leader, unit=r.resp_unit,
                person=r.resp_person, deadline=r.deadline, deadline_text=r.deadline_text,
            ),
        )
        for r in rows
    }
    files = s.exec(select(Evidence).where(Evidence.assessment_id == a.id).order_by(Evidence.id)).all()
    return AssessmentSnapshot(
        id=a.id or 0,
        unit=a.unit,
        table=rubric.table(table_key),
        round=a.round,
        status=a.status,
        rubric_version=a.rubric_version,
        answers=answers,
        evidence=[_evidence(e) for e in files],
        submitted_by=a.submitted_by,
        submitted_at=a.submitted_at,
    )


def _evidence(e: Evidence | InspectionEvidence) -> EvidenceRecord:
    return EvidenceRecord(
        id=e.id or 0,
        task_no=e.task_no,
        criterion=e.criterion,
        kind=e.kind,
        file_id=e.file_id,
        file_name=e.file_name,
        size=e.size,
        caption=e.caption,
        added_by=e.added_by,
        added_at=e.added_at,
    )
