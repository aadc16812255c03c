"""The inspectors' score beside the unit's own: differences, totals, findings, the ranking.

Pure functions over ``AssessmentSnapshot`` values (the inspection's and the self-assessment's):
no database, no clock, no Telegram. Every number a user reads about an inspection (the
question's ⚖ mark, /summary, the 督察报告, the ranking) is computed here, in one way.

A difference is the self-score minus the inspection score of a criterion: above zero the
unit scored itself higher than the inspectors did (自评偏高), below zero lower (自评偏低).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.common.rubric import Criterion, Table, Task
from bot.inspection import texts
from bot.scoring.scores import AnswerRecord, AssessmentSnapshot

VERBS = ("实地查看", "座谈了解", "查看", "听取", "查阅", "调阅", "抽查", "核查", "走访", "根据", "询问", "检查")


def checklist(check_method: str) -> list[str]:
    """A task's check method as a short checklist, from the data:
    "听取汇报、查看相关文件及档案资料" → ["听取汇报", "查看相关文件及档案资料"];
    "查看相关会议记录、文件资料" → ["查看相关会议记录", "查看文件资料"]."""
    text = re.sub(r"^(检查方式|检查方法)[：:]", "", check_method.strip())
    items: list[str] = []
    for sentence in re.split(r"[。；;]", text):
        verb = ""
        for part in re.split(r"[、，,]|或者?", sentence):
            part = part.strip()
            if len(part) < 2:
                continue
            found = next((v for v in VERBS if part.startswith(v)), None)
            if found:
                verb = found
            elif verb and verb != "根据":
                part = verb + part.removeprefix("相关")
            if part not in items:
                items.append(part)
    return items or [check_method.strip()]


def level_label(criterion: Criterion, answer: AnswerRecord) -> str:
    if 0 <= answer.level < len(criterion.levels):
        return criterion.levels[answer.level].label
    return "?"


@dataclass(frozen=True)
class CriterionRow:
    """One criterion with both sides' answers (either may be missing)."""

    task: Task
    index: int
    criterion: Criterion
    own: AnswerRecord | None  # the inspectors'
    unit: AnswerRecord | None  # the unit's own self-assessment

    @property
    def difference(self) -> float | None:
        """Self-score minus inspection score; None unless both answered."""
        if self.own is None or self.unit is None:
            return None
        return self.unit.points - self.own.points

    @property
    def kind(self) -> str:
        d = self.difference
        if d is None or d == 0:
            return texts.SAME if d == 0 else ""
        return texts.HIGHER if d > 0 else texts.LOWER


def rows(own: AssessmentSnapshot, unit: AssessmentSnapshot | None) -> list[CriterionRow]:
    """Every criterion of the table in order, with the answers that count (stale ones do not)."""
    out = []
    for task in own.table.tasks:
        for i, criterion in enumerate(task.criteria):
            key = (task.no, i)
            mine = own.answers.get(key) if own.answered(key) else None
            theirs = unit.answers.get(key) if unit is not None and unit.answered(key) else None
            out.append(CriterionRow(task, i, criterion, mine, theirs))
    return out


def differences(all_rows: list[CriterionRow]) -> list[CriterionRow]:
    """The criteria where the two sides differ, largest difference first."""
    found = [r for r in all_rows if r.difference]
    found.sort(key=lambda r: (-abs(r.difference or 0), r.task.no, r.index))
    return found


def total_difference(own: AssessmentSnapshot, unit: AssessmentSnapshot | None) -> float | None:
    return None if unit is None else unit.total - own.total


def diff_words(d: float | None) -> tuple[str, float]:
    """(自评偏高|自评偏低|一致, |d|) for a difference."""
    if not d:
        return texts.SAME, 0.0
    return (texts.HIGHER if d > 0 else texts.LOWER), abs(d)


@dataclass(frozen=True)
class DutyRow:
    no: int
    text: str
    full: float
    own: float
    unit: float | None


def duty_rows(own: AssessmentSnapshot, unit: AssessmentSnapshot | None) -> list[DutyRow]:
    theirs = {no: score for no, score, _ in unit.duty_subtotals()} if unit is not None else {}
    return [
        DutyRow(no, own.table.duty(no).text, full, score, theirs.get(no) if unit is not None else None)
        for no, score, full in own.duty_subtotals()
    ]


