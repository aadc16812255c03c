"""The one exception a core action raises when it will not do what was asked.

Shells never check return types for refusals: the runner that calls a core action
(bot/actions.py) catches ``Refusal``, replies with its text, and writes an audit row in a
transaction of its own (so a refusal is recorded even though the action's own transaction is
rolled back).
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A polite no: ``text`` is what the user reads (Chinese), ``reason`` what the log and the
    audit log keep. Every refusal is audited; ``slip=True`` marks one about what was asked
    rather than who asks (a stale button, a date that does not read, a locked assessment), so
    the audit log can tell an ordinary mistake ("declined") from an access refusal ("refused")."""

    def __init__(self, text: str, reason: str, *, slip: bool = False) -> None:
        super().__init__(reason)
        self.text = text
        self.reason = reason
        self.slip = slip
        # what the user reads after the text: the prompt their conversation still waits on
        self.follow: list[Any] = []
