"""The answer engine: a question in, an Answer out. No Telegram, no I/O.

It reads the question once (``reader``: task number, table, unit, deliverable, phase, dates,
shares, counts, yes/no form, cue words; English through the glossary), ranks every task and
every item of the notice in one index (``ranker``), and answers with what ranks first: its kind
is the intent. Two close candidates of different kinds get a clarifying question with buttons.
Dates are this round's calendar; every shell (Telegram, the terminal, ``ducha ask``) renders
the same Answer.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.common import texts
from bot.common.callbacks import Action, Aspect, ShowItem, ShowPhase, ShowTask, ShowUnit
from bot.common.reply import Answer, Button, Intent, TaskRef
from bot.common.richtext import Doc, Span
from bot.common.rubric import Rubric
from bot.qa import texts as qt
from bot.qa.cards import Cards
from bot.qa.english import English
from bot.qa.notice import Item, notice_items
from bot.qa.query import MAX_QUESTION_CHARS, clean
from bot.qa.ranker import Candidate, Ranker
from bot.qa.reader import Reader, Reading
from bot.qa.search import Entry, Hit, Index, Tokenizer, task_fields
from bot.qa.topics import Topics
from bot.qa.verdict import Judge
from bot.qa.views import NoticeViews, full_date
from scheduler.calendar import RoundCalendar, round_calendar

# The best candidate must score at least this, or nothing the user would recognise was found.
MIN_SCORE = 3.0
# A question most of whose words the notice never uses (公务员考试啥时候报名) is about something
# else, unless one of its few known words matches strongly.
MIN_COVERAGE = 0.45
CONFIDENT_SCORE = 15.0
# Below this the answer is given but logged as low confidence (for synonyms to be added).
LOW_CONFIDENCE = 8.0
# A candidate of another kind this close to the best one makes the question ambiguous.
CLARIFY_SHARE = 0.92
# English questions need most of their words in the glossary.
MIN_ENGLISH_COVERAGE = 0.5
# Asking for the notice's own dates rather than this round's.
_NOTICE_DATES = re.compile(r"通知原定|原定|原来的?时间|通知里的?时间|通知上的?时间|文件里的?时间|2020年")


class Engine:
    """Answers questions about one rubric. Build once per process; answering is cheap."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        lexicon = rubric.lexicon
        cue_words = {clean(w) for words in lexicon.cues.values() for w in words}
        function_terms = cue_words | {clean(w) for w in lexicon.stop_words} | {"多少", "怎么", "是什么", "谁", "在哪", "涉及", "一共"}
        self._cue_words = frozenset(w.lower() for w in cue_words)
        self.reader = Reader(rubric, English(rubric.glossary, function_terms))
        self.units = self.reader.units
        self.items = notice_items(rubric, self.units)
        entries = [
            Entry("task", task_fields(tb, t), table=key, no=t.no)
            for key, tb in rubric.tables.items()
            for t in tb.tasks
        ] + [Entry("item", item.fields, item=item) for item in self.items]
        corpus = "\n".join(v for e in entries for v in e.fields.values())
        self.tokenizer = Tokenizer(lexicon, clean(corpus))
        self.index = Index(entries, self.tokenizer)
        self.ranker = Ranker(self.index, self._cue_words)
        self.cards = Cards(rubric)
        self.views = NoticeViews(rubric, self.cards, self.units)
        self.topics = Topics(self.index, self.cards)
        self._items = {item.key: item for item in self.items}
        sentences = {item.key: self._sentences(item) for item in self.items}
        counts = {key: len(tb.tasks) for key, tb in rubric.tables.items()}
        self.judge = Judge(
            self.tokenizer.words,
            cue_words,
            sentences,
            counts,
            expand_at=self.tokenizer.expand_at,
        )
        self.template = round_calendar(rubric.campaign)

    def _sentences(self, item: Item) -> list[str]:
        c = self.rubric.campaign
        sections = {"rules": c.report_rules, "plan": c.rectification_plan, "organization": c.organization, "scope": c.scope}
        if item.key in sections:
            return list(sections[item.key].points)
        if item.kind == "requirement":
            return list(next(r for r in c.requirements if r.key == item.ref).points)
        if item.kind == "requirements":
            return [p for r in c.requirements for p in r.points]
        if item.kind == "consequences":
            return list(c.consequences)
        if item.kind == "passage":
            return list(next(s for s in c.passages if s.key == item.ref).points)
        return [item.fields.get("text", "")]

    # --- public API -------------------------------------------------------------------

    def answer(
        self,
        raw: str | None,
        table_hint: str | None = None,
        calendar: RoundCalendar | None = None,
        today: dt.date | None = None,
    ) -> Answer:
        """Answer one question.

        ``table_hint`` is the table the user's role implies, if any; ``calendar`` this round's
        dates (None: the notice's own, as a template); ``today`` the day counted from.
        """
        cal = calendar or self.template
        r = self.reader.read(raw, cal.year, today)
        if not cal.template and _NOTICE_DATES.search(r.text):
            cal = cal.as_notice()  # 通知原定自查报告哪天交: the notice's own dates, said as such
        if not r.text or not any(ch.isalnum() for ch in r.text):
            doc = Doc().add(texts.EMPTY_QUESTION) if not clean(raw) else None
            return self._refuse(r, doc)
        answer = self._dispatch(r, table_hint, cal, today)
        if r.english is not None and answer.intent is not Intent.out_of_scope and r.english.matched:
            pairs = "、".join(qt.ENGLISH_PAIR.format(en=en, zh=zh) for en, zh in r.english.matched)
            answer.doc.blank().add(Span(qt.ENGLISH_MATCHED.format(pairs=pairs), italic=True))
        if r.truncated:
            answer.doc.lines.insert(0, (Span(texts.TRUNCATED.format(limit=MAX_QUESTION_CHARS), italic=True),))
        return answer

    def perform(self, action: Action, calendar: RoundCalendar | None = None, today: dt.date | None = None) -> Answer:
        """What a button shows (dates from ``calendar``, this round's)."""
        if isinstance(action, ShowTask):
            return self.task_answer(action.table, action.no, action.aspect)
        if isinstance(action, ShowUnit):
            if not 0 <= action.index < len(self.units):
                return self._stale()
            return self.topics.unit_list([self.units[action.index]], None)
        if isinstance(action, ShowPhase):
            item = self._items.get("phases" if action.key == "all" else f"phase.{action.key}")
            return self.views.render(item, calendar, None, today) if item else self._stale()
        if isinstance(action, ShowItem):
            item = self._items.get(action.key)
            if item is None:
                return self._stale()
            if item.kind == "unit":
                return self.topics.unit_list([item.ref], None)
            return self.views.render(item, calendar, None, today)
        raise TypeError(action)

    def task_answer(self, table_key: str, no: int, aspect: Aspect = "card") -> Answer:
        """One task of one table, showing the asked aspect."""
        if self.cards.task(table_key, no) is None:
            return self._no_such_task(no, table_key if table_key in self.rubric.tables else None)
        return Answer(
            Intent.task_lookup,
            self.cards.doc(table_key, no, aspect),
            tasks=[self.cards.ref(table_key, no)],
            buttons=self.cards.task_buttons(table_key, no, aspect),
        )

    # --- dispatch -----------------------------------------------------------------------

    def _dispatch(self, r: Reading, table_hint: str | None, cal: RoundCalendar, today: dt.date | None) -> Answer:
        if r.english is not None and r.task_no is None and (r.english.coverage < MIN_ENGLISH_COVERAGE or not r.english.matched):
            return self._refuse(r, Doc().add(qt.ENGLISH_UNKNOWN))
        table = r.table or table_hint
        if r.task_no is not None:
            return self._task_lookup(r, table)
        dates = self.views.dates(cal)
        ranking = self.ranker.rank(r, table, dates)
        ranked = ranking.candidates
        if not ranked or ranked[0].score < MIN_SCORE or (
            ranked[0].score < CONFIDENT_SCORE
            and not ranking.cue_only
            and self.index.coverage(r.search_text, self._cue_words) < MIN_COVERAGE
        ):
            return self._refuse(r, None, [Hit(c.entry.table, c.entry.no, c.score) for c in ranked if c.is_task][:3])  # type: ignore[arg-type]
        best = ranked[0]
        if len(ranked) > 1 and best.item is not None and ranked[1].item is not None:
            # 自查报告要不要附问题清单: the deliverable's answer includes its rules, but a question
            # that asks neither when nor to whom is about the rules themselves.
            if ranked[1].item.key in best.item.includes and not (r.cues & {"when", "to_whom"} or r.dates):
                best = ranked[1]
                ranked = [best, ranked[0], *ranked[2:]]
        rival = self._rival(ranked)
        if rival is not None:
            answer = self._clarify(best, rival, ranked)
        elif best.is_task:
            answer = self.topics.topic(r, table, ranked)
        elif best.item.kind == "unit":  # type: ignore[union-attr]
            answer = self.topics.unit(r, [self.units[i] for i in r.units])
        else:
            item: Item = best.item  # type: ignore[assignment]
            if item.kind == "deliverable" and len(r.deliverables) > 1 and r.yesno is None:
                item = self._items["phases"]  # 自查报告和整改报告分别什么时候交: the overview has them all
            answer = self._notice(item, r, cal, today)
        answer.confidence = best.score
        answer.unsure = answer.unsure or rival is not None or (best.score < LOW_CONFIDENCE and not ranking.cue_only)
        return answer

    def _rival(self, ranked: list[Candidate]) -> Candidate | None:
        """The best candidate of another intent, if it is as good as the best: ask which."""
        best = ranked[0]
        for c in ranked[1:]:
            if c.score < best.score * CLARIFY_SHARE:
                return None
            if c.intent == best.intent or (c.item is not None and c.item.kind == "unit"):
                continue
            if c.item is not None and best.item is not None and (
                c.item.key in best.item.includes or best.item.key in c.item.includes
            ):
                continue  # one answer shows the other
            return c
        return None

    def _clarify(self, best: Candidate, rival: Candidate, ranked: list[Candidate]) -> Answer:
        doc = Doc().add(qt.CLARIFY)
        buttons: list[Button] = []
        refs: list[TaskRef] = []
        for c in (best, rival):
            if c.is_task:
                ref = self.cards.ref(c.entry.table, c.entry.no)  # type: ignore[arg-type]
                refs.append(ref)
                doc.add(self.cards.line(ref.table, ref.no))
                buttons.append(self.cards.button(ref.table, ref.no))
            else:
                item: Item = c.item  # type: ignore[assignment]
                doc.add(qt.CLARIFY_LINE.format(title=item.title))
                buttons.append(Button(item.title[:20], ShowItem(item.key)))
        return Answer(Intent(best.intent), doc, tasks=refs, buttons=[buttons], topic="clarify")

    def _notice(self, item: Item, r: Reading, cal: RoundCalendar, today: dt.date | None) -> Answer:
        table = r.table
        if item.kind == "duties" and table is None and item.ref in self.rubric.tables and r.table is None:
            table = None
        dates = self.views.dates(cal)
        lead: list[str] = []
        verdict = self.judge.verdict(item, r, dates, today)
        if verdict is not None:
            lead.append(verdict.line)
        elif r.days_left and today is not None:
            lead.extend(self._days_left(item, dates, today))
        # The count asked for leads the answer; the view does not say it a second time.
        answer = self.views.render(item, cal, table, today, count_days=verdict is not None or not lead)
        for line in reversed(lead):
            answer.doc.lines.insert(0, (Span(line, bold=True),))
        if item.kind not in ("phases",):
            answer.feedback = True
        return answer

    def _days_left(self, item: Item, dates, today: dt.date) -> list[str]:  # type: ignore[no-untyped-def]
        if item.kind == "deliverable":
            due, _ = dates.due(item.ref)
            what = item.title
        elif item.kind == "phase":
            w = dates.cal.phase(item.ref)
            due = w.start if ("开始" in item.title and w.start) else w.end
            what = w.name
        elif item.kind == "phases":  # no report named: the next deadline still ahead
            ahead = [
                (due, d.name)
                for p in self.rubric.campaign.phases
                for d in p.deliverables
                if (due := dates.due(d.key)[0]) is not None and due >= today
            ]
            if not ahead:
                return []
            due, what = min(ahead)
        else:
            return []
        if due is None:
            return [qt.DAYS_UNKNOWN.format(what=what)]
        days = (due - today).days
        if days == 0:
            return [qt.DAYS_TODAY.format(today=full_date(today), what=what)]
        fmt = qt.DAYS_LEFT if days > 0 else qt.DAYS_PAST
        return [fmt.format(today=full_date(today), what=what, due=full_date(due), days=abs(days))]

    # --- task numbers ------------------------------------------------------------------

    def _task_lookup(self, r: Reading, table: str | None) -> Answer:
        no = r.task_no
        assert no is not None
        if table:
            return self.task_answer(table, no, r.aspect)
        having = [k for k in self.rubric.tables if self.cards.task(k, no)]
        if not having:
            return self._no_such_task(no, None)
        if len(having) == 1:
            return self.task_answer(having[0], no, r.aspect)
        # Both tables have task N and nothing says which: show both briefly, offer a choice.
        doc = Doc().add(texts.BOTH_TABLES.format(no=no))
        refs, buttons = [], []
        for key in having:
            doc.blank()
            doc.extend(self.cards.doc(key, no, r.aspect if r.aspect != "card" else "criteria"))
            refs.append(self.cards.ref(key, no))
            buttons.append(self.cards.button(key, no))
        doc.blank().add(Span(texts.CHOOSE_TABLE, italic=True))
        return Answer(Intent.task_lookup, doc, tasks=refs, buttons=[buttons], topic="both_tables")

    def _no_such_task(self, no: int, table_key: str | None) -> Answer:
        if table_key:
            tb = self.rubric.table(table_key)
            text = texts.NO_SUCH_TASK_IN_TABLE.format(table=texts.TABLE_LABEL[table_key], no=no, count=len(tb.tasks))
        else:
            text = texts.NO_SUCH_TASK.format(
                no=no, party=len(self.rubric.tables["party"].tasks), government=len(self.rubric.tables["government"].tasks)
            )
        return Answer(Intent.task_lookup, Doc().add(text), topic="no_such_task")

    # --- refusals -----------------------------------------------------------------------

    def _stale(self) -> Answer:
        return Answer(Intent.out_of_scope, Doc().add(texts.STALE_BUTTON))

    def _refuse(self, r: Reading, doc: Doc | None, hits: list[Hit] | None = None) -> Answer:
        if doc is None:
            doc = Doc().add(texts.OUT_OF_SCOPE)
            for line in texts.OUT_OF_SCOPE_ABILITIES:
                doc.add(f"· {line}")
        if hits is None:
            hits = self.index.search(r.search_text, limit=3) if r.search_text else []
        hits = [h for h in hits if h.score > 0][:3]
        if hits:
            doc.blank().bold(texts.NEAREST_TASKS)
            for h in hits:
                doc.add(self.cards.line(h.table, h.no))
        return Answer(
            Intent.out_of_scope,
            doc,
            tasks=[self.cards.hit_ref(h) for h in hits],
            buttons=self.cards.buttons([(h.table, h.no) for h in hits]),
            confidence=0.0,
        )
