"""Submitting an inspection (locks it), reopening it, and releasing it to the unit (反馈).

Submission asks to confirm and needs every criterion scored. Coordinators reopen and
release; releasing tells the unit's users the findings and recommendations and turns each
finding into a rectification item of the unit (source 督察反馈, due at the end of this
round's 反馈整改阶段). Each step is audited.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from bot.common.callbacks import InspectOp
from bot.common.errors import Refusal
from bot.common.format import fmt_points
from bot.common.reply import Answer, Button, Intent, Notice, Outcome, User
from bot.common.richtext import Doc
from bot.inspection import compare, records, texts
from bot.inspection.access import Access
from bot.inspection.context import Context, month_day
from bot.inspection.conversation import Conversation
from bot.inspection.items import sync_items
from bot.inspection.states import InspectionStatus, Step
from bot.storage.models import AuditEntry, Inspection, InspectionCursor

CLI_ACTOR = "命令行"


def _self_score(unit) -> str:
    return f"{fmt_points(unit.total)}/100" if unit is not None else texts.NOT_SCORED


def _notice(user_id: int, text: str, buttons: list[list[Button]] | None = None) -> Notice:
    return Notice(user_id, Answer(Intent.help, Doc().add(text), buttons=buttons or []))


class Lifecycle:
    def __init__(self, ctx: Context, access: Access, conversation: Conversation) -> None:
        self.ctx = ctx
        self.access = access
        self.conv = conversation

    def _audit(self, s: Session, actor: User | None, action: str, insp: Inspection, extra: str = "") -> None:
        detail = f"{insp.id} {insp.unit} {insp.table_key}{(' ' + extra) if extra else ''}"
        s.add(AuditEntry(at=self.ctx.clock(), actor_id=actor.id if actor else None, actor=actor.name if actor else CLI_ACTOR, action=action, detail=detail))

    def _labels(self, insp: Inspection) -> dict[str, str]:
        return {"unit": insp.unit, "table": texts.TABLE_LABEL[insp.table_key]}

    # --- submit --------------------------------------------------------------------------

    def ask_submit(self, s: Session, user: User, inspection_id: int) -> Outcome:
        viewer = self.access.inspector(s, user)
        insp = self.access.inspection(s, viewer, inspection_id, score=True)
        own, unit = self.conv.snapshots(s, insp)
        missing = own.criteria_total - own.criteria_done
        if missing:
            return Outcome().say(texts.SUBMIT_INCOMPLETE.format(missing=missing), [[Button(texts.BUTTON_CONTINUE, InspectOp("resume", insp.id or 0))]])
        return Outcome().say(
            texts.SUBMIT_CONFIRM.format(
                **self._labels(insp), score=fmt_points(own.total), self_score=_self_score(unit), findings=len(compare.findings(own))
            ),
            [[Button(texts.SUBMIT_YES, InspectOp("confirm", insp.id or 0)), Button(texts.SUBMIT_NO, InspectOp("cancel", insp.id or 0))]],
        )

    def confirm(self, s: Session, user: User, inspection_id: int) -> Outcome:
        """Lock the inspection; the group's other members and the coordinators are told."""
        viewer = self.access.inspector(s, user)
        insp = self.access.inspection(s, viewer, inspection_id, score=True)
        own, unit = self.conv.snapshots(s, insp)
        if own.criteria_done < own.criteria_total:
            return self.ask_submit(s, user, inspection_id)
        now = self.ctx.clock()
        done = s.exec(  # type: ignore[call-overload]
            update(Inspection)
            .where(Inspection.id == insp.id, Inspection.status == InspectionStatus.open)
            .values(status=str(InspectionStatus.submitted), submitted_by=user.name, submitted_at=now)
        )
        if done.rowcount != 1:
            raise Refusal(texts.LOCKED.format(**self._labels(insp), at=self.ctx.local(insp.submitted_at)), "double submit", slip=True)
        self._audit(s, user, "inspection.submit", insp, f"score={fmt_points(own.total)}")
        s.exec(update(InspectionCursor).where(InspectionCursor.inspection_id == insp.id).values(step=str(Step.paused)))  # type: ignore[call-overload]
        score, at = fmt_points(own.total), self.ctx.local(now)
        found = len(compare.findings(own))
        out = Outcome().say(
            texts.SUBMIT_DONE.format(**self._labels(insp), score=score, by=user.name, at=at),
            [[Button(texts.BUTTON_REPORT, InspectOp("report", insp.id or 0)), Button(texts.BUTTON_LIST, InspectOp("list"))]],
        )
        for member in records.members(s, viewer.group_name or ""):
            if member.user_id != user.id:
                out.notices.append(_notice(member.user_id, texts.SUBMIT_NOTICE_GROUP.format(by=user.name, **self._labels(insp), score=score)))
        text = texts.SUBMIT_NOTICE_COORD.format(
            group=viewer.group_name, **self._labels(insp), score=score, self_score=_self_score(unit), findings=found, by=user.name, at=at
        )
        buttons = [[
            Button(texts.BUTTON_RELEASE, InspectOp("release", insp.id or 0)),
            Button(texts.BUTTON_REPORT, InspectOp("report", insp.id or 0)),
            Button(texts.BUTTON_REOPEN, InspectOp("reopen", insp.id or 0)),
        ]]
        for uid in records.coordinators(s, self.ctx.admin_ids):
            out.notices.append(_notice(uid, text, buttons))
        return out

    # --- reopen --------------------------------------------------------------------------

    def reopen(self, s: Session, user: User | None, inspection_id: int) -> Outcome:
        """A coordinator reopens a submitted (or released) inspection; the group is told."""
        self.access.coordinator(s, user, f"inspection reopen {inspection_id}")
        insp = self._inspection(s, inspection_id)
        if insp.status == InspectionStatus.open:
            return Outcome().say(texts.REOPEN_NOT_SUBMITTED.format(**self._labels(insp)))
        was = insp.status
        insp.status, insp.submitted_at, insp.submitted_by = str(InspectionStatus.open), None, None
        s.add(insp)
        self._audit(s, user, "inspection.reopen", insp, f"was {was}")
        out = Outcome().say(texts.REOPENED.format(**self._labels(insp)))
        for member in records.members(s, self.conv.group_name(s, insp)):
            out.notices.append(_notice(member.user_id, texts.REOPEN_NOTICE.format(**self._labels(insp)), [[Button(texts.BUTTON_CONTINUE, InspectOp("resume", insp.id or 0))]]))
        return out

    def _inspection(self, s: Session, inspection_id: int) -> Inspection:
        insp = s.get(Inspection, inspection_id)
        if insp is None or insp.round != self.ctx.round:
            raise Refusal(texts.STALE, f"no inspection {inspection_id}", slip=True)
        return insp

    # --- release (反馈) --------------------------------------------------------------------

    def release(self, s: Session, user: User | None, inspection_id: int) -> Outcome:
        """反馈: the findings become the unit's rectification items and its users are told."""
        self.access.coordinator(s, user, f"inspection release {inspection_id}")
        insp = self._inspection(s, inspection_id)
        labels = self._labels(insp)
        if insp.status == InspectionStatus.open:
            return Outcome().say(texts.RELEASE_NOT_SUBMITTED.format(**labels))
        if insp.status == InspectionStatus.released:
            return Outcome().say(texts.RELEASE_ALREADY.format(**labels, at=self.ctx.local(insp.released_at)))
        own, unit = self.conv.snapshots(s, insp)
        found = compare.findings(own)
        deadline = self.ctx.calendar(s).phase("rectification").end
        now = self.ctx.clock()
        by = user.name if user else CLI_ACTOR
        items = sync_items(s, insp, found, deadline, by, now)
        insp.status, insp.released_by, insp.released_at = str(InspectionStatus.released), by, now
        s.add(insp)
        self._audit(s, user, "inspection.release", insp, f"items={len(items)}")
        due = month_day(deadline) if deadline else texts.DEADLINE_NONE
        group = self.conv.group_name(s, insp)
        doc = Doc().bold(texts.RELEASE_NOTICE_HEAD.format(group=group, **labels))
        doc.add(texts.RELEASE_NOTICE_SCORE.format(score=fmt_points(own.total), self_score=_self_score(unit)))
        if found:
            doc.add(texts.RELEASE_NOTICE_ITEMS.format(count=len(found), deadline=due))
            for n, f in enumerate(found, 1):
                doc.add(
                    texts.RELEASE_NOTICE_ITEM.format(
                        n=n, no=f.task.no, i=f.index + 1, title=f.task.title, finding=f.problem,
                        recommendation=f.recommendation or texts.NO_RECOMMENDATION,
                    )
                )
            doc.add(texts.RELEASE_NOTICE_TAIL)
        else:
            doc.add(texts.RELEASE_NOTICE_NONE)
        people = records.unit_users(s, insp.unit)
        out = Outcome().say(texts.RELEASED.format(**labels, count=len(items), deadline=due, people=len(people)))
        if not people:
            out.say(texts.RELEASED_NOBODY.format(unit=insp.unit))
        out.notices += [Notice(uid, Answer(Intent.help, doc)) for uid in people]
        for member in records.members(s, group):
            out.notices.append(_notice(member.user_id, texts.RELEASE_GROUP_NOTICE.format(**labels)))
        return out

    def release_by_name(self, s: Session, user: User | None, args: str) -> Outcome:
        """`/release 华龙区 党委`."""
        self.access.coordinator(s, user, "/release")
        parts = args.split()
        if len(parts) != 2 or parts[1] not in texts.TABLE_WORDS:
            return Outcome().say(texts.RELEASE_USAGE)
        unit, key = parts[0], texts.TABLE_WORDS[parts[1]]
        insp = records.find_inspection(s, self.ctx.round, unit, key)
        if insp is None:
            return Outcome().say(texts.RELEASE_NOT_FOUND.format(unit=unit, table=texts.TABLE_LABEL[key]))
        return self.release(s, user, insp.id or 0)
