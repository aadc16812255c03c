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


# Every answer runs these; built once so SQLAlchemy compiles each once.
_ASSESSMENT = select(
    Assessment.id, Assessment.unit, Assessment.table_key, Assessment.round, Assessment.rubric_version,
    Assessment.status, Assessment.submitted_by, Assessment.submitted_at,
).where(Assessment.id == bindparam("assessment_id"))
_A, _E = CriterionAnswer, Evidence
_ANSWERS_BRIEF = select(
    _A.task_no, _A.criterion, _A.level, _A.points, _A.answered_by, _A.revision, _A.fingerprint
).where(_A.assessment_id == bindparam("assessment_id"))
_BRIEF_POINTS, _BRIEF_FINGERPRINT = 3, 6  # where _ANSWERS_BRIEF's rows hold them
_ANSWERS_FULL = select(
    _A.task_no, _A.criterion, _A.level, _A.points, _A.answered_by, _A.answered_at, _A.revision, _A.fingerprint,
    _A.problem, _A.measure, _A.leader, _A.resp_unit, _A.resp_person, _A.deadline, _A.deadline_text,
).where(_A.assessment_id == bindparam("assessment_id"))
_EVIDENCE_COLUMNS = (_E.id, _E.task_no, _E.criterion, _E.kind, _E.file_id, _E.file_name, _E.size, _E.caption, _E.added_by, _E.added_at, _E.stage)
# The self-check's own evidence; a rectification item's files are read by ``all_evidence``.
_EVIDENCE = (
    select(*_EVIDENCE_COLUMNS)
    .where(_E.assessment_id == bindparam("assessment_id"), _E.stage == EvidenceStage.selfcheck.value)
    .order_by(_E.id)
)
_ALL_EVIDENCE = select(*_EVIDENCE_COLUMNS).where(_E.assessment_id == bindparam("assessment_id")).order_by(_E.id)


def assessment_row(s: Session, assessment_id: int) -> AssessmentRow | None:
    row = s.connection().execute(_ASSESSMENT, {"assessment_id": assessment_id}).first()
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
    statement = _ANSWERS_FULL if full else _ANSWERS_BRIEF
    rows = s.connection().execute(statement, {"assessment_id": a.id})
    if full:
        answers: Mapping[CriterionKey, AnswerRecord] = {(r.task_no, r.criterion): _answer_record(r, True) for r in rows}
    else:
        answers = AnswerRows({(r[0], r[1]): r for r in rows}, _brief_record, _BRIEF_POINTS, _BRIEF_FINGERPRINT)
    evidence = [EvidenceRecord(**r._mapping) for r in s.connection().execute(_EVIDENCE, {"assessment_id": a.id})]
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


def _brief_record(r) -> AnswerRecord:
    return _answer_record(r, False)


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
        else _NO_RECTIFICATION
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
