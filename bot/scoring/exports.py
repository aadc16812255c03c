"""A unit's files: the score sheet (.xlsx) and the self-check report draft (.docx)."""

from __future__ import annotations

from sqlmodel import Session

from bot.common import texts
from bot.common.format import clip
from bot.common.reply import Outcome, OutFile, User, refusal
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
        person = self.membership.person(s, user)
        if person is None:
            return refusal(texts.NOT_BOUND, f"unbound user {user.id} asked for files")
        if assessment_id:
            a = s.get(Assessment, assessment_id)
            if a is None or (a.unit != person.unit and person.role != Role.coordinator):
                return refusal(texts.SCORE_WRONG_UNIT, f"user {user.id} asked for files of assessment {assessment_id}")
        else:
            found = self.access.current(s, user)
            if isinstance(found, Outcome):
                return found
            a = found[1]
        return self.export(s, a, kind)

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
