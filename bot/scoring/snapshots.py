"""Reading an assessment with its answers and evidence, as plain rows (this runs on every answer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, select

from bot.common.rubric import Rubric
from bot.common.states import EvidenceStage
from bot.scoring.scores import (
    AnswerRecord,
    AnswerRows,
    AssessmentSnapshot,
    CriterionKey,
    EvidenceRecord,
    Rectification,
)
from bot.storage.models import Assessment, CriterionAnswer, Evidence
from bot.storage.prepared import Prepared


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


# Every answer runs these: prepared once per database (bot/storage/prepared.py).
_ASSESSMENT = Prepared(select(
    Assessment.id, Assessment.unit, Assessment.table_key, Assessment.round, Assessment.rubric_version,
    Assessment.status, Assessment.submitted_by, Assessment.submitted_at,
).where(Assessment.id == bindparam("assessment_id")))
_A, _E = CriterionAnswer, Evidence
_ANSWERS_BRIEF = Prepared(select(
    _A.task_no, _A.criterion, _A.level, _A.points, _A.answered_by, _A.revision, _A.fingerprint
).where(_A.assessment_id == bindparam("assessment_id")))
_BRIEF_POINTS, _BRIEF_FINGERPRINT = 3, 6  # where _ANSWERS_BRIEF's rows hold them
_ANSWERS_FULL = select(
    _A.task_no, _A.criterion, _A.level, _A.points, _A.answered_by, _A.answered_at, _A.revision, _A.fingerprint,
    _A.problem, _A.measure, _A.leader, _A.resp_unit, _A.resp_person, _A.deadline, _A.deadline_text,
).where(_A.assessment_id == bindparam("assessment_id"))
_EVIDENCE_COLUMNS = (_E.id, _E.task_no, _E.criterion, _E.kind, _E.file_id, _E.file_name, _E.size, _E.caption, _E.added_by, _E.added_at, _E.stage)
# The self-check's own evidence; a rectification item's files are read by ``all_evidence``.
_EVIDENCE_NAMES = tuple(c.key for c in _EVIDENCE_COLUMNS)
_EVIDENCE = Prepared(
    select(*_EVIDENCE_COLUMNS)
    .where(_E.assessment_id == bindparam("assessment_id"), _E.stage == EvidenceStage.selfcheck.value)
    .order_by(_E.id)
)
_ALL_EVIDENCE = select(*_EVIDENCE_COLUMNS).where(_E.assessment_id == bindparam("assessment_id")).order_by(_E.id)


def assessment_row(s: Session, assessment_id: int) -> AssessmentRow | None:
    row = _ASSESSMENT.first(s, assessment_id=assessment_id)
    return AssessmentRow(*row) if row else None


def all_evidence(s: Session, assessment_id: int) -> list[EvidenceRecord]:
    """Every file kept for an assessment: the self-check's and its rectification items'."""
    return [EvidenceRecord(**r._mapping) for r in s.connection().execute(_ALL_EVIDENCE, {"assessment_id": assessment_id})]


def snapshot(s: Session, rubric: Rubric, a: Assessment | AssessmentRow, full: bool = True) -> AssessmentSnapshot:
    """The assessment with its answers and evidence, read fresh from the database.

    Plain column queries rather than ORM objects: this runs on every answer. The
    conversation needs only levels and points (``full=False``); review, summary and
    the files need the rectification items too.
    """
    table = rubric.table(a.table_key)
    if full:
        rows = s.connection().execute(_ANSWERS_FULL, {"assessment_id": a.id})
        answers: Mapping[CriterionKey, AnswerRecord] = {(r.task_no, r.criterion): _answer_record(r) for r in rows}
    else:
        brief = _ANSWERS_BRIEF.all(s, assessment_id=a.id)
        answers = AnswerRows({(r[0], r[1]): r for r in brief}, _brief_record, _BRIEF_POINTS, _BRIEF_FINGERPRINT)
    evidence = [EvidenceRecord(**dict(zip(_EVIDENCE_NAMES, r))) for r in _EVIDENCE.all(s, assessment_id=a.id)]
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


_NO_RECTIFICATION = Rectification()  # shared by every brief row (it is immutable)


def _brief_record(r: tuple) -> AnswerRecord:
    """A row of _ANSWERS_BRIEF; brief rows carry no rectification."""
    task_no, criterion, level, points, answered_by, revision, fingerprint = r
    return AnswerRecord(task_no, criterion, level, points, answered_by, None, revision, fingerprint, _NO_RECTIFICATION)


def _answer_record(r) -> AnswerRecord:
    """A row of _ANSWERS_FULL, with its rectification item."""
    rectification = Rectification(
        problem=r.problem,
        measure=r.measure,
        leader=r.leader,
        unit=r.resp_unit,
        person=r.resp_person,
        deadline=r.deadline,
        deadline_text=r.deadline_text,
    )
    return AnswerRecord(
        task_no=r.task_no,
        criterion=r.criterion,
        level=r.level,
        points=r.points,
        answered_by=r.answered_by,
        answered_at=r.answered_at,
        revision=r.revision,
        fingerprint=r.fingerprint,
        rectification=rectification,
    )
