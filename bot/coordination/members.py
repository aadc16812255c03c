"""Who is bound where, and the invites that bind them: listed, moved, removed and revoked by
coordinators (in the chat with /members, at the terminal with `ducha members` and
`ducha invite list|revoke`). Every change is audited; a removed user is unbound at once, so
every command and button that reads the binding refuses them from then on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, select

from bot.common import texts
from bot.common.errors import Refusal
from bot.common.reply import Outcome, User
from bot.common.states import Role
from bot.coordination.context import CoordinationContext
from bot.storage.db import upsert
from bot.storage.models import Invite, MemberRemoval, Person, ScoringCursor

UNIT_ROLES = (Role.party, Role.government, Role.department)


class MemberError(ValueError):
    """A change that cannot be made; the message is Chinese, for the coordinator."""


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    unit: str
    role: str
    active: bool
    bound_at: dt.datetime


@dataclass(frozen=True)
class InviteRow:
    code: str
    unit: str
    role: str
    uses: int
    max_uses: int
    expires_at: dt.datetime | None
    revoked: bool
    created_by: str

    def state(self, now: dt.datetime) -> str:
        if self.revoked:
            return texts.INVITE_STATE_REVOKED
        if self.uses >= self.max_uses:
            return texts.INVITE_STATE_USED_UP
        if self.expires_at is not None and _aware(self.expires_at) <= now:
            return texts.INVITE_STATE_EXPIRED
        return texts.INVITE_STATE_OPEN


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


class Members:
    def __init__(self, ctx: CoordinationContext) -> None:
        self.ctx = ctx

    # --- reading -----------------------------------------------------------------------

    def members(self, s: Session, unit: str | None = None) -> list[Member]:
        query = select(Person).order_by(Person.unit, Person.role, Person.user_id)
        if unit:
            query = query.where(Person.unit == unit)
        return [Member(p.user_id, p.name, p.unit, p.role, p.active, p.bound_at) for p in s.exec(query).all()]

    def invites(self, s: Session, open_only: bool = False) -> list[InviteRow]:
        now = self.ctx.clock()
        rows = [
            InviteRow(i.code, i.unit, i.role, i.uses, i.max_uses, i.expires_at, i.revoked, i.created_by)
            for i in s.exec(select(Invite).order_by(Invite.created_at.desc())).all()  # type: ignore[attr-defined]
        ]
        return [r for r in rows if r.state(now) == texts.INVITE_STATE_OPEN] if open_only else rows

    # --- changes (each audited) ----------------------------------------------------------

    def remove(self, s: Session, actor_id: int | None, actor: str, user_id: int) -> Member:
        person = s.get(Person, user_id)
        if person is None:
            raise MemberError(texts.MEMBER_UNKNOWN.format(id=user_id))
        if user_id in self.ctx.sc.admin_ids:
            raise MemberError(texts.MEMBER_IS_ADMIN.format(id=user_id))
        gone = Member(person.user_id, person.name, person.unit, person.role, person.active, person.bound_at)
        s.exec(delete(ScoringCursor).where(ScoringCursor.user_id == user_id))  # type: ignore[call-overload]
        s.delete(person)
        # an invite made before now does not bind them again (bot/scoring/membership.py)
        upsert(s, MemberRemoval, {"user_id": user_id}, removed_at=self.ctx.clock(), removed_by=actor)
        self.ctx.audit(s, actor_id, actor, "member.remove", f"{user_id} {gone.name} {gone.unit} {gone.role}")
        return gone

    def move(self, s: Session, actor_id: int | None, actor: str, user_id: int, unit: str, role: str | None = None) -> Member:
        person = s.get(Person, user_id)
        if person is None:
            raise MemberError(texts.MEMBER_UNKNOWN.format(id=user_id))
        known = {u.name for u in self.ctx.rubric.units}
        if unit not in known:
            raise MemberError(texts.MEMBER_BAD_UNIT.format(unit=unit, known="、".join(u.name for u in self.ctx.rubric.units)))
        new_role = role or person.role
        if new_role not in UNIT_ROLES:
            raise MemberError(texts.MEMBER_BAD_ROLE.format(role=new_role))
        before = f"{person.unit} {person.role}"
        person.unit, person.role, person.active, person.role_source = unit, new_role, True, "invite"
        if new_role != Role.department:
            person.table_key = None
        s.add(person)
        # The old unit's question is no longer theirs to answer.
        s.exec(delete(ScoringCursor).where(ScoringCursor.user_id == user_id))  # type: ignore[call-overload]
        self.ctx.audit(s, actor_id, actor, "member.move", f"{user_id} {person.name}: {before} -> {unit} {new_role}")
        return Member(person.user_id, person.name, person.unit, person.role, person.active, person.bound_at)

    def revoke(self, s: Session, actor_id: int | None, actor: str, code: str) -> InviteRow:
        invite = s.get(Invite, code.strip())
        if invite is None:
            raise MemberError(texts.INVITE_NOT_FOUND.format(code=code))
        invite.revoked = True
        s.add(invite)
        self.ctx.audit(s, actor_id, actor, "invite.revoke", f"{invite.code} {invite.unit} {invite.role}")
        return InviteRow(invite.code, invite.unit, invite.role, invite.uses, invite.max_uses, invite.expires_at, True, invite.created_by)

    # --- /members in the chat ------------------------------------------------------------

    def command(self, s: Session, user: User, args: str) -> Outcome:
        """`/members [单位]`, `/members remove 用户ID`, `/members move 用户ID 单位 [角色]`,
        `/members invites`, `/members revoke 邀请码`."""
        self.ctx.coordinator(s, user, "/members")
        parts = args.split()
        verb = parts[0] if parts else ""
        try:
            if verb in ("remove", "移除", "删除") and len(parts) == 2 and parts[1].lstrip("-").isdigit():
                gone = self.remove(s, user.id, user.name, int(parts[1]))
                return Outcome().say(texts.MEMBER_REMOVED.format(name=gone.name, id=gone.user_id, unit=gone.unit))
            if verb in ("move", "调整", "移动") and len(parts) in (3, 4) and parts[1].lstrip("-").isdigit():
                role = _role(parts[3]) if len(parts) == 4 else None
                moved = self.move(s, user.id, user.name, int(parts[1]), parts[2], role)
                return Outcome().say(
                    texts.MEMBER_MOVED.format(name=moved.name, unit=moved.unit, role=texts.ROLE_LABEL.get(moved.role, moved.role))
                )
            if verb in ("revoke", "作废") and len(parts) == 2:
                row = self.revoke(s, user.id, user.name, parts[1])
                return Outcome().say(texts.INVITE_REVOKED.format(code=row.code, unit=row.unit))
            if verb in ("invites", "邀请码") and len(parts) == 1:
                return Outcome().say(self.invites_text(s))
        except MemberError as exc:
            raise Refusal(str(exc), f"/members {args!r}: {exc}", slip=True) from None
        if verb and verb not in {u.name for u in self.ctx.rubric.units} | {texts.COORDINATOR_UNIT}:
            return Outcome().say(texts.MEMBERS_USAGE)
        return Outcome().say(self.members_text(s, verb or None)).say(texts.MEMBERS_USAGE)

    def members_text(self, s: Session, unit: str | None = None) -> str:
        members = self.members(s, unit)
        if not members:
            return texts.MEMBERS_NONE
        lines = [texts.MEMBERS_TITLE.format(count=len(members))]
        current = None
        for m in members:
            if m.unit != current:
                current = m.unit
                lines.append(texts.MEMBERS_UNIT.format(unit=m.unit))
            state = "" if m.active else texts.MEMBER_INACTIVE
            lines.append(
                texts.MEMBERS_LINE.format(
                    name=m.name, id=m.user_id, role=texts.ROLE_LABEL.get(m.role, m.role), since=self.ctx.local(m.bound_at), state=state
                )
            )
        return "\n".join(lines)

    def invites_text(self, s: Session) -> str:
        now = self.ctx.clock()
        rows = self.invites(s)
        if not rows:
            return texts.INVITES_NONE
        lines = [texts.INVITES_TITLE.format(count=len(rows))]
        for r in rows[:50]:
            until = self.ctx.local(_aware(r.expires_at)) if r.expires_at else texts.INVITE_NO_EXPIRY
            lines.append(
                texts.INVITES_LINE.format(
                    code=r.code, unit=r.unit, role=texts.ROLE_LABEL.get(r.role, r.role), uses=r.uses, max=r.max_uses,
                    until=until, state=r.state(now),
                )
            )
        return "\n".join(lines)


_ROLE_WORDS = {"党委": Role.party, "party": Role.party, "政府": Role.government, "government": Role.government, "部门": Role.department, "department": Role.department}


def _role(word: str) -> str:
    role = _ROLE_WORDS.get(word.lower().rstrip("表"))
    if role is None:
        raise MemberError(texts.MEMBER_BAD_ROLE.format(role=word))
    return role
