"""The inspection notice as typed data: campaign, phases, scoring tables, tasks and criteria.

These pydantic models validate the YAML files in ``rubric_data/``. They are the single
in-memory form of the notice; the answer engine, scoring and exports read only these.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import Enum
from functools import cached_property
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TableKey = Literal["party", "government"]
PhaseKey = Literal["prepare", "self_check", "field_inspection", "rectification", "central_inspection"]
PHASE_ORDER: tuple[PhaseKey, ...] = (
    "prepare",
    "self_check",
    "field_inspection",
    "rectification",
    "central_inspection",
)


class Strict(BaseModel):
    """Base for data-file models: unknown keys are typos, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AnomalyKind(str, Enum):
    """How the OCR'd source differs from what the data says."""

    shifted_row = "shifted_row"  # a table row printed beside the neighbouring task
    ocr_error = "ocr_error"  # a misread character or word ("and" for 和)
    missing_words = "missing_words"  # words lost from the source text
    points_mismatch = "points_mismatch"  # criteria points do not add up to the task's points
    missing_field = "missing_field"  # a column left empty in the source
    layout = "layout"  # structure inferred from the page layout (merged cells)
    other = "other"


class Anomaly(Strict):
    """One recorded difference between the source and the data, with the rule applied."""

    kind: AnomalyKind
    field: str = Field(description="which field of the task or table it concerns")
    source: str = Field(default="", description="the text as printed in the notice")
    resolution: str = Field(description="what the data says instead, and why (for maintainers, in English)")
    note: str = Field(default="", description="the same for users, in Chinese: the task card's 数据说明")


class Level(Strict):
    """One answer a unit can give to a criterion, worth a number of points."""

    label: str = Field(min_length=1, max_length=24, description="short button label, e.g. 2次及以上")
    points: float = Field(ge=0)


class Criterion(Strict):
    """One scoring rule of a task (检查标准), with its answer levels."""

    text: str = Field(min_length=2)
    points: float = Field(gt=0)
    levels: list[Level] = Field(min_length=2)

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of what the criterion asks: an answer given under another is stale."""
        payload = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    @model_validator(mode="after")
    def _levels_fit(self) -> Criterion:
        pts = [lv.points for lv in self.levels]
        if max(pts) != self.points:
            raise ValueError(f"the best level is worth {max(pts)} but the criterion is worth {self.points}")
        if min(pts) != 0:
            raise ValueError("a criterion needs a level worth 0 points (不得分)")
        if pts != sorted(pts, reverse=True):
            raise ValueError("levels must be listed best first")
        labels = [lv.label for lv in self.levels]
        if len(set(labels)) != len(labels):
            raise ValueError("level labels must be distinct")
        return self


class Task(Strict):
    """One row of a scoring table (工作任务)."""

    no: int = Field(ge=1)
    duty: int = Field(ge=1, le=6, description="number of the 主要职责 it belongs to")
    title: str = Field(min_length=2, max_length=24, description="short name for lists and buttons")
    text: str = Field(min_length=4)
    points: float = Field(gt=0)
    units: list[str] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    check_method: str = Field(min_length=2)
    keywords: list[str] = Field(default_factory=list, description="colloquial words users search with")
    anomalies: list[Anomaly] = Field(default_factory=list)

    @property
    def criteria_points(self) -> float:
        return sum(c.points for c in self.criteria)

    def capped(self, raw_score: float) -> float:
        """A task never scores above its stated points, whatever its criteria add up to."""
        return min(raw_score, self.points)

    @model_validator(mode="after")
    def _mismatch_is_recorded(self) -> Task:
        if self.criteria_points != self.points and not any(
            a.kind is AnomalyKind.points_mismatch for a in self.anomalies
        ):
            raise ValueError(
                f"criteria add up to {self.criteria_points} but the task is worth {self.points}; "
                "fix the data or record a points_mismatch anomaly"
            )
        return self


class Duty(Strict):
    """One of the six 主要职责 of a table."""

    no: int = Field(ge=1, le=6)
    text: str = Field(min_length=4)


class Table(Strict):
    """A 100-point scoring table (打分表) for one responsible leader."""

    key: TableKey
    name: str = Field(description="short name, e.g. 党委主要负责人打分表")
    title: str
    responsible: str = Field(description="责任人 line of the table")
    total_points: float = 100
    duties: list[Duty] = Field(min_length=6, max_length=6)
    tasks: list[Task] = Field(min_length=1)
    anomalies: list[Anomaly] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Table:
        nos = [t.no for t in self.tasks]
        if nos != list(range(1, len(nos) + 1)):
            raise ValueError(f"tasks must be numbered 1..{len(nos)} in order, got {nos}")
        if [d.no for d in self.duties] != list(range(1, 7)):
            raise ValueError("duties must be numbered 1..6 in order")
        duties = [t.duty for t in self.tasks]
        if duties != sorted(duties):
            raise ValueError("tasks must be grouped by duty in order")
        total = sum(t.points for t in self.tasks)
        if total != self.total_points:
            raise ValueError(f"task points add up to {total}, not {self.total_points}")
        return self

    def task(self, no: int) -> Task | None:
        return self.tasks[no - 1] if 1 <= no <= len(self.tasks) else None

    def duty(self, no: int) -> Duty:
        return self.duties[no - 1]

    def duty_points(self, no: int) -> float:
        return sum(t.points for t in self.tasks if t.duty == no)


class Phase(Strict):
    """One of the five phases of the inspection (督察安排)."""

    key: PhaseKey
    name: str
    start: dt.date | None = None
    end: dt.date | None = None
    date_text: str = Field(description="the dates as the notice words them")
    actors: list[str] = Field(min_length=1, description="who acts in this phase")
    summary: str
    deliverables: list[Deliverable] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list, description="what people call the phase (实地督察, 下来督察)")
    keywords: list[str] = Field(default_factory=list, description="words a question about it may use")

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self


class Deliverable(Strict):
    """Something due by a date (自查报告, 督察报告, 整改报告)."""

    key: str
    name: str
    due: dt.date
    from_: str = Field(alias="from", description="who hands it in")
    to: str
    aliases: list[str] = Field(default_factory=list, description="what people call it (自查材料)")
    note: str = Field(default="", description="what happens to it next, in the notice's words")


class Document(Strict):
    """A document the notice rests on or cites, with the short name it uses."""

    short: str | None = Field(default=None, description="简称 as the notice uses it, e.g. 《纲要》")
    full: str
    issuer: str = ""
    note: str = ""
    keywords: list[str] = Field(default_factory=list, description="other names people use for it")


class Section(Strict):
    """A titled passage of the notice, kept close to its wording."""

    key: str
    title: str
    points: list[str] = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list, description="words a question about it may use")


class Campaign(Strict):
    """The notice itself: who issued it, its phases, rules and attachments."""

    title: str
    issuer: str
    doc_no: str
    timezone: str = "Asia/Shanghai"
    year: int
    addressees: str
    provincial_inspection: str
    organization: Section
    scope: Section
    phases: list[Phase] = Field(min_length=5, max_length=5)
    report_rules: Section
    rectification_plan: Section
    requirements: list[Section] = Field(min_length=4, max_length=4)
    consequences: list[str] = Field(min_length=1)
    documents: list[Document] = Field(min_length=4)
    attachment2: list[Section] = Field(min_length=1)
    indicator_counts: list[IndicatorCount] = Field(min_length=2)
    passages: list[Section] = Field(
        default_factory=list, description="any other passage of the notice; each is answerable as it is added"
    )

    @field_validator("phases")
    @classmethod
    def _phase_keys(cls, phases: list[Phase]) -> list[Phase]:
        if tuple(p.key for p in phases) != PHASE_ORDER:
            raise ValueError(f"phases must be {', '.join(PHASE_ORDER)} in that order")
        return phases

    def phase(self, key: PhaseKey) -> Phase:
        return next(p for p in self.phases if p.key == key)


class IndicatorCount(Strict):
    """Attachment 2: how many indicators the province's model-building index has."""

    applies_to: str
    level1: int
    level2: int
    items: int


