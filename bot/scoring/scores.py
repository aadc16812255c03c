"""Self-assessment arithmetic: progress, scores, subtotals and deductions. Pure functions.

Storage hands this module plain records; everything users see about a score (progress
line, review page, summary, score sheet, report) is computed here, in one way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.common.reply import EvidenceRecord  # noqa: F401  (part of a snapshot)
from bot.common.rubric import Criterion, Table, Task

CriterionKey = tuple[int, int]  # (task number, 0-based criterion index)


def criterion_fingerprint(criterion: Criterion) -> str:
    """A short hash of what a criterion asks (computed once per criterion)."""
    return criterion.fingerprint


@dataclass(frozen=True)
class Rectification:
    """The rectification item a below-full answer carries (each part may be skipped)."""

    problem: str | None = None
    measure: str | None = None
    leader: str | None = None
    unit: str | None = None
    person: str | None = None
    deadline: dt.date | None = None
    deadline_text: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.problem, self.measure, self.leader, self.unit, self.person, self.deadline, self.deadline_text))


@dataclass(frozen=True)
class AnswerRecord:
    """One criterion answered by a unit."""

    task_no: int
    criterion: int
    level: int
    points: float
    answered_by: str
    answered_at: dt.datetime | None  # None in the brief snapshots the conversation reads
    revision: int = 1
    fingerprint: str = ""
    rectification: Rectification = field(default_factory=Rectification)


@dataclass(frozen=True)
class Deduction:
    task: Task
    criterion_index: int
    criterion: Criterion
    answer: AnswerRecord
    lost: float


@dataclass
class AssessmentSnapshot:
    """Everything about one unit's self-assessment of one table, read at one moment."""

    id: int
    unit: str
    table: Table
    round: str
    status: str  # open | submitted
    rubric_version: str
    answers: dict[CriterionKey, AnswerRecord]
    evidence: list[EvidenceRecord] = field(default_factory=list)
    submitted_by: str | None = None
    submitted_at: dt.datetime | None = None

    # --- progress -------------------------------------------------------------------

    def keys(self) -> list[CriterionKey]:
        return [(t.no, i) for t in self.table.tasks for i in range(len(t.criteria))]

    def is_stale(self, key: CriterionKey) -> bool:
        """The answer was given under a criterion the rubric has since changed."""
        answer = self.answers.get(key)
        if answer is None or not answer.fingerprint:
            return False
        task = self.table.task(key[0])
        if task is None or key[1] >= len(task.criteria):
            return True
        return answer.fingerprint != criterion_fingerprint(task.criteria[key[1]])

    def answered(self, key: CriterionKey) -> bool:
        return key in self.answers and not self.is_stale(key)

    def task_done(self, task: Task) -> bool:
        return all(self.answered((task.no, i)) for i in range(len(task.criteria)))

    @property
    def tasks_done(self) -> int:
        return sum(1 for t in self.table.tasks if self.task_done(t))

    @property
    def criteria_done(self) -> int:
        return sum(1 for k in self.keys() if self.answered(k))

    @property
    def criteria_total(self) -> int:
        return len(self.keys())

    @property
    def complete(self) -> bool:
        return self.criteria_done == self.criteria_total

    def next_unanswered(self, after: CriterionKey | None = None) -> CriterionKey | None:
        """The first unanswered criterion after ``after`` (wrapping round), or None when done."""
        keys = self.keys()
        start = keys.index(after) + 1 if after in keys else 0
        for key in keys[start:] + keys[:start]:
            if not self.answered(key):
                return key
        return None

    def stale_keys(self) -> list[CriterionKey]:
        return [k for k in self.keys() if k in self.answers and self.is_stale(k)]

    # --- scores ---------------------------------------------------------------------

    def task_score(self, task: Task) -> float:
        """Points earned on a task so far, capped at the task's stated points."""
        raw = sum(self.answers[(task.no, i)].points for i in range(len(task.criteria)) if self.answered((task.no, i)))
        return task.capped(raw)

    @property
    def total(self) -> float:
        return sum(self.task_score(t) for t in self.table.tasks)

    def duty_subtotals(self) -> list[tuple[int, float, float]]:
        """(duty number, score, full points) for each of the six duties."""
        return [
            (d.no, sum(self.task_score(t) for t in self.table.tasks if t.duty == d.no), self.table.duty_points(d.no))
            for d in self.table.duties
        ]

    def deductions(self) -> list[Deduction]:
        """Every answered criterion scored below full, largest loss first."""
        out = []
        for task in self.table.tasks:
            for i, criterion in enumerate(task.criteria):
                answer = self.answers.get((task.no, i))
                if answer is not None and not self.is_stale((task.no, i)) and answer.points < criterion.points:
                    out.append(Deduction(task, i, criterion, answer, criterion.points - answer.points))
        out.sort(key=lambda d: (-d.lost, d.task.no, d.criterion_index))
        return out

    def evidence_for(self, key: CriterionKey) -> list[EvidenceRecord]:
        return [e for e in self.evidence if (e.task_no, e.criterion) == key]


