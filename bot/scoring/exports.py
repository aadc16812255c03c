"""A unit's files: the score sheet (.xlsx) and the self-check report draft (.docx)."""

from __future__ import annotations

from sqlmodel import Session

from bot.common import texts
from bot.common.format import clip
from bot.common.errors import Refusal
from bot.common.reply import Outcome, OutFile, User
from bot.common.states import Role
from bot.scoring.access import Access
from bot.scoring.context import ScoringContext
from bot.scoring.membership import Membership
from bot.scoring.snapshots import snapshot
from bot.storage.models import Assessment


class Exports:
    def __init__(self, ctx: ScoringContext, membership: Membership, access: Access) -> None:
        self.ctx = ctx
        self.membership = membership
        self.access = access

    def files(self, s: Session, user: User, kind: str, assessment_id: int | None = None) -> Outcome:
        """The score sheet (xlsx) or report draft (docx) of the user's assessment."""
        if assessment_id:
            person = self.membership.person(s, user)
            if person is None:
                raise Refusal(texts.NOT_BOUND, f"unbound user {user.id} asked for files of assessment {assessment_id}")
            if not person.active:
                raise Refusal(texts.INACTIVE, f"inactive user {user.id} asked for files of assessment {assessment_id}")
            a = s.get(Assessment, assessment_id)
            if a is None or (a.unit != person.unit and person.role != Role.coordinator):
                raise Refusal(texts.SCORE_WRONG_UNIT, f"user {user.id} asked for files of assessment {assessment_id}")
            return self.export(s, a, kind)
        scorer, found = self.access.current(s, user)
        if found is None:
            return self.access.not_started(scorer)
        return self.export(s, found, kind)

    def export(self, s: Session, a: Assessment, kind: str) -> Outcome:
        from bot.files.reports import (
            export_filename,
            score_sheet_xlsx,
            self_check_report_docx,
        )

        snap = snapshot(s, self.ctx.rubric, a)
        now = self.ctx.clock()
        today = now.astimezone(self.ctx.tz).date()
        out = Outcome()
        if kind == "xlsx":
            name = export_filename(a.unit, a.table_key, "score_sheet", today)
            data = score_sheet_xlsx(snap, self.ctx.rubric.campaign, now.astimezone(self.ctx.tz))
            out.files.append(OutFile(name, data, texts.FILES_SENT.format(name=name)))
            return out
        calendar = self.ctx.calendars.get(s) if self.ctx.calendars else None
        draft = self_check_report_docx(snap, self.ctx.rubric.campaign, today, calendar)
        name = export_filename(a.unit, a.table_key, "self_check_report", today)
        caption = "\n".join(draft.warnings) or texts.FILES_SHARE_OK.format(share=round(draft.problem_share * 100))
        out.files.append(OutFile(name, draft.data, clip(caption, 1000)))
        return out
