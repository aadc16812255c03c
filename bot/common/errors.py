"""The one exception a core action raises when it will not do what was asked.

Shells never check return types for refusals: the runner that calls a core action catches
``Refusal``, replies with its text, and writes an audit row in a transaction of its own (so a
refusal is recorded even though the action's own transaction is rolled back).
"""

from __future__ import annotations


class Refusal(Exception):
    """A polite no: ``text`` is what the user reads (Chinese), ``reason`` what the audit log keeps."""

    def __init__(self, text: str, reason: str, *, audit: bool = True) -> None:
        super().__init__(reason)
        self.text = text
        self.reason = reason
        self.audit = audit
