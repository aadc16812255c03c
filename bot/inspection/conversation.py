"""The inspection conversation: an inspector walks a unit's table criterion by criterion.

Like self-scoring, its state is in the database: each answer is written when it arrives,
each inspector's position is a row (``inspection_cursors``), so a restart continues at the
same question. Level buttons carry the answer's revision: if another member of the group
changed it in between, the press is reported as a conflict and the current answer shown,
never overwritten. Any member of the group can take up an inspection another paused.
The states are drawn in handlers/inspect.mmd.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import Session, select

from bot.common.callbacks import InspectLevel, InspectNav
from bot.common.errors import Refusal
from bot.common.format import fmt_points
from bot.common.reply import Answer, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.inspection import records, texts
from bot.inspection.access import Access, Viewer, is_inspector
from bot.inspection.context import Context
from bot.inspection.states import (
    ACTIVE_STEPS,
    FIELD_STEPS,
    TABLE_KEYS,
    InspectionStatus,
    Step,
)
from bot.inspection.views import Views, _size
from bot.scoring.parsing import match_level
from bot.scoring.scores import AssessmentSnapshot, CriterionKey
from bot.storage.db import insert_new, upsert
from bot.storage.models import (
    Inspection,
    InspectionAnswer,
    InspectionCursor,
    InspectionEvidence,
    InspectionGroup,
)

logger = logging.getLogger(__name__)
TEXT_LIMIT = 500


class Conversation:
    def __init__(self, ctx: Context, access: Access, views: Views) -> None:
        self.ctx = ctx
        self.access = access
        self.views = views

    # --- reading -------------------------------------------------------------------------

    def snapshots(self, s: Session, insp: Inspection) -> tuple[AssessmentSnapshot, AssessmentSnapshot | None]:
        """The inspectors' side and the unit's own side of one table, read fresh."""
        own = records.inspection_snapshot(s, self.ctx.rubric, insp)
        unit = records.self_snapshot(s, self.ctx.rubric, self.ctx.round, insp.unit, insp.table_key)
        return own, unit

    def group_name(self, s: Session, insp: Inspection) -> str:
        group = s.get(InspectionGroup, insp.group_id) if insp.group_id else None
        return group.name if group else "—"

    def cursor(self, s: Session, user_id: int) -> InspectionCursor | None:
        return s.get(InspectionCursor, user_id)

    def current(self, s: Session, user: User) -> tuple[Viewer, Inspection] | None:
        """The inspection this inspector is working on (their cursor's), if any."""
        viewer = self.access.inspector(s, user)
        cursor = self.cursor(s, user.id)
        insp = s.get(Inspection, cursor.inspection_id) if cursor else None
        if insp is None or insp.round != self.ctx.round:
            return None
        self.access.may_see_unit(s, viewer, insp.unit)
        return viewer, insp

    def open_unit(self, s: Session, user: User, assignment_id: int, table_x: int) -> Outcome:
        """A unit picked from the list: its inspection, created on first use, where this user
        left off or at the first criterion nobody has answered yet."""
        viewer = self.access.viewer(s, user)
        a = self.access.assignment(s, viewer, assignment_id)
        key = TABLE_KEYS[table_x] if table_x < len(TABLE_KEYS) else None
        if key is None or key not in records.tables_for_unit(s, self.ctx.rubric, self.ctx.round, a.unit):
            raise Refusal(texts.STALE, f"user {user.id}: table {table_x} of {a.unit}", slip=True)
        insp = records.find_inspection(s, self.ctx.round, a.unit, key)
        if viewer.coordinator:
            if insp is None:
                return Outcome().say(texts.LIST_STATE_NONE.format(self_state="—"))
            return Outcome(replies=[self.summary_answer(s, insp, viewer)])
        if insp is None:
            insp = self._create(s, a.unit, key, a.group_id)
        return self.resume(s, user, insp.id or 0)

    def _create(self, s: Session, unit: str, key: str, group_id: int) -> Inspection:
        """The inspection, made on first use; a colleague opening it at the same moment gets
        the same row (INSERT … ON CONFLICT DO NOTHING on its unique key)."""
        insert_new(
            s, Inspection, unit=unit, table_key=key, round=self.ctx.round, group_id=group_id,
            rubric_version=self.ctx.rubric.version, status=str(InspectionStatus.open), created_at=self.ctx.clock(),
        )
        found = records.find_inspection(s, self.ctx.round, unit, key)
        assert found is not None
        return found

    def resume(self, s: Session, user: User, inspection_id: int) -> Outcome:
        viewer = self.access.viewer(s, user)
        insp = self.access.inspection(s, viewer, inspection_id)
        if viewer.coordinator or insp.status != InspectionStatus.open:
            return Outcome(replies=[self.summary_answer(s, insp, viewer)])
        own, unit = self.snapshots(s, insp)
        group = self.group_name(s, insp)
        cursor = self.cursor(s, user.id)
        if cursor and cursor.inspection_id == insp.id and cursor.step in ACTIVE_STEPS:
            key = (cursor.task_no, cursor.criterion)
            if key in own.keys():
                if cursor.step in FIELD_STEPS and key in own.answers:
                    return Outcome(replies=[self.views.field_prompt(own, key, Step(cursor.step))])
                return Outcome(replies=[self.views.question(own, unit, key, group)])
        target = own.next_unanswered()
        if target is None:
            self._move(s, user.id, insp, own.keys()[-1], Step.paused)
            return Outcome(replies=[self.views.done(own, unit)])
        self._move(s, user.id, insp, target, Step.level)
        return Outcome(replies=[self.views.question(own, unit, target, group)])

    def summary_answer(self, s: Session, insp: Inspection, viewer: Viewer) -> Answer:
        own, unit = self.snapshots(s, insp)
        return self.views.summary(own, unit, self.group_name(s, insp), insp.released_at, coordinator=viewer.coordinator)

    # --- answering -----------------------------------------------------------------------

    def pick_level(self, s: Session, user: User, action: InspectLevel) -> Outcome:
        """A level button: record it (unless a colleague changed it since), then ask for the
        finding when below full points, or move on."""
        viewer = self.access.inspector(s, user)
        insp = self.access.inspection(s, viewer, action.inspection, score=True)
        task = self.ctx.table(insp.table_key).task(action.task)
        if task is None or action.criterion >= len(task.criteria) or action.level >= len(task.criteria[action.criterion].levels):
            raise Refusal(texts.STALE, f"user {user.id}: level out of range {action}", slip=True)
        return self._record(s, user, insp, (task.no, action.criterion), action.level, action.rev)

    def _record(self, s: Session, user: User, insp: Inspection, key: CriterionKey, level: int, rev: int) -> Outcome:
        task = self.ctx.table(insp.table_key).task(key[0])
        assert task is not None
        criterion = task.criteria[key[1]]
        chosen = criterion.levels[level]
        where = (InspectionAnswer.inspection_id == insp.id, InspectionAnswer.task_no == key[0], InspectionAnswer.criterion == key[1])
        row = s.exec(select(InspectionAnswer.id, InspectionAnswer.revision).where(*where)).first()
        values = dict(
            level=level, points=chosen.points, fingerprint=criterion.fingerprint,
            answered_by=user.name, answered_by_id=user.id, answered_at=self.ctx.clock(),
        )
        conflict = (row.revision if row else 0) != rev
        if not conflict and row is None:
            conflict = not insert_new(s, InspectionAnswer, inspection_id=insp.id, task_no=key[0], criterion=key[1], revision=1, **values)
        elif not conflict and row is not None:
            # Compare-and-swap on the revision: a colleague's change since the button was drawn
            # makes this press a conflict instead of silently overwriting it.
            done = s.exec(  # type: ignore[call-overload]
                update(InspectionAnswer)
                .where(InspectionAnswer.id == row.id, InspectionAnswer.revision == rev)
                .values(revision=InspectionAnswer.revision + 1, **values)
            )
            conflict = done.rowcount != 1
        own, unit = self.snapshots(s, insp)
        group = self.group_name(s, insp)
        if conflict:
            other = own.answers.get(key)
            out = Outcome(replies=[self.views.question(own, unit, key, group)])
            if other is not None:
                label = criterion.levels[other.level].label if other.level < len(criterion.levels) else "?"
                out.replies.insert(0, Answer(Intent.help, Doc().add(texts.CONFLICT.format(by=other.answered_by, label=label))))
            logger.info("conflicting inspection answer %s %s by %s: shown the colleague's", insp.id, key, user.id)
            self._move(s, user.id, insp, key, Step.level)
            return out
        saved = texts.SAVED.format(label=chosen.label, points=fmt_points(chosen.points))
        if chosen.points < criterion.points:
            self._move(s, user.id, insp, key, Step.finding)
            return Outcome(replies=[self.views.field_prompt(own, key, Step.finding, intro=True, note=saved)])
        return self._advance(s, user, insp, own, unit, key, saved)

    def _advance(
        self, s: Session, user: User, insp: Inspection, own: AssessmentSnapshot, unit: AssessmentSnapshot | None,
        after: CriterionKey, note: str | None = None,
    ) -> Outcome:
        target = own.next_unanswered(after)
        if target is None:
            self._move(s, user.id, insp, after, Step.paused)
            return Outcome(replies=[self.views.done(own, unit, note)])
        self._move(s, user.id, insp, target, Step.level)
        return Outcome(replies=[self.views.question(own, unit, target, self.group_name(s, insp), note)])

    def _move(self, s: Session, user_id: int, insp: Inspection, key: CriterionKey, step: Step) -> None:
        """Write where the inspector now is: the next message continues from here, even after a crash."""
        upsert(
            s, InspectionCursor, {"user_id": user_id},
            inspection_id=insp.id, task_no=key[0], criterion=key[1], step=str(step), updated_at=self.ctx.clock(),
        )

    def pause(self, s: Session, user_id: int) -> None:
        s.exec(update(InspectionCursor).where(InspectionCursor.user_id == user_id).values(step=str(Step.paused)))  # type: ignore[call-overload]

    def navigate(self, s: Session, user: User, action: InspectNav) -> Outcome:
        """上一项 / 跳过 / 暂停, go to a criterion, either side's evidence, skip a field."""
        viewer = self.access.viewer(s, user)
        viewing = action.move in ("self_files", "own_files")
        insp = self.access.inspection(s, viewer, action.inspection, score=not viewing)
        own, unit = self.snapshots(s, insp)
        key = (action.task, action.criterion)
        if key not in own.keys():
            raise Refusal(texts.STALE, f"user {user.id}: no criterion {key}", slip=True)
        if viewing:
            files = own.evidence_for(key) if action.move == "own_files" else (unit.evidence_for(key) if unit else [])
            if not files:
                return Outcome().say(texts.EVIDENCE_NONE_OWN if action.move == "own_files" else texts.EVIDENCE_NONE_SELF)
            out = Outcome().say(self.views.resend_label(insp.unit, key, len(files), own=action.move == "own_files"))
            out.resend = files
            return out
        group = self.group_name(s, insp)
        keys = own.keys()
        if action.move == "pause":
            self._move(s, user.id, insp, key, Step.paused)
            return Outcome().say(texts.PAUSED)
        if action.move == "goto":
            self._move(s, user.id, insp, key, Step.level)
            return Outcome(replies=[self.views.question(own, unit, key, group)])
        if action.move == "prev":
            target = keys[max(0, keys.index(key) - 1)]
            self._move(s, user.id, insp, target, Step.level)
            return Outcome(replies=[self.views.question(own, unit, target, group)])
        if action.move == "skip":
            later = [k for k in keys[keys.index(key) + 1 :] if not own.answered(k)]
            target = later[0] if later else own.next_unanswered(key)
            if target is None or target == key:
                target = keys[(keys.index(key) + 1) % len(keys)]
            self._move(s, user.id, insp, target, Step.level)
            return Outcome(replies=[self.views.question(own, unit, target, group)])
        if action.move == "field_skip":
            cursor = self.cursor(s, user.id)
            if cursor is None or cursor.inspection_id != insp.id or (cursor.task_no, cursor.criterion) != key or cursor.step not in FIELD_STEPS:
                return self.resume(s, user, insp.id or 0)
            return self._next_field(s, user, insp, key, Step(cursor.step))
        raise Refusal(texts.STALE, f"user {user.id}: unknown move {action.move}", slip=True)

    def _next_field(self, s: Session, user: User, insp: Inspection, key: CriterionKey, step: Step, note: str | None = None) -> Outcome:
        s.flush()
        own, unit = self.snapshots(s, insp)
        if step == Step.finding:
            self._move(s, user.id, insp, key, Step.recommendation)
            return Outcome(replies=[self.views.field_prompt(own, key, Step.recommendation, note=note)])
        return self._advance(s, user, insp, own, unit, key, note)

    def text(self, s: Session, user: User, text: str) -> Outcome | None:
        """Typed text while inspecting: a finding, a recommendation, or a level in words.
        None when the user is not in the conversation (the text is then a question)."""
        cursor = self.cursor(s, user.id)
        if cursor is None or cursor.step not in ACTIVE_STEPS:
            return None
        try:
            viewer = self.access.inspector(s, user)
            insp = self.access.inspection(s, viewer, cursor.inspection_id, score=True)
        except Refusal:
            self.pause(s, user.id)
            return None
        key = (cursor.task_no, cursor.criterion)
        task = self.ctx.table(insp.table_key).task(key[0])
        if task is None or key[1] >= len(task.criteria):
            self.pause(s, user.id)
            return None
        text = text.strip()
        own, unit = self.snapshots(s, insp)
        if cursor.step == Step.level:
            level = match_level(task.criteria[key[1]], text)
            if level is None:
                out = Outcome().say(texts.NOT_UNDERSTOOD)
                out.replies.append(self.views.question(own, unit, key, self.group_name(s, insp)))
                return out
            current = own.answers.get(key)
            return self._record(s, user, insp, key, level, current.revision if current else 0)
        step = Step(cursor.step)
        if key not in own.answers:  # reopened and changed by a colleague: ask the level again
            self._move(s, user.id, insp, key, Step.level)
            return Outcome(replies=[self.views.question(own, unit, key, self.group_name(s, insp))])
        if not text:
            return Outcome(replies=[Answer(Intent.help, Doc().add(texts.FIELD_EMPTY)), self.views.field_prompt(own, key, step)])
        if len(text) > TEXT_LIMIT:
            note = texts.FIELD_TOO_LONG.format(length=len(text), limit=TEXT_LIMIT)
            return Outcome(replies=[Answer(Intent.help, Doc().add(note)), self.views.field_prompt(own, key, step)])
        column = "finding" if step == Step.finding else "recommendation"
        s.exec(  # type: ignore[call-overload]
            update(InspectionAnswer)
            .where(InspectionAnswer.inspection_id == insp.id, InspectionAnswer.task_no == key[0], InspectionAnswer.criterion == key[1])
            .values(**{column: text})
        )
        return self._next_field(s, user, insp, key, step, note=texts.FIELD_SAVED.format(field=texts.FIELD_LABEL[column]))

    def evidence(
        self, s: Session, user: User, kind: str, file_id: str, file_unique_id: str, file_name: str, size: int, caption: str | None
    ) -> Outcome | None:
        """A photo or document an inspector sent: the inspection's evidence for the criterion
        they are on. None if the user is no inspector (it may be a unit's self-check evidence)."""
        if not is_inspector(s, user.id):
            return None
        viewer = self.access.inspector(s, user)
        cursor = self.cursor(s, user.id)
        if cursor is None:
            raise Refusal(texts.EVIDENCE_NO_CRITERION, f"inspection evidence without a criterion from {user.id}", slip=True)
        insp = self.access.inspection(s, viewer, cursor.inspection_id, score=True)
        exists = s.exec(
            select(InspectionEvidence.id).where(InspectionEvidence.inspection_id == insp.id, InspectionEvidence.file_unique_id == file_unique_id)
        ).first()
        if exists:
            return Outcome().say(texts.EVIDENCE_DUPLICATE)
        s.add(
            InspectionEvidence(
                inspection_id=insp.id or 0, task_no=cursor.task_no, criterion=cursor.criterion, kind=kind,
                file_id=file_id, file_unique_id=file_unique_id, file_name=file_name[:256], size=size,
                caption=(caption or None) and caption[:1024], added_by=user.name, added_by_id=user.id, added_at=self.ctx.clock(),
            )
        )
        return Outcome().say(
            texts.EVIDENCE_SAVED.format(name=file_name, size=_size(size), unit=insp.unit, no=cursor.task_no, i=cursor.criterion + 1)
        )

    def review(self, s: Session, user: User, inspection_id: int) -> Outcome:
        viewer = self.access.viewer(s, user)
        insp = self.access.inspection(s, viewer, inspection_id)
        own, unit = self.snapshots(s, insp)
        return Outcome(replies=[self.views.review(own, unit)])
