"""One user's flood, slowed down without slowing anyone else.

A sliding window per user: up to ``limit`` updates in ``window`` seconds are handled; the first
one over that gets one polite reply, the rest are dropped silently until the window has room
again. A flood is updates piling up: an update that finds everything the user sent before
already handled (``idle``) starts the count afresh, so someone working quickly through a
conversation, each press answered before the next, is never stopped; 1,000 messages sent at
once are. The counts live in memory on purpose: this is rate limiting, not state (a restart
forgets them; what was dropped was never handled, and the user was told so once).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from enum import StrEnum

FLOOD_LIMIT = 20  # updates ...
FLOOD_WINDOW = 10.0  # ... in this many seconds, per user


class Verdict(StrEnum):
    handle = "handle"
    warn = "warn"  # the first one over the limit: say so, once
    drop = "drop"  # then nothing until the window has room again


class Throttle:
    """Per-key sliding windows; ``clock`` is injected (monotonic seconds)."""

    def __init__(self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a throttle needs a positive limit and window")
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._warned: set[Hashable] = set()
        self._sweep_at = 0.0

    def admit(self, key: Hashable, idle: bool = False) -> Verdict:
        """Whether to handle the user's update; ``idle``: nothing of theirs is waiting or running."""
        now = self.clock()
        if now >= self._sweep_at:
            self._sweep(now)
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = deque()
        elif idle and key not in self._warned:  # caught up: not a flood (a warned one waits the window out)
            seen.clear()
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            self._warned.discard(key)
            return Verdict.handle
        if key in self._warned:
            return Verdict.drop
        self._warned.add(key)
        return Verdict.warn

    def _sweep(self, now: float) -> None:
        """Forget users quiet for a whole window (memory stays proportional to active users)."""
        for key in [k for k, seen in self._seen.items() if not seen or now - seen[-1] >= self.window]:
            del self._seen[key]
            self._warned.discard(key)
        self._sweep_at = now + self.window
