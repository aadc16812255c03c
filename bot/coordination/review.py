"""A coordinator looks at a unit's assessment and may send it back (退回修改) with a comment;
the comment leads the unit's conversation until it submits again."""

from __future__ import annotations

from sqlmodel import Session

from bot.common import texts
from bot.common.callbacks import AssessmentOp, CoordOp
from bot.common.errors import Refusal
from bot.common.reply import Button, Outcome, User
from bot.common.states import AssessmentStatus, PendingKind
from bot.coordination.context import CoordinationContext, notice
from bot.coordination.pending import Pending, PendingInputs
from bot.storage.models import Assessment


class SendBack:
    def __init__(self, ctx: CoordinationContext, pending: PendingInputs) -> None:
        self.ctx = ctx
        self.pending = pending

    def view(self, s: Session, assessment_id: int) -> Outcome:
        """A unit's assessment as its summary, with 退回修改 / 重新开放 when submitted, 催办, and
        its evidence files (the self-check's and its rectification items')."""
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise Refusal(texts.STALE_BUTTON, f"no assessment {assessment_id}", slip=True)
        answer = self.ctx.sc.views.summary(self.ctx.sc.snapshot(s, a))
        answer.buttons = (
            [[Button(texts.ASM_RETURN, CoordOp("asm_return", assessment_id)), Button(texts.REOPEN_BUTTON, AssessmentOp(assessment_id, "reopen"))]]
            if a.status == AssessmentStatus.submitted
            else []
        )
        answer.buttons.append(
            [
                Button(texts.ASM_FILES, CoordOp("asm_files", assessment_id)),
                Button(texts.DIGEST_NUDGE_UNIT.format(unit=a.unit), CoordOp("nudge_unit", assessment_id)),
                Button(texts.EVIDENCE_INDEX_OPEN, AssessmentOp(assessment_id, "evidence")),
            ]
        )
        return Outcome(replies=[answer])

    def files(self, s: Session, user: User, assessment_id: int) -> Outcome:
        """A unit's score sheet, report draft and every evidence file (self-check and
        rectification), for a coordinator."""
        self.ctx.coordinator(s, user, "asm_files")
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise Refusal(texts.STALE_BUTTON, f"no assessment {assessment_id}", slip=True)
        out = Outcome()
        for kind in ("xlsx", "docx"):
            part = self.ctx.sc.export(s, a, kind)
            out.files += part.files
        evidence = self.ctx.sc.every_evidence_file(s, a.id or 0)
        if evidence:
            out.say(texts.ASM_EVIDENCE.format(unit=a.unit, table=texts.TABLE_LABEL[a.table_key], count=len(evidence)))
            out.resend += evidence
        else:
            out.say(texts.ASM_NO_EVIDENCE.format(unit=a.unit, table=texts.TABLE_LABEL[a.table_key]))
        return out

    def files_by_name(self, s: Session, user: User, unit: str, table_word: str) -> Outcome:
        """`/files 华龙区 党委` from a coordinator."""
        from bot.scoring.review import TABLE_WORDS

        self.ctx.coordinator(s, user, "/files UNIT TABLE")
        key = TABLE_WORDS.get(table_word.rstrip("表") if table_word not in TABLE_WORDS else table_word)
        if key is None:
            return Outcome().say(texts.FILES_COORD_USAGE)
        a = self.ctx.sc.find_assessment(s, unit, key)
        if a is None:
            return Outcome().say(texts.REOPEN_NOT_FOUND.format(unit=unit, table=texts.TABLE_LABEL[key]))
        return self.files(s, user, a.id or 0)

    def ask(self, s: Session, user: User, assessment_id: int) -> Outcome:
        """退回修改: ask the coordinator for the comment to send back with it."""
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise Refusal(texts.STALE_BUTTON, f"no assessment {assessment_id}", slip=True)
        if a.status != AssessmentStatus.submitted:
            return Outcome().say(texts.ASM_NOT_SUBMITTED)
        self.pending.ask(s, user.id, PendingKind.asm_comment, a.id or 0)
        return Outcome().say(texts.ASM_ASK_COMMENT.format(unit=a.unit, table=texts.TABLE_LABEL[a.table_key]))

    def comment(self, s: Session, user: User, pending: Pending, text: str) -> Outcome:
        """The comment arrived: the assessment opens again and the unit is told why."""
        self.ctx.coordinator(s, user, "asm_return")
        a = s.get(Assessment, pending.assessment_id)
        if a is None or a.status != AssessmentStatus.submitted:
            return Outcome().say(texts.ASM_NOT_SUBMITTED)
        a.status, a.submitted_at, a.submitted_by, a.return_comment = AssessmentStatus.open.value, None, None, text
        s.add(a)
        table = texts.TABLE_LABEL[a.table_key]
        self.ctx.audit(s, user.id, user.name, "assessment.return", f"{a.id} {a.unit} {a.table_key}: {text}")
        out = Outcome().say(texts.ASM_RETURNED.format(unit=a.unit, table=table))
        for uid in self.ctx.sc.membership.unit_users(s, a.unit):
            out.notices.append(notice(uid, texts.ASM_NOTICE_RETURNED.format(unit=a.unit, table=table, comment=text), [[Button("继续自评", AssessmentOp(a.id or 0, "score"))]]))
        return out
