"""The rectification loop: every deduction of the self-assessment is an item with a deadline,
and so is every finding of an inspection group once released to the unit (督察反馈, rows of
``rectification_items``); the unit reports an item done (with a note, and evidence), a
coordinator closes (销号) or returns it with a comment. /rectify lists a unit's items, or for
coordinators those waiting. Both kinds run through the same steps, side by side."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.format import clip
from bot.common.callbacks import CoordAction, CoordOp
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.common.states import OWING, AssessmentStatus, ItemSource, ItemState, PendingKind, Role
from bot.coordination.context import CoordinationContext, day, notice
from bot.coordination.inspected import inspected_unit, inspector_usage
from bot.coordination.pending import Pending, PendingInputs
from bot.storage.db import upsert
from bot.storage.models import Assessment, CriterionAnswer, RectificationItem, RectificationState

logger = logging.getLogger(__name__)

# The buttons of an item that is a rectification_items row (named by its id).
ROW_ACTIONS = {
    CoordAction.item_done: CoordAction.fb_done,
    CoordAction.item_close: CoordAction.fb_close,
    CoordAction.item_return: CoordAction.fb_return,
    CoordAction.item_reopen: CoordAction.fb_reopen,
}
DONE_ACTIONS = (CoordAction.item_done, CoordAction.fb_done)
CLOSE_ACTIONS = (CoordAction.item_close, CoordAction.fb_close)
REOPEN_ACTIONS = (CoordAction.item_reopen, CoordAction.fb_reopen)


@dataclass(frozen=True)
class RectItem:
    assessment_id: int
    unit: str
    table_key: str
    task_no: int
    criterion: int
    problem: str
    measure: str | None
    deadline: dt.date | None
    deadline_text: str | None
    state: str
    comment: str | None
    source: str = ItemSource.self_check
    item_id: int | None = None  # the rectification_items row, for items not from the self-check

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.assessment_id, self.task_no, self.criterion)

    def op(self, action: CoordAction) -> CoordOp:
        """This item's button for ``action`` (item_done / item_close / item_return)."""
        if self.item_id is not None:
            return CoordOp(ROW_ACTIONS[action], self.item_id)
        return CoordOp(action, *self.key)

    @property
    def label(self) -> str:
        """What the unit and coordinators read: 第6项第1条, tagged 【督察反馈】 when it is one."""
        return texts.RECT_SOURCE.get(self.source, "") + texts.RECT_ITEM_LABEL.format(no=self.task_no, i=self.criterion + 1)


