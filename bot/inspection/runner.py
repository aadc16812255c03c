"""Running an inspection action: a raised Refusal becomes a polite reply, and (unless it is
a mere stale button) an audit row written in a transaction of its own, so the refusal is on
record even though the action's own transaction was rolled back.

Interim: the shared runner of issue 7 (bot/actions.py) replaces this once it lands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session

from bot.common.errors import Refusal
from bot.common.reply import Outcome, User, utc_now
from bot.storage.db import Database
from bot.storage.models import AuditEntry

logger = logging.getLogger(__name__)


def refused(s: Session, user: User | None, refusal: Refusal) -> None:
    """Write the audit row of a refusal (call in a fresh transaction)."""
    s.add(
        AuditEntry(
            at=utc_now(), actor_id=user.id if user else None, actor=user.name if user else "命令行",
            action="refused", detail=refusal.reason[:2000],
        )
    )


def as_outcome(refusal: Refusal) -> Outcome:
    out = Outcome().say(refusal.text)
    out.refused = refusal.reason
    return out


def run(db: Database, user: User | None, fn: Callable[[Session], Outcome]) -> Outcome:
    """``fn`` in one transaction; a Refusal rolls it back, is audited apart and answered."""
    try:
        return db.call(fn)
    except Refusal as exc:
        no = exc
    logger.warning("refused %s: %s", user.id if user else "cli", no.reason)
    if no.audit:
        db.call(lambda s: refused(s, user, no))
    return as_outcome(no)
