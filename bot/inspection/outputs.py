"""What the city gets from the inspection: each unit's 督察报告 (.docx) and the ranking
(text, .xlsx and a PNG chart), in the chat and on the command line."""

from __future__ import annotations

from sqlmodel import Session

from bot.common.errors import Refusal
from bot.common.format import clip, fmt_points
from bot.common.reply import Answer, Intent, Outcome, OutFile, User
from bot.common.richtext import Doc
from bot.inspection import compare, records, texts
from bot.inspection.access import Access
from bot.inspection.context import Context
from bot.inspection.conversation import Conversation
from bot.storage.models import Inspection


class Outputs:
    def __init__(self, ctx: Context, access: Access, conversation: Conversation) -> None:
        self.ctx = ctx
        self.access = access
        self.conv = conversation

    # --- the 督察报告 ----------------------------------------------------------------------

    def report(self, s: Session, user: User | None, inspection_id: int) -> Outcome:
        """The group's report of one unit's table; inspectors of its group and coordinators."""
        if user is not None:
            viewer = self.access.viewer(s, user)
            insp = self.access.inspection(s, viewer, inspection_id)
        else:
            found = s.get(Inspection, inspection_id)
            if found is None:
                raise Refusal(texts.STALE, f"no inspection {inspection_id}", slip=True)
            insp = found
        return self.report_of(s, insp)

    def report_by_name(self, s: Session, unit: str, table_key: str) -> Outcome:
        """`ducha export --unit 华龙区 --table party --report inspection`."""
        insp = records.find_inspection(s, self.ctx.round, unit, table_key)
        if insp is None:
            raise Refusal(texts.REPORT_NOT_FOUND.format(unit=unit, table=texts.TABLE_LABEL[table_key]), "no inspection", slip=True)
        return self.report_of(s, insp)

    def report_of(self, s: Session, insp: Inspection) -> Outcome:
        from bot.files.inspection_report import (
            InspectionReport,
            inspection_report_docx,
            report_filename,
        )

        own, unit = self.conv.snapshots(s, insp)
        calendar = self.ctx.calendar(s)
        phase = calendar.phase("field_inspection")
        group = self.conv.group_name(s, insp)
        submitted = f"{self.ctx.local(insp.submitted_at)}（{insp.submitted_by}）" if insp.submitted_at else None
        today = self.ctx.today()
        data = inspection_report_docx(
            InspectionReport(
                own=own, unit=unit, campaign=self.ctx.rubric.campaign, group=group,
                members=tuple(p.name for p in records.members(s, group)),
                period=phase.date_text, submitted=submitted,
                rectification_due=calendar.phase("rectification").end, today=today,
            )
        )
        caption = texts.REPORT_CAPTION.format(
            unit=insp.unit, table=texts.TABLE_LABEL[insp.table_key], score=fmt_points(own.total),
            self_score=f"{fmt_points(unit.total)}/100" if unit is not None else texts.NOT_SCORED,
            findings=len(compare.findings(own)),
        )
        return Outcome(files=[OutFile(report_filename(insp.unit, insp.table_key, today), data, caption)])

    # --- the ranking ---------------------------------------------------------------------

    def ranking_data(self, s: Session) -> compare.Ranking:
        inputs = []
        seen = set()
        names = {g.id: g.name for g in records.groups(s, self.ctx.round)}
        for insp in records.inspections(s, self.ctx.round):
            own, unit = self.conv.snapshots(s, insp)
            inputs.append(compare.RankInput(insp.unit, insp.table_key, names.get(insp.group_id or 0, "—"), insp.status, own, unit))
            seen.add((insp.unit, insp.table_key))
        for a in records.assignments(s, self.ctx.round):
            for key in records.tables_for_unit(s, self.ctx.rubric, self.ctx.round, a.unit):
                if (a.unit, key) not in seen:
                    unit = records.self_snapshot(s, self.ctx.rubric, self.ctx.round, a.unit, key)
                    inputs.append(compare.RankInput(a.unit, key, names.get(a.group_id, "—"), "none", None, unit))
        return compare.ranking(inputs, dict(self.ctx.rubric.tables))

    def ranking(self, s: Session, user: User | None, files: bool = True) -> Outcome:
        """/ranking: every unit with self total, inspection total, difference and rank, and
        the tasks most often marked down; the .xlsx and the chart with it."""
        self.access.coordinator(s, user, "/ranking")
        data = self.ranking_data(s)
        if not data.rows:
            return Outcome().say(texts.RANKING_NONE)
        round_name = self.ctx.round_name(s)
        doc = Doc().bold(texts.RANKING_TITLE.format(round=round_name))
        for key in self.ctx.rubric.tables:
            mine = [r for r in data.rows if r.table == key]
            if not mine:
                continue
            doc.blank().bold(texts.RANKING_TABLE.format(table=texts.TABLE_LABEL[key]))
            for r in mine:
                if r.rank is None:
                    doc.add(texts.RANKING_LINE_OPEN.format(unit=r.unit, status=texts.STATUS_LABEL.get(r.status, "未开始"), done=r.done, total=r.total))
                    continue
                if r.difference is None:
                    diff = texts.SUMMARY_DIFF_UNKNOWN.removeprefix("差值：")
                else:
                    kind, size = compare.diff_words(r.difference)
                    diff = texts.RANKING_DIFF.format(kind=kind, diff=fmt_points(size)) if size else texts.SAME
                doc.add(
                    texts.RANKING_LINE.format(
                        rank=r.rank, unit=r.unit, score=fmt_points(r.own_total or 0),
                        self_score=fmt_points(r.self_total) if r.self_total is not None else texts.NOT_SCORED, diff=diff,
                    )
                )
        if data.tasks:
            doc.blank().bold(texts.RANKING_TASKS)
            for t in data.tasks:
                doc.add(texts.RANKING_TASK_LINE.format(table=texts.TABLE_LABEL[t.table], no=t.no, title=t.title, units=t.units, lost=fmt_points(t.lost)))
        out = Outcome(replies=[Answer(Intent.help, doc)])
        if files:
            from bot.files.ranking import ranking_chart_png, ranking_xlsx

            now = self.ctx.clock()
            local = now.astimezone(self.ctx.tz)
            chart = ranking_chart_png(data, round_name)
            caption = clip("\n".join(chart.legend), 1000) or texts.RANKING_CHART
            out.files.append(OutFile(f"督察对比图-{local:%Y%m%d}.png", chart.png, caption))
            out.files.append(
                OutFile(f"督察排名-{local:%Y%m%d}.xlsx", ranking_xlsx(data, round_name, now, self.ctx.rubric.campaign.timezone), texts.RANKING_XLSX)
            )
        return out