class Unit(Strict):
    """A unit that is inspected: a county/district, a zone, or a city department."""

    name: str
    kind: Literal["county", "district", "zone", "department"]
    aliases: list[str] = Field(default_factory=list)


# What a cue word says is asked: a date, a recipient, a count, duties, the content of a rule,
# consequences, who organises, a document, a task, a unit's tasks, the notice itself.
CueKey = Literal["when", "to_whom", "count", "duty", "content", "consequence", "organisation", "document", "task", "unit", "notice"]


class Lexicon(Strict):
    """Words the answer engine needs beyond jieba's dictionary."""

    user_words: list[str]
    stop_words: list[str]
    synonyms: dict[str, list[str]] = Field(description="canonical word -> colloquial forms")
    unit_aliases: dict[str, list[str]] = Field(description="canonical unit -> colloquial forms")
    cues: dict[CueKey, list[str]] = Field(
        default_factory=dict, description="words that say what kind of thing is asked (a date, a count, who…)"
    )
    typos: dict[str, str] = Field(
        default_factory=dict, description="slips of the input method (巡查 for 巡察) -> the word meant, read in its place"
    )


class Glossary(Strict):
    """English words officials may type, and the Chinese terms of the notice they stand for."""

    terms: dict[str, str] = Field(default_factory=dict, description="English phrase (lower case) -> Chinese term")
    stop_words: list[str] = Field(default_factory=list, description="English words that say nothing by themselves")

    @field_validator("terms")
    @classmethod
    def _well_formed(cls, terms: dict[str, str]) -> dict[str, str]:
        for en, zh in terms.items():
            if en != en.strip().lower() or not en.isascii() or not en:
                raise ValueError(f"English term {en!r} must be lower-case ASCII without surrounding spaces")
            if not zh.strip():
                raise ValueError(f"English term {en!r} has no Chinese term")
        return terms


class Rubric(BaseModel):
    """Everything loaded from ``rubric_data/``, validated."""

    model_config = ConfigDict(frozen=True)

    campaign: Campaign
    tables: dict[TableKey, Table]
    units: list[Unit]
    lexicon: Lexicon
    glossary: Glossary = Glossary()

    @cached_property
    def version(self) -> str:
        """Content hash of the rubric: an assessment records the version it was answered under.
        (Worked out once: the rubric is immutable and hashing all of it takes milliseconds.)"""
        payload = json.dumps(self.model_dump(mode="json", by_alias=True), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def table(self, key: str) -> Table:
        """The table ``key`` names (KeyError for a key the rubric does not have)."""
        return self.tables[cast(TableKey, key)]


Phase.model_rebuild()
Campaign.model_rebuild()
