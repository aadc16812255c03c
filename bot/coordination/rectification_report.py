"""The rectification phase's deliverable: a unit's 整改报告 (.docx), made from its
rectification items (the self-check's and the inspection groups' findings) and submitted like
the self-check; reminders of its deadline stop for units that submitted it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordOp
from bot.common.errors import Refusal
from bot.common.reply import Button, Outcome, OutFile, User
from bot.common.states import OWING, EvidenceStage, ItemSource, ItemState, Role
from bot.coordination.context import CoordinationContext, day, notice
from bot.coordination.rectification import Rectification, RectItem
from bot.files.rectification_report import ReportItem, rectification_report_docx
from bot.scoring.membership import Binding, table_of
from bot.storage.models import Assessment, CriterionAnswer, Evidence, RectificationReport


class RectificationReports:
    def __init__(self, ctx: CoordinationContext, rectification: Rectification) -> None:
        self.ctx = ctx
        self.rectification = rectification

    def submitted(self, s: Session) -> set[tuple[str, str]]:
        """(unit, table) of every 整改报告 submitted this round."""
        rows = s.exec(select(RectificationReport.unit, RectificationReport.table_key).where(RectificationReport.round == self.ctx.round))
        return {(u, t) for u, t in rows.all()}

    def items(self, s: Session, unit: str, table_key: str) -> list[ReportItem]:
        found = [i for i in self.rectification.items(s, unit) if i.table_key == table_key]
        answers = {
            (a.assessment_id, a.task_no, a.criterion): a
            for a in s.exec(select(CriterionAnswer).where(CriterionAnswer.assessment_id.in_({i.assessment_id for i in found if i.item_id is None}))).all()  # type: ignore[attr-defined]
        }
        # a 督察反馈 item's files are kept on the unit's own assessment of the table, as the
        # rectification evidence of that criterion (Rectification.evidence_target)
        own = s.exec(
            select(Assessment.id).where(Assessment.unit == unit, Assessment.table_key == table_key, Assessment.round == self.ctx.round)
        ).first()
        files: dict[tuple[int, int, int], list[str]] = {}
        rectified: dict[tuple[int, int, int], list[str]] = {}
        ids = {i.assessment_id for i in found} | ({own} if own else set())
        for e in s.exec(select(Evidence).where(Evidence.assessment_id.in_(ids)).order_by(Evidence.id)).all():  # type: ignore[attr-defined,arg-type]
            key = (e.assessment_id, e.task_no, e.criterion)
            if e.file_name not in files.setdefault(key, []):  # a file kept for both stages is listed once
                files[key].append(e.file_name)
            if e.stage == EvidenceStage.rectification:
                rectified.setdefault(key, []).append(e.file_name)
        return [
            self._item(i, answers.get(i.key), files.get(i.key, []) if i.item_id is None else rectified.get((own or 0, i.task_no, i.criterion), []))
            for i in found
        ]

    def _item(self, i: RectItem, answer: CriterionAnswer | None, evidence: list[str]) -> ReportItem:
        today = self.ctx.today()
        deadline = day(i.deadline, today) if i.deadline else (i.deadline_text or None)
        state = texts.RECT_STATE[i.state]
        if i.state in OWING and i.deadline is not None and i.deadline < today:
            overdue = texts.RR_STATE_OVERDUE.format(deadline=day(i.deadline, today))
            state = overdue if i.state == ItemState.open else f"{state}，{overdue}"  # 已退回，已逾期（…）
        return ReportItem(
            label=i.label, problem=i.problem, measure=i.measure,
            leader=answer.leader if answer else None, resp_unit=answer.resp_unit if answer else None,
            person=answer.resp_person if answer else None, deadline=deadline, state=state,
            done=i.state in (ItemState.closed, ItemState.reported), closed=i.state == ItemState.closed,
            evidence=tuple(evidence), from_inspection=i.source != ItemSource.self_check,
        )

    def file(self, s: Session, unit: str, table_key: str, submitted_at: dt.datetime | None = None) -> OutFile:
        """The 整改报告 as of now: a draft, or the version submitted at ``submitted_at``."""
        today = self.ctx.today()
        data = rectification_report_docx(
            unit, texts.TABLE_LABEL[table_key], self.ctx.sc.calendars.get(s).name if self.ctx.sc.calendars else "本轮",
            self.items(s, unit, table_key), today,
        )
        name = texts.RR_FILENAME.format(unit=unit, table=texts.TABLE_LABEL[table_key], date=f"{today:%Y%m%d}")
        label = texts.TABLE_LABEL[table_key]
        if submitted_at is not None:
            return OutFile(name, data, texts.RR_CAPTION_SUBMITTED.format(unit=unit, table=label, at=self.ctx.local(submitted_at)))
        return OutFile(name, data, texts.RR_CAPTION.format(unit=unit, table=label))

    # --- the unit's buttons on /rectify ----------------------------------------------------

    def buttons(self) -> list[Button]:
        return [Button(texts.RR_FILE_BUTTON, CoordOp("rr_file", 0)), Button(texts.RR_SUBMIT_BUTTON, CoordOp("rr_submit", 0))]

    def _unit_user(self, s: Session, user: User, what: str) -> Binding:
        person = self.ctx.sc.binding(s, user)
        if person is None or not person.active or person.role in (Role.coordinator, Role.inspector):
            raise Refusal(texts.NOT_BOUND, f"user {user.id} (not a unit's) tried {what}")
        return person

    def op(self, s: Session, user: User, op: CoordOp) -> Outcome:
        person = self._unit_user(s, user, op.op)
        table = table_of(person)
        if table is None:
            return Outcome().say(texts.RR_NO_TABLE)
        if op.op == "rr_file":
            return Outcome(files=[self.file(s, person.unit, table)])
        if (person.unit, table) in self.submitted(s):
            return Outcome().say(texts.RR_ALREADY.format(unit=person.unit, table=texts.TABLE_LABEL[table]))
        items = self.items(s, person.unit, table)
        if op.op == "rr_submit":
            owing = sum(not i.done for i in items)
            warn = texts.RR_OWING_WARN.format(count=owing) if owing else ""
            return Outcome().say(
                texts.RR_ASK.format(unit=person.unit, table=texts.TABLE_LABEL[table], total=len(items), warn=warn),
                [[Button(texts.RR_CONFIRM_BUTTON, CoordOp("rr_confirm", 0))]],
            )
        now = self.ctx.clock()
        try:
            with s.begin_nested():
                s.add(RectificationReport(unit=person.unit, table_key=table, round=self.ctx.round, submitted_by=person.name, submitted_at=now))
        except IntegrityError:  # a colleague submitted it a moment ago
            return Outcome().say(texts.RR_ALREADY.format(unit=person.unit, table=texts.TABLE_LABEL[table]))
        self.ctx.audit(s, user.id, person.name, "rectification_report.submit", f"{person.unit} {table}")
        report = self.file(s, person.unit, table, submitted_at=now)
        out = Outcome(files=[report]).say(texts.RR_SUBMITTED.format(unit=person.unit, table=texts.TABLE_LABEL[table]))
        for uid in self.ctx.sc.coordinators(s):
            out.notices.append(notice(uid, texts.RR_NOTICE.format(unit=person.unit, table=texts.TABLE_LABEL[table], name=person.name)))
        return out
