"""What the notice says, rendered for this round: phases, deliverables, rules, documents, totals.

Every date comes from the round's calendar (``scheduler.calendar.RoundCalendar``). Where it
differs from the notice, the notice's own date follows in brackets as 通知原定, and dates the
notice writes inside its sentences (于8月10日之前报) are replaced the same way.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from bot.common import texts as ct
from bot.common.callbacks import ShowPhase
from bot.common.format import fmt_points
from bot.common.reply import Answer, Button, Intent, TaskRef
from bot.common.richtext import Doc, Span
from bot.common.rubric import Rubric, Section
from bot.qa import texts as qt
from bot.qa.cards import Cards
from bot.qa.notice import Item
from scheduler.calendar import RoundCalendar, round_calendar


def month_day(d: dt.date) -> str:
    return qt.MONTH_DAY.format(m=d.month, d=d.day)


def full_date(d: dt.date) -> str:
    return qt.FULL_DATE.format(y=d.year, m=d.month, d=d.day)


class Dates:
    """This round's dates for the answers, read through ``RoundCalendar`` (issue 8's contract):
    formatting, the notice's own dates beside them, and the rewriting of notice sentences."""

    def __init__(self, template: RoundCalendar, cal: RoundCalendar) -> None:
        self.template = template
        self.cal = cal

    @property
    def differs(self) -> bool:
        return not self.cal.template

    def rewrite(self, text: str, prefer: str | None = None) -> str:
        """A sentence of the notice with its dates moved to this round's."""
        return self.cal.localize(text, prefer)

    def due(self, key: str) -> tuple[dt.date | None, dt.date]:
        """A deliverable's due date this round, and the notice's."""
        _, d = self.cal.deliverable(key)
        _, t = self.template.deliverable(key)
        assert t.due is not None
        return d.due, t.due

    def window(self, key: str) -> str:
        """A phase's dates: the notice's own wording while they are the notice's, else in full."""
        p = self.cal.phase(key)
        return p.date_text if self.cal.template else self.cal.window(p)

    def original_window(self, key: str) -> str | None:
        """The notice's dates of a phase this round moved (for 通知原定), else None."""
        original = self.cal.notice_phase(key)
        if original is None or not self.cal.moved(key):
            return None
        return original.date_text


def _inner_quotes(title: str) -> str:
    """A title quoted inside 《》 has its own 《》 written 〈〉, as the notice writes them."""
    return title.replace("《", "〈").replace("》", "〉")


