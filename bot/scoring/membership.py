"""Who belongs where: invites, binding a Telegram user to a unit and role, coordinators.

Authorisation everywhere reads the user's binding (never what a button claims). Users listed
in DUCHA_ADMIN_IDS are coordinators from the start.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.callbacks import AssessmentOp
from bot.common.errors import Refusal
from bot.common.reply import Button, Outcome, User
from bot.common.states import Role
from bot.scoring.context import ScoringContext
from bot.storage.models import AuditEntry, Invite, Person
from bot.storage.prepared import Prepared

ROLES = tuple(r.value for r in Role)
WRONG_INVITE = "wrong invite code"  # how the audit log names a code that did not bind


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


def table_of(person: Binding | Person) -> str | None:
    """The table a user scores: their role's for party and government, a department's chosen
    reference table (None until it picks one)."""
    return person.role if person.role in (Role.party, Role.government) else person.table_key


_BINDING = Prepared(
    select(Person.user_id, Person.name, Person.unit, Person.role, Person.table_key, Person.active).where(Person.user_id == bindparam("user_id"))
)


class Membership:
    def __init__(self, ctx: ScoringContext) -> None:
        self.ctx = ctx

    def person(self, s: Session, user: User) -> Person | None:
        """The user's binding; users listed in DUCHA_ADMIN_IDS are coordinators from the start."""
        person = s.get(Person, user.id)
        if user.id in self.ctx.admin_ids and (person is None or person.role != Role.coordinator):
            person = person or Person(user_id=user.id, name=user.name, unit=texts.COORDINATOR_UNIT, role=Role.coordinator)
            person.role, person.unit, person.active = Role.coordinator, texts.COORDINATOR_UNIT, True
            person.bound_at = self.ctx.clock()
            s.add(person)
            s.flush()
        return person

    def binding(self, s: Session, user: User) -> Binding | None:
        """The user's binding as a plain row (the hot path's read)."""
        if user.id in self.ctx.admin_ids:
            self.person(s, user)  # makes sure the admin is a coordinator
        row = _BINDING.first(s, user_id=user.id)
        return Binding(*row) if row else None

    def table_hint(self, s: Session, user: User) -> str | None:
        """The table a user's role implies, for answering questions that name none."""
        person = s.get(Person, user.id)
        return None if person is None else table_of(person)

    def coordinators(self, s: Session) -> list[int]:
        """Every active coordinator's user id, the admins included."""
        ids = set(s.exec(select(Person.user_id).where(Person.role == Role.coordinator, Person.active == True)).all())  # noqa: E712
        return sorted(ids | set(self.ctx.admin_ids))

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
        invite = s.get(Invite, code.strip()[:32]) if code.strip() else None
        now = self.ctx.clock()
        if invite is None or invite.revoked:
            raise Refusal(texts.INVITE_UNKNOWN, f"{WRONG_INVITE}: unknown or revoked code from {user.id}")
        if person is not None and person.active:
            if (person.unit, person.role) == (invite.unit, invite.role):
                return Outcome().say(texts.ALREADY_BOUND.format(unit=person.unit, role=texts.ROLE_LABEL[person.role]))
            raise Refusal(
                texts.ALREADY_BOUND.format(unit=person.unit, role=texts.ROLE_LABEL[person.role]),
                f"user {user.id} already bound to {person.unit} tried invite {invite.code} of {invite.unit}",
            )
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
        person = person or Person(user_id=user.id, name=user.name, unit=invite.unit, role=invite.role)
        person.name, person.unit, person.role, person.active = user.name, invite.unit, invite.role, True
        person.bound_at, person.invite_code = now, invite.code
        s.add(person)
        s.add(AuditEntry(at=now, actor_id=user.id, actor=user.name, action="invite.use", detail=f"{invite.code} {invite.unit} {invite.role}"))
        if invite.role == Role.coordinator:
            return Outcome().say(texts.BOUND_COORDINATOR)
        if invite.role == Role.inspector:  # an invite made for an inspection group (bot/inspection)
            return Outcome().say(texts.BOUND_INSPECTOR.format(group=invite.unit))
        return Outcome().say(
            texts.BOUND.format(unit=invite.unit, role=texts.ROLE_LABEL[invite.role]),
            [[Button("开始自评", AssessmentOp(0, "score"))]],
        )


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
