"""Who belongs where: invites, binding a Telegram user to a unit and role, coordinators.

Authorisation everywhere reads the user's binding (never what a button claims). Users listed
in DUCHA_ADMIN_IDS are coordinators from the start, for as long as they are listed: a role
that came only from DUCHA_ADMIN_IDS (``role_source``) counts for nothing once the id is gone
from it (``withdrawn``), and is deleted at start (``drop_withdrawn``). A coordinator made by an
invite stays. A user who blocked the bot is inactive until they send /start again
(``reactivate``); a removed user's row is gone, and an invite made before the removal does not
bind them again. Wrong invite codes are counted from the audit log: ten in a minute, and the
next attempts are asked to wait without the code being looked at.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import AssessmentOp
from bot.common.errors import Refusal
from bot.common.reply import Button, Outcome, User
from bot.common.states import Role
from bot.scoring.context import ScoringContext
from bot.storage.models import AuditEntry, CoordinatorPending, Invite, MemberRemoval, Person, ScoringCursor
from bot.storage.prepared import Prepared

ROLES = tuple(r.value for r in Role)
WRONG_INVITE = "wrong invite code"  # how the audit log names a code that did not bind
WRONG_INVITES_PER_MINUTE = 10
FROM_ADMIN_IDS = "admin_ids"  # people.role_source of a role DUCHA_ADMIN_IDS gave


class InviteError(Exception):
    pass


@dataclass(frozen=True)
class Binding:
    """A person's binding as read on the hot path (a plain row, not an ORM object)."""

    user_id: int
    name: str
    unit: str
    role: str
    table_key: str | None
    active: bool
    role_source: str = "invite"


def table_of(person: Binding | Person) -> str | None:
    """The table a user scores: their role's for party and government, a department's chosen
    reference table (None until it picks one)."""
    return person.role if person.role in (Role.party, Role.government) else person.table_key


_BINDING = Prepared(
    select(Person.user_id, Person.name, Person.unit, Person.role, Person.table_key, Person.active, Person.role_source).where(
        Person.user_id == bindparam("user_id")
    )
)


def withdrawn(person: Binding | Person, admin_ids: frozenset[int]) -> bool:
    """A role DUCHA_ADMIN_IDS gave to an id no longer listed there: it counts for nothing."""
    return person.role == Role.coordinator and person.role_source == FROM_ADMIN_IDS and person.user_id not in admin_ids


def active_coordinator_ids(s: Session, admin_ids: frozenset[int]) -> list[int]:
    """Every active coordinator's user id, the listed admins included, the withdrawn left out."""
    rows = s.exec(
        select(Person.user_id, Person.role_source).where(Person.role == Role.coordinator, Person.active == True)  # noqa: E712
    ).all()
    ids = {uid for uid, source in rows if source != FROM_ADMIN_IDS or uid in admin_ids}
    return sorted(ids | set(admin_ids))


