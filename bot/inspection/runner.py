"""Running an inspection action: a raised Refusal becomes a polite reply and, unless it is a
mere stale button, an audit row. ``run`` (the command line, tests) writes that row in a
transaction of its own, so it is on record although the action's own was rolled back; the
registry's wrapper writes it in the action's transaction, which has written nothing else
(the inspection checks before it writes).

The shared runner issue 7 planned (bot/actions.py) has not landed; when it does, these two
helpers go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session

from bot.common.errors import Refusal
from bot.common.reply import Clock, Outcome, User, utc_now
from bot.storage.db import Database
from bot.storage.models import AuditEntry

logger = logging.getLogger(__name__)


def refused(s: Session, user: User | None, refusal: Refusal, clock: Clock = utc_now) -> None:
    """Write the audit row of a refusal."""
    s.add(
        AuditEntry(
            at=clock(), actor_id=user.id if user else None, actor=user.name if user else "命令行",
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
