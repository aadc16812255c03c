"""The answer engine: a question in, an Answer out. No Telegram, no I/O.

It reads what it can off the question (a task number, a table, what is asked), decides the
intent in a fixed order (task number, campaign rules, deadlines, totals, a unit, a topic),
and builds the reply as a rich-text Doc with buttons. Every shell (Telegram, the terminal,
the ``ducha ask`` command) renders the same Answer.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.common import texts
from bot.common.callbacks import Action, Aspect, ShowPhase, ShowTask, ShowUnit
from bot.common.format import fmt_points
from bot.common.reply import Answer, Button, Intent, TaskRef
from bot.common.richtext import Doc, Span
from bot.common.rubric import Document, Rubric, Section, Table, Task
from bot.qa.query import MAX_QUESTION_CHARS, Question, clean
from bot.qa.search import Hit, TaskIndex, Tokenizer
from scheduler.calendar import RoundCalendar, round_calendar

# A topic search below this score has found nothing the user would recognise.
MIN_TOPIC_SCORE = 3.0
# A question most of whose words the rubric never uses (公务员考试啥时候报名) is about
# something else, unless one of its few rubric words matches strongly.
MIN_COVERAGE = 0.45
CONFIDENT_SCORE = 15.0
# Other candidates are listed while they score at least this share of the best one.
CANDIDATE_SHARE = 0.45
# The other table's best match is offered while it scores at least this share of the best.
OTHER_TABLE_SHARE = 0.3


# --- what the question is about, read off its words ------------------------------------

_TIME = re.compile(
    r"什么时候|啥时候|何时|哪天|哪一天|几号|几月|日期|截止|截至|期限|deadline|when|时间|多久|之前|以前|"
    r"开始|结束|哪几天|节点|几天|日程|安排|date",
    re.I,
)
_SEND = re.compile(r"交给谁|报给谁|报谁|交到哪|报送|提交|上报|交给|报到|送到|哪天交|什么时候交")
_PHASE_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("central_inspection", re.compile(r"迎接|中央督察|省里|省委|省级|省督察|依法治省办|国家|中央依法治国办")),
    ("rectification", re.compile(r"整改|反馈")),
    ("field_inspection", re.compile(r"实地|现场督察|督察组|下来督察|来督察|来检查")),
    ("self_check", re.compile(r"自查")),
    ("prepare", re.compile(r"筹备|准备阶段|组织筹备")),
]
_DELIVERABLE_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("self_check_report", re.compile(r"自查报告|问题清单|自查材料")),
    ("inspection_group_report", re.compile(r"督察组.{0,4}报告|督察报告")),
    ("rectification_report", re.compile(r"整改报告|整改情况报告")),
]
_ALL_PHASES = re.compile(r"几个阶段|哪些阶段|哪几个阶段|五个阶段|阶段|时间安排|进度安排|时间表|日程|节点|整体安排|督察安排")
_WRITE = re.compile(r"写|附|篇幅|多少问题|占|比例|百分之|60|格式|内容|要求|注意|包括|要素|哪些|明确|标准|怎么弄|怎么做")
_REPORT = re.compile(r"自查报告|报告|问题清单")
_RECT_PLAN = re.compile(r"整改方案|整改措施|整改计划|整改清单|整改台账|整改")
_CONSEQUENCE = re.compile(r"整改不力|整改不到位|不到位|不整改|拒不整改|敷衍|后果|会怎样|处分|约谈|挂牌督办|通报批评|被追责|追究责任|问责谁")
_ORGANIZATION = re.compile(
    r"怎么搞|自查还是|下来查|相结合|谁牵头|谁组织|怎么组织|组织方式|督察方式|督察形式|什么方式|督察谁|督察对象|谁参加|哪些部门参加|被督察|怎么督察|如何督察|督察哪些"
)
_SCOPE = re.compile(r"督察内容|督察什么|督察围绕|围绕什么|查哪些方面|参照执行|部门怎么办|部门参照")
_THIS_CAMPAIGN = re.compile(r"这次|本次|此次|今年|这轮|这一次")
_REQUIREMENTS = re.compile(r"工作要求|政治站位|问题导向|强化责任|工作专班|专人负责|亲自")
_ATTACHMENT2 = re.compile(r"附件\s*2|附件二|示范创建|一级指标|二级指标|指标数|125|110|2015年以来|自查范围|督察工作说明|任务分工")
_DOC_ASK = re.compile(r"是什么|指什么|什么意思|全称|简称|哪个文件|什么文件|哪份文件|谁发|出处|哪一年|依据|^.{0,2}$")
_DOCS_ALL = re.compile(r"哪些文件|什么文件依据|依据哪些|依据什么|引用了|文件依据")
_TOTALS = re.compile(r"一共|总共|总分|共有|合计|满分多少|多少项|几项|多少个任务|几个任务|多少条|几条|总共几|共几|多少分|几分|总数")
_DUTIES = re.compile(r"主要职责|六项职责|几项职责|职责有哪些|六大职责|哪些职责|几大职责")
_UNIT_ASK = re.compile(r"负责|任务|哪些|哪几|什么|做什么|干什么|干啥|做啥|啥|要做|牵头|落实|承担|分工|涉及|管|职责|打分表")
_NOISE = re.compile(
    r"党委表|政府表|那张|这张|张|满分|县委|区委|县政府|区政府|党委|政府|一共|总共|总分|共有|合计|多少|几|项|条|分|任务|打分表|表|"
    r"主要职责|职责|哪些|有|是|的|吗|呢|请问|我们|要|做|什么|个|[\s\W\d]"
)
_EMOJI_ONLY = re.compile(r"^[\W_]+$")
# Asking for the notice's own dates rather than this round's.
_NOTICE_DATES = re.compile(r"通知原定|原定|原来的?时间|通知里的?|通知上的?|文件里的?|2020年")


class Engine:
    """Answers questions about one rubric. Build once per process; answering is cheap."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        corpus = "\n".join(
            [t.text for tb in rubric.tables.values() for t in tb.tasks]
            + [c.text for tb in rubric.tables.values() for t in tb.tasks for c in t.criteria]
            + [t.title + " " + " ".join(t.keywords + t.units) for tb in rubric.tables.values() for t in tb.tasks]
            + [d.text for tb in rubric.tables.values() for d in tb.duties]
        )
        self.tokenizer = Tokenizer(rubric.lexicon, clean(corpus))
        self.index = TaskIndex(rubric, self.tokenizer)
        self.units, self._unit_aliases = self._build_units()
        self._documents = [
            (doc, [clean(x) for x in (doc.short, doc.full) if x]) for doc in rubric.campaign.documents
        ]
        self.notice_calendar = round_calendar(rubric.campaign)

    # --- public API -------------------------------------------------------------------

    def answer(
        self,
        raw: str | None,
        table_hint: str | None = None,
        calendar: RoundCalendar | None = None,
        today: dt.date | None = None,
    ) -> Answer:
        """Answer one question. ``table_hint`` is the table the user's role implies, if any;
        ``calendar`` is this round's (dates are the notice's without it)."""
        q = Question.read(raw)
        if not q.text or _EMOJI_ONLY.match(q.text):
            return self._refuse(q, Doc().add(texts.EMPTY_QUESTION) if not q.text else None)
        cal = calendar or self.notice_calendar
        if not cal.template and _NOTICE_DATES.search(q.text):
            cal = cal.as_notice()
        answer = self._dispatch(q, table_hint, cal, today)
        if q.truncated:
            answer.doc.lines.insert(0, (Span(texts.TRUNCATED.format(limit=MAX_QUESTION_CHARS), italic=True),))
        return answer

    def perform(self, action: Action, calendar: RoundCalendar | None = None, today: dt.date | None = None) -> Answer:
        """What a button shows (dates from ``calendar``, this round's)."""
        if isinstance(action, ShowTask):
            return self.task_answer(action.table, action.no, action.aspect)
        if isinstance(action, ShowUnit):
            if not 0 <= action.index < len(self.units):
                return self._refuse(Question.read(""), Doc().add(texts.STALE_BUTTON))
            return self._unit_answer(self.units[action.index], "")
        if isinstance(action, ShowPhase):
            cal = calendar or self.notice_calendar
            return self._phases_answer(None if action.key == "all" else action.key, cal, today)
        raise TypeError(action)

    def task_answer(self, table_key: str, no: int, aspect: Aspect = "card") -> Answer:
        """One task of one table, showing the asked aspect."""
        table = self.rubric.tables.get(table_key)  # type: ignore[call-overload]
        task = table.task(no) if table else None
        if table is None or task is None:
            return self._no_such_task(no, table_key if table else None)
        doc = self._task_doc(table, task, aspect)
        return Answer(
            Intent.task_lookup,
            doc,
            tasks=[self._ref(table_key, task)],
            buttons=self._task_buttons(table, task, aspect),
        )

    # --- dispatch -----------------------------------------------------------------------

    def _dispatch(self, q: Question, table_hint: str | None, cal: RoundCalendar, today: dt.date | None) -> Answer:
        table = q.table or table_hint
        if q.task_no is not None:
            return self._task_lookup(q, table)
        for handler in (
            lambda: self._campaign_answer(q, cal),
            lambda: self._phase_answer(q, cal, today),
            lambda: self._totals_answer(q),
            lambda: self._unit_lookup(q),
        ):
            answer = handler()
            if answer is not None:
                return answer
        return self._topic_search(q, table)

    def _task_lookup(self, q: Question, table: str | None) -> Answer:
        no = q.task_no
        assert no is not None
        if table:
            return self.task_answer(table, no, q.aspect)
        having = [k for k, tb in self.rubric.tables.items() if tb.task(no)]
        if not having:
            return self._no_such_task(no, None)
        if len(having) == 1:
            return self.task_answer(having[0], no, q.aspect)
        # Both tables have task N and nothing says which: show both briefly, offer a choice.
        doc = Doc().add(texts.BOTH_TABLES.format(no=no))
        refs, buttons = [], []
        for key in having:
            tb = self.rubric.tables[key]
            task = tb.task(no)
            assert task is not None
            doc.blank()
            doc.extend(self._task_doc(tb, task, q.aspect if q.aspect != "card" else "criteria"))
            refs.append(self._ref(key, task))
            buttons.append(Button(f"{texts.TABLE_LABEL[key]}第{no}项", ShowTask(key, no, "card")))  # type: ignore[arg-type]
        doc.blank().add(Span(texts.CHOOSE_TABLE, italic=True))
        return Answer(Intent.task_lookup, doc, tasks=refs, buttons=[buttons], topic="both_tables")

    def _topic_search(self, q: Question, table: str | None) -> Answer:
        hits = self.index.search(q.text, table=table, limit=6)
        if (
            not hits
            or hits[0].score < MIN_TOPIC_SCORE
            or (hits[0].score < CONFIDENT_SCORE and self.index.coverage(q.text) < MIN_COVERAGE)
        ):
            return self._refuse(q, None, hits)
        best = hits[0]
        tb = self.rubric.tables[best.table]  # type: ignore[index]
        task = tb.task(best.no)
        assert task is not None
        others = [h for h in hits[1:] if h.score >= best.score * CANDIDATE_SHARE][:4]
        if table is None:
            # Many duties appear in both tables (法律顾问, 述职): offer the other table's best match.
            rival = next((h for h in hits if h.table != best.table), None)
            if rival and rival not in others and rival.score >= best.score * OTHER_TABLE_SHARE:
                others = [rival] + others[:3]
        doc = Doc().add(Span(texts.SEARCH_INTRO, italic=True))
        doc.extend(self._task_doc(tb, task, q.aspect))
        rival = others[0] if others and others[0].table != best.table else None
        if rival and q.aspect in ("units", "points", "check"):
            # 法律顾问那条谁负责: both tables have such a task, so answer for both.
            rival_table = self.rubric.tables[rival.table]  # type: ignore[index]
            rival_task = rival_table.task(rival.no)
            assert rival_task is not None
            doc.blank().extend(self._task_doc(rival_table, rival_task, q.aspect))
            others = others[1:]
            buttons_extra = [rival]
        else:
            buttons_extra = []
        if others:
            doc.blank().bold(texts.OTHER_CANDIDATES)
            for h in others:
                doc.add(self._candidate_line(h))
        buttons = self._task_buttons(tb, task, q.aspect)
        buttons += self._candidate_buttons(buttons_extra + others)
        refs = [self._ref(best.table, task)] + [self._hit_ref(h) for h in buttons_extra + others]
        return Answer(Intent.criteria_search, doc, tasks=refs, buttons=buttons)

    # --- campaign: report rules, documents, organisation ---------------------------------

    def _campaign_answer(self, q: Question, cal: RoundCalendar) -> Answer | None:
        c = self.rubric.campaign
        text = q.text
        doc_hits = [d for d, names in self._documents if any(n and n in text for n in names)]
        if doc_hits and _DOC_ASK.search(self._strip_names(text)):
            return self._documents_answer(doc_hits)
        if _DOCS_ALL.search(text):
            return self._documents_answer([d for d, _ in self._documents])
        if _CONSEQUENCE.search(text) and (re.search(r"整改|后果|会怎样|怎么处理|处理", text) or len(text) <= 8):
            doc = Doc().bold(texts.CONSEQUENCES_TITLE)
            for line in c.consequences:
                doc.add(f"· {line}")
            return Answer(Intent.report_rule, doc, topic="consequences")
        if _RECT_PLAN.search(text) and _WRITE.search(text) and not _SEND.search(text) and not _TIME.search(text):
            if not _REPORT.search(text) or re.search(r"整改方案|整改措施|整改计划|整改清单", text):
                return self._section_answer(c.rectification_plan, "rectification_plan", texts.RECTIFICATION_TITLE)
        if _REPORT.search(text) and _WRITE.search(text) and not _TIME.search(text) and not _SEND.search(text):
            if re.search(r"自查|问题清单|报告", text) and not re.search(r"述职|工作情况报告|报告制度", text):
                return self._section_answer(c.report_rules, "report_rules", texts.REPORT_RULES_TITLE, cal)
        if _ATTACHMENT2.search(text):
            doc = Doc().bold(texts.ATTACHMENT2_TITLE)
            for section in c.attachment2:
                doc.add(Span(section.title, bold=True))
                for point in section.points:
                    doc.add(f"· {point}")
            doc.bold(texts.INDICATORS_TITLE)
            for ic in c.indicator_counts:
                doc.add(texts.INDICATOR_LINE.format(**ic.model_dump()))
            return Answer(Intent.report_rule, doc, topic="attachment2")
        campaign_context = bool(_THIS_CAMPAIGN.search(text)) or len(self.tokenizer.words(text)) <= 3
        if _ORGANIZATION.search(text) and (campaign_context or "督察" in text):
            return self._section_answer(c.organization, "organization", texts.ORGANIZATION_TITLE)
        if _SCOPE.search(text):
            return self._section_answer(c.scope, "scope", texts.SCOPE_TITLE)
        if _REQUIREMENTS.search(text) and campaign_context:
            doc = Doc().bold(texts.REQUIREMENTS_TITLE)
            for i, section in enumerate(c.requirements, 1):
                doc.add(Span(f"（{i}）{section.title}", bold=True))
                for point in section.points:
                    doc.add(f"· {point}")
            return Answer(Intent.report_rule, doc, topic="requirements")
        return None

    def _strip_names(self, text: str) -> str:
        for _, names in self._documents:
            for n in names:
                text = text.replace(n, "")
        return text.replace("《", "").replace("》", "").strip()

    def _section_answer(self, section: Section, topic: str, title: str, cal: RoundCalendar | None = None) -> Answer:
        doc = Doc().bold(title)
        for point in section.points:
            doc.add(f"· {cal.localize(point, 'self_check') if cal else point}")
        c = self.rubric.campaign
        doc.blank().add(Span(texts.NOTICE_SOURCE.format(issuer=c.issuer, title=c.title, doc_no=c.doc_no), italic=True))
        return Answer(Intent.report_rule, doc, topic=topic)

    def _documents_answer(self, documents: list[Document]) -> Answer:
        doc = Doc()
        if len(documents) > 1:
            doc.bold(texts.DOCUMENTS_TITLE)
        refs: list[TaskRef] = []
        for d in documents:
            if d.short:
                doc.add(Span(d.short, bold=True), "全称：", f"《{d.full}》")
            else:
                doc.add(Span(texts.DOCUMENT_LINE_NO_SHORT.format(full=d.full), bold=True))
            if d.issuer:
                doc.add(texts.DOCUMENT_ISSUER.format(issuer=d.issuer))
            if d.note:
                doc.add(d.note)
            if len(documents) == 1:
                refs = self._tasks_citing(d)
                if refs:
                    doc.add(texts.DOCUMENT_TASKS)
                    for r in refs:
                        doc.add(f"· {texts.TABLE_LABEL[r.table]}第{r.no}项 {r.title}")
            doc.blank()
        return Answer(Intent.report_rule, doc, tasks=refs, topic="documents")

    def _tasks_citing(self, d: Document) -> list[TaskRef]:
        core = clean(d.full).removeprefix("中华人民共和国")
        names = [n for n in (core, clean(d.short or "").strip("《》")) if len(n) >= 4]
        return [
            self._ref(key, t)
            for key, tb in self.rubric.tables.items()
            for t in tb.tasks
            if any(n in clean(t.text) for n in names)
        ]

    # --- phases and deadlines ---------------------------------------------------------

    def _phase_answer(self, q: Question, cal: RoundCalendar, today: dt.date | None) -> Answer | None:
        text = q.text
        timed = bool(_TIME.search(text) or _SEND.search(text))
        deliverable = next((k for k, rx in _DELIVERABLE_WORDS if rx.search(text)), None)
        phase = next((k for k, rx in _PHASE_WORDS if rx.search(text)), None)
        if deliverable and timed:
            return self._deliverable_answer(deliverable, cal, today)
        if phase and timed:
            return self._phases_answer(phase, cal, today)
        if _ALL_PHASES.search(text) and (timed or "阶段" in text) and not self.index.search(text, limit=1):
            return self._phases_answer(None, cal, today)
        if _ALL_PHASES.search(text) and re.search(r"督察|阶段", text) and phase is None:
            return self._phases_answer(None, cal, today)
        return None

    def _phases_answer(self, key: str | None, cal: RoundCalendar, today: dt.date | None = None) -> Answer:
        c = self.rubric.campaign
        if key is None:
            title = texts.PHASES_TITLE.format(year=cal.year) if cal.template else texts.PHASES_TITLE_ROUND.format(round=cal.name)
            doc = Doc().bold(title)
            for i, p in enumerate(cal.phases, 1):
                doc.add(texts.PHASE_LINE.format(i=i, name=p.name, date_text=self._window(cal, p)))
                for d in p.deliverables:
                    doc.add(texts.DELIVERABLE_LINE.format(name=d.name, due=cal.day(d.due), sender=d.sender, to=d.to))
            doc.blank().add(Span(self._provincial(cal), italic=True))
            self._notice_note(doc, cal, today)
            buttons = [[Button(p.name, ShowPhase(p.key)) for p in c.phases[:3]], [Button(p.name, ShowPhase(p.key)) for p in c.phases[3:]]]
            return Answer(Intent.phase_deadline, doc, buttons=buttons, topic="phases")
        p = cal.phase(key)
        template = c.phase(key)  # type: ignore[arg-type]
        doc = Doc().bold(texts.PHASE_DETAIL_TITLE.format(name=p.name, date_text=self._window(cal, p)))
        if p.start is None and p.end is None:
            doc.add(texts.PHASE_NO_DATE)
        doc.add(cal.localize(template.summary, key))
        doc.add(texts.PHASE_ACTORS.format(actors="、".join(template.actors)))
        for d in p.deliverables:
            doc.add(texts.DELIVERABLE_LINE.format(name=d.name, due=cal.day(d.due), sender=d.sender, to=d.to))
        original = cal.notice_phase(key)
        if original is not None and cal.moved(key):
            doc.add(Span(texts.NOTICE_ORIGINAL.format(dates=self._window(cal.as_notice(), original)), italic=True))
        if key == "central_inspection":
            doc.blank().add(Span(self._provincial(cal), italic=True))
        self._notice_note(doc, cal, today)
        return Answer(Intent.phase_deadline, doc, buttons=[[Button("全部阶段", ShowPhase("all"))]], topic=key)

    def _deliverable_answer(self, key: str, cal: RoundCalendar, today: dt.date | None = None) -> Answer:
        c = self.rubric.campaign
        phase, d = cal.deliverable(key)
        doc = Doc().bold(texts.DELIVERABLE_TITLE.format(name=d.name))
        if d.due is None:
            doc.add(texts.DELIVERABLE_NO_DUE.format(sender=d.sender, to=d.to))
        else:
            doc.add(texts.DELIVERABLE_DUE.format(due=cal.day(d.due), weekday=texts.WEEKDAYS[d.due.weekday()], sender=d.sender, to=d.to))
            if today is not None and not cal.template and -60 <= (d.due - today).days <= 366:
                left = (d.due - today).days
                doc.add(texts.DUE_LEFT.format(days=left) if left > 0 else texts.DUE_TODAY if left == 0 else texts.DUE_PASSED.format(days=-left))
        doc.add(texts.PHASE_OF_DELIVERABLE.format(name=phase.name, date_text=self._window(cal, phase)))
        original = cal.notice_deliverable(key)
        if original is not None and original.due != d.due:
            doc.add(Span(texts.NOTICE_ORIGINAL_DUE.format(due=cal.as_notice().day(original.due)), italic=True))
        if key == "self_check_report":
            doc.blank().bold(texts.REPORT_RULES_TITLE)
            for point in c.report_rules.points:
                doc.add(f"· {cal.localize(point, 'self_check')}")
        self._notice_note(doc, cal, today)
        return Answer(Intent.phase_deadline, doc, buttons=[[Button("全部阶段", ShowPhase("all"))]], topic=key)

    def _window(self, cal: RoundCalendar, p) -> str:
        """A phase's dates: the notice's own wording while they are the notice's, else in full."""
        return p.date_text if cal.template else cal.window(p)

    def _provincial(self, cal: RoundCalendar) -> str:
        text = self.rubric.campaign.provincial_inspection
        if cal.template:
            return texts.PROVINCIAL.format(text=text)
        return texts.PROVINCIAL_NOTICE.format(year=cal.notice_year, text=text)

    def _notice_note(self, doc: Doc, cal: RoundCalendar, today: dt.date | None = None) -> None:
        """Say whose dates these are: the notice's own when asked for (通知原定), or the
        notice's because this round has none yet (never silently another year's)."""
        if cal.template and cal.name.startswith(texts.NOTICE_DATES_PREFIX):
            doc.blank().add(Span(texts.NOTICE_DATES_NOTE, italic=True))
        elif cal.template and today is not None and today.year != cal.year:
            doc.blank().add(Span(texts.NOTICE_DATES_UNSET.format(year=cal.year), italic=True))

    # --- totals and duties ------------------------------------------------------------

    def _totals_answer(self, q: Question) -> Answer | None:
        text = q.text
        if _DUTIES.search(text):
            keys = [q.table] if q.table else list(self.rubric.tables)
            doc = Doc()
            for key in keys:
                tb = self.rubric.tables[key]  # type: ignore[index]
                doc.bold(texts.DUTIES_TITLE.format(table=texts.TABLE_LONG[key]))
                doc.extend(self._duty_lines(tb))
                doc.blank()
            return Answer(Intent.totals, doc, topic="duties")
        if not _TOTALS.search(text) or _NOISE.sub("", text):
            return None
        keys = [q.table] if q.table else list(self.rubric.tables)
        doc = Doc().bold(texts.TOTALS_TITLE)
        for key in keys:
            tb = self.rubric.tables[key]  # type: ignore[index]
            doc.add(
                texts.TOTALS_TABLE_LINE.format(
                    table=texts.TABLE_LONG[key], count=len(tb.tasks), points=fmt_points(tb.total_points)
                )
            )
        if len(keys) == 1:
            doc.blank().extend(self._duty_lines(self.rubric.tables[keys[0]]))  # type: ignore[index]
        return Answer(Intent.totals, doc, topic="totals")

    def _duty_lines(self, tb: Table) -> Doc:
        doc = Doc()
        for duty in tb.duties:
            nos = [t.no for t in tb.tasks if t.duty == duty.no]
            doc.add(
                texts.TOTALS_DUTY_LINE.format(
                    no=duty.no, text=duty.text, first=nos[0], last=nos[-1], points=fmt_points(tb.duty_points(duty.no))
                )
            )
        return doc

    # --- units ---------------------------------------------------------------------

    def _build_units(self) -> tuple[list[str], list[tuple[str, int]]]:
        """Every unit named in the tables, and the forms people call them by, longest first."""
        units: list[str] = []
        for tb in self.rubric.tables.values():
            for t in tb.tasks:
                for u in t.units:
                    if u not in units:
                        units.append(u)
        aliases: dict[str, int] = {}
        curated = {clean(k): v for k, v in self.rubric.lexicon.unit_aliases.items()}
        for i, unit in enumerate(units):
            name = clean(unit)
            forms = {name}
            core = name.removeprefix("县(区)")
            if core != name and len(core) >= 3:
                forms |= {core, "县" + core, "区" + core, "县区" + core}
            forms |= {clean(a) for a in curated.get(name, [])}
            for form in forms:
                aliases.setdefault(form, i)
        return units, sorted(aliases.items(), key=lambda kv: -len(kv[0]))

    def _find_unit(self, text: str) -> tuple[int, str] | None:
        for alias, i in self._unit_aliases:
            if alias in text:
                return i, alias
        return None

    def _unit_lookup(self, q: Question) -> Answer | None:
        found = self._find_unit(q.text)
        if not found:
            return None
        index, alias = found
        rest = q.text.replace(alias, " ")
        if not _UNIT_ASK.search(rest) and self.tokenizer.words(rest):
            return None
        return self._unit_answer(self.units[index], rest)

    def _unit_answer(self, unit: str, rest: str) -> Answer:
        rank = {(h.table, h.no): h.score for h in self.index.search(rest, limit=60)} if rest.strip() else {}
        doc = Doc()
        refs: list[TaskRef] = []
        lines: list[tuple[str, list[Task]]] = []
        for key, tb in self.rubric.tables.items():
            tasks = [t for t in tb.tasks if unit in t.units]
            tasks.sort(key=lambda t: -rank.get((key, t.no), 0.0))
            if tasks:
                lines.append((key, tasks))
        total = sum(len(ts) for _, ts in lines)
        if not total:
            return Answer(Intent.unit_tasks, Doc().add(texts.UNIT_NONE.format(unit=unit)), topic=unit)
        doc.bold(texts.UNIT_TITLE.format(unit=unit, count=total))
        for key, tasks in lines:
            doc.blank().bold(texts.UNIT_TABLE_LINE.format(table=texts.TABLE_LONG[key]))
            for t in tasks:
                doc.add(texts.CANDIDATE_LINE.format(table="", no=t.no, title=t.title, points=fmt_points(t.points)))
                refs.append(self._ref(key, t))
        refs.sort(key=lambda r: -rank.get((r.table, r.no), 0.0))
        buttons = [
            [Button(f"{texts.TABLE_LABEL[r.table]}第{r.no}项", ShowTask(r.table, r.no, "card")) for r in refs[i : i + 3]]  # type: ignore[arg-type]
            for i in range(0, min(len(refs), 9), 3)
        ]
        return Answer(Intent.unit_tasks, doc, tasks=refs, buttons=buttons, topic=unit)

    # --- rendering helpers ------------------------------------------------------------

    def _ref(self, table: str, task: Task) -> TaskRef:
        return TaskRef(table, task.no, task.title)

    def _hit_ref(self, h: Hit) -> TaskRef:
        task = self.rubric.tables[h.table].task(h.no)  # type: ignore[index]
        assert task is not None
        return self._ref(h.table, task)

    def _candidate_line(self, h: Hit) -> str:
        task = self.rubric.tables[h.table].task(h.no)  # type: ignore[index]
        assert task is not None
        return texts.CANDIDATE_LINE.format(
            table=texts.TABLE_LABEL[h.table], no=h.no, title=task.title, points=fmt_points(task.points)
        )

    def _candidate_buttons(self, hits: list[Hit]) -> list[list[Button]]:
        row = [Button(f"{texts.TABLE_LABEL[h.table]}第{h.no}项", ShowTask(h.table, h.no, "card")) for h in hits]  # type: ignore[arg-type]
        return [row[i : i + 2] for i in range(0, len(row), 2)]

    def _task_doc(self, tb: Table, task: Task, aspect: Aspect) -> Doc:
        doc = Doc().bold(
            texts.CARD_TITLE.format(
                table=texts.TABLE_LABEL[tb.key], no=task.no, title=task.title, points=fmt_points(task.points)
            )
        )
        if aspect == "card":
            doc.add(Span(texts.CARD_DUTY, bold=True), f"{task.duty}. {tb.duty(task.duty).text}")
            doc.add(Span(texts.CARD_TEXT, bold=True), task.text)
        if aspect in ("card", "units"):
            doc.add(Span(texts.CARD_UNITS, bold=True), "、".join(task.units))
        if aspect in ("card", "criteria", "points"):
            if aspect == "points":
                doc.add(texts.CARD_POINTS.format(points=fmt_points(task.points), count=len(task.criteria)))
            else:
                doc.add(Span(texts.CARD_CRITERIA, bold=True))
            for i, c in enumerate(task.criteria, 1):
                doc.add(texts.CRITERION_LINE.format(i=i, text=c.text, points=fmt_points(c.points)))
                if aspect != "points":
                    levels = " / ".join(
                        texts.LEVEL_ITEM.format(label=lv.label, points=fmt_points(lv.points)) for lv in c.levels
                    )
                    doc.add(Span(f"   {texts.CARD_LEVELS}{levels}", italic=True))
            if task.criteria_points > task.points:
                doc.add(
                    Span(
                        texts.CARD_CAP.format(sum=fmt_points(task.criteria_points), points=fmt_points(task.points)),
                        italic=True,
                    )
                )
        if aspect in ("card", "check"):
            doc.add(Span(texts.CARD_CHECK, bold=True), task.check_method)
        if aspect == "card" and task.anomalies:
            notes = "；".join(a.resolution for a in task.anomalies)
            doc.add(Span(texts.CARD_NOTE + notes, italic=True))
        return doc

    def _task_buttons(self, tb: Table, task: Task, aspect: Aspect) -> list[list[Button]]:
        key = tb.key
        aspects: list[Aspect] = ["criteria", "units", "check"] if aspect == "card" else ["card"]
        row1 = [Button(texts.ASPECT_LABEL[a], ShowTask(key, task.no, a)) for a in aspects]
        row2 = []
        if task.no > 1:
            row2.append(Button("上一项", ShowTask(key, task.no - 1, "card")))
        if task.no < len(tb.tasks):
            row2.append(Button("下一项", ShowTask(key, task.no + 1, "card")))
        other = "government" if key == "party" else "party"
        if self.rubric.tables[other].task(task.no):  # type: ignore[index]
            row2.append(Button(f"{texts.TABLE_LABEL[other]}第{task.no}项", ShowTask(other, task.no, "card")))  # type: ignore[arg-type]
        return [row1, row2]

    def _no_such_task(self, no: int, table_key: str | None) -> Answer:
        if table_key:
            tb = self.rubric.tables[table_key]  # type: ignore[index]
            text = texts.NO_SUCH_TASK_IN_TABLE.format(table=texts.TABLE_LABEL[table_key], no=no, count=len(tb.tasks))
        else:
            text = texts.NO_SUCH_TASK.format(
                no=no, party=len(self.rubric.tables["party"].tasks), government=len(self.rubric.tables["government"].tasks)
            )
        return Answer(Intent.task_lookup, Doc().add(text), topic="no_such_task")

    def _refuse(self, q: Question, doc: Doc | None, hits: list[Hit] | None = None) -> Answer:
        if doc is None:
            doc = Doc().add(texts.OUT_OF_SCOPE)
            for line in texts.OUT_OF_SCOPE_ABILITIES:
                doc.add(f"· {line}")
        hits = hits if hits is not None else (self.index.search(q.text, limit=3) if q.text else [])
        hits = [h for h in hits if h.score > 0][:3]
        if hits:
            doc.blank().bold(texts.NEAREST_TASKS)
            for h in hits:
                doc.add(self._candidate_line(h))
        return Answer(
            Intent.out_of_scope,
            doc,
            tasks=[self._hit_ref(h) for h in hits],
            buttons=self._candidate_buttons(hits),
        )
