"""Database tables (SQLModel). Schema changes go through Alembic: bot/migrations/.

Everything that matters between two messages lives here, never only in memory: who belongs
to which unit, every answer the moment it arrives, evidence, and where each user is in the
self-scoring conversation.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


# A person's name as Telegram gives it: first and last name, up to 64 characters each, joined
# by a space (129). The column is wider so that the limit is the code's, on both databases.
NAME_LENGTH = 256


def _now() -> dt.datetime:
    # SQLModel stores aware datetimes as UTC and returns them aware, on SQLite too.
    return dt.datetime.now(dt.timezone.utc)


class Person(SQLModel, table=True):
    """A Telegram user bound to one unit with one role."""

    __tablename__ = "people"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(max_length=NAME_LENGTH)
    unit: str = Field(max_length=64, index=True)
    role: str = Field(max_length=16)  # party | government | department | coordinator
    table_key: Optional[str] = Field(default=None, max_length=16)  # a department's reference table
    active: bool = True
    bound_at: dt.datetime = Field(default_factory=_now)
    invite_code: Optional[str] = Field(default=None, max_length=32)
    # where the role came from: "invite" (an invite code, or a coordinator's move), or
    # "admin_ids" (DUCHA_ADMIN_IDS: the role lasts only while the id is listed there)
    role_source: str = Field(default="invite", max_length=16)


class MemberRemoval(SQLModel, table=True):
    """A user a coordinator removed: they may bind again only with an invite made afterwards."""

    __tablename__ = "member_removals"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    removed_at: dt.datetime = Field(default_factory=_now)
    removed_by: str = Field(max_length=NAME_LENGTH)


class Invite(SQLModel, table=True):
    """A code a coordinator made; `/start <code>` binds the user to its unit and role."""

    __tablename__ = "invites"

    code: str = Field(primary_key=True, max_length=32)
    unit: str = Field(max_length=64)
    role: str = Field(max_length=16)
    max_uses: int = 1
    uses: int = 0
    expires_at: Optional[dt.datetime] = None
    created_by: str = Field(max_length=NAME_LENGTH)
    created_at: dt.datetime = Field(default_factory=_now)
    revoked: bool = False


class Assessment(SQLModel, table=True):
    """One unit's self-assessment of one table in one campaign round."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("unit", "table_key", "round", name="uq_assessment_unit_table_round"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    unit: str = Field(max_length=64, index=True)
    table_key: str = Field(max_length=16)
    round: str = Field(max_length=16)
    rubric_version: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16)  # open | submitted
    submitted_by: Optional[str] = Field(default=None, max_length=NAME_LENGTH)
    submitted_at: Optional[dt.datetime] = None
    # When the unit first submitted; kept through reopen and send-back (its items stay items).
    first_submitted_at: Optional[dt.datetime] = None
    created_at: dt.datetime = Field(default_factory=_now)
    return_comment: Optional[str] = Field(default=None, max_length=1000)  # 退回修改 with this comment


