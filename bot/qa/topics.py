"""Answers that are tasks: a topic in the user's words, and a unit's tasks (with a table or a topic).

Filters combine: a table named narrows a topic or a unit's list to that table; a unit with a
topic ("司法局负责的执法培训那条") answers the unit's task that matches the topic best.
"""

from __future__ import annotations

from bot.common import texts
from bot.common.reply import Answer, Intent, TaskRef
from bot.common.richtext import Doc, Span
from bot.common.rubric import Rubric
from bot.qa import texts as qt
from bot.qa.cards import Cards
from bot.qa.query import clean
from bot.qa.ranker import Candidate
from bot.qa.reader import Reading
from bot.qa.search import Hit, Index

# Other candidates are listed while they score at least this share of the best one.
CANDIDATE_SHARE = 0.45
# The other table's best match is offered while it scores at least this share of the best.
OTHER_TABLE_SHARE = 0.3
# Tasks scoring this close to the best one make the question ambiguous: ask which is meant.
CLOSE_SHARE = 0.9
CLOSE_MAX = 3
# A unit's question names a topic when one of its tasks matches the rest of the question this
# well, and clearly better than the unit's next task.
UNIT_TOPIC_SCORE = 8.0
UNIT_TOPIC_LEAD = 1.3
BRIEF = 40


def _brief(text: str) -> str:
    return text if len(text) <= BRIEF else text[:BRIEF] + "…"


# Table words are the filter, not the topic.
_TABLE_WORDS = ("党委表", "政府表", "打分表", "党委", "政府", "县委", "县府", "区委", "区府", "那张表", "这张表", "表")


