"""What the inspection conversation shows: each criterion as a question (with the unit's own
answer beside it), the finding prompts, the review page and the summary.

Pure rendering over snapshots: Answers with rich text and buttons, no database.
"""

from __future__ import annotations

from bot.common.callbacks import InspectLevel, InspectNav, InspectOp
from bot.common.format import fmt_points
from bot.common.reply import Answer, Button, Intent
from bot.common.richtext import Doc, Span
from bot.inspection import compare, texts
from bot.inspection.context import Context
from bot.inspection.states import InspectionStatus, Step
from bot.scoring.scores import AssessmentSnapshot, CriterionKey

MAX_DIFF_LINES = 25


def _self_score(unit: AssessmentSnapshot | None) -> str:
    return f"{fmt_points(unit.total)}/100" if unit is not None else texts.NOT_SCORED


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


class Views:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def progress_line(self, own: AssessmentSnapshot, group: str) -> str:
        return texts.PROGRESS.format(
            unit=own.unit, table=texts.TABLE_LABEL[own.table.key], group=group,
            done=own.tasks_done, total=len(own.table.tasks), score=fmt_points(own.total),
        )

    def question(
        self, own: AssessmentSnapshot, unit: AssessmentSnapshot | None, key: CriterionKey, group: str, note: str | None = None
    ) -> Answer:
        """A criterion before the inspector answers: what it asks, how to check it, what the
        unit said about itself, and one button per level (the unit's own level marked)."""
        task = own.table.task(key[0])
        assert task is not None
        ci = key[1]
        c = task.criteria[ci]
        doc = Doc()
        if note:
            doc.add(note)
        doc.add(Span(self.progress_line(own, group), italic=True))
        doc.bold(texts.TASK_HEAD.format(no=task.no, title=task.title, points=fmt_points(task.points)))
        if ci == 0:
            doc.add(texts.TASK_TEXT.format(text=task.text))
        doc.add(Span(texts.CRITERION.format(i=ci + 1, n=len(task.criteria), points=fmt_points(c.points), text=c.text), bold=True))
        doc.add(texts.CHECKLIST)
        for item in compare.checklist(task.check_method):
            doc.add(texts.CHECK_ITEM.format(text=item))
        theirs = unit.answers.get(key) if unit is not None and unit.answered(key) else None
        if unit is None:
            doc.add(texts.SELF_NONE)
        elif theirs is None:
            doc.add(texts.SELF_UNANSWERED)
        else:
            doc.add(texts.SELF_ANSWER.format(label=compare.level_label(c, theirs), points=fmt_points(theirs.points), by=theirs.answered_by))
            if theirs.rectification.problem:
                doc.add(texts.SELF_PROBLEM.format(text=theirs.rectification.problem))
            if theirs.rectification.measure:
                doc.add(texts.SELF_MEASURE.format(text=theirs.rectification.measure))
        self_files = unit.evidence_for(key) if unit is not None else []
        if unit is not None:
            doc.add(texts.SELF_FILES.format(count=len(self_files)) if self_files else texts.SELF_NO_FILES)
        mine = own.answers.get(key) if own.answered(key) else None
        if mine is not None:
            line = texts.OWN_ANSWER.format(label=compare.level_label(c, mine), points=fmt_points(mine.points), by=mine.answered_by)
            if theirs is not None and theirs.points != mine.points:
                kind, diff = compare.diff_words(theirs.points - mine.points)
                line += texts.DIFF_MARK.format(kind=kind, diff=fmt_points(diff))
            doc.add(line)
            if mine.rectification.problem:
                doc.add(texts.OWN_FINDING.format(text=mine.rectification.problem))
            if mine.rectification.measure:
                doc.add(texts.OWN_RECOMMENDATION.format(text=mine.rectification.measure))
        own_files = own.evidence_for(key)
        doc.add(Span(texts.EVIDENCE_COUNT.format(count=len(own_files)) if own_files else texts.EVIDENCE_HINT, italic=True))
        rev = own.answers[key].revision if key in own.answers else 0
        levels = []
        for i, lv in enumerate(c.levels):
            template = texts.LEVEL_BUTTON_SELF if theirs is not None and theirs.level == i else texts.LEVEL_BUTTON
            levels.append(Button(template.format(label=lv.label, points=fmt_points(lv.points)), InspectLevel(own.id, task.no, ci, i, rev)))
        rows = [levels[i : i + 2] for i in range(0, len(levels), 2)] if len(levels) > 3 else [levels]
        nav = [
            Button(texts.PREV, InspectNav(own.id, "prev", task.no, ci)),
            Button(texts.SKIP, InspectNav(own.id, "skip", task.no, ci)),
            Button(texts.PAUSE, InspectNav(own.id, "pause", task.no, ci)),
        ]
        rows.append(nav)
        files = []
        if self_files:
            files.append(Button(texts.SELF_FILES_BUTTON, InspectNav(own.id, "self_files", task.no, ci)))
        if own_files:
            files.append(Button(texts.OWN_FILES_BUTTON, InspectNav(own.id, "own_files", task.no, ci)))
        if files:
            rows.append(files)
        return Answer(Intent.help, doc, buttons=rows, topic="inspect")

    def field_prompt(self, own: AssessmentSnapshot, key: CriterionKey, step: Step, intro: bool = False, note: str | None = None) -> Answer:
        task = own.table.task(key[0])
        assert task is not None
        c = task.criteria[key[1]]
        doc = Doc()
        if note:
            doc.add(note)
        if intro:
            got = own.answers[key].points if key in own.answers else 0
            doc.add(texts.FINDING_INTRO.format(got=fmt_points(got), full=fmt_points(c.points)))
        doc.add(Span(f"{own.unit} 第{task.no}项第{key[1] + 1}条：{c.text}", italic=True))
        doc.bold(texts.ASK_FINDING if step == Step.finding else texts.ASK_RECOMMENDATION)
        return Answer(Intent.help, doc, buttons=[[Button(texts.SKIP, InspectNav(own.id, "field_skip", key[0], key[1]))]], topic="inspect")

    def done(self, own: AssessmentSnapshot, unit: AssessmentSnapshot | None, note: str | None = None) -> Answer:
        doc = Doc()
        if note:
            doc.add(note)
        doc.add(
            texts.DONE.format(
                unit=own.unit, table=texts.TABLE_LABEL[own.table.key], total=len(own.table.tasks),
                score=fmt_points(own.total), self_score=_self_score(unit),
            )
        )
        return Answer(Intent.help, doc, buttons=[self._actions(own)])

    def _actions(self, own: AssessmentSnapshot) -> list[Button]:
        return [
            Button(texts.BUTTON_REVIEW, InspectOp("review", own.id)),
            Button(texts.BUTTON_SUMMARY, InspectOp("view", own.id)),
            Button(texts.BUTTON_SUBMIT, InspectOp("submit", own.id)),
        ]

    def review(self, own: AssessmentSnapshot, unit: AssessmentSnapshot | None) -> Answer:
        """Every task with both scores; a button per task opens it for changes."""
        table = own.table
        doc = Doc().bold(
            texts.REVIEW_TITLE.format(
                unit=own.unit, table=texts.TABLE_LABEL[table.key], score=fmt_points(own.total), self_score=_self_score(unit)
            )
        )
        buttons = []
        for task in table.tasks:
            answered = any(own.answered((task.no, i)) for i in range(len(task.criteria)))
            mark = "✅" if own.task_done(task) else ("🟡" if answered else "⬜")
            score = fmt_points(own.task_score(task)) if answered else "—"
            self_score = fmt_points(unit.task_score(task)) if unit is not None else texts.NOT_SCORED
            diff = ""
            if answered and unit is not None and own.task_done(task) and unit.task_done(task):
                d = unit.task_score(task) - own.task_score(task)
                if d:
                    kind, size = compare.diff_words(d)
                    diff = f"　⚖{kind}{fmt_points(size)}"
            doc.add(texts.REVIEW_LINE.format(mark=mark, no=task.no, title=task.title, score=score, points=fmt_points(task.points), self_score=self_score, diff=diff))
            if own.status == InspectionStatus.open:
                buttons.append(Button(f"第{task.no}项", InspectNav(own.id, "goto", task.no, 0)))
        if buttons:
            doc.blank().add(Span(texts.REVIEW_HINT, italic=True))
        rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
        rows.append([Button(texts.BUTTON_SUMMARY, InspectOp("view", own.id)), Button(texts.BUTTON_CONTINUE, InspectOp("resume", own.id))])
        return Answer(Intent.help, doc, buttons=rows)

    def summary(
        self, own: AssessmentSnapshot, unit: AssessmentSnapshot | None, group: str, released_at=None, coordinator: bool = False
    ) -> Answer:
        """Totals beside the self-score, each duty, the differences largest first, the status."""
        table = own.table
        doc = Doc().bold(texts.SUMMARY_TITLE.format(unit=own.unit, table=texts.TABLE_LABEL[table.key], group=group))
        total_diff = compare.total_difference(own, unit)
        if total_diff is None:
            diff = texts.SUMMARY_DIFF_UNKNOWN
        elif total_diff == 0:
            diff = texts.SUMMARY_DIFF_NONE
        else:
            kind, size = compare.diff_words(total_diff)
            diff = texts.SUMMARY_DIFF_TOTAL.format(kind=kind, diff=fmt_points(size))
        doc.add(texts.SUMMARY_TOTALS.format(score=fmt_points(own.total), self_score=_self_score(unit), diff=diff))
        doc.add(texts.SUMMARY_PROGRESS.format(done=own.criteria_done, total=own.criteria_total))
        doc.blank()
        for row in compare.duty_rows(own, unit):
            short = row.text if len(row.text) <= 20 else row.text[:20] + "…"
            doc.add(
                texts.SUMMARY_DUTY.format(
                    no=row.no, text=short, score=fmt_points(row.own), full=fmt_points(row.full),
                    self_score=fmt_points(row.unit) if row.unit is not None else texts.NOT_SCORED,
                )
            )
        doc.blank().bold(texts.SUMMARY_DIFFS)
        diffs = compare.differences(compare.rows(own, unit))
        for r in diffs[:MAX_DIFF_LINES]:
            assert r.own is not None and r.unit is not None
            kind, size = compare.diff_words(r.difference)
            doc.add(
                texts.SUMMARY_DIFF_LINE.format(
                    no=r.task.no, i=r.index + 1, title=r.task.title, kind=kind, diff=fmt_points(size),
                    self_label=compare.level_label(r.criterion, r.unit), self_points=fmt_points(r.unit.points),
                    label=compare.level_label(r.criterion, r.own), points=fmt_points(r.own.points),
                )
            )
        if len(diffs) > MAX_DIFF_LINES:
            doc.add(texts.SUMMARY_MORE.format(n=len(diffs) - MAX_DIFF_LINES))
        if not diffs:
            doc.add(texts.SUMMARY_NO_DIFFS)
        doc.blank().add(texts.SUMMARY_FINDINGS.format(count=len(compare.findings(own))))
        if own.status == InspectionStatus.released:
            doc.add(texts.SUMMARY_STATUS_RELEASED.format(at=self.ctx.local(released_at)))
        elif own.status == InspectionStatus.submitted:
            doc.add(texts.SUMMARY_STATUS_SUBMITTED.format(at=self.ctx.local(own.submitted_at), by=own.submitted_by))
        else:
            doc.add(texts.SUMMARY_STATUS_OPEN)
        rows = [[Button(texts.BUTTON_REPORT, InspectOp("report", own.id))]]
        if coordinator:
            if own.status == InspectionStatus.submitted:
                rows[0].append(Button(texts.BUTTON_RELEASE, InspectOp("release", own.id)))
            if own.status != InspectionStatus.open:
                rows[0].append(Button(texts.BUTTON_REOPEN, InspectOp("reopen", own.id)))
        elif own.status == InspectionStatus.open:
            rows.append(self._actions(own))
        rows.append([Button(texts.BUTTON_LIST, InspectOp("list"))])
        return Answer(Intent.help, doc, buttons=rows)

    def resend_label(self, unit_name: str, key: CriterionKey, count: int, own: bool) -> str:
        template = texts.EVIDENCE_SENDING_OWN if own else texts.EVIDENCE_SENDING_SELF
        return template.format(unit=unit_name, no=key[0], i=key[1] + 1, count=count)