class CriterionAnswer(SQLModel, table=True):
    """A unit's answer to one criterion, with the rectification item when below full."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assessment_id", "task_no", "criterion", name="uq_answer_criterion"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessments.id", index=True)
    task_no: int
    criterion: int
    level: int
    points: float
    fingerprint: str = Field(max_length=16)
    revision: int = 1  # bumped on every change: a button made before a change is stale
    answered_by: str = Field(max_length=NAME_LENGTH)
    answered_by_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    answered_at: dt.datetime = Field(default_factory=_now)
    problem: Optional[str] = Field(default=None, max_length=2000)
    measure: Optional[str] = Field(default=None, max_length=2000)
    leader: Optional[str] = Field(default=None, max_length=200)
    resp_unit: Optional[str] = Field(default=None, max_length=200)
    resp_person: Optional[str] = Field(default=None, max_length=200)
    deadline: Optional[dt.date] = None
    deadline_text: Optional[str] = Field(default=None, max_length=200)


class Evidence(SQLModel, table=True):
    """A file sent as 佐证材料 for one criterion; the file stays on Telegram's servers."""

    __tablename__ = "evidence"
    # the same file may be evidence of several criteria, or of a criterion's self-check and of
    # its rectification: one record each (migration 0016)
    __table_args__ = (UniqueConstraint("assessment_id", "task_no", "criterion", "stage", "file_unique_id", name="uq_evidence_file"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessments.id", index=True)
    task_no: int
    criterion: int
    kind: str = Field(max_length=16)  # document | photo
    file_id: str = Field(max_length=256)
    file_unique_id: str = Field(max_length=128)
    file_name: str = Field(max_length=256)
    size: int = 0
    caption: Optional[str] = Field(default=None, max_length=1024)
    added_by: str = Field(max_length=NAME_LENGTH)
    added_by_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    added_at: dt.datetime = Field(default_factory=_now)
    # selfcheck: evidence for the criterion's answer; rectification: evidence that the
    # criterion's rectification item was done (sent while reporting it, after submission)
    stage: str = Field(default="selfcheck", max_length=16, sa_column_kwargs={"server_default": "selfcheck"})


class ScoringCursor(SQLModel, table=True):
    """Where a user is in the self-scoring conversation: survives any restart."""

    __tablename__ = "scoring_cursors"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    assessment_id: int = Field(foreign_key="assessments.id")
    task_no: int
    criterion: int
    # level: waiting for an answer level; problem/measure/leader/unit/person/deadline: waiting
    # for that part of the rectification item; paused: not in the conversation; away: the
    # user's next typed text belongs to coordination (coordinator_pending). See Step.
    step: str = Field(max_length=16)
    updated_at: dt.datetime = Field(default_factory=_now)


class AuditEntry(SQLModel, table=True):
    """Who did what and when, for coordinators' actions and refusals worth keeping."""

    __tablename__ = "audit_log"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=_now, index=True)
    actor_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    actor: str = Field(max_length=NAME_LENGTH)
    action: str = Field(max_length=64)
    detail: str = Field(default="", max_length=2000)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids already handled. After a crash Telegram hands back updates whose
    offset was never confirmed; recording the id in the same transaction as the change it
    made means a redelivered update changes nothing twice."""

    __tablename__ = "processed_updates"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: dt.datetime = Field(default_factory=_now, index=True)


# --- Issue: reminders, broadcasts, rectification, calendar ---------------------------------


class PhaseDate(SQLModel, table=True):
    """This round's dates of a phase, set by a coordinator (the notice's dates are the template)."""

    __tablename__ = "phase_dates"

    round: str = Field(primary_key=True, max_length=16)
    phase: str = Field(primary_key=True, max_length=32)
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None
    updated_by: str = Field(max_length=NAME_LENGTH)
    updated_at: dt.datetime = Field(default_factory=_now)


class CampaignRound(SQLModel, table=True):
    """A campaign round: the key its phase dates and assessments are stored under.

    ``version`` goes up with every change of the round's calendar, so each process can
    check with one primary-key read whether the calendar it holds in memory is current.
    The round started last is the current one unless DUCHA_ROUND names another.
    """

    __tablename__ = "campaign_rounds"

    key: str = Field(primary_key=True, max_length=16)
    version: int = 1
    started_at: dt.datetime = Field(default_factory=_now)
    started_by: str = Field(max_length=NAME_LENGTH)


class ReminderDelivery(SQLModel, table=True):
    """One reminder occurrence for one recipient: the outbox row that makes it happen once.

    The row is inserted (queued) once per occurrence and recipient, with a unique key, when the
    reminder falls due; a second process or a restart finds it and plans nothing again. Each
    request claims it (sending) right before it goes out, like a broadcast copy
    (bot/coordination/retry.py): one that could not reach Telegram waits for
    ``next_attempt_at``, no later than ``retry_until``; a crash with the request in flight leaves
    it unknown, never resent. Rows of user 0 are markers (the day's digest, missed reminders)."""

    __tablename__ = "reminder_deliveries"

    key: str = Field(primary_key=True, max_length=160)
    rule: str = Field(max_length=64)
    phase: str = Field(max_length=32)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    unit: str = Field(max_length=64)
    due_at: dt.datetime
    # bot.common.states.ReminderState: queued | sending | sent | failed | unknown | dropped;
    # markers: sent (digest) | missed | expired
    state: str = Field(max_length=16, index=True)
    claimed_at: Optional[dt.datetime] = None  # when the request in flight was claimed (state sending)
    sent_at: Optional[dt.datetime] = None
    error: Optional[str] = Field(default=None, max_length=500)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # requests made (claims)
    # Telegram could not be reached: not before this time again (bot.coordination.retry)
    next_attempt_at: Optional[dt.datetime] = None
    retry_until: Optional[dt.datetime] = None  # the end of the reminder's day (scheduler.plan)
    deferrals: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Broadcast(SQLModel, table=True):
    """A notice a coordinator sends to an audience, now or at a set time."""

    __tablename__ = "broadcasts"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(default="notice", max_length=16)  # notice | nudge
    # Telegram counts 4,096 characters after parsing the HTML; the HTML itself may be longer
    # (checked against BROADCAST_SOURCE_LIMIT where it arrives), so no length on the column.
    text: str = Field(sa_column=Column(Text, nullable=False))
    file_id: Optional[str] = Field(default=None, max_length=256)
    file_name: Optional[str] = Field(default=None, max_length=256)
    audience: str = Field(max_length=1000)
    created_by: str = Field(max_length=NAME_LENGTH)
    created_by_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: dt.datetime = Field(default_factory=_now)
    send_at: dt.datetime
    status: str = Field(default="scheduled", max_length=16)  # scheduled | sending | done
    parent_id: Optional[int] = Field(default=None, foreign_key="broadcasts.id")


class BroadcastRecipient(SQLModel, table=True):
    """One recipient of a broadcast and what became of their copy."""

    __tablename__ = "broadcast_recipients"

    broadcast_id: int = Field(foreign_key="broadcasts.id", primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    unit: str = Field(max_length=64)
    # bot.common.states.RecipientState: queued -> sending (claimed for one request) -> sent |
    # failed | unknown, or back to queued (not delivered: retried); sent | unknown -> acknowledged
    state: str = Field(default="queued", max_length=16, index=True)
    attempts: int = 0  # requests made (claims)
    message_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    error: Optional[str] = Field(default=None, max_length=500)
    sent_at: Optional[dt.datetime] = None
    acked_at: Optional[dt.datetime] = None
    claimed_at: Optional[dt.datetime] = None  # when the request in flight was claimed (state sending)
    # Telegram could not be reached: not before this time again (bot.coordination.outbox)
    next_attempt_at: Optional[dt.datetime] = None
    retry_until: Optional[dt.datetime] = None  # retried no later than this (set when first deferred or resent)
    deferrals: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class RectificationState(SQLModel, table=True):
    """Where a deduction's rectification item stands after the self-assessment."""

    __tablename__ = "rectification_states"

    assessment_id: int = Field(foreign_key="assessments.id", primary_key=True)
    task_no: int = Field(primary_key=True)
    criterion: int = Field(primary_key=True)
    state: str = Field(default="open", max_length=16)  # open | reported | closed | returned
    note: Optional[str] = Field(default=None, max_length=1000)
    comment: Optional[str] = Field(default=None, max_length=1000)
    updated_by: str = Field(max_length=NAME_LENGTH)
    updated_at: dt.datetime = Field(default_factory=_now)


class CoordinatorPending(SQLModel, table=True):
    """Typed text a coordination step waits for from one user: a unit's note that an item is
    rectified (rect_note), a coordinator's comment returning an item (item_comment) or sending
    an assessment back (asm_comment). One row per user, deleted once the text arrives."""

    __tablename__ = "coordinator_pending"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=16)  # PendingKind
    assessment_id: Optional[int] = Field(default=None, foreign_key="assessments.id")
    task_no: int = 0
    criterion: int = 0
    # an item that is not the self-check's own (rectification_items, e.g. 督察反馈) instead
    item_id: Optional[int] = Field(default=None, foreign_key="rectification_items.id")
    created_at: dt.datetime = Field(default_factory=_now)


# --- Field inspection (实地督察): groups, their units, inspections, findings -------------------


class InspectionGroup(SQLModel, table=True):
    """A 督察组 of one round. Its members are people bound with role ``inspector`` whose
    ``unit`` is the group's name (they join by the usual invite, made for the group)."""

    __tablename__ = "inspection_groups"
    __table_args__ = (UniqueConstraint("round", "name", name="uq_inspection_group_round_name"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    round: str = Field(max_length=16)
    name: str = Field(max_length=64)
    created_by: str = Field(max_length=NAME_LENGTH)
    created_at: dt.datetime = Field(default_factory=_now)


class InspectionAssignment(SQLModel, table=True):
    """A unit assigned to a group for this round: at most one group per unit and round."""

    __tablename__ = "inspection_assignments"
    __table_args__ = (UniqueConstraint("round", "unit", name="uq_inspection_assignment_round_unit"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    round: str = Field(max_length=16)
    unit: str = Field(max_length=64)
    group_id: int = Field(foreign_key="inspection_groups.id", index=True)
    assigned_by: str = Field(max_length=NAME_LENGTH)
    assigned_at: dt.datetime = Field(default_factory=_now)


class Inspection(SQLModel, table=True):
    """A group's on-site scoring of one unit's table in one round (beside its self-assessment)."""

    __tablename__ = "inspections"
    __table_args__ = (UniqueConstraint("unit", "table_key", "round", name="uq_inspection_unit_table_round"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    unit: str = Field(max_length=64, index=True)
    table_key: str = Field(max_length=16)
    round: str = Field(max_length=16)
    group_id: Optional[int] = Field(default=None, foreign_key="inspection_groups.id")
    rubric_version: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16)  # open | submitted | released
    submitted_by: Optional[str] = Field(default=None, max_length=NAME_LENGTH)
    submitted_at: Optional[dt.datetime] = None
    released_by: Optional[str] = Field(default=None, max_length=NAME_LENGTH)
    released_at: Optional[dt.datetime] = None
    created_at: dt.datetime = Field(default_factory=_now)


class InspectionAnswer(SQLModel, table=True):
    """The inspectors' level for one criterion, with the finding (问题) and recommendation
    (整改意见) when below full points."""

    __tablename__ = "inspection_answers"
    __table_args__ = (UniqueConstraint("inspection_id", "task_no", "criterion", name="uq_inspection_answer_criterion"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspections.id", index=True)
    task_no: int
    criterion: int
    level: int
    points: float
    fingerprint: str = Field(max_length=16)
    revision: int = 1  # bumped on every change: a button drawn before a colleague's change is stale
    answered_by: str = Field(max_length=NAME_LENGTH)
    answered_by_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    answered_at: dt.datetime = Field(default_factory=_now)
    finding: Optional[str] = Field(default=None, max_length=2000)
    recommendation: Optional[str] = Field(default=None, max_length=2000)


class InspectionEvidence(SQLModel, table=True):
    """A photo or document an inspector sent on a criterion (kept on Telegram's servers)."""

    __tablename__ = "inspection_evidence"
    __table_args__ = (UniqueConstraint("inspection_id", "file_unique_id", name="uq_inspection_evidence_file"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspections.id", index=True)
    task_no: int
    criterion: int
    kind: str = Field(max_length=16)  # document | photo
    file_id: str = Field(max_length=256)
    file_unique_id: str = Field(max_length=128)
    file_name: str = Field(max_length=256)
    size: int = 0
    caption: Optional[str] = Field(default=None, max_length=1024)
    added_by: str = Field(max_length=NAME_LENGTH)
    added_by_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    added_at: dt.datetime = Field(default_factory=_now)


class InspectionCursor(SQLModel, table=True):
    """Where an inspector is in the inspection conversation: survives any restart."""

    __tablename__ = "inspection_cursors"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    inspection_id: int = Field(foreign_key="inspections.id")
    task_no: int
    criterion: int
    step: str = Field(max_length=16)  # level | finding | recommendation | paused
    updated_at: dt.datetime = Field(default_factory=_now)


class RectificationItem(SQLModel, table=True):
    """A rectification item that does not come from the unit's own self-check answers:
    today the inspection groups' findings once released (source ``inspection``, 督察反馈).
    It runs through the same loop (open → reported → closed, or returned) as the
    self-check's items, whose state lives in ``rectification_states``."""

    __tablename__ = "rectification_items"
    __table_args__ = (UniqueConstraint("inspection_id", "task_no", "criterion", name="uq_rectification_item_finding"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    round: str = Field(max_length=16)
    unit: str = Field(max_length=64, index=True)
    table_key: str = Field(max_length=16)
    source: str = Field(default="inspection", max_length=16)
    inspection_id: Optional[int] = Field(default=None, foreign_key="inspections.id")
    task_no: int
    criterion: int
    problem: str = Field(max_length=2000)
    measure: Optional[str] = Field(default=None, max_length=2000)
    deadline: Optional[dt.date] = None
    state: str = Field(default="open", max_length=16)  # open | reported | closed | returned
    note: Optional[str] = Field(default=None, max_length=1000)
    comment: Optional[str] = Field(default=None, max_length=1000)
    created_by: str = Field(max_length=NAME_LENGTH)
    created_at: dt.datetime = Field(default_factory=_now)
    updated_by: str = Field(max_length=NAME_LENGTH)
    updated_at: dt.datetime = Field(default_factory=_now)


class RectificationReport(SQLModel, table=True):
    """A unit's 整改报告 for one table, submitted in the rectification phase."""

    __tablename__ = "rectification_reports"
    __table_args__ = (UniqueConstraint("unit", "table_key", "round", name="uq_rectification_report"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    unit: str = Field(max_length=64)
    table_key: str = Field(max_length=16)
    round: str = Field(max_length=16)
    submitted_by: str = Field(max_length=NAME_LENGTH)
    submitted_at: dt.datetime


class InstanceLease(SQLModel, table=True):
    """Which process runs the bot for a token: one at a time, renewed while it runs.

    A second `ducha run` finds the lease held and unexpired and refuses to start; a lease not
    renewed for its lifetime (the holder was killed) is taken over."""

    __tablename__ = "instance_leases"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=200)  # host:pid:random
    host: str = Field(max_length=128)
    pid: int
    acquired_at: dt.datetime
    expires_at: dt.datetime


class AskedQuestion(SQLModel, table=True):
    """A question kept to learn from (bot/learning): refused, answered with little to go on,
    or marked 没帮助; for a week also any answer that offered 有帮助/没帮助. Never who asked:
    the text, the time and the asker's role only."""

    __tablename__ = "asked_questions"

    id: Optional[int] = Field(default=None, primary_key=True)
    text: str = Field(max_length=300)
    asked_at: dt.datetime = Field(default_factory=_now, index=True)
    role: Optional[str] = Field(default=None, max_length=16)  # the asker's role; None when unbound
    status: str = Field(max_length=16, index=True)  # refused | low | answered | helpful | unhelpful
    intent: str = Field(max_length=24)
    topic: Optional[str] = Field(default=None, max_length=64)