@dataclass(frozen=True)
class Finding:
    """A criterion the inspectors scored below full points, with what they wrote."""

    task: Task
    index: int
    criterion: Criterion
    answer: AnswerRecord
    lost: float

    @property
    def problem(self) -> str:
        text = (self.answer.rectification.problem or "").strip()
        if text:
            return text
        return texts.FINDING_FALLBACK.format(
            criterion=self.criterion.text.rstrip("。"), label=level_label(self.criterion, self.answer)
        )

    @property
    def recommendation(self) -> str:
        return (self.answer.rectification.measure or "").strip()


def findings(own: AssessmentSnapshot) -> list[Finding]:
    """Every criterion below full points, in table order (grouped by duty, as the report is)."""
    return [
        Finding(d.task, d.criterion_index, d.criterion, d.answer, d.lost)
        for d in sorted(own.deductions(), key=lambda d: (d.task.no, d.criterion_index))
    ]


# --- the ranking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    """One unit's table in the city's summary."""

    unit: str
    table: str
    group: str
    status: str  # none | open | submitted | released
    own_total: float | None  # None until the inspection is submitted
    self_total: float | None  # None if the unit never self-scored
    done: int
    total: int
    rank: int | None = None

    @property
    def difference(self) -> float | None:
        if self.own_total is None or self.self_total is None:
            return None
        return self.self_total - self.own_total


@dataclass(frozen=True)
class MarkedTask:
    """A task the inspectors marked down, across units."""

    table: str
    no: int
    title: str
    units: int  # inspections that scored it below full
    lost: float  # points lost across them
    points: float


@dataclass
class Ranking:
    rows: list[RankRow] = field(default_factory=list)
    tasks: list[MarkedTask] = field(default_factory=list)


@dataclass(frozen=True)
class RankInput:
    unit: str
    table: str
    group: str
    status: str
    own: AssessmentSnapshot | None
    self_: AssessmentSnapshot | None


def ranking(inputs: list[RankInput], tables: dict[str, Table], top_tasks: int = 10) -> Ranking:
    """Rank each table's units by inspection score (ties share a rank); units whose inspection
    is not submitted are listed after, unranked. Tasks most often marked down come with it."""
    out = Ranking()
    for key in tables:
        mine = [i for i in inputs if i.table == key]
        scored = []
        for i in mine:
            final = i.status in ("submitted", "released") and i.own is not None
            own_total = i.own.total if final and i.own is not None else None
            done = i.own.criteria_done if i.own is not None else 0
            total = i.own.criteria_total if i.own is not None else sum(len(t.criteria) for t in tables[key].tasks)
            self_total = i.self_.total if i.self_ is not None else None
            scored.append(RankRow(i.unit, key, i.group, i.status, own_total, self_total, done, total))
        ranked = sorted((r for r in scored if r.own_total is not None), key=lambda r: (-(r.own_total or 0), r.unit))
        rank, previous = 0, None
        for n, r in enumerate(ranked, 1):
            if r.own_total != previous:
                rank, previous = n, r.own_total
            out.rows.append(RankRow(**{**r.__dict__, "rank": rank}))
        out.rows += sorted((r for r in scored if r.own_total is None), key=lambda r: r.unit)
    marked: dict[tuple[str, int], list[float]] = {}
    for i in inputs:
        if i.own is None or i.status not in ("submitted", "released"):
            continue
        for task in i.own.table.tasks:
            answered = [k for k in range(len(task.criteria)) if i.own.answered((task.no, k))]
            if not answered:
                continue
            possible = task.capped(sum(task.criteria[k].points for k in answered))
            lost = possible - i.own.task_score(task)
            if lost > 0:
                marked.setdefault((i.table, task.no), []).append(lost)
    for (key, no), losses in marked.items():
        task = tables[key].task(no)
        assert task is not None
        out.tasks.append(MarkedTask(key, no, task.title, len(losses), sum(losses), task.points))
    out.tasks.sort(key=lambda t: (-t.units, -t.lost, t.table, t.no))
    out.tasks = out.tasks[:top_tasks]
    return out
