"""Self-assessment arithmetic: progress, scores, subtotals and deductions. Pure functions.

Storage hands this module plain records; everything users see about a score (progress
line, review page, summary, score sheet, report) is computed here, in one way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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


class AnswerRows(Mapping[CriterionKey, AnswerRecord]):
    """A snapshot's answers as the database returned them, each made into an AnswerRecord only
    when it is looked at: a level press reads every answer of the table, but shows one.
    ``points_at`` and ``fingerprint_at`` say where a row holds those two (progress and scores
    are worked out from them directly)."""

    __slots__ = ("rows", "points_at", "fingerprint_at", "_make", "_made")

    def __init__(
        self, rows: dict[CriterionKey, Sequence[Any]], make: Callable[[Any], AnswerRecord], points_at: int, fingerprint_at: int
    ) -> None:
        self.rows = rows
        self.points_at = points_at
        self.fingerprint_at = fingerprint_at
        self._make = make
        self._made: dict[CriterionKey, AnswerRecord] = {}

    def __getitem__(self, key: CriterionKey) -> AnswerRecord:
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._make(self.rows[key])
        return made

    def __contains__(self, key: object) -> bool:
        return key in self.rows

    def __iter__(self) -> Iterator[CriterionKey]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class TableLayout:
    """What a table's shape gives every snapshot of it, computed once per table: the criterion
    keys in order, each key's position and current fingerprint, each task's keys."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.keys: tuple[CriterionKey, ...] = tuple((t.no, i) for t in table.tasks for i in range(len(t.criteria)))
        self.position: dict[CriterionKey, int] = {k: i for i, k in enumerate(self.keys)}
        self.fingerprints: dict[CriterionKey, str] = {
            (t.no, i): criterion_fingerprint(c) for t in table.tasks for i, c in enumerate(t.criteria)
        }
        self.task_keys: tuple[tuple[Task, tuple[CriterionKey, ...]], ...] = tuple(
            (t, tuple((t.no, i) for i in range(len(t.criteria)))) for t in table.tasks
        )
        # task number -> (its stated points, how many criteria): what every snapshot's scores need
        self.task_sizes: dict[int, tuple[float, int]] = {t.no: (t.points, len(t.criteria)) for t in table.tasks}


_LAYOUTS: dict[int, TableLayout] = {}


def layout(table: Table) -> TableLayout:
    """The table's layout (tables are immutable and live as long as the rubric)."""
    found = _LAYOUTS.get(id(table))
    if found is None or found.table is not table:
        found = _LAYOUTS[id(table)] = TableLayout(table)
    return found


@dataclass
class AssessmentSnapshot:
    """Everything about one unit's self-assessment of one table, read at one moment.

    A snapshot is read, not changed: its progress and scores are worked out once, on first
    use, from the answers it was made with."""

    id: int
    unit: str
    table: Table
    round: str
    status: str  # open | submitted
    rubric_version: str
    answers: Mapping[CriterionKey, AnswerRecord]
    evidence: list[EvidenceRecord] = field(default_factory=list)
    submitted_by: str | None = None
    submitted_at: dt.datetime | None = None
    _derived: _Derived | None = field(default=None, init=False, repr=False, compare=False)

    def _figures(self) -> _Derived:
        if self._derived is None:
            self._derived = _Derived.of(self)
        return self._derived

    # --- progress -------------------------------------------------------------------

    def keys(self) -> list[CriterionKey]:
        return list(layout(self.table).keys)

    def is_stale(self, key: CriterionKey) -> bool:
        """The answer was given under a criterion the rubric has since changed."""
        answer = self.answers.get(key)
        if answer is None or not answer.fingerprint:
            return False
        current = layout(self.table).fingerprints.get(key)
        return current is None or answer.fingerprint != current

    def answered(self, key: CriterionKey) -> bool:
        if key in layout(self.table).position:
            return key in self._figures().fresh
        answer = self.answers.get(key)  # not a criterion of this table: stale unless unmarked
        return answer is not None and not self.is_stale(key)

    def task_done(self, task: Task) -> bool:
        fresh = self._figures().fresh
        return all((task.no, i) in fresh for i in range(len(task.criteria)))

    @property
    def tasks_done(self) -> int:
        return self._figures().tasks_done

    @property
    def criteria_done(self) -> int:
        return len(self._figures().fresh)

    @property
    def criteria_total(self) -> int:
        return len(layout(self.table).keys)

    @property
    def complete(self) -> bool:
        return self.criteria_done == self.criteria_total

    def next_unanswered(self, after: CriterionKey | None = None) -> CriterionKey | None:
        """The first unanswered criterion after ``after`` (wrapping round), or None when done."""
        keys = layout(self.table).keys
        fresh = self._figures().fresh
        start = layout(self.table).position[after] + 1 if after in layout(self.table).position else 0
        for i in range(start, start + len(keys)):
            key = keys[i % len(keys)]
            if key not in fresh:
                return key
        return None

    def stale_keys(self) -> list[CriterionKey]:
        return [k for k in layout(self.table).keys if k in self.answers and self.is_stale(k)]

    # --- scores ---------------------------------------------------------------------

    def task_score(self, task: Task) -> float:
        """Points earned on a task so far, capped at the task's stated points."""
        return self._figures().task_scores.get(task.no, 0.0) if task is self.table.task(task.no) else self._task_score(task)

    def _task_score(self, task: Task) -> float:
        raw = sum(self.answers[(task.no, i)].points for i in range(len(task.criteria)) if self.answered((task.no, i)))
        return task.capped(raw)

    @property
    def total(self) -> float:
        return self._figures().total

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



@dataclass(frozen=True)
class _Derived:
    """A snapshot's figures, worked out in one pass over its answers."""

    fresh: frozenset[CriterionKey]  # answered, and not under a since-changed criterion
    task_scores: dict[int, float]  # task number -> capped score
    tasks_done: int
    total: float

    @staticmethod
    def of(snap: AssessmentSnapshot) -> _Derived:
        shape = layout(snap.table)
        fingerprints = shape.fingerprints
        answers = snap.answers
        points: dict[CriterionKey, float] = {}
        if isinstance(answers, AnswerRows):
            p, f = answers.points_at, answers.fingerprint_at
            for key, row in answers.rows.items():
                current = fingerprints.get(key)
                if current is not None and (not row[f] or row[f] == current):
                    points[key] = row[p]
        else:
            for key, answer in answers.items():
                current = fingerprints.get(key)
                # kept: answered, on a criterion the table still has, and not stale
                if current is not None and (not answer.fingerprint or answer.fingerprint == current):
                    points[key] = answer.points
        # one pass over the answers, one over the tasks (a task never scores above its points)
        raw: dict[int, float] = {}
        count: dict[int, int] = {}
        for (task_no, _), got in points.items():
            raw[task_no] = raw.get(task_no, 0.0) + got
            count[task_no] = count.get(task_no, 0) + 1
        scores: dict[int, float] = {}  # tasks without an answer score 0 (``task_scores.get``)
        done = 0
        total = 0.0
        sizes = shape.task_sizes
        for no, got in raw.items():
            full, size = sizes[no]
            score = full if got > full else got
            scores[no] = score
            total += score
            done += count[no] == size
        return _Derived(frozenset(points), scores, done, total)
