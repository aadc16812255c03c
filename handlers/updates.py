"""How updates are scheduled: different users at the same time, each user's in order.

python-telegram-bot hands every update to an update processor (``concurrent_updates``). This
one keeps a lane per user (per chat when there is no user): a user's updates run one after
the other in the order Telegram numbered them, so a scoring conversation never sees its
presses out of order, while other users' updates run beside them. A user whose updates pile
up beyond the flood limit gets one polite reply and is then ignored until the window has
room again (bot/common/throttle.py), without delaying anyone else.

Order is kept because python-telegram-bot starts one task per update in the order fetched,
and each task reaches its lane's lock (first come, first served) before it first waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.common.throttle import Throttle, Verdict

logger = logging.getLogger(__name__)

# Updates handled at the same moment (each user's lane counts once); the rest wait their turn.
RUNNING = 16
# Updates accepted and waiting in their lanes; python-telegram-bot's own bound, kept high so
# that a user's queued updates never hold back another user's.
ACCEPTED = 4096


def lane_of(update: object) -> Hashable | None:
    """Whose turn an update waits for: its user's, else its chat's; None for neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    return None


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across users, in order per user, with a per-user flood limit."""

    def __init__(
        self,
        throttle: Throttle | None = None,
        on_flood: Callable[[Update, Throttle], Awaitable[Any]] | None = None,
        running: int = RUNNING,
    ) -> None:
        super().__init__(ACCEPTED)
        self.throttle = throttle or Throttle()
        self.on_flood = on_flood
        self._running = asyncio.Semaphore(running)
        self._lanes: dict[Hashable, list[Any]] = {}  # key -> [lock, updates waiting or running]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = lane_of(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lane = self._lanes.get(key)
        verdict = self.throttle.admit(key, idle=lane is None)
        if verdict is not Verdict.handle:
            coroutine.close()  # type: ignore[attr-defined]  # not handled: never started
            if verdict is Verdict.warn:
                logger.info("flood from %s %s: over %d updates in %g s; ignoring it for a while", *key, self.throttle.limit, self.throttle.window)
                await self._warn(update)  # type: ignore[arg-type]
            return
        if lane is None:
            lane = self._lanes[key] = [asyncio.Lock(), 0]
        lane[1] += 1
        try:
            async with lane[0], self._running:
                await coroutine
        finally:
            lane[1] -= 1
            if lane[1] == 0:
                del self._lanes[key]

    async def _warn(self, update: Update) -> None:
        if self.on_flood is None:
            return
        try:
            await self.on_flood(update, self.throttle)
        except Exception:  # the polite reply is a courtesy; never let it stop anything
            logger.warning("could not send the flood notice", exc_info=True)

    @property
    def lanes(self) -> int:
        """Users (or chats) with updates waiting or running."""
        return len(self._lanes)
