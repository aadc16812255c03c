"""/progress: per unit and table, who scores, how far, submitted or not, the score; the tasks
with the lowest average; as text, a chart (PNG) and a table (.xlsx)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordOp
from bot.common.format import clip, fmt_points
from bot.common.reply import Answer, Button, Intent, Outcome, OutFile, User
from bot.common.richtext import Doc
from bot.common.states import NOT_UNIT_ROLES
from bot.coordination.context import CoordinationContext
from bot.scoring.membership import table_of
from bot.storage.models import Assessment, Person


def unit_tables(kind: str) -> tuple[str, ...]:
    """The tables a unit of this kind answers for: counties, districts and zones both;
    a city department the government table it scores by reference to."""
    return ("government",) if kind == "department" else ("party", "government")


def unjoined_units(rows) -> list[str]:
    """Who has not joined yet, in the units file's order: a unit nobody has joined by its
    name (华龙区); the other office of a unit one office has joined by unit and office
    (范县党委), since that office still needs its invite."""
    joined = {(r.unit, r.table) for r in rows if r.users or r.answered or r.submitted_at}
    any_joined = {unit for unit, _ in joined}
    seen: list[str] = []
    for r in rows:
        if (r.unit, r.table) in joined:
            continue
        label = r.unit if r.unit not in any_joined else f"{r.unit}{texts.ROLE_LABEL[r.table]}"
        if label not in seen:
            seen.append(label)
    return seen


def unsubmitted_offices(rows) -> list[str]:
    """Offices that have joined (or answered) and not submitted, in the units file's order: a
    county's office by unit and office (华龙区政府), since its other office may have submitted;
    a department, which has one table, by its name."""
    tables = {}
    for r in rows:
        tables.setdefault(r.unit, set()).add(r.table)
    late: list[str] = []
    for r in rows:
        if r.submitted_at is None and (r.users or r.answered):
            label = r.unit if len(tables[r.unit]) == 1 else f"{r.unit}{texts.ROLE_LABEL[r.table]}"
            if label not in late:
                late.append(label)
    return late


class Progress:
    def __init__(self, ctx: CoordinationContext) -> None:
        self.ctx = ctx

    def data(self, s: Session):
        """Per unit and table: users, answered criteria, submission, score; and the tasks with
        the lowest average score across units."""
        from bot.files.progress import TaskAverage, UnitProgress

        people = s.exec(select(Person).where(Person.active == True, Person.role.not_in(NOT_UNIT_ROLES))).all()  # type: ignore[attr-defined]  # noqa: E712
        users: dict[tuple[str, str], int] = {}
        for p in people:
            key = (p.unit, table_of(p) or "")
            users[key] = users.get(key, 0) + 1
        rows = []
        sums: dict[tuple[str, int], list[float]] = {}
        for a in s.exec(select(Assessment).where(Assessment.round == self.ctx.round).order_by(Assessment.unit)).all():
            snap = self.ctx.sc.snapshot(s, a, full=False)
            rows.append(
                UnitProgress(
                    unit=a.unit,
                    table=a.table_key,
                    users=users.pop((a.unit, a.table_key), 0),
                    answered=snap.criteria_done,
                    total=snap.criteria_total,
                    submitted_at=a.submitted_at,
                    score=snap.total,
                )
            )
            for task in snap.table.tasks:
                if snap.task_done(task):
                    sums.setdefault((a.table_key, task.no), []).append(snap.task_score(task))
        for (unit, table), n in sorted(users.items()):
            if table:
                total = sum(len(t.criteria) for t in self.ctx.rubric.table(table).tasks)
                rows.append(UnitProgress(unit=unit, table=table, users=n, answered=0, total=total, submitted_at=None, score=0))
        # Units nobody has joined yet are part of the round too: a row per table they answer
        # for, and so is the other table of a unit only one of whose offices has joined.
        present = {(r.unit, r.table) for r in rows}
        for unit in self.ctx.rubric.units:
            for table in unit_tables(unit.kind):
                if (unit.name, table) in present:
                    continue
                total = sum(len(t.criteria) for t in self.ctx.rubric.table(table).tasks)
                rows.append(UnitProgress(unit=unit.name, table=table, users=0, answered=0, total=total, submitted_at=None, score=0))
        # in the units file's order, the party table first: a unit's two offices side by side
        place = {u.name: i for i, u in enumerate(self.ctx.rubric.units)}
        rows.sort(key=lambda r: (place.get(r.unit, len(place)), r.unit, r.table != "party"))
        lowest = []
        for (table, no), scores in sums.items():
            task = self.ctx.rubric.table(table).task(no)
            assert task is not None
            lowest.append(TaskAverage(table=table, no=no, title=task.title, average=sum(scores) / len(scores), points=task.points, units=len(scores)))
        lowest.sort(key=lambda t: (t.average / t.points, t.table, t.no))
        return rows, lowest[:5]

    def progress(self, s: Session, user: User | None, files: bool = True) -> Outcome:
        """/progress: the table in text, the chart as a PNG and the same as an .xlsx."""
        if user is not None:
            self.ctx.coordinator(s, user, "/progress")
        from bot.files.progress import ascii_glossary, progress_chart_png, progress_xlsx

        rows, lowest = self.data(s)
        if not rows:
            return Outcome().say(texts.PROGRESS_NONE)
        doc = Doc().bold(texts.PROGRESS_TITLE.format(round=self.ctx.sc.calendars.get(s).name))
        buttons = []
        assessments = {(a.unit, a.table_key): a.id for a in s.exec(select(Assessment).where(Assessment.round == self.ctx.round)).all()}
        for r in rows:
            if r.submitted_at:
                status = texts.PROGRESS_SUBMITTED.format(at=self.ctx.local(r.submitted_at))
            else:
                status = texts.PROGRESS_OPEN if r.users or r.answered else texts.PROGRESS_NOBODY
            mark = "✅" if r.submitted_at else ("🟡" if r.answered else "⬜")
            table = texts.TABLE_LABEL.get(r.table, r.table)
            if status == texts.PROGRESS_NOBODY:  # nothing to count yet: said once, with what to do
                doc.add(texts.PROGRESS_LINE_NOBODY.format(mark=mark, unit=r.unit, table=table))
            else:
                doc.add(
                    texts.PROGRESS_LINE.format(
                        mark=mark, unit=r.unit, table=table, users=r.users,
                        answered=r.answered, total=r.total, status=status, score=fmt_points(r.score),
                    )
                )
            aid = assessments.get((r.unit, r.table))
            if aid:
                buttons.append(Button(f"{r.unit}{texts.TABLE_LABEL.get(r.table, '')[:2]}", CoordOp("asm_view", aid)))
        if lowest:
            doc.blank().bold(texts.PROGRESS_LOWEST)
            for t in lowest:
                doc.add(texts.PROGRESS_LOWEST_LINE.format(table=texts.TABLE_LABEL[t.table], no=t.no, title=t.title, average=f"{t.average:.1f}", points=fmt_points(t.points), units=t.units))
        rows_of_buttons = [buttons[i : i + 3] for i in range(0, min(len(buttons), 30), 3)]
        rows_of_buttons.append([Button(texts.DIGEST_NUDGE_UNSUBMITTED, CoordOp("nudge_unsubmitted", 0))])
        out = Outcome(replies=[Answer(Intent.help, doc, buttons=rows_of_buttons)])
        if files:
            now = self.ctx.clock().astimezone(self.ctx.tz)
            title = texts.PROGRESS_TITLE.format(round=self.ctx.sc.calendars.get(s).name).rstrip("：")
            chart = progress_chart_png(rows, lowest, title)
            # without a CJK font the picture's words are English: the caption says them in Chinese
            lines = chart.legend if chart.cjk else [*ascii_glossary(title), *chart.legend]
            caption = clip("\n".join(lines), 1000) or texts.PROGRESS_CHART
            out.files.append(OutFile(f"进度图-{now:%Y%m%d}.png", chart.png, caption))
            out.files.append(OutFile(f"进度表-{now:%Y%m%d}.xlsx", progress_xlsx(rows, lowest, now), texts.PROGRESS_XLSX))
        return out
