"""The typed states of the domain: roles, conversation steps, assessment, item and recipient
states. Each is a ``StrEnum`` whose values are exactly the strings stored in the database, so
the enums change no data; compare and store members, never bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a bound user is: the one list of roles (invites, audiences, the CLI)."""

    party = "party"
    government = "government"
    department = "department"
    coordinator = "coordinator"
