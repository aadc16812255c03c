"""How scoring looks: a criterion as a question, the progress line, rectification prompts,
the end of the table, a task on the review page, the summary. Pure rendering: no database."""

from __future__ import annotations

from bot.common import texts
from bot.common.callbacks import AssessmentOp, Navigate, PickLevel
from bot.common.format import fmt_date, fmt_points
from bot.common.reply import Answer, Button, Intent
from bot.common.richtext import Doc, Span
from bot.common.rubric import Task
from bot.common.states import RECT_STEPS, AssessmentStatus, Step
from bot.scoring.context import ScoringContext
from bot.scoring.scores import AssessmentSnapshot, CriterionKey, Rectification


class Views:
    def __init__(self, ctx: ScoringContext) -> None:
        self.ctx = ctx
        self._cards: dict[tuple[str, int, int, bool], tuple[Doc, tuple[str, ...]]] = {}

    def progress_line(self, snap: AssessmentSnapshot) -> str:
        return texts.SCORE_PROGRESS.format(
            unit=snap.unit,
            table=texts.TABLE_LABEL[snap.table.key],
            done=snap.tasks_done,
            total=len(snap.table.tasks),
            score=fmt_points(snap.total),
        )

    def question(self, snap: AssessmentSnapshot, key: CriterionKey, note: str | None = None, compact: bool = False) -> Answer:
        """A criterion as a question: task card on its first criterion, one button per level.
        ``compact``: without the task card (the question shown again after a detour)."""
        task = snap.table.task(key[0])
        assert task is not None
        ci = key[1]
        c = task.criteria[ci]
        card, labels = self._card(snap.table.key, task, ci, compact)
        doc = Doc()
        if note:
            doc.add(note)
        doc.add(Span(self.progress_line(snap), italic=True))
        doc.extend(card)
        current = snap.answers.get(key)
        if current is not None:
            label = c.levels[current.level].label if current.level < len(c.levels) else "?"
            doc.add(texts.SCORE_CURRENT.format(label=label, points=fmt_points(current.points), by=current.answered_by))
            if snap.is_stale(key):
                doc.add(Span(texts.SCORE_STALE, italic=True))
        files = snap.evidence_for(key)
        doc.add(Span(texts.SCORE_EVIDENCE_COUNT.format(count=len(files)) if files else texts.SCORE_EVIDENCE_HINT, italic=True))
        rev = current.revision if current else 0
        levels = [Button(label, PickLevel(snap.id, task.no, ci, i, rev)) for i, label in enumerate(labels)]
        rows = [levels[i : i + 2] for i in range(0, len(levels), 2)] if len(levels) > 3 else [levels]
        nav = [
            Button(texts.SCORE_PREV, Navigate(snap.id, "prev", task.no, ci)),
            Button(texts.SCORE_SKIP, Navigate(snap.id, "skip", task.no, ci)),
            Button(texts.SCORE_PAUSE, Navigate(snap.id, "pause", task.no, ci)),
        ]
        if files:
            nav.append(Button(texts.SCORE_SHOW_EVIDENCE, Navigate(snap.id, "evidence", task.no, ci)))
        rows.append(nav)
        if current is not None and current.points < c.points:
            rows.append([Button(texts.RECT_EDIT_BUTTON, Navigate(snap.id, "rect_edit", task.no, ci))])
        return Answer(Intent.help, doc, buttons=rows, topic="score")

    def _card(self, table_key: str, task: Task, ci: int, compact: bool = False) -> tuple[Doc, tuple[str, ...]]:
        """What a criterion's question always says (task head, on the first criterion the task
        and how it is checked unless ``compact``, the criterion) and its level buttons' labels:
        the same for every unit, so made once per criterion. The lines are immutable and shared."""
        cached = self._cards.get((table_key, task.no, ci, compact))
        if cached is None:
            c = task.criteria[ci]
            card = Doc().bold(texts.SCORE_TASK_HEAD.format(no=task.no, title=task.title, points=fmt_points(task.points)))
            if ci == 0 and not compact:
                card.add(texts.SCORE_TASK_TEXT.format(text=task.text))
                card.add(texts.SCORE_CHECK.format(text=task.check_method))
            card.add(Span(texts.SCORE_CRITERION.format(i=ci + 1, n=len(task.criteria), points=fmt_points(c.points), text=c.text), bold=True))
            labels = tuple(texts.SCORE_LEVEL_BUTTON.format(label=lv.label, points=fmt_points(lv.points)) for lv in c.levels)
            cached = self._cards[(table_key, task.no, ci, compact)] = (card, labels)
        return cached

    def rect_prompt(
        self,
        snap: AssessmentSnapshot,
        key: CriterionKey,
        step: Step,
        intro: bool = False,
        note: str | None = None,
        current: str | None = None,
    ) -> Answer:
        """Ask for one field of a deduction's rectification item, with what it holds now."""
        task = snap.table.task(key[0])
        assert task is not None
        c = task.criteria[key[1]]
        doc = Doc()
        if note:
            doc.add(note)
        if intro:
            got = snap.answers[key].points if key in snap.answers else 0
            doc.add(texts.RECT_INTRO.format(got=fmt_points(got), full=fmt_points(c.points)))
        doc.add(Span(f"第{task.no}项第{key[1] + 1}条：{c.text}", italic=True))
        doc.bold(texts.RECT_ASK[step].format(units="、".join(task.units), **self.ctx.deadline_examples()))
        if current:
            doc.add(texts.RECT_CURRENT.format(value=current))
            doc.add(Span(texts.RECT_CURRENT_HINT, italic=True))
        return Answer(Intent.help, doc, buttons=[[Button(texts.SCORE_SKIP, Navigate(snap.id, "field_skip", key[0], key[1]))]], topic="rectify")

    def done(self, snap: AssessmentSnapshot, note: str | None = None) -> Answer:
        """Every criterion answered: review, summary or submit."""
        doc = Doc()
        if note:
            doc.add(note)
        doc.add(texts.SCORE_DONE.format(total=len(snap.table.tasks), score=fmt_points(snap.total)))
        return Answer(
            Intent.help,
            doc,
            buttons=[[Button("检查修改", AssessmentOp(snap.id, "review")), Button("汇总", AssessmentOp(snap.id, "summary")), Button("提交", AssessmentOp(snap.id, "submit"))]],
        )

    def review_task(self, snap: AssessmentSnapshot, no: int) -> Answer:
        """One task on the review page: each criterion's answer, rectification and evidence."""
        task = snap.table.task(no)
        assert task is not None
        doc = Doc().bold(texts.REVIEW_TASK_TITLE.format(no=no, title=task.title, score=fmt_points(snap.task_score(task)), points=fmt_points(task.points)))
        rows: list[list[Button]] = []
        for i, c in enumerate(task.criteria):
            row: list[Button] = []
            doc.add(texts.REVIEW_CRITERION.format(i=i + 1, text=c.text))
            ans = snap.answers.get((no, i))
            if ans is None:
                doc.add(texts.REVIEW_UNANSWERED)
            else:
                label = c.levels[ans.level].label if ans.level < len(c.levels) else "?"
                doc.add(texts.REVIEW_ANSWER.format(label=label, points=fmt_points(ans.points), by=ans.answered_by))
                if snap.is_stale((no, i)):
                    doc.add(Span("   " + texts.SCORE_STALE, italic=True))
                for step in RECT_STEPS if ans.points < c.points else ():  # kept, but moot at full points
                    value = rect_value(ans.rectification, step)
                    if value:
                        doc.add(texts.REVIEW_RECT.format(label=texts.RECT_LABEL[step], value=value))
            for e in snap.evidence_for((no, i)):
                doc.add(f"   📎 {e.file_name}（{file_size(e.size)}）")
            if snap.status != AssessmentStatus.submitted:
                row.append(Button(texts.REVIEW_CHANGE.format(i=i + 1), Navigate(snap.id, "goto", no, i)))
                if ans is not None and ans.points < c.points:
                    row.append(Button(texts.REVIEW_RECT_EDIT.format(i=i + 1), Navigate(snap.id, "rect_edit", no, i)))
            if snap.evidence_for((no, i)):
                row.append(Button(f"第{i + 1}条佐证", Navigate(snap.id, "evidence", no, i)))
            if row:
                rows.append(row)
        rows.append([Button("返回总览", AssessmentOp(snap.id, "review"))])
        return Answer(Intent.help, doc, buttons=rows)

    def summary(self, snap: AssessmentSnapshot) -> Answer:
        """Total, subtotal per duty, deductions largest first, status, and the files."""
        table = snap.table
        doc = Doc().bold(texts.SUMMARY_TITLE.format(unit=snap.unit, table=texts.TABLE_LABEL[table.key]))
        doc.add(texts.SUMMARY_TOTAL.format(score=fmt_points(snap.total), done=snap.tasks_done, total=len(table.tasks)))
        doc.blank()
        for no, score, full in snap.duty_subtotals():
            text = table.duty(no).text
            short = text if len(text) <= 24 else text[:24] + "…"
            doc.add(texts.SUMMARY_DUTY.format(no=no, text=short, score=fmt_points(score), points=fmt_points(full)))
        doc.blank().bold(texts.SUMMARY_DEDUCTIONS)
        deductions = snap.deductions()
        for d in deductions:
            label = d.criterion.levels[d.answer.level].label if d.answer.level < len(d.criterion.levels) else "?"
            doc.add(texts.SUMMARY_DEDUCTION.format(no=d.task.no, title=d.task.title, i=d.criterion_index + 1, lost=fmt_points(d.lost), label=label))
        if not deductions:
            doc.add(texts.SUMMARY_NO_DEDUCTIONS)
        doc.blank()
        if snap.status == AssessmentStatus.submitted:
            doc.add(texts.SUMMARY_STATUS_SUBMITTED.format(at=self.ctx.local(snap.submitted_at), by=snap.submitted_by))
        else:
            doc.add(texts.SUMMARY_STATUS_OPEN)
        rows = [[Button(texts.FILES_XLSX, AssessmentOp(snap.id, "xlsx")), Button(texts.FILES_DOCX, AssessmentOp(snap.id, "docx"))]]
        if snap.status != AssessmentStatus.submitted:
            rows.append([Button("检查修改", AssessmentOp(snap.id, "review")), Button("提交", AssessmentOp(snap.id, "submit"))])
        return Answer(Intent.help, doc, buttons=rows)


def rect_value(r: Rectification, step: Step) -> str | None:
    """A rectification field as the bot shows it; a deadline as the date it was read as
    (2026年12月31日), or as typed when it has no date (长期坚持)."""
    if step == Step.deadline:
        return fmt_date(r.deadline) if r.deadline else r.deadline_text
    return getattr(r, step)


def file_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"
