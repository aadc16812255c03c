"""/inspect: an inspector's group's units with their progress beside the unit's own; for
coordinators, every group's.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.common.callbacks import InspectOp
from bot.common.format import fmt_points
from bot.common.reply import Answer, Button, Intent, Outcome, User
from bot.common.richtext import Doc, Span
from bot.inspection import records, texts
from bot.inspection.access import Access
from bot.inspection.context import Context
from bot.inspection.states import TABLE_KEYS, InspectionStatus
from bot.storage.models import Inspection, InspectionCursor


class Listing:
    def __init__(self, ctx: Context, access: Access) -> None:
        self.ctx = ctx
        self.access = access

    def listing(self, s: Session, user: User) -> Outcome:
        """/inspect: an inspector's group's units with progress; every group for coordinators."""
        viewer = self.access.viewer(s, user)
        if viewer.coordinator:
            return self._overview(s)
        units = self.access.group_units(s, viewer)
        doc = Doc().bold(texts.LIST_TITLE.format(group=viewer.group_name, round=self.ctx.round_name(s)))
        if not units:
            return Outcome(replies=[Answer(Intent.help, doc.add(texts.LIST_NO_UNITS))])
        buttons: list[Button] = []
        for a in units:
            for key in records.tables_for_unit(s, self.ctx.rubric, self.ctx.round, a.unit):
                doc.add(self._unit_line(s, a.unit, key))
                buttons.append(Button(f"{a.unit}·{texts.TABLE_SHORT[key]}", InspectOp("open", a.id or 0, TABLE_KEYS.index(key))))
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        cursor = s.get(InspectionCursor, user.id)
        insp = s.get(Inspection, cursor.inspection_id) if cursor else None
        if insp is not None and insp.status == InspectionStatus.open and insp.unit in {a.unit for a in units}:
            rows.insert(0, [Button(texts.LIST_RESUME.format(unit=insp.unit, table=texts.TABLE_LABEL[insp.table_key]), InspectOp("resume", insp.id or 0))])
        doc.blank().add(Span(texts.LIST_HINT, italic=True))
        return Outcome(replies=[Answer(Intent.help, doc, buttons=rows[:20])])

    def _unit_line(self, s: Session, unit: str, key: str) -> str:
        insp = records.find_inspection(s, self.ctx.round, unit, key)
        theirs = records.self_snapshot(s, self.ctx.rubric, self.ctx.round, unit, key)
        if insp is None:
            state = (
                texts.SELF_STATE_NONE if theirs is None
                else texts.SELF_STATE_SUBMITTED if theirs.status == "submitted" else texts.SELF_STATE_OPEN
            )
            return texts.LIST_LINE.format(mark=texts.STATUS_MARK["none"], unit=unit, table=texts.TABLE_SHORT[key], state=texts.LIST_STATE_NONE.format(self_state=state))
        own = records.inspection_snapshot(s, self.ctx.rubric, insp)
        state = texts.LIST_STATE.format(
            done=own.criteria_done, total=own.criteria_total, score=fmt_points(own.total),
            self_score=fmt_points(theirs.total) if theirs is not None else texts.NOT_SCORED, status=texts.STATUS_LABEL[insp.status],
        )
        return texts.LIST_LINE.format(mark=texts.STATUS_MARK[insp.status], unit=unit, table=texts.TABLE_SHORT[key], state=state)

    def _overview(self, s: Session) -> Outcome:
        found = records.groups(s, self.ctx.round)
        if not found:
            return Outcome().say(texts.OVERVIEW_NONE)
        doc = Doc().bold(texts.OVERVIEW_TITLE.format(round=self.ctx.round_name(s)))
        buttons: list[Button] = []
        for g in found:
            doc.add(texts.OVERVIEW_GROUP.format(name=g.name))
            for unit in g.units:
                for key in records.tables_for_unit(s, self.ctx.rubric, self.ctx.round, unit):
                    doc.add("　" + self._unit_line(s, unit, key))
                    insp = records.find_inspection(s, self.ctx.round, unit, key)
                    if insp is not None:
                        buttons.append(Button(f"{unit}·{texts.TABLE_SHORT[key]}", InspectOp("view", insp.id or 0)))
        doc.blank().add(Span(texts.OVERVIEW_HINT, italic=True))
        rows = [buttons[i : i + 3] for i in range(0, min(len(buttons), 30), 3)]
        rows.append([Button(texts.BUTTON_RANKING, InspectOp("ranking"))])
        return Outcome(replies=[Answer(Intent.help, doc, buttons=rows)])

    def pick_table(self, s: Session, unit: str, assignment_id: int) -> Outcome:
        keys = records.tables_for_unit(s, self.ctx.rubric, self.ctx.round, unit)
        return Outcome().say(
            texts.PICK_TABLE.format(unit=unit),
            [[Button(texts.TABLE_LABEL[k], InspectOp("open", assignment_id, TABLE_KEYS.index(k))) for k in keys]],
        )