class Membership:
    def __init__(self, ctx: ScoringContext) -> None:
        self.ctx = ctx

    def person(self, s: Session, user: User) -> Person | None:
        """The user's binding; users listed in DUCHA_ADMIN_IDS are coordinators from the start,
        and only while they are listed (a withdrawn grant is no binding)."""
        person = s.get(Person, user.id)
        if user.id in self.ctx.admin_ids and (person is None or person.role != Role.coordinator):
            person = person or Person(user_id=user.id, name=user.name, unit=texts.COORDINATOR_UNIT, role=Role.coordinator)
            person.role, person.unit, person.active = Role.coordinator, texts.COORDINATOR_UNIT, True
            person.role_source = FROM_ADMIN_IDS
            person.bound_at = self.ctx.clock()
            s.add(person)
            s.flush()
        if person is not None and withdrawn(person, self.ctx.admin_ids):
            return None
        return person

    def binding(self, s: Session, user: User) -> Binding | None:
        """The user's binding as a plain row (the hot path's read); None for a withdrawn grant."""
        if user.id in self.ctx.admin_ids:
            self.person(s, user)  # makes sure the admin is a coordinator
        row = _BINDING.first(s, user_id=user.id)
        if row is None:
            return None
        found = Binding(*row)
        return None if withdrawn(found, self.ctx.admin_ids) else found

    def drop_withdrawn(self, s: Session) -> list[int]:
        """At start: delete the coordinators DUCHA_ADMIN_IDS made whose ids it no longer lists
        (with their place in any conversation), each audited. Returns their ids."""
        gone = [
            p for p in s.exec(select(Person).where(Person.role == Role.coordinator, Person.role_source == FROM_ADMIN_IDS)).all()
            if p.user_id not in self.ctx.admin_ids
        ]
        now = self.ctx.clock()
        for person in gone:
            s.exec(delete(ScoringCursor).where(ScoringCursor.user_id == person.user_id))  # type: ignore[call-overload]
            s.exec(delete(CoordinatorPending).where(CoordinatorPending.user_id == person.user_id))  # type: ignore[call-overload]
            s.delete(person)
            s.add(AuditEntry(at=now, actor=texts.ADMIN_IDS_ACTOR, action="admin.withdrawn", detail=f"{person.user_id} {person.name}"))
        return [p.user_id for p in gone]

    def reactivate(self, s: Session, user: User) -> str | None:
        """/start from a user who had blocked the bot (inactive): Telegram delivered it, so they
        have unblocked it; they are active again. Returns what to tell them; None when there
        was nothing to reactivate (a removed user has no row, and stays out)."""
        person = self.person(s, user)
        if person is None or person.active:
            return None
        person.active = True
        s.add(person)
        s.add(AuditEntry(at=self.ctx.clock(), actor_id=user.id, actor=user.name, action="member.reactivate", detail=f"{person.unit} {person.role}"))
        return texts.REACTIVATED.format(unit=person.unit, role=texts.ROLE_LABEL.get(person.role, person.role))

    def table_hint(self, s: Session, user: User) -> str | None:
        """The table a user's role implies, for answering questions that name none."""
        person = s.get(Person, user.id)
        return None if person is None else table_of(person)

    def coordinators(self, s: Session) -> list[int]:
        """Every active coordinator's user id, the admins included."""
        return active_coordinator_ids(s, self.ctx.admin_ids)

    def unit_users(self, s: Session, unit: str) -> list[int]:
        """Every active user of ``unit``."""
        return list(s.exec(select(Person.user_id).where(Person.unit == unit, Person.active == True)).all())  # noqa: E712

    def create_invite(
        self, s: Session, unit: str, role: str, uses: int = 1, expires: dt.timedelta | None = None, created_by: str = "cli"
    ) -> Invite:
        """A new invite code for ``unit`` and ``role``; the unit must be one the data knows."""
        if role not in ROLES:
            raise InviteError(texts.INVITE_BAD_ROLE.format(role=role, roles="、".join(f"{r}（{texts.ROLE_LABEL.get(r, r)}）" for r in ROLES)))
        if role == Role.inspector:
            raise InviteError(texts.INVITE_INSPECTOR_GROUP)
        known = [u.name for u in self.ctx.rubric.units] + [texts.COORDINATOR_UNIT]
        if unit not in known:
            raise InviteError(unknown_unit(unit, known))
        if role == Role.coordinator and unit != texts.COORDINATOR_UNIT:
            raise InviteError(texts.INVITE_COORDINATOR_UNIT.format(unit=texts.COORDINATOR_UNIT))
        if uses < 1:
            raise InviteError(texts.INVITE_BAD_USES)
        now = self.ctx.clock()
        invite = Invite(
            code=secrets.token_urlsafe(9),
            unit=unit,
            role=str(role),
            max_uses=uses,
            expires_at=now + expires if expires else None,
            created_by=created_by,
            created_at=now,
        )
        s.add(invite)
        s.add(AuditEntry(at=now, actor=created_by, action="invite.create", detail=f"{unit} {role} uses={uses}"))
        return invite

    def bind(self, s: Session, user: User, code: str) -> Outcome:
        """`/start CODE`: join the invite's unit with its role."""
        person = self.person(s, user)
        if person is not None and person.role == Role.coordinator:
            return Outcome().say(texts.BOUND_COORDINATOR)
        now = self.ctx.clock()
        if self._too_many_wrong(s, user, now):  # the code is not even looked at
            raise Refusal(texts.INVITE_TOO_MANY, f"invite attempts from {user.id} held: {WRONG_INVITES_PER_MINUTE} wrong in a minute", slip=True)
        invite = s.get(Invite, code.strip()[:32]) if code.strip() else None
        if invite is None or invite.revoked:
            raise Refusal(texts.INVITE_UNKNOWN, f"{WRONG_INVITE}: unknown or revoked code from {user.id}")
        if person is not None and person.active:
            if (person.unit, person.role) == (invite.unit, invite.role):
                return Outcome().say(texts.ALREADY_BOUND.format(unit=person.unit, role=texts.ROLE_LABEL[person.role]))
            raise Refusal(
                texts.ALREADY_BOUND.format(unit=person.unit, role=texts.ROLE_LABEL[person.role]),
                f"user {user.id} already bound to {person.unit} tried invite {invite.code} of {invite.unit}",
            )
        removed = s.get(MemberRemoval, user.id)
        if removed is not None and _aware(removed.removed_at) >= _aware(invite.created_at):
            raise Refusal(texts.INVITE_BEFORE_REMOVAL, f"removed user {user.id} tried invite {invite.code} made before the removal")
        if invite.expires_at is not None and invite.expires_at <= now:
            raise Refusal(texts.INVITE_EXPIRED, f"{WRONG_INVITE}: expired {invite.code} from {user.id}")
        # Count the use atomically: two people racing for the last use cannot both get it.
        used = s.exec(  # type: ignore[call-overload]
            update(Invite)
            .where(Invite.code == invite.code, Invite.uses < Invite.max_uses)
            .values(uses=Invite.uses + 1)
        )
        if used.rowcount != 1:
            raise Refusal(texts.INVITE_USED_UP, f"{WRONG_INVITE}: used-up {invite.code} from {user.id}")
        # (a withdrawn DUCHA_ADMIN_IDS grant is no binding, but its row is reused)
        person = person or s.get(Person, user.id) or Person(user_id=user.id, name=user.name, unit=invite.unit, role=invite.role)
        person.name, person.unit, person.role, person.active = user.name, invite.unit, invite.role, True
        person.bound_at, person.invite_code = now, invite.code
        person.role_source = "invite"
        s.add(person)
        if removed is not None:
            s.delete(removed)
        s.add(AuditEntry(at=now, actor_id=user.id, actor=user.name, action="invite.use", detail=f"{invite.code} {invite.unit} {invite.role}"))
        if invite.role == Role.coordinator:
            return Outcome().say(texts.BOUND_COORDINATOR)
        if invite.role == Role.inspector:  # an invite made for an inspection group (bot/inspection)
            return Outcome().say(texts.BOUND_INSPECTOR.format(group=invite.unit))
        return Outcome().say(
            texts.BOUND.format(unit=invite.unit, role=texts.ROLE_LABEL[invite.role]),
            [[Button("开始自评", AssessmentOp(0, "score"))]],
        )


    def _too_many_wrong(self, s: Session, user: User, now: dt.datetime) -> bool:
        """Ten wrong invite codes from this user within the last minute (the audit log's)."""
        wrong = s.exec(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.actor_id == user.id,
                AuditEntry.action == "refused",
                AuditEntry.detail.startswith(WRONG_INVITE),  # type: ignore[attr-defined]
                AuditEntry.at > now - dt.timedelta(minutes=1),
            )
        ).one()
        return wrong >= WRONG_INVITES_PER_MINUTE


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def unknown_unit(unit: str, known: list[str]) -> str:
    """Why ``unit`` is refused, naming the unit most likely meant (华龙区委 → 华龙区)."""
    import difflib

    close = [k for k in known if k and (k in unit or unit in k)] or difflib.get_close_matches(unit, known, n=1, cutoff=0.5)
    hint = texts.INVITE_UNIT_MEANT.format(unit=close[0]) if close else ""
    return texts.INVITE_UNKNOWN_UNIT.format(unit=unit, hint=hint, known="、".join(known))


def parse_duration(text: str) -> dt.timedelta:
    """'7d', '12h', '30m' or '2w' for `ducha invite create --expires`."""
    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise ValueError(texts.INVITE_BAD_DURATION.format(text=text))
    return dt.timedelta(seconds=int(text[:-1]) * units[text[-1]])
