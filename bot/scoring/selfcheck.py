"""Self-scoring for one rubric, one campaign round and one clock: the features of
``bot.scoring`` put together behind one object that the shells and coordination call.

Every action takes a SQLModel session and the acting user, checks the user's binding (never
what a button claims), writes what it learns at once, and returns an Outcome: replies for the
user, notices for others, files to send. The features live in their own modules:

- membership.py   invites, binding, roles, coordinators
- access.py       may this user act on this assessment; which assessment their unit scores
- conversation.py /score, levels, moving, rectification fields (state diagram: handlers/score.mmd)
- typed.py        what typed text at a prompt is: 跳过, 清空, a question, 长期坚持
- evidence.py     files sent as evidence (the self-check's or a rectification item's), opening them
- review.py       /review, /summary, /submit, reopening, where a user stands (/start)
- views.py        how questions, prompts and the summary look
- exports.py      the score sheet and the report draft
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.common import texts
from bot.common.callbacks import AssessmentAction, AssessmentOp, Navigate, NavMove, PickLevel
from bot.common.errors import Refusal
from bot.common.reply import Answer, Clock, EvidenceRecord, Intent, Outcome, User, utc_now
from bot.common.richtext import Doc
from bot.common.rubric import Rubric
from bot.rounds import RoundCalendars, campaign_file_from_env
from bot.scoring.access import Access
from bot.scoring.context import ScoringContext
from bot.scoring.conversation import Conversation
from bot.scoring.evidence import EvidenceFiles
from bot.scoring.exports import Exports
from bot.scoring.membership import ROLES, Binding, InviteError, Membership, parse_duration, table_of
from bot.scoring.review import Review
from bot.scoring.scores import AssessmentSnapshot
from bot.scoring.snapshots import AssessmentRow, snapshot
from bot.scoring.typed import asks_own_score
from bot.scoring.views import Views
from bot.storage.models import Assessment, Invite, Person

__all__ = ["ROLES", "Binding", "InviteError", "SelfCheck", "User", "parse_duration", "table_of"]

class SelfCheck:
    """The self-scoring service for one rubric, one campaign round and one clock."""

    def __init__(
        self,
        rubric: Rubric,
        clock: Clock = utc_now,
        admin_ids: frozenset[int] = frozenset(),
        round_: str | None = None,
    ) -> None:
        self.rubric = rubric
        self.clock = clock
        self.admin_ids = admin_ids
        self.round = round_ or str(rubric.campaign.year)
        self.tz = ZoneInfo(rubric.campaign.timezone)
        # this round's calendar, read from the database and kept in memory; coordination shares it
        self.calendars = RoundCalendars(rubric.campaign, self.round, campaign_file_from_env())
        self.ctx = ScoringContext(rubric, clock, admin_ids, self.round, self.tz, self.calendars)
        self.membership = Membership(self.ctx)
        self.access = Access(self.ctx, self.membership)
        self.views = Views(self.ctx)
        self.conversation = Conversation(self.ctx, self.access, self.views)
        self.reviews = Review(self.ctx, self.membership, self.access, self.views)
        self.exports = Exports(self.ctx, self.membership, self.access)
        self.evidence_files = EvidenceFiles(self.ctx, self.access)

    # --- membership ------------------------------------------------------------------

    def person(self, s: Session, user: User) -> Person | None:
        return self.membership.person(s, user)

    def binding(self, s: Session, user: User) -> Binding | None:
        return self.membership.binding(s, user)

    def table_hint(self, s: Session, user: User) -> str | None:
        return self.membership.table_hint(s, user)

    def coordinators(self, s: Session) -> list[int]:
        return self.membership.coordinators(s)

    def create_invite(
        self, s: Session, unit: str, role: str, uses: int = 1, expires: dt.timedelta | None = None, created_by: str = "cli"
    ) -> Invite:
        return self.membership.create_invite(s, unit, role, uses, expires, created_by)

    def bind(self, s: Session, user: User, code: str) -> Outcome:
        return self.membership.bind(s, user, code)

    # --- reading -------------------------------------------------------------------------

    def snapshot(self, s: Session, a: Assessment | AssessmentRow, full: bool = True) -> AssessmentSnapshot:
        return snapshot(s, self.rubric, a, full)

    def find_assessment(self, s: Session, unit: str, table_key: str) -> Assessment | None:
        return self.access.find(s, unit, table_key)

    def local(self, at: dt.datetime | None) -> str:
        return self.ctx.local(at)

    # --- the conversation --------------------------------------------------------------

    def start(self, s: Session, user: User, table_key: str | None = None) -> Outcome:
        return self.conversation.start(s, user, table_key)

    def pick_level(self, s: Session, user: User, action: PickLevel) -> Outcome:
        return self.conversation.pick_level(s, user, action)

    def navigate(self, s: Session, user: User, action: Navigate) -> Outcome:
        if action.move == NavMove.evidence:
            return self.evidence_files.show(s, user, action.assessment, (action.task, action.criterion))
        return self.conversation.navigate(s, user, action)

    def text(self, s: Session, user: User, text: str) -> Outcome | None:
        """Typed text in the scoring conversation; None when the user is not in it or asks a
        question of the rubric. Shells route typed text through bot.inputs, which asks
        coordination first. "我们单位还有哪些扣分" is the unit's summary."""
        if asks_own_score(text):
            own = self.own_score(s, user)
            if own is not None:
                return own
        return self.conversation.text(s, user, text)

    def pending_prompt(self, s: Session, user: User) -> Answer | None:
        """The prompt the conversation waits on, shown again after a detour; else None."""
        return self.conversation.pending(s, user)

    def pending_task(self, s: Session, user: User) -> tuple[str, int] | None:
        """(table, task) of the prompt the conversation waits on, for a question about "这一条"."""
        return self.conversation.pending_task(s, user)

    def own_score(self, s: Session, user: User) -> Outcome | None:
        """"我们单位还有哪些扣分": the unit's /summary (then the pending prompt, if any). None
        for users without a unit to score (the text is then a question for the engine)."""
        if self.access.scoring(s, user) is None:
            return None
        out = self.summary(s, user)
        out.replies.insert(0, Answer(Intent.help, Doc().add(texts.OWN_SCORE_LEAD)))
        prompt = self.pending_prompt(s, user)
        if prompt is not None:
            out.replies.append(prompt)
        return out

    def standing(self, s: Session, user: User, open_items: int | None = None) -> Answer | None:
        """Where a bound user stands (for /start): unit, role, progress; None when unbound."""
        return self.reviews.standing(s, user, open_items)

    def evidence(
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
        return self.evidence_files.receive(s, user, kind, file_id, file_unique_id, file_name, size, caption, item)

    def remove_evidence(self, s: Session, user: User, evidence_id: int) -> Outcome:
        return self.evidence_files.remove(s, user, evidence_id)

    def every_evidence_file(self, s: Session, assessment_id: int) -> list[EvidenceRecord]:
        """Every file kept for an assessment (self-check and rectification), captioned; the
        caller has authorised a coordinator."""
        return self.evidence_files.every_file(s, assessment_id)

    # --- review, submit, files ---------------------------------------------------------

    def review(self, s: Session, user: User) -> Outcome:
        return self.reviews.review(s, user)

    def summary(self, s: Session, user: User) -> Outcome:
        return self.reviews.summary(s, user)

    def submit(self, s: Session, user: User) -> Outcome:
        return self.reviews.submit(s, user)

    def reopen(self, s: Session, user: User, assessment_id: int) -> Outcome:
        return self.reviews.reopen(s, user, assessment_id)

    def reopen_by_name(self, s: Session, user: User, args: str) -> Outcome:
        return self.reviews.reopen_by_name(s, user, args)

    def files(self, s: Session, user: User, kind: str, assessment_id: int | None = None) -> Outcome:
        return self.exports.files(s, user, kind, assessment_id)

    def export(self, s: Session, a: Assessment, kind: str) -> Outcome:
        return self.exports.export(s, a, kind)

    def assessment_op(self, s: Session, user: User, action: AssessmentOp) -> Outcome:
        """Whole-assessment buttons."""
        A = AssessmentAction
        if action.op == A.reopen:
            return self.reopen(s, user, action.assessment)
        if action.op in (A.xlsx, A.docx):
            return self.files(s, user, action.op, action.assessment or None)
        if action.op in (A.score, A.party, A.government):
            return self.start(s, user, action.op if action.op != A.score else None)
        if action.op == A.review:
            return self.review(s, user)
        if action.op == A.summary:
            return self.summary(s, user)
        if action.op == A.evidence:
            return self.evidence_files.index(s, user, action.assessment)
        _, a = self.access.scorer_and(s, user, action.assessment, open_only=False)
        if action.op == A.submit:
            return self.reviews.ask_submit(s, a)
        if action.op == A.confirm:
            return self.reviews.confirm_submit(s, user, a)
        if action.op == A.cancel:
            return Outcome().say(texts.SUBMIT_CANCELLED)
        raise Refusal(texts.STALE_BUTTON, f"unknown op {action.op}", slip=True)