class NoticeViews:
    """Renders the notice's items for a round."""

    def __init__(self, rubric: Rubric, cards: Cards, units: list[str]) -> None:
        self.rubric = rubric
        self.cards = cards
        self.units = units
        self.template = round_calendar(rubric.campaign)
        self._dates = lru_cache(maxsize=16)(lambda cal: Dates(self.template, cal))

    def dates(self, cal: RoundCalendar | None) -> Dates:
        return self._dates(cal or self.template)

    # --- dispatch -----------------------------------------------------------------------

    def render(
        self,
        item: Item,
        cal: RoundCalendar | None = None,
        table: str | None = None,
        today: dt.date | None = None,
        count_days: bool = True,
    ) -> Answer:
        """The answer for one item of the notice; ``count_days=False`` when the caller leads with
        the count of days itself."""
        dates = self.dates(cal)
        kind = item.kind
        if kind == "phases":
            return self.phases(dates, today)
        if kind == "phase":
            return self.phase(item.ref, dates, today)
        if kind == "deliverable":
            return self.deliverable(item.ref, dates, item.includes, today, count_days)
        if kind == "provincial":
            return self.phase("central_inspection", dates, today)
        if kind in ("totals", "duties"):
            return self.totals(item, table)
        if kind == "notice":
            return self.notice()
        if kind in ("document", "documents"):
            return self.documents(None if kind == "documents" else int(item.ref))
        if kind == "attachment2":
            return self.attachment2()
        if kind in ("requirements", "requirement"):
            return self.requirements(dates, item.ref if kind == "requirement" else None)
        if kind == "consequences":
            doc = Doc().bold(ct.CONSEQUENCES_TITLE)
            for line in self.rubric.campaign.consequences:
                doc.add(f"· {line}")
            return Answer(Intent.report_rule, doc, topic="consequences")
        c = self.rubric.campaign
        section, topic, title = {
            "rules": (c.report_rules, "report_rules", ct.REPORT_RULES_TITLE),
            "plan": (c.rectification_plan, "rectification_plan", ct.RECTIFICATION_TITLE),
            "organization": (c.organization, "organization", ct.ORGANIZATION_TITLE),
            "scope": (c.scope, "scope", ct.SCOPE_TITLE),
        }.get(kind, (None, "", ""))
        if section is None:
            section = next(s for s in c.passages if s.key == item.ref)
            topic, title = f"passage.{section.key}", f"{section.title}："
        return self.section(section, topic, title, dates, "self_check" if kind == "rules" else None)

    # --- phases and deliverables ----------------------------------------------------------

    def phases(self, dates: Dates, today: dt.date | None = None) -> Answer:
        c = self.rubric.campaign
        cal = dates.cal
        title = ct.PHASES_TITLE.format(year=cal.year) if cal.template else ct.PHASES_TITLE_ROUND.format(round=cal.name)
        doc = Doc().bold(title)
        for i, p in enumerate(cal.phases, 1):
            doc.add(ct.PHASE_LINE.format(i=i, name=p.name, date_text=dates.window(p.key)))
            for d in p.deliverables:
                doc.add(ct.DELIVERABLE_LINE.format(name=d.name, due=cal.day(d.due), sender=d.sender, to=d.to))
        doc.blank().add(Span(self._provincial(dates), italic=True))
        self._notice_note(doc, cal, today)
        buttons = [
            [Button(p.name, ShowPhase(p.key)) for p in c.phases[:3]],
            [Button(p.name, ShowPhase(p.key)) for p in c.phases[3:]],
        ]
        return Answer(Intent.phase_deadline, doc, buttons=buttons, topic="phases")

    def _provincial(self, dates: Dates) -> str:
        text = self.rubric.campaign.provincial_inspection
        if dates.cal.template:
            return ct.PROVINCIAL.format(text=text)
        return ct.PROVINCIAL_NOTICE.format(year=dates.cal.notice_year, text=text)

    @staticmethod
    def _notice_note(doc: Doc, cal: RoundCalendar, today: dt.date | None) -> None:
        """Say whose dates these are: the notice's own when asked for (通知原定), or the
        notice's because this round has none yet (never silently another year's)."""
        if cal.template and cal.name.startswith(ct.NOTICE_DATES_PREFIX):
            doc.blank().add(Span(ct.NOTICE_DATES_NOTE, italic=True))
        elif cal.template and today is not None and today.year != cal.year:
            doc.blank().add(Span(ct.NOTICE_DATES_UNSET.format(year=cal.year), italic=True))

    def phase(self, key: str, dates: Dates, today: dt.date | None = None) -> Answer:
        cal = dates.cal
        p = cal.phase(key)
        template = self.rubric.campaign.phase(key)  # type: ignore[arg-type]
        doc = Doc().bold(ct.PHASE_DETAIL_TITLE.format(name=p.name, date_text=dates.window(key)))
        if p.start is None and p.end is None:
            doc.add(ct.PHASE_NO_DATE)
        doc.add(dates.rewrite(template.summary, key))
        doc.add(ct.PHASE_ACTORS.format(actors="、".join(template.actors)))
        for d in p.deliverables:
            doc.add(ct.DELIVERABLE_LINE.format(name=d.name, due=cal.day(d.due), sender=d.sender, to=d.to))
        original = dates.original_window(key)
        if original is not None:
            doc.add(Span(ct.NOTICE_ORIGINAL.format(dates=original), italic=True))
        if key == "central_inspection":
            doc.blank().add(Span(self._provincial(dates), italic=True))
        self._notice_note(doc, cal, today)
        return Answer(Intent.phase_deadline, doc, buttons=[[Button("全部阶段", ShowPhase("all"))]], topic=key)

    def deliverable(
        self, key: str, dates: Dates, includes: tuple[str, ...] = (), today: dt.date | None = None, count_days: bool = True
    ) -> Answer:
        c = self.rubric.campaign
        cal = dates.cal
        phase, d = cal.deliverable(key)
        new, old = dates.due(key)
        doc = Doc().bold(ct.DELIVERABLE_TITLE.format(name=d.name))
        data = next(x for p in c.phases for x in p.deliverables if x.key == key)
        if new is None:
            doc.add(ct.DELIVERABLE_NO_DUE.format(sender=d.sender, to=d.to))
        else:
            doc.add(ct.DELIVERABLE_DUE.format(due=cal.day(new), weekday=ct.WEEKDAYS[new.weekday()], sender=d.sender, to=d.to))
            if count_days and today is not None and not cal.template and -60 <= (new - today).days <= 366:
                left = (new - today).days
                doc.add(ct.DUE_LEFT.format(days=left) if left > 0 else ct.DUE_TODAY if left == 0 else ct.DUE_PASSED.format(days=-left))
        if data.note:
            doc.add(dates.rewrite(data.note, phase.key))
        doc.add(ct.PHASE_OF_DELIVERABLE.format(name=phase.name, date_text=dates.window(phase.key)))
        if not cal.template and new != old:
            doc.add(Span(ct.NOTICE_ORIGINAL_DUE.format(due=self.template.day(old)), italic=True))
        for included in includes:
            section, title = (c.report_rules, ct.REPORT_RULES_TITLE) if included == "rules" else (c.rectification_plan, ct.RECTIFICATION_TITLE)
            doc.blank().bold(title)
            for point in section.points:
                doc.add(f"· {dates.rewrite(point, phase.key)}")
        self._notice_note(doc, cal, today)
        return Answer(Intent.phase_deadline, doc, buttons=[[Button("全部阶段", ShowPhase("all"))]], topic=key)

    # --- rules, documents, attachment 2 ------------------------------------------------------

    def notice(self) -> Answer:
        c = self.rubric.campaign
        doc = Doc().bold(qt.NOTICE_TITLE)
        doc.add(qt.NOTICE_LINE.format(title=c.title))
        doc.add(qt.NOTICE_NO.format(doc_no=c.doc_no))
        doc.add(qt.NOTICE_ISSUER.format(issuer=c.issuer))
        doc.add(qt.NOTICE_TO.format(to=c.addressees))
        return Answer(Intent.report_rule, doc, topic="notice")

    def section(self, section: Section, topic: str, title: str, dates: Dates, prefer: str | None = None) -> Answer:
        doc = Doc().bold(title)
        for point in section.points:
            doc.add(f"· {dates.rewrite(point, prefer)}")
        c = self.rubric.campaign
        doc.blank().add(Span(ct.NOTICE_SOURCE.format(issuer=c.issuer, title=c.title, doc_no=c.doc_no), italic=True))
        return Answer(Intent.report_rule, doc, topic=topic)

    def requirements(self, dates: Dates, first: str | None) -> Answer:
        c = self.rubric.campaign
        doc = Doc().bold(ct.REQUIREMENTS_TITLE)
        order = sorted(range(len(c.requirements)), key=lambda i: c.requirements[i].key != first)
        for i in order:
            section = c.requirements[i]
            doc.add(Span(f"（{i + 1}）{section.title}", bold=True))
            if first is None or section.key == first:
                for point in section.points:
                    doc.add(f"· {dates.rewrite(point)}")
        return Answer(Intent.report_rule, doc, topic="requirements" if first is None else f"requirement.{first}")

    def documents(self, index: int | None) -> Answer:
        c = self.rubric.campaign
        chosen = list(enumerate(c.documents)) if index is None else [(index, c.documents[index])]
        doc = Doc()
        if len(chosen) > 1:
            doc.bold(ct.DOCUMENTS_TITLE)
        refs: list[TaskRef] = []
        for _, d in chosen:
            full = _inner_quotes(d.full)
            if d.short:
                doc.add(Span(d.short, bold=True), ct.DOCUMENT_FULL.format(full=full))
            else:
                doc.add(Span(ct.DOCUMENT_LINE_NO_SHORT.format(full=full), bold=True))
            if d.issuer:
                doc.add(ct.DOCUMENT_ISSUER.format(issuer=d.issuer))
            if d.note:
                doc.add(d.note)
            if len(chosen) == 1:
                refs = self._tasks_citing(d.full, d.short)
                if refs:
                    doc.add(ct.DOCUMENT_TASKS)
                    for r in refs:
                        doc.add(f"· {ct.TABLE_LABEL[r.table]}第{r.no}项 {r.title}")
            doc.blank()
        return Answer(Intent.report_rule, doc, tasks=refs, topic="documents")

    def _tasks_citing(self, full: str, short: str | None) -> list[TaskRef]:
        from bot.qa.query import clean

        core = clean(full).removeprefix("中华人民共和国")
        names = [n for n in (core, clean(short or "").strip("《》")) if len(n) >= 4]
        return [
            TaskRef(key, t.no, t.title)
            for key, tb in self.rubric.tables.items()
            for t in tb.tasks
            if any(n in clean(t.text) for n in names)
        ]

    def attachment2(self) -> Answer:
        c = self.rubric.campaign
        doc = Doc().bold(ct.ATTACHMENT2_TITLE)
        for section in c.attachment2:
            doc.add(Span(section.title, bold=True))
            for point in section.points:
                doc.add(f"· {point}")
        doc.bold(ct.INDICATORS_TITLE)
        for ic in c.indicator_counts:
            doc.add(ct.INDICATOR_LINE.format(**ic.model_dump()))
        return Answer(Intent.report_rule, doc, topic="attachment2")

    # --- totals and duties --------------------------------------------------------------

    def totals(self, item: Item, table: str | None) -> Answer:
        tables = self.rubric.tables
        if item.kind == "duties":
            keys = [table] if table else list(tables)
            doc = Doc()
            for key in keys:
                doc.bold(ct.DUTIES_TITLE.format(table=ct.TABLE_LONG[key]))
                doc.extend(self.duty_lines(key))
                doc.blank()
            return Answer(Intent.totals, doc, topic="duties")
        keys = [table] if table else list(tables)
        doc = Doc().bold(ct.TOTALS_TITLE)
        for key in keys:
            tb = self.rubric.table(key)
            doc.add(ct.TOTALS_TABLE_LINE.format(table=ct.TABLE_LONG[key], count=len(tb.tasks), points=fmt_points(tb.total_points)))
        if len(keys) == 1:
            doc.blank().extend(self.duty_lines(keys[0]))
        else:
            count = sum(len(tb.tasks) for tb in tables.values())
            points = sum(tb.total_points for tb in tables.values())
            doc.add(qt.TOTALS_BOTH_LINE.format(count=count, points=fmt_points(points)))
        return Answer(Intent.totals, doc, topic="totals")

    def duty_lines(self, key: str) -> Doc:
        tb = self.rubric.table(key)
        doc = Doc()
        for duty in tb.duties:
            nos = [t.no for t in tb.tasks if t.duty == duty.no]
            doc.add(
                ct.TOTALS_DUTY_LINE.format(
                    no=duty.no, text=duty.text, first=nos[0], last=nos[-1], points=fmt_points(tb.duty_points(duty.no))
                )
            )
        return doc
