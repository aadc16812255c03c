"""Typed text and files from a user, given to the feature waiting for them.

Coordination is asked first (a rectification note or a coordinator's comment it asked for),
then the field inspection (an inspector's finding, recommendation or typed level), then the
self-scoring conversation; ``text`` returns None when neither is waiting, and the
text is then a question for bot.qa. Every shell routes typed input through here, so the order
is decided once, in the imports, with no run-time patching.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.common.reply import Outcome, User
from bot.coordination.service import Coordination
from bot.inspection.service import InspectionService
from bot.scoring.selfcheck import SelfCheck


class Inputs:
    def __init__(self, selfcheck: SelfCheck, coordination: Coordination, inspection: InspectionService | None = None) -> None:
        self.selfcheck = selfcheck
        self.coordination = coordination
        self.inspection = inspection or InspectionService.beside(selfcheck)

    def text(self, s: Session, user: User, text: str) -> Outcome | None:
        """The reply to typed text if a conversation is waiting for it, else None."""
        out = self.coordination.text(s, user, text)
        if out is None:
            out = self.inspection.text(s, user, text)
        return out if out is not None else self.selfcheck.text(s, user, text)

    def evidence(
        self, s: Session, user: User, kind: str, file_id: str, file_unique_id: str, file_name: str, size: int, caption: str | None
    ) -> Outcome:
        """A document or photo: evidence for the rectification item being reported, or for the
        criterion being scored."""
        found = self.inspection.evidence(s, user, kind, file_id, file_unique_id, file_name, size, caption)
        if found is not None:  # an inspector's photo or document: the inspection's evidence
            return found
        item = self.coordination.evidence_target(s, user)
        return self.selfcheck.evidence(s, user, kind, file_id, file_unique_id, file_name, size, caption, item)
