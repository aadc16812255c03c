"""Evidence (佐证材料): files a unit sends, kept as Telegram file ids against one criterion.

A file sent while scoring is the self-check's evidence for the criterion on screen. A file sent
while reporting a rectification item done is that item's evidence (``EvidenceStage``), welcome
after submission too. A file sent to a submitted self-assessment otherwise is not kept, and
the user is told so. The unit's users and every coordinator may open the files again.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import CoordOp, Navigate
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, EvidenceRecord, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.common.states import AssessmentStatus, EvidenceStage
from bot.scoring.access import Access
from bot.scoring.context import ScoringContext
from bot.scoring.cursor import read_cursor
from bot.scoring.scores import CriterionKey
from bot.scoring.snapshots import AssessmentRow, all_evidence
from bot.scoring.views import file_size
from bot.storage.models import AuditEntry, Evidence


class EvidenceFiles:
    def __init__(self, ctx: ScoringContext, access: Access) -> None:
        self.ctx = ctx
        self.access = access

    def receive(
        self,
        s: Session,
        user: User,
        kind: str,
        file_id: str,
        file_unique_id: str,
        file_name: str,
        size: int,
        caption: str | None,
        item: tuple[int, int, int] | None = None,
    ) -> Outcome:
        """A document or photo: evidence for the criterion being scored, or with ``item``
        (assessment, task, criterion) for the rectification item being reported done."""
        person = self.access.scorer(s, user)
        stage = EvidenceStage.rectification if item is not None else EvidenceStage.selfcheck
        if item is None:
            cursor = read_cursor(s, user.id)
            if cursor is None:
                raise Refusal(texts.EVIDENCE_NO_CRITERION, f"evidence without a criterion from {user.id}", slip=True)
            item = (cursor.assessment_id, cursor.task_no, cursor.criterion)
        a = self.access.owned(s, person, item[0])
        if stage is EvidenceStage.selfcheck and a.status == AssessmentStatus.submitted:
            # Never filed into a submitted self-assessment: say where such a file belongs.
            raise Refusal(
                texts.EVIDENCE_SUBMITTED.format(name=file_name, at=self.ctx.local(a.submitted_at)),
                f"evidence from {user.id} for submitted assessment {a.id}",
                slip=True,
            )
        key = (item[1], item[2])
        # the same file for the same criterion and stage is kept once; for another criterion,
        # or as the rectification evidence of a criterion it was the self-check's of, it is a
        # record of its own
        exists = s.exec(
            select(Evidence.task_no, Evidence.criterion, Evidence.stage).where(
                Evidence.assessment_id == a.id, Evidence.file_unique_id == file_unique_id,
                Evidence.task_no == key[0], Evidence.criterion == key[1], Evidence.stage == stage.value,
            )
        ).first()
        if exists:
            label = texts.EVIDENCE_STAGE_NAME.get(exists.stage, "佐证材料")
            return Outcome().say(texts.EVIDENCE_DUPLICATE_AT.format(label=label, no=exists.task_no, i=exists.criterion + 1))
        row = Evidence(
                assessment_id=a.id or 0,
                task_no=key[0],
                criterion=key[1],
                kind=kind,
                file_id=file_id,
                file_unique_id=file_unique_id,
                file_name=file_name[:256],
                size=size,
                caption=(caption or None) and caption[:1024],
                added_by=user.name,
                added_by_id=user.id,
                added_at=self.ctx.clock(),
                stage=stage.value,
        )
        s.add(row)
        s.flush()  # its id goes on the 撤回 button
        saved = texts.EVIDENCE_RECT_SAVED if stage is EvidenceStage.rectification else texts.EVIDENCE_SAVED
        return Outcome().say(
            saved.format(name=file_name, size=file_size(size), no=key[0], i=key[1] + 1),
            [[Button(texts.EVIDENCE_REMOVE_BUTTON, CoordOp("ev_remove", row.id or 0))]],
        )

    def remove(self, s: Session, user: User, evidence_id: int) -> Outcome:
        """撤回: a file attached by mistake is taken back by whoever sent it, or by a
        coordinator; a submitted self-check's own files stay (reopen it first). Audited."""
        row = s.get(Evidence, evidence_id)
        if row is None:
            return Outcome().say(texts.EVIDENCE_GONE)
        coordinator = self.access.is_coordinator(s, user)
        if not coordinator:
            person = self.access.scorer(s, user)
            if row.added_by_id != user.id:
                raise Refusal(texts.EVIDENCE_NOT_YOURS, f"user {user.id} tried to remove evidence {evidence_id} of {row.added_by_id}")
            a = self.access.owned(s, person, row.assessment_id)
            if row.stage == EvidenceStage.selfcheck and a.status == AssessmentStatus.submitted:
                raise Refusal(texts.EVIDENCE_REMOVE_LOCKED, f"user {user.id}: evidence {evidence_id} of a submitted assessment", slip=True)
        s.delete(row)
        s.add(
            AuditEntry(
                at=self.ctx.clock(), actor_id=user.id, actor=user.name, action="evidence.remove",
                detail=f"{evidence_id} assessment {row.assessment_id} 第{row.task_no}项第{row.criterion + 1}条 {row.file_name}",
            )
        )
        return Outcome().say(texts.EVIDENCE_REMOVED.format(name=row.file_name, no=row.task_no, i=row.criterion + 1))

    def _viewable(self, s: Session, user: User, assessment_id: int) -> AssessmentRow:
        """The assessment, if the user is one of its unit's or a coordinator; else raises."""
        if self.access.is_coordinator(s, user):
            a = self.access.any(s, assessment_id)
            if a is None:
                raise Refusal(texts.STALE_BUTTON, f"user {user.id}: no assessment {assessment_id}", slip=True)
            return a
        return self.access.scorer_and(s, user, assessment_id, open_only=False)[1]

    def show(self, s: Session, user: User, assessment_id: int, key: CriterionKey) -> Outcome:
        """Send a criterion's files again: the self-check's, then its rectification item's."""
        a = self._viewable(s, user, assessment_id)
        files = [e for e in all_evidence(s, a.id) if (e.task_no, e.criterion) == key]
        if not files:
            return Outcome().say(texts.EVIDENCE_NONE)
        out = Outcome().say(texts.EVIDENCE_SENDING.format(no=key[0], i=key[1] + 1, count=len(files)))
        out.resend = [_labelled(e) for e in files]
        return out

    def every_file(self, s: Session, assessment_id: int) -> list[EvidenceRecord]:
        """Every file of an assessment, the self-check's then its items', each captioned with what
        it proves (for a coordinator's copy of a unit's files; the caller authorises)."""
        return [_labelled(e) for e in sorted(all_evidence(s, assessment_id), key=lambda e: e.stage != EvidenceStage.selfcheck)]

    def index(self, s: Session, user: User, assessment_id: int) -> Outcome:
        """Every criterion of an assessment that has files, with a button to open them."""
        a = self._viewable(s, user, assessment_id)
        files = all_evidence(s, a.id)
        doc = Doc().bold(texts.EVIDENCE_INDEX_TITLE.format(unit=a.unit, table=texts.TABLE_LABEL[a.table_key], count=len(files)))
        if not files:
            doc.add(texts.EVIDENCE_INDEX_EMPTY)
            return Outcome(replies=[Answer(Intent.help, doc)])
        keys = sorted({(e.task_no, e.criterion) for e in files})
        buttons = []
        for key in keys:
            here = [e for e in files if (e.task_no, e.criterion) == key]
            rect = sum(e.stage == EvidenceStage.rectification for e in here)
            doc.add(texts.EVIDENCE_INDEX_LINE.format(no=key[0], i=key[1] + 1, selfcheck=len(here) - rect, rect=rect))
            buttons.append(Button(texts.EVIDENCE_INDEX_BUTTON.format(no=key[0], i=key[1] + 1), Navigate(a.id, "evidence", key[0], key[1])))
        rows = [buttons[j : j + 3] for j in range(0, len(buttons), 3)]
        return Outcome(replies=[Answer(Intent.help, doc, buttons=rows[:30])])


def _labelled(e: EvidenceRecord) -> EvidenceRecord:
    """The file with a caption that says what it proves."""
    label = texts.EVIDENCE_LABEL[e.stage] if e.stage in texts.EVIDENCE_LABEL else ""
    caption = f"{label}第{e.task_no}项第{e.criterion + 1}条 · {e.caption or e.file_name}"
    return replace(e, caption=caption[:1024])
