"""After the questions: /review, /summary, /submit and its confirmation, and a coordinator's
reopening of a submitted assessment."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session

from bot.common import texts
from bot.common.callbacks import AssessmentOp, Navigate
from bot.common.format import fmt_points
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Notice, Outcome, User
from bot.common.richtext import Doc, Span
from bot.common.states import AssessmentStatus, Role
from bot.scoring.access import Access
from bot.scoring.context import ScoringContext
from bot.scoring.cursor import pause_assessment
from bot.scoring.membership import Membership, table_of
from bot.scoring.snapshots import AssessmentRow, snapshot
from bot.scoring.views import Views
from bot.storage.models import Assessment, AuditEntry

TABLE_WORDS = {"党委": "party", "党委表": "party", "party": "party", "政府": "government", "政府表": "government", "government": "government"}


class Review:
    def __init__(self, ctx: ScoringContext, membership: Membership, access: Access, views: Views) -> None:
        self.ctx = ctx
        self.membership = membership
        self.access = access
        self.views = views

    def review(self, s: Session, user: User) -> Outcome:
        """/review: every task with its score; a button per task opens it for changes."""
        person, a = self.access.current(s, user)
        if a is None:
            return self.access.not_started(person)
        snap = snapshot(s, self.ctx.rubric, a)
        table = snap.table
        doc = Doc().bold(
            texts.REVIEW_TITLE.format(
                unit=a.unit, table=texts.TABLE_LABEL[table.key], score=fmt_points(snap.total), done=snap.tasks_done, total=len(table.tasks)
            )
        )
        doc.add(Span(texts.REVIEW_LEGEND, italic=True))
        buttons: list[Button] = []
        for task in table.tasks:
            stale = any(snap.is_stale((task.no, i)) for i in range(len(task.criteria)))
            files = sum(len(snap.evidence_for((task.no, i))) for i in range(len(task.criteria)))
            extra = ("　⚠标准已变更" if stale else "") + (f"　佐证{files}份" if files else "")
            if not snap.task_done(task):
                mark = texts.REVIEW_MARK_OPEN
            else:  # answered in full: full marks, or points lost
                mark = texts.REVIEW_MARK_FULL if snap.task_score(task) >= task.points else texts.REVIEW_MARK_LOST
            score = fmt_points(snap.task_score(task)) if any(snap.answered((task.no, i)) for i in range(len(task.criteria))) else "—"
            doc.add(texts.REVIEW_LINE.format(mark=mark, no=task.no, title=task.title, score=score, points=fmt_points(task.points), extra=extra))
            buttons.append(Button(f"第{task.no}项", Navigate(a.id or 0, "review_task", task.no, 0)))
        doc.blank().add(Span(texts.REVIEW_HINT, italic=True))
        rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
        rows.append([Button("汇总", AssessmentOp(a.id or 0, "summary")), Button("继续自评", AssessmentOp(a.id or 0, "score"))])
        return Outcome(replies=[Answer(Intent.help, doc, buttons=rows)])

    def summary(self, s: Session, user: User) -> Outcome:
        """/summary: total, subtotal per duty, deductions largest first."""
        person, a = self.access.current(s, user)
        if a is None:
            return self.access.not_started(person)
        return Outcome(replies=[self.views.summary(snapshot(s, self.ctx.rubric, a))])

    def standing(self, s: Session, user: User, open_items: int | None = None) -> Answer | None:
        """Where a bound user stands, for /start: their unit and role, how far their table's
        self-assessment is (criteria answered, submitted or not) and, when coordination counts
        them, the rectification items still open. None for a user who is not bound."""
        person = self.membership.binding(s, user)
        if person is None:
            return None
        if not person.active:
            return Answer(Intent.help, Doc().add(texts.INACTIVE))
        if person.role == Role.coordinator:
            return Answer(Intent.help, Doc().add(texts.STANDING_COORDINATOR))
        doc = Doc().bold(texts.STANDING_UNIT.format(unit=person.unit, role=texts.ROLE_LABEL.get(person.role, person.role)))
        key = table_of(person)
        a = self.access.find(s, person.unit, key) if key else None
        if key is None:
            doc.add(texts.STANDING_PICK_TABLE)
            return Answer(Intent.help, doc, buttons=[[Button("开始自评", AssessmentOp(0, "score"))]])
        table = texts.TABLE_LABEL[key]
        if a is None:
            doc.add(texts.STANDING_NOT_STARTED.format(table=table))
            return Answer(Intent.help, doc, buttons=[[Button("开始自评", AssessmentOp(0, "score"))]])
        snap = snapshot(s, self.ctx.rubric, a)
        submitted = a.status == AssessmentStatus.submitted
        status = texts.STANDING_SUBMITTED.format(at=self.ctx.local(a.submitted_at)) if submitted else texts.STANDING_OPEN
        doc.add(
            texts.STANDING_PROGRESS.format(
                table=table, done=snap.criteria_done, total=snap.criteria_total, score=fmt_points(snap.total), status=status
            )
        )
        deductions = snap.deductions()
        if deductions:
            lost = fmt_points(sum(d.lost for d in deductions))
            doc.add(texts.STANDING_DEDUCTIONS.format(count=len(deductions), lost=lost))
        if open_items is not None:
            doc.add(texts.STANDING_RECTIFY.format(count=open_items) if open_items else texts.STANDING_RECTIFY_NONE)
        if a.return_comment and not submitted:
            doc.add(texts.RETURNED_NOTE.format(comment=a.return_comment))
        first = Button("汇总", AssessmentOp(a.id or 0, "summary"))
        buttons = [[first, Button(texts.FILES_XLSX, AssessmentOp(a.id or 0, "xlsx"))]] if submitted else [
            [Button("继续自评", AssessmentOp(a.id or 0, "score")), first, Button("检查修改", AssessmentOp(a.id or 0, "review"))]
        ]
        return Answer(Intent.help, doc, buttons=buttons)

    def submit(self, s: Session, user: User) -> Outcome:
        """/submit: check completeness and ask to confirm."""
        person, a = self.access.current(s, user)
        if a is None:
            return self.access.not_started(person)
        return self.ask_submit(s, a)

    def ask_submit(self, s: Session, a: Assessment | AssessmentRow) -> Outcome:
        """Ask to confirm the submission, or say what is missing."""
        if a.status == AssessmentStatus.submitted:
            raise Refusal(texts.SCORE_LOCKED.format(at=self.ctx.local(a.submitted_at)), f"assessment {a.id} already submitted", slip=True)
        snap = snapshot(s, self.ctx.rubric, a)
        missing = snap.criteria_total - snap.criteria_done
        if missing:
            return Outcome().say(texts.SUBMIT_INCOMPLETE.format(missing=missing), [[Button("继续自评", AssessmentOp(a.id or 0, "score"))]])
        return Outcome().say(
            texts.SUBMIT_CONFIRM.format(unit=a.unit, table=texts.TABLE_LABEL[a.table_key], score=fmt_points(snap.total)),
            [[Button(texts.SUBMIT_YES, AssessmentOp(a.id or 0, "confirm")), Button(texts.SUBMIT_NO, AssessmentOp(a.id or 0, "cancel"))]],
        )

    def confirm_submit(self, s: Session, user: User, a: Assessment | AssessmentRow) -> Outcome:
        """确认提交: lock the assessment; the unit and the coordinators are told."""
        if a.status == AssessmentStatus.submitted:
            raise Refusal(texts.SCORE_LOCKED.format(at=self.ctx.local(a.submitted_at)), f"assessment {a.id}: double submit", slip=True)
        snap = snapshot(s, self.ctx.rubric, a)
        if snap.criteria_done < snap.criteria_total:
            return self.ask_submit(s, a)
        now = self.ctx.clock()
        done = s.exec(  # type: ignore[call-overload]
            update(Assessment)
            .where(Assessment.id == a.id, Assessment.status == AssessmentStatus.open)
            .values(
                status=AssessmentStatus.submitted, submitted_by=user.name, submitted_at=now, return_comment=None,
                first_submitted_at=func.coalesce(Assessment.first_submitted_at, now),
            )
        )
        if done.rowcount != 1:
            s.expire_all()
            fresh = s.get(Assessment, a.id)
            raise Refusal(
                texts.SCORE_LOCKED.format(at=self.ctx.local(fresh.submitted_at if fresh else None)), f"assessment {a.id}: double submit", slip=True
            )
        s.add(AuditEntry(at=now, actor_id=user.id, actor=user.name, action="assessment.submit", detail=f"{a.id} {a.unit} {a.table_key}"))
        pause_assessment(s, a.id or 0)
        table = texts.TABLE_LABEL[a.table_key]
        at = self.ctx.local(now)
        score = fmt_points(snap.total)
        out = Outcome().say(
            texts.SUBMIT_DONE.format(unit=a.unit, table=table, score=score, by=user.name, at=at),
            [[Button(texts.FILES_XLSX, AssessmentOp(a.id or 0, "xlsx")), Button(texts.FILES_DOCX, AssessmentOp(a.id or 0, "docx"))]],
        )
        for other in self.membership.unit_users(s, a.unit):
            if other != user.id:
                out.notices.append(Notice(other, Answer(Intent.help, Doc().add(texts.SUBMIT_NOTICE_UNIT.format(by=user.name, unit=a.unit, table=table, score=score)))))
        for coordinator in self.membership.coordinators(s):
            out.notices.append(
                Notice(
                    coordinator,
                    Answer(
                        Intent.help,
                        Doc().add(texts.SUBMIT_NOTICE_COORD.format(unit=a.unit, table=table, score=score, by=user.name, at=at)),
                        buttons=[[Button(texts.REOPEN_BUTTON, AssessmentOp(a.id or 0, "reopen"))]],
                    ),
                )
            )
        return out

    def _coordinator(self, s: Session, user: User) -> bool:
        person = self.membership.person(s, user)
        return person is not None and person.role == Role.coordinator and person.active

    def reopen(self, s: Session, user: User, assessment_id: int) -> Outcome:
        """A coordinator reopens a submitted assessment; the unit's users are told."""
        if not self._coordinator(s, user):
            raise Refusal(texts.NOT_COORDINATOR, f"non-coordinator {user.id} tried to reopen assessment {assessment_id}")
        a = s.get(Assessment, assessment_id)
        if a is None:
            raise Refusal(texts.STALE_BUTTON, f"reopen of unknown assessment {assessment_id}", slip=True)
        table = texts.TABLE_LABEL[a.table_key]
        if a.status != AssessmentStatus.submitted:
            return Outcome().say(texts.REOPEN_NOT_SUBMITTED.format(unit=a.unit, table=table))
        a.status, a.submitted_at, a.submitted_by = AssessmentStatus.open.value, None, None
        s.add(a)
        s.add(AuditEntry(at=self.ctx.clock(), actor_id=user.id, actor=user.name, action="assessment.reopen", detail=f"{a.id} {a.unit} {a.table_key}"))
        out = Outcome().say(texts.REOPENED.format(unit=a.unit, table=table))
        for uid in self.membership.unit_users(s, a.unit):
            out.notices.append(Notice(uid, Answer(Intent.help, Doc().add(texts.REOPEN_NOTICE.format(unit=a.unit, table=table)), buttons=[[Button("继续自评", AssessmentOp(a.id or 0, "score"))]])))
        return out

    def reopen_by_name(self, s: Session, user: User, args: str) -> Outcome:
        """`/reopen 华龙区 党委`."""
        parts = args.split()
        if len(parts) != 2 or parts[1] not in TABLE_WORDS:
            self._check_coordinator(s, user)
            return Outcome().say(texts.REOPEN_USAGE)
        unit, key = parts[0], TABLE_WORDS[parts[1]]
        a = self.access.find(s, unit, key)
        if a is None:
            self._check_coordinator(s, user)
            return Outcome().say(texts.REOPEN_NOT_FOUND.format(unit=unit, table=texts.TABLE_LABEL[key]))
        return self.reopen(s, user, a.id or 0)

    def _check_coordinator(self, s: Session, user: User) -> None:
        if not self._coordinator(s, user):
            raise Refusal(texts.NOT_COORDINATOR, f"non-coordinator {user.id} tried /reopen")
