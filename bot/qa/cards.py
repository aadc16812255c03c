"""Task cards: one task of a table as rich text with buttons, and the short lines that list tasks."""

from __future__ import annotations

from bot.common import texts
from bot.common.callbacks import Aspect, ShowTask
from bot.common.format import fmt_points
from bot.common.reply import Button, TaskRef
from bot.common.richtext import Doc, Span
from bot.common.rubric import Rubric, Table, Task
from bot.qa.search import Hit


class Cards:
    """Renders tasks of one rubric."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric

    def task(self, table: str, no: int) -> Task | None:
        tb = self.rubric.tables.get(table)  # type: ignore[call-overload]
        return tb.task(no) if tb else None

    def ref(self, table: str, no: int) -> TaskRef:
        task = self.task(table, no)
        assert task is not None
        return TaskRef(table, no, task.title)

    def hit_ref(self, h: Hit) -> TaskRef:
        return self.ref(h.table, h.no)

    def line(self, table: str, no: int, with_table: bool = True) -> str:
        task = self.task(table, no)
        assert task is not None
        return texts.CANDIDATE_LINE.format(
            table=texts.TABLE_LABEL[table] if with_table else "", no=no, title=task.title, points=fmt_points(task.points)
        )

    def button(self, table: str, no: int) -> Button:
        return Button(f"{texts.TABLE_LABEL[table]}第{no}项", ShowTask(table, no, "card"))  # type: ignore[arg-type]

    def buttons(self, refs: list[tuple[str, int]], per_row: int = 2) -> list[list[Button]]:
        row = [self.button(t, n) for t, n in refs]
        return [row[i : i + per_row] for i in range(0, len(row), per_row)]

    def doc(self, table: str, no: int, aspect: Aspect) -> Doc:
        tb = self.rubric.table(table)
        task = tb.task(no)
        assert task is not None
        return self._doc(tb, task, aspect)

    def _doc(self, tb: Table, task: Task, aspect: Aspect) -> Doc:
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
        notes = [a.note.rstrip("。") for a in task.anomalies if a.note] if aspect == "card" else []
        if notes:  # the users' line of each data note; the maintainers' English stays in the data
            doc.add(Span(texts.CARD_NOTE + "；".join(notes) + "。", italic=True))
        return doc

    def task_buttons(self, table: str, no: int, aspect: Aspect) -> list[list[Button]]:
        tb = self.rubric.table(table)
        aspects: list[Aspect] = ["criteria", "units", "check"] if aspect == "card" else ["card"]
        row1 = [Button(texts.ASPECT_LABEL[a], ShowTask(table, no, a)) for a in aspects]  # type: ignore[arg-type]
        row2 = []
        if no > 1:
            row2.append(Button("上一项", ShowTask(table, no - 1, "card")))  # type: ignore[arg-type]
        if no < len(tb.tasks):
            row2.append(Button("下一项", ShowTask(table, no + 1, "card")))  # type: ignore[arg-type]
        other = "government" if table == "party" else "party"
        if self.task(other, no):
            row2.append(self.button(other, no))
        return [row1, row2]
