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
    inspector = "inspector"  # a member of an inspection group (督察组); ``unit`` is the group's name


# Bound people who are no inspected unit's users: never in a unit's audience, progress or nudges.
NOT_UNIT_ROLES: tuple[Role, ...] = (Role.coordinator, Role.inspector)


class Step(StrEnum):
    """Where a user is in the self-scoring conversation (``scoring_cursors.step``);
    see handlers/score.mmd."""

    level = "level"  # waiting for a level, pressed or typed
    # waiting for that field of the deduction's rectification item
    problem = "problem"
    measure = "measure"
    leader = "leader"
    unit = "unit"
    person = "person"
    deadline = "deadline"
    paused = "paused"  # not in the conversation: typed text is a question
    away = "away"  # the next typed text belongs to coordination (coordinator_pending)


RECT_STEPS: tuple[Step, ...] = (Step.problem, Step.measure, Step.leader, Step.unit, Step.person, Step.deadline)
ASKING_STEPS: tuple[Step, ...] = (Step.level, *RECT_STEPS)  # steps that wait for typed text


class PendingKind(StrEnum):
    """What a coordination step waits for as typed text (``coordinator_pending.kind``);
    see handlers/coordinate.mmd."""

    rect_note = "rect_note"  # a unit says how an item was rectified
    item_comment = "item_comment"  # a coordinator returns a reported item with a comment
    asm_comment = "asm_comment"  # a coordinator sends an assessment back (退回修改) with a comment
    rect_files = "rect_files"  # after the note: files sent are still the item's evidence (no text awaited)


class AssessmentStatus(StrEnum):
    open = "open"
    submitted = "submitted"


class ItemState(StrEnum):
    """A deduction's rectification item (``rectification_states.state``; no row: open)."""

    open = "open"
    reported = "reported"  # the unit says it is done
    closed = "closed"  # 销号: a coordinator accepted it
    returned = "returned"  # a coordinator sent it back


class ItemSource(StrEnum):
    """Where a rectification item comes from: a deduction in the unit's own self-check, or a
    finding of an inspection group released to the unit (``rectification_items.source``)."""

    self_check = "self_check"
    inspection = "inspection"  # 督察反馈


OWING: tuple[ItemState, ...] = (ItemState.open, ItemState.returned)  # the unit still has to act


class RecipientState(StrEnum):
    """One copy of a broadcast (``broadcast_recipients.state``): queued -> sending (claimed for
    the one request in flight) -> sent | failed | unknown, or back to queued when it provably
    did not arrive (retried later); sent | unknown -> acknowledged (收到 pressed)."""

    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    # may have arrived: the request timed out after it was sent, or the sender stopped while it
    # was in flight. Never sent again on its own; coordinators may resend it (状态未知).
    unknown = "unknown"
    acknowledged = "acknowledged"


class ReminderState(StrEnum):
    """One reminder copy (``reminder_deliveries.state``). A copy goes through the same states
    as a broadcast copy (bot/coordination/retry.py moves both): queued (planned, or waiting
    for its next attempt because Telegram could not be reached) -> sending (claimed for the one
    request in flight) -> sent | failed | unknown, or back to queued; never resent on its own
    once it may have arrived. Rows of user 0 are markers, not copies: the digest of a day
    (sent), an occurrence missed while the bot was down (missed, or expired when too old to
    report)."""

    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    unknown = "unknown"  # may have arrived: timed out after sending, or the sender stopped in flight
    dropped = "dropped"  # not sent: by its next attempt the unit owed nothing any more (or the date moved)
    missed = "missed"
    expired = "expired"


class EvidenceStage(StrEnum):
    """What a kept file proves (``evidence.stage``)."""

    selfcheck = "selfcheck"  # the answer to a criterion, sent while scoring
    rectification = "rectification"  # that the criterion's rectification item was done
