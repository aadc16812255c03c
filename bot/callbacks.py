"""The one scheme for inline-button callback data: built and parsed here, nowhere else.

Format: ``d1:<owner>:<op>:<arg>:<arg>…`` where owner is the Telegram user id the button was
made for, or ``-`` when anyone may press it (rubric navigation is open to everyone).
Callback data carries ids only, never text: Telegram allows 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

VERSION = "d1"
MAX_BYTES = 64
TABLE_CODES = {"party": "p", "government": "g"}
ASPECT_CODES = {"card": "a", "criteria": "c", "points": "p", "units": "u", "check": "m"}
Aspect = Literal["card", "criteria", "points", "units", "check"]


class InvalidCallback(ValueError):
    """Callback data that this version of the bot did not make: stale, forged or corrupt."""


@dataclass(frozen=True)
class ShowTask:
    """Open one task of a table, or one aspect of it."""

    table: Literal["party", "government"]
    no: int
    aspect: Aspect = "card"


@dataclass(frozen=True)
class ShowUnit:
    """List the tasks of one responsible unit (index into the engine's unit list)."""

    index: int


@dataclass(frozen=True)
class ShowPhase:
    """Show one phase of the campaign, or all when key is 'all'."""

    key: str


Action = Union[ShowTask, ShowUnit, ShowPhase]
_PHASE_CODES = {
    "all": "0",
    "prepare": "1",
    "self_check": "2",
    "field_inspection": "3",
    "rectification": "4",
    "central_inspection": "5",
}


def _inverse(d: dict[str, str]) -> dict[str, str]:
    return {v: k for k, v in d.items()}


def pack(action: Action, owner: int | None = None) -> str:
    """Encode an action for a button; refuses anything over Telegram's 64 bytes."""
    if isinstance(action, ShowTask):
        body = f"t:{TABLE_CODES[action.table]}:{action.no}:{ASPECT_CODES[action.aspect]}"
    elif isinstance(action, ShowUnit):
        body = f"u:{action.index}"
    elif isinstance(action, ShowPhase):
        body = f"f:{_PHASE_CODES[action.key]}"
    else:  # pragma: no cover - the type checker keeps this unreachable
        raise TypeError(f"not an action: {action!r}")
    data = f"{VERSION}:{'-' if owner is None else owner}:{body}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
    return data


def unpack(data: str | None) -> tuple[int | None, Action]:
    """Decode callback data into (owner, action); raises InvalidCallback on anything else."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise InvalidCallback("empty or oversized")
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != VERSION:
        raise InvalidCallback(f"unknown scheme: {data[:20]!r}")
    owner_text, op, args = parts[1], parts[2], parts[3:]
    try:
        owner = None if owner_text == "-" else int(owner_text)
        if op == "t" and len(args) == 3:
            table = _inverse(TABLE_CODES)[args[0]]
            aspect = _inverse(ASPECT_CODES)[args[2]]
            no = int(args[1])
            if not 1 <= no <= 99:
                raise ValueError(no)
            return owner, ShowTask(table, no, aspect)  # type: ignore[arg-type]
        if op == "u" and len(args) == 1:
            return owner, ShowUnit(int(args[0]))
        if op == "f" and len(args) == 1:
            return owner, ShowPhase(_inverse(_PHASE_CODES)[args[0]])
    except (KeyError, ValueError):
        pass
    raise InvalidCallback(f"malformed: {data[:40]!r}")
