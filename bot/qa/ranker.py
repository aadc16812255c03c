"""Ranking every task and every item of the notice for one question.

A document's score is its BM25F match on the question's words plus features read off the
question: cue words (a date is asked, a count, who receives it …) count for the kinds of items
that answer them, in proportion to how well the item matches otherwise; a deliverable, phase or
unit named counts for that item; a date, share or count equal to one the item states counts for
it. Which intent the answer has is then simply the kind of what ranks first.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.qa.notice import Item
from bot.qa.reader import Reading
from bot.qa.search import Entry, Index
from bot.qa.views import Dates, month_day

CUE_WEIGHTS = {
    "when": 6.0,
    "to_whom": 4.0,
    "count": 6.0,
    "duty": 8.0,
    "content": 5.0,
    "consequence": 6.0,
    "organisation": 6.0,
    "document": 4.0,
    "notice": 2.0,
    "unit": 5.0,
}
CUE_BASE = 5.0  # an item's cues count fully once its words match this much
TASK_CUE = 6.0  # 考哪条, 在哪项, 扣分: a task is asked for
NO_CUE = 0.75  # an item none of whose cues the question has is less likely what is asked
NAMED = 10.0  # the question names the deliverable or phase, and asks when or to whom
NAMED_WEAK = 3.0  # … and asks something else about it
DOCUMENT_NAMED = 8.0  # the question names a document by its 《short name》 or full title
DATE_MATCH = 8.0  # a date in the question is one the item states
SHARE_MATCH = 6.0  # a share in the question (六成) and a rule stating one (60%)
COUNT_MATCH = 5.0  # a count in the question (30项) the item states
STATED_COUNT = 0.5  # share of the count cue an item earns by stating numbers of items
UNIT_NAMED = 18.0
UNIT_MENTIONED = 0.5  # a unit named without asking what it does (负责, 哪些任务) is rarely the point


@dataclass(frozen=True)
class Ranking:
    """Candidates best first, and whether the question had any words besides its cues."""

    candidates: list[Candidate]
    cue_only: bool


@dataclass(frozen=True)
class Candidate:
    """One document ranked for a question."""

    entry: Entry
    score: float

    @property
    def item(self) -> Item | None:
        return self.entry.item  # type: ignore[return-value]

    @property
    def is_task(self) -> bool:
        return self.entry.group == "task"

    @property
    def intent(self) -> str:
        return "criteria_search" if self.is_task else self.item.intent.value  # type: ignore[union-attr]

    @property
    def label(self) -> str:
        return f"{self.entry.table}:{self.entry.no}" if self.is_task else self.item.key  # type: ignore[union-attr]


class Ranker:
    """Scores every document of the index for a reading of a question."""

    def __init__(self, index: Index, cue_words: frozenset[str] = frozenset()) -> None:
        self.index = index
        self.cue_words = cue_words
        self.items = [(i, e) for i, e in enumerate(index.entries) if e.group == "item"]

    def rank(self, r: Reading, table: str | None, dates: Dates) -> "Ranking":
        terms = self.index.query_terms(r.item_text)
        scores = self.index.scores(terms)
        task_scores = scores if r.task_text == r.item_text else self.index.scores(self.index.query_terms(r.task_text))
        # A question of cue words only (一共多少项, 什么时候交) lets its cues speak alone.
        cue_only = all(t.startswith("§") or t in self.cue_words for t in terms)
        out: list[Candidate] = []
        for i, base in task_scores.items():
            e = self.index.entries[i]
            if e.group != "task" or base <= 0:
                continue
            if table is not None and e.table != table:
                continue
            out.append(Candidate(e, base + (TASK_CUE if "task" in r.cues else 0.0)))
        for i, e in self.items:
            item: Item = e.item  # type: ignore[assignment]
            if item.kind == "duties" and table is not None and item.ref != table:
                continue
            base = scores.get(i, 0.0)
            score = self._item_score(item, base, r, dates, cue_only)
            if score > 0:
                out.append(Candidate(e, score))
        out.sort(key=lambda c: -c.score)
        return Ranking(out, cue_only)

    def _item_score(self, item: Item, base: float, r: Reading, dates: Dates, cue_only: bool) -> float:
        slot = 0.0
        # Naming a deliverable or phase says what it is about; it says the deliverable or phase
        # itself is asked only with a question of time or recipient (else 自查报告写多少问题
        # would be a deadline question).
        named = NAMED if (r.cues & {"when", "to_whom"} or r.dates or r.days_left) else NAMED_WEAK
        if item.kind == "unit":
            index = int(item.key.split(".")[1])
            if index not in r.units:
                return 0.0
            if "unit" not in r.cues:
                return UNIT_NAMED * UNIT_MENTIONED
            base, slot = 0.0, UNIT_NAMED  # its name is the slot; the rest of the question is the topic
        elif item.kind == "deliverable":
            if r.deliverable == item.ref:
                slot += named
            slot += self._date_match(r, [dates.cal.deliverable(item.ref)[1].due])
        elif item.kind == "phase":
            if r.phase == item.ref:
                slot += named
            w = dates.cal.phase(item.ref)
            slot += 0.75 * self._date_match(r, [w.start, w.end])
        elif item.kind == "document" and int(item.ref) in r.documents and "document" in r.cues:
            slot += DOCUMENT_NAMED
        if r.shares and "%" in item.fields.get("text", ""):
            slot += SHARE_MATCH
        if r.counts and any(f"{n}项" in item.fields.get("text", "") for n in r.counts):
            slot += COUNT_MATCH
        evidence = base + slot
        if evidence <= 0 and not cue_only:
            return 0.0
        strength = 1.0 if cue_only else min(1.0, evidence / CUE_BASE)
        weight = sum(CUE_WEIGHTS[c] for c in item.cues if c in r.cues)
        if item.states_count and "count" in r.cues:
            weight += CUE_WEIGHTS["count"] * STATED_COUNT
        bonus = weight * strength
        return evidence + bonus if bonus else evidence * NO_CUE

    @staticmethod
    def _date_match(r: Reading, days: list) -> float:  # type: ignore[type-arg]
        wanted = {month_day(d) for d in days if d is not None}
        return DATE_MATCH if any(month_day(s.date) in wanted for s in r.dates) else 0.0