class Rectification:
    def __init__(self, ctx: CoordinationContext, pending: PendingInputs) -> None:
        self.ctx = ctx
        self.pending = pending

    def items(self, s: Session, unit: str | None = None) -> list[RectItem]:
        """Every deduction's rectification item of this round, with its state."""
        query = (
            select(CriterionAnswer, Assessment)
            .join(Assessment, Assessment.id == CriterionAnswer.assessment_id)
            # A draft the unit never submitted is work in progress, not a list of open items.
            .where(Assessment.round == self.ctx.round, Assessment.first_submitted_at.is_not(None))  # type: ignore[union-attr]
        )
        if unit:
            query = query.where(Assessment.unit == unit)
        states = {(r.assessment_id, r.task_no, r.criterion): r for r in s.exec(select(RectificationState)).all()}
        items = []
        for answer, a in s.exec(query).all():
            table = self.ctx.rubric.tables.get(a.table_key)  # type: ignore[call-overload]
            task = table.task(answer.task_no) if table else None
            if task is None or answer.criterion >= len(task.criteria):
                continue
            criterion = task.criteria[answer.criterion]
            if answer.points >= criterion.points:
                continue
            st = states.get((a.id, answer.task_no, answer.criterion))
            items.append(
                RectItem(
                    assessment_id=a.id or 0,
                    unit=a.unit,
                    table_key=a.table_key,
                    task_no=answer.task_no,
                    criterion=answer.criterion,
                    problem=answer.problem or criterion.text,
                    measure=answer.measure,
                    deadline=answer.deadline,
                    deadline_text=answer.deadline_text,
                    state=st.state if st else ItemState.open,
                    comment=st.comment if st else None,
                )
            )
        items += self._rows(s, unit)
        items.sort(key=lambda i: (i.unit, i.table_key, i.source != ItemSource.self_check, i.task_no, i.criterion))
        return items

    def _rows(self, s: Session, unit: str | None = None) -> list[RectItem]:
        """The items that are rows of their own (the inspection groups' released findings)."""
        query = select(RectificationItem).where(RectificationItem.round == self.ctx.round)
        if unit:
            query = query.where(RectificationItem.unit == unit)
        return [
            RectItem(
                assessment_id=0, unit=r.unit, table_key=r.table_key, task_no=r.task_no, criterion=r.criterion,
                problem=r.problem, measure=r.measure, deadline=r.deadline, deadline_text=None, state=r.state,
                comment=r.comment, source=r.source, item_id=r.id,
            )
            for r in s.exec(query).all()
        ]

    def owed(self, s: Session, unit: str) -> int:
        """How many of the unit's items it still has to act on (open or returned); a
        self-check's deductions count once that self-check is submitted, not while a draft."""
        submitted = set(
            s.exec(
                select(Assessment.id).where(
                    Assessment.unit == unit, Assessment.round == self.ctx.round, Assessment.status == AssessmentStatus.submitted.value
                )
            ).all()
        )
        return sum(1 for i in self.items(s, unit) if i.state in OWING and (i.item_id is not None or i.assessment_id in submitted))

    def item(self, s: Session, assessment_id: int, task_no: int, criterion: int) -> RectItem | None:
        """A self-check item by its (assessment, task, criterion)."""
        for item in self.items(s):
            if item.item_id is None and item.key == (assessment_id, task_no, criterion):
                return item
        return None

    def row_item(self, s: Session, item_id: int) -> RectItem | None:
        """An item that is a rectification_items row, by its id."""
        return next((i for i in self._rows(s) if i.item_id == item_id), None)

    def find(self, s: Session, op: CoordOp) -> RectItem | None:
        """The item a button names, whichever kind it is."""
        if op.op in ROW_ACTIONS.values():
            return self.row_item(s, op.id)
        return self.item(s, op.id, op.x, op.y)

    def pending_item(self, s: Session, pending: Pending) -> RectItem | None:
        if pending.item_id is not None:
            return self.row_item(s, pending.item_id)
        return self.item(s, pending.assessment_id or 0, pending.task_no, pending.criterion)

    def evidence_target(self, s: Session, pending: Pending) -> tuple[int, int, int] | None:
        """Where files sent while reporting an item go: the self-check's evidence of that
        criterion (for a 督察反馈 item, of the unit's own assessment of that table, if any)."""
        if pending.item_id is None:
            return (pending.assessment_id or 0, pending.task_no, pending.criterion)
        item = self.row_item(s, pending.item_id)
        if item is None:
            return None
        a = s.exec(
            select(Assessment.id).where(Assessment.unit == item.unit, Assessment.table_key == item.table_key, Assessment.round == self.ctx.round)
        ).first()
        return (a, item.task_no, item.criterion) if a else None

    def _ask(self, s: Session, user_id: int, kind: PendingKind, item: RectItem) -> None:
        if item.item_id is not None:
            self.pending.ask(s, user_id, kind, None, item.task_no, item.criterion, item_id=item.item_id)
        else:
            self.pending.ask(s, user_id, kind, *item.key)

    def overdue(self, s: Session, unit: str | None = None) -> list[RectItem]:
        """Items the unit still owes whose deadline has passed."""
        today = self.ctx.today()
        return [i for i in self.items(s, unit) if i.state in OWING and i.deadline and i.deadline < today]

    def _mark(self, item: RectItem) -> str:
        if item.state == ItemState.closed:
            return texts.RECT_DONE
        if item.deadline is None:
            return texts.RECT_OK
        days = (item.deadline - self.ctx.today()).days
        if days < 0:
            return texts.RECT_OVERDUE
        return texts.RECT_SOON if days <= 3 else texts.RECT_OK

    def rectify(self, s: Session, user: User, unit: str | None = None) -> Outcome:
        """/rectify: a unit's items with deadlines, red when overdue, yellow within three days;
        for coordinators, every reported item waiting to be closed, or with `/rectify 范县`
        every item of that unit (销号 can be undone there)."""
        person = self.ctx.sc.binding(s, user)
        if person is None or not person.active:
            raise Refusal(texts.NOT_BOUND, f"unbound or inactive user {user.id} tried /rectify")
        coordinator = person.role == Role.coordinator
        unit = (unit or "").strip() or None
        if coordinator and unit and unit not in {u.name for u in self.ctx.rubric.units}:
            return Outcome().say(texts.RECT_UNKNOWN_UNIT.format(unit=unit))
        read_only = person.role == Role.inspector  # an inspection group sees its units' items
        if read_only:
            unit = inspected_unit(s, self.ctx.round, person.unit, user.id, unit)
            if unit is None:
                return Outcome().say(inspector_usage(s, self.ctx.round, person.unit))
        one_unit = unit if coordinator or read_only else person.unit
        items = self.items(s, one_unit)
        if coordinator and not unit:
            reported = [i for i in items if i.state == ItemState.reported]
            title = texts.RECT_TITLE_REPORTED if reported else texts.RECT_TITLE_OWING
            items = reported or [i for i in items if i.state in OWING]
        else:
            title = texts.RECT_LIST_TITLE_UNIT.format(unit=one_unit)
        if not items:
            return Outcome().say(texts.RECT_LIST_EMPTY_UNIT.format(unit=one_unit) if one_unit else texts.RECT_LIST_EMPTY)
        total = len(items)
        items = items[:30]
        shown = texts.RECT_SHOWN.format(shown=len(items)) if total > len(items) else ""
        doc = Doc().bold(texts.RECT_LIST_TITLE.format(unit=title, count=total) + shown)
        if read_only:
            doc.add(texts.RECT_READ_ONLY)
        buttons = []
        for n, item in enumerate(items, 1):
            deadline = day(item.deadline, self.ctx.today()) if item.deadline else (item.deadline_text or "待定")
            doc.add(
                (f"{item.unit} " if coordinator and not unit else "")
                + texts.RECT_ITEM.format(
                    mark=self._mark(item), n=n, item=item.label, problem=clip(item.problem, 60),
                    measure=clip(item.measure or "待定", 40), deadline=deadline, state=texts.RECT_STATE[item.state],
                )
            )
            if item.comment and item.state == ItemState.returned:
                doc.add(f"　　退回意见：{item.comment}")
            if coordinator and item.state == ItemState.reported:
                buttons.append([
                    Button(f"{texts.RECT_CLOSE} {n}", item.op(CoordAction.item_close)),
                    Button(f"{texts.RECT_RETURN} {n}", item.op(CoordAction.item_return)),
                ])
            elif coordinator and item.state == ItemState.closed:
                buttons.append([Button(texts.RECT_REOPEN_BUTTON.format(n=n), item.op(CoordAction.item_reopen))])
            elif not coordinator and not read_only and item.state in OWING:
                buttons.append([Button(texts.RECT_REPORT_BUTTON.format(n=n), item.op(CoordAction.item_done))])
        return Outcome(replies=[Answer(Intent.help, doc, buttons=buttons[:20])])

    def _set(self, s: Session, item: RectItem, state: ItemState, by: str, note: str | None = None, comment: str | None = None) -> None:
        values = {"state": state.value, "updated_by": by, "updated_at": self.ctx.clock()}
        if note is not None:
            values["note"] = note
        if comment is not None:
            values["comment"] = comment
        if item.item_id is not None:
            s.exec(update(RectificationItem).where(RectificationItem.id == item.item_id).values(**values))  # type: ignore[call-overload]
            return
        upsert(s, RectificationState, {"assessment_id": item.assessment_id, "task_no": item.task_no, "criterion": item.criterion}, **values)

    # --- the unit reports an item done -----------------------------------------------

    def report(self, s: Session, user: User, op: CoordOp) -> Outcome:
        """整改完成 on an item: ask for a note (evidence welcome too)."""
        person = self.ctx.sc.binding(s, user)
        item = self.find(s, op)
        if person is None or item is None or person.unit != item.unit or person.role == Role.coordinator:
            if item is None:
                raise Refusal(texts.STALE_BUTTON, f"user {user.id}: no item {op}", slip=True)
            raise Refusal(texts.SCORE_WRONG_UNIT, f"user {user.id} reported an item of {item.unit}: {op}")
        if item.state not in OWING:
            return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
        self._ask(s, user.id, PendingKind.rect_note, item)
        return Outcome().say(texts.RECT_ASK_NOTE.format(item=item.label))

    def note(self, s: Session, user: User, item: RectItem, text: str) -> Outcome:
        """The unit's note that the item is rectified: coordinators are asked to close it."""
        person = self.ctx.sc.binding(s, user)
        if person is None or person.unit != item.unit:
            raise Refusal(texts.SCORE_WRONG_UNIT, f"user {user.id} reported an item of {item.unit}")
        if item.state not in OWING:
            return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
        self._set(s, item, ItemState.reported, user.name, note=text)
        self._ask(s, user.id, PendingKind.rect_files, item)  # files sent next are still this item's
        out = Outcome().say(texts.RECT_REPORTED.format(item=item.label))
        for uid in self.ctx.sc.coordinators(s):
            out.notices.append(
                notice(
                    uid,
                    texts.RECT_NOTICE_REPORTED.format(unit=item.unit, item=item.label, note=text),
                    [[Button(texts.RECT_CLOSE, item.op(CoordAction.item_close)), Button(texts.RECT_RETURN, item.op(CoordAction.item_return))]],
                )
            )
        return out

    # --- a coordinator closes or returns it -------------------------------------------

    def decide(self, s: Session, user: User, op: CoordOp) -> Outcome:
        """销号 closes a reported item; 退回 asks for the comment to send back with it.
        The caller has checked that ``user`` is a coordinator."""
        item = self.find(s, op)
        if item is None:
            raise Refusal(texts.STALE_BUTTON, f"no item {op}", slip=True)
        if op.op in REOPEN_ACTIONS:
            return self.undo_close(s, user, item)
        if item.state != ItemState.reported:
            return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
        if op.op in CLOSE_ACTIONS:
            self._set(s, item, ItemState.closed, user.name)
            self.ctx.audit(s, user.id, user.name, "rectification.close", _detail(item))
            out = Outcome().say(texts.RECT_CLOSED.format(unit=item.unit, item=item.label))
            for uid in self.ctx.sc.membership.unit_users(s, item.unit):
                out.notices.append(notice(uid, texts.RECT_NOTICE_CLOSED.format(item=item.label)))
            return out
        self._ask(s, user.id, PendingKind.item_comment, item)
        return Outcome().say(texts.RECT_ASK_COMMENT)

    def undo_close(self, s: Session, user: User, item: RectItem) -> Outcome:
        """撤销销号: a closed item goes back to reported (waiting to be closed), audited, and the
        unit is told."""
        if item.state != ItemState.closed:
            return Outcome().say(texts.RECT_NOT_CLOSED.format(state=texts.RECT_STATE[item.state]))
        self._set(s, item, ItemState.reported, user.name)
        self.ctx.audit(s, user.id, user.name, "rectification.reopen", _detail(item))
        out = Outcome().say(texts.RECT_REOPENED.format(unit=item.unit, item=item.label))
        for uid in self.ctx.sc.membership.unit_users(s, item.unit):
            out.notices.append(notice(uid, texts.RECT_NOTICE_REOPENED.format(item=item.label)))
        return out

    def comment(self, s: Session, user: User, item: RectItem, text: str) -> Outcome:
        """The coordinator's comment: the item goes back to the unit with it."""
        self.ctx.coordinator(s, user, "item_return")
        if item.state != ItemState.reported:
            return Outcome().say(texts.RECT_NOT_REPORTED.format(state=texts.RECT_STATE[item.state]))
        self._set(s, item, ItemState.returned, user.name, comment=text)
        self.ctx.audit(s, user.id, user.name, "rectification.return", f"{_detail(item)}: {text}")
        out = Outcome().say(texts.RECT_RETURNED.format(unit=item.unit, item=item.label))
        for uid in self.ctx.sc.membership.unit_users(s, item.unit):
            out.notices.append(notice(uid, texts.RECT_NOTICE_RETURNED.format(item=item.label, comment=text)))
        return out

    def pending_text(self, s: Session, user: User, pending: Pending, text: str) -> Outcome:
        """Typed text for an item: the unit's note or the coordinator's comment."""
        item = self.pending_item(s, pending)
        if item is None:  # a reply, not a refusal: the wait it answered is over either way
            logger.info("item vanished while user %s typed for it: %s", user.id, pending)
            return Outcome().say(texts.STALE_BUTTON)
        if pending.kind == PendingKind.rect_note:
            return self.note(s, user, item, text)
        return self.comment(s, user, item, text)


def _detail(item: RectItem) -> str:
    """An item in the audit log: unit, table, task.criterion, and its source when not the self-check."""
    source = "" if item.source == ItemSource.self_check else f" {item.source}#{item.item_id}"
    return f"{item.unit} {item.table_key} {item.task_no}.{item.criterion + 1}{source}"