class Topics:
    """Task answers for one rubric's index."""

    def __init__(self, index: Index, cards: Cards) -> None:
        self.index = index
        self.cards = cards
        self.rubric: Rubric = cards.rubric

    # --- topics --------------------------------------------------------------------------

    def topic(self, r: Reading, table: str | None, ranked: list[Candidate]) -> Answer:
        hits = [Hit(c.entry.table, c.entry.no, c.score) for c in ranked if c.is_task]  # type: ignore[arg-type]
        return self.hits_answer(hits, r, table)

    def hits_answer(self, hits: list[Hit], r: Reading, table: str | None, intro: str | None = None) -> Answer:
        best = hits[0]
        close = [h for h in hits[1:CLOSE_MAX] if h.score >= best.score * CLOSE_SHARE]
        if close and r.aspect == "card":
            return self.clarify([best, *close])
        others = [h for h in hits[1:] if h.score >= best.score * CANDIDATE_SHARE][:4]
        if table is None:
            # Many duties appear in both tables (法律顾问, 述职): offer the other table's best match.
            rival = next((h for h in hits if h.table != best.table), None)
            if rival and rival not in others and rival.score >= best.score * OTHER_TABLE_SHARE:
                others = [rival] + others[:3]
        doc = Doc().add(Span(intro or texts.SEARCH_INTRO, italic=True))
        doc.extend(self.cards.doc(best.table, best.no, r.aspect))
        rival = others[0] if others and others[0].table != best.table else None
        extra: list[Hit] = []
        if rival and r.aspect in ("units", "points", "check"):
            # 法律顾问那条谁负责: both tables have such a task, so answer for both.
            doc.blank().extend(self.cards.doc(rival.table, rival.no, r.aspect))
            others = others[1:]
            extra = [rival]
        if others:
            doc.blank().bold(texts.OTHER_CANDIDATES)
            for h in others:
                doc.add(self.cards.line(h.table, h.no))
        buttons = self.cards.task_buttons(best.table, best.no, r.aspect)
        shown = {b.action for row in buttons for b in row}  # 政府表第2项 is already the other table's button
        more = self.cards.buttons([(h.table, h.no) for h in extra + others])
        buttons += [kept for row in more if (kept := [b for b in row if b.action not in shown])]
        refs = [self.cards.ref(best.table, best.no)] + [self.cards.hit_ref(h) for h in extra + others]
        return Answer(Intent.criteria_search, doc, tasks=refs, buttons=buttons, feedback=True)

    def clarify(self, hits: list[Hit]) -> Answer:
        """Which table? Which of these tasks? Each briefly, with a button to open it."""
        tables = {h.table for h in hits}
        doc = Doc().add(qt.CLARIFY_TABLE if len(hits) == 2 and len(tables) == 2 else qt.CLARIFY_TASKS)
        for h in hits:
            task = self.cards.task(h.table, h.no)
            assert task is not None
            doc.add(Span(self.cards.line(h.table, h.no), bold=True))
            doc.add(Span(f"   {_brief(task.text)}", italic=True))
        return Answer(
            Intent.criteria_search,
            doc,
            tasks=[self.cards.hit_ref(h) for h in hits],
            buttons=self.cards.buttons([(h.table, h.no) for h in hits], per_row=3),
            topic="clarify",
            unsure=True,
            feedback=True,
        )

    # --- units -----------------------------------------------------------------------------

    def _unit_tasks(self, units: list[str], table: str | None) -> list[tuple[str, int]]:
        return [
            (key, t.no)
            for key, tb in self.rubric.tables.items()
            if table is None or key == table
            for t in tb.tasks
            if any(u in t.units for u in units)
        ]

    def unit(self, r: Reading, units: list[str]) -> Answer:
        """A question naming a unit: its tasks, in the table named, or the one on the topic asked."""
        table = r.table
        tasks = self._unit_tasks(units, table)
        rest = r.search_text.replace(r.unit_alias or "", " ")
        for word in _TABLE_WORDS:
            rest = rest.replace(word, " ")
        terms = self.index.query_terms(rest)
        hits = self.index.task_hits(self.index.scores(terms), table, set(tasks)) if terms else []
        if hits and hits[0].score >= UNIT_TOPIC_SCORE and (len(hits) == 1 or hits[0].score >= UNIT_TOPIC_LEAD * hits[1].score):
            intro = qt.UNIT_TOPIC_INTRO.format(unit=self._name(r, units))
            return self.hits_answer(hits, r, table, intro)
        rank = {(h.table, h.no): h.score for h in hits}
        return self.unit_list(units, table, rank, r.unit_alias)

    def _name(self, r: Reading | None, units: list[str]) -> str:
        if len(units) == 1 or r is None or not r.unit_alias:
            return units[0]
        return r.unit_alias

    def unit_list(
        self, units: list[str], table: str | None, rank: dict[tuple[str, int], float] | None = None, alias: str | None = None
    ) -> Answer:
        rank = rank or {}
        name = units[0] if len(units) == 1 or not alias else clean(alias)
        lines: list[tuple[str, list[int]]] = []
        for key, tb in self.rubric.tables.items():
            if table is not None and key != table:
                continue
            nos = [t.no for t in tb.tasks if any(u in t.units for u in units)]
            nos.sort(key=lambda n: -rank.get((key, n), 0.0))
            if nos:
                lines.append((key, nos))
        total = sum(len(nos) for _, nos in lines)
        if not total:
            text = (
                qt.UNIT_TABLE_NONE.format(unit=name, table=texts.TABLE_LABEL[table])
                if table
                else texts.UNIT_NONE.format(unit=name)
            )
            return Answer(Intent.unit_tasks, Doc().add(text), topic=name)
        doc = Doc()
        if len(units) > 1:
            doc.add(Span(qt.UNIT_SEVERAL.format(alias=name, units="、".join(units)), italic=True))
        if table:
            doc.bold(qt.UNIT_TABLE_TITLE.format(unit=name, table=texts.TABLE_LABEL[table], count=total))
        else:
            doc.bold(texts.UNIT_TITLE.format(unit=name, count=total))
        refs: list[TaskRef] = []
        for key, nos in lines:
            doc.blank().bold(texts.UNIT_TABLE_LINE.format(table=texts.TABLE_LONG[key]))
            for no in nos:
                doc.add(self.cards.line(key, no, with_table=False))
                refs.append(self.cards.ref(key, no))
        refs.sort(key=lambda r: -rank.get((r.table, r.no), 0.0))
        buttons = self.cards.buttons([(r.table, r.no) for r in refs[:9]], per_row=3)
        return Answer(Intent.unit_tasks, doc, tasks=refs, buttons=buttons, topic=name)
