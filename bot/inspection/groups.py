"""Inspection groups (督察组): create, assign and unassign units, list, and invite members.

Coordinators do this in the chat (/groups) and operators on the command line (``ducha
group …``; ``actor`` None). One unit has at most one group per round (a unique key, so two
coordinators racing cannot both assign it). Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlmodel import Session, select

from bot.common import texts as common_texts
from bot.common.callbacks import InspectOp
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.common.states import Role
from bot.inspection import records, texts
from bot.inspection.access import Access
from bot.inspection.context import Context
from bot.storage.db import insert_new
from bot.storage.models import (
    AuditEntry,
    Inspection,
    InspectionAnswer,
    InspectionAssignment,
    InspectionGroup,
    Invite,
)

CLI_ACTOR = "命令行"
COORDINATOR_UNIT = common_texts.COORDINATOR_UNIT  # coordinators' binding: never a group's name
_SPLIT = re.compile(r"[,，、;；\s]+")


def split_units(text: str) -> list[str]:
    return [u for u in _SPLIT.split(text.strip()) if u]


class GroupAdmin:
    def __init__(self, ctx: Context, access: Access) -> None:
        self.ctx = ctx
        self.access = access

    # --- changes ---------------------------------------------------------------------------

    def create(self, s: Session, actor: User | None, name: str, units: list[str]) -> Outcome:
        """A new group of this round, with its first units (may be none)."""
        self.access.coordinator(s, actor, "group create")
        name = name.strip()
        known = {u.name for u in self.ctx.rubric.units}
        if not 2 <= len(name) <= 20 or name in known or name in (texts.ROLE_INSPECTOR, COORDINATOR_UNIT):
            raise Refusal(texts.GROUP_BAD_NAME, f"bad group name {name!r}", slip=True)
        self._check_units(units)
        self._check_free(s, units, None)
        # INSERT … ON CONFLICT DO NOTHING: of two coordinators naming a group at once, one wins
        # (and no savepoint, which SQLite's driver would commit early).
        made = insert_new(
            s, InspectionGroup, round=self.ctx.round, name=name, created_by=_who(actor), created_at=self.ctx.clock()
        )
        if not made:
            raise Refusal(texts.GROUP_EXISTS.format(name=name), f"group {name} exists", slip=True)
        self._audit(s, actor, "group.create", f"{self.ctx.round} {name}")
        out = Outcome().say(texts.GROUP_CREATED.format(name=name))
        if units:
            out.replies += self.assign(s, actor, name, units).replies
        return out

    def assign(self, s: Session, actor: User | None, name: str, units: list[str]) -> Outcome:
        self.access.coordinator(s, actor, "group assign")
        group = self._group(s, name)
        self._check_units(units)
        if not units:
            return Outcome().say(texts.GROUPS_USAGE)
        self._check_free(s, units, group.id)
        added = []
        for unit in units:
            if records.assignment_of(s, self.ctx.round, unit) is not None:
                continue  # already this group's
            # The unique (round, unit) key decides a race between two coordinators.
            if not insert_new(
                s, InspectionAssignment, round=self.ctx.round, unit=unit, group_id=group.id or 0,
                assigned_by=_who(actor), assigned_at=self.ctx.clock(),
            ):
                raise Refusal(texts.UNIT_TAKEN.format(unit=unit, other="其他督察组"), f"{unit} assigned concurrently", slip=True)
            # An inspection begun under another group follows the unit to its new group.
            for insp in s.exec(select(Inspection).where(Inspection.round == self.ctx.round, Inspection.unit == unit)).all():
                insp.group_id = group.id
                s.add(insp)
            added.append(unit)
        if added:
            self._audit(s, actor, "group.assign", f"{self.ctx.round} {group.name}: {'、'.join(added)}")
        return Outcome().say(texts.UNITS_ASSIGNED.format(units="、".join(units), name=group.name))

    def unassign(self, s: Session, actor: User | None, name: str, units: list[str]) -> Outcome:
        self.access.coordinator(s, actor, "group unassign")
        group = self._group(s, name)
        if not units:
            return Outcome().say(texts.GROUPS_USAGE)
        rows = []
        for unit in units:
            a = records.assignment_of(s, self.ctx.round, unit)
            if a is None or a.group_id != group.id:
                raise Refusal(texts.UNIT_NOT_ASSIGNED.format(unit=unit, name=group.name), f"{unit} not in {group.name}", slip=True)
            begun = s.exec(
                select(InspectionAnswer.id)
                .join(Inspection, Inspection.id == InspectionAnswer.inspection_id)
                .where(Inspection.round == self.ctx.round, Inspection.unit == unit)
            ).first()
            if begun is not None:
                raise Refusal(texts.UNIT_HAS_INSPECTION.format(unit=unit), f"{unit} has inspection answers", slip=True)
            rows.append(a)
        for a in rows:
            s.delete(a)
        self._audit(s, actor, "group.unassign", f"{self.ctx.round} {group.name}: {'、'.join(units)}")
        return Outcome().say(texts.UNITS_UNASSIGNED.format(name=group.name, units="、".join(units)))

    def invite(
        self, s: Session, actor: User | None, name: str, uses: int = 10, expires: dt.timedelta | None = dt.timedelta(days=14)
    ) -> Invite:
        """An invite code that binds whoever uses it as a member (role inspector) of the group."""
        self.access.coordinator(s, actor, "group invite")
        group = self._group(s, name)
        if uses < 1:
            raise Refusal("邀请码的可用次数至少为1。", "uses < 1", slip=True)
        now = self.ctx.clock()
        invite = Invite(
            code=secrets.token_urlsafe(9),
            unit=group.name,
            role=Role.inspector,
            max_uses=uses,
            expires_at=now + expires if expires else None,
            created_by=_who(actor),
            created_at=now,
        )
        s.add(invite)
        self._audit(s, actor, "invite.create", f"{group.name} inspector uses={uses}")
        return invite

    def invite_reply(self, s: Session, user: User, group_id: int) -> Outcome:
        """The 邀请成员 button on /groups."""
        self.access.coordinator(s, user, "group invite")
        group = s.get(InspectionGroup, group_id)
        if group is None or group.round != self.ctx.round:
            raise Refusal(texts.STALE, f"no group {group_id}", slip=True)
        invite = self.invite(s, user, group.name)
        until = texts.INVITE_UNTIL.format(at=self.ctx.local(invite.expires_at)) if invite.expires_at else texts.INVITE_FOREVER
        return Outcome().say(texts.INVITE_MADE.format(name=group.name, uses=invite.max_uses, until=until, code=invite.code))

    # --- reading ---------------------------------------------------------------------------

    def view(self, s: Session, user: User | None) -> Outcome:
        """/groups: every group with its units and members, and the units not yet assigned."""
        self.access.coordinator(s, user, "/groups")
        cli = user is None  # `ducha group list`: the operator has no buttons and types ducha commands
        found = records.groups(s, self.ctx.round)
        if not found:
            return Outcome().say(texts.GROUPS_NONE_CLI if cli else texts.GROUPS_NONE)
        doc = Doc().bold(texts.GROUPS_TITLE.format(round=self.ctx.round_name(s)))
        buttons = []
        for g in found:
            doc.add(texts.GROUP_LINE.format(name=g.name, units="、".join(g.units) or texts.GROUP_NO_UNITS))
            if g.members:
                doc.add(texts.GROUP_MEMBERS.format(members="、".join(g.members)))
            else:
                doc.add(texts.GROUP_NO_MEMBERS_CLI.format(name=g.name) if cli else texts.GROUP_NO_MEMBERS)
            buttons.append([Button(texts.GROUP_INVITE_BUTTON.format(name=g.name), InspectOp("invite", g.id))])
        assigned = {u for g in found for u in g.units}
        free = [u.name for u in self.ctx.rubric.units if u.name not in assigned]
        doc.blank().add(texts.GROUPS_UNASSIGNED.format(units="、".join(free)) if free else texts.GROUPS_ALL_ASSIGNED)
        doc.blank().add(texts.GROUPS_USAGE_CLI if cli else texts.GROUPS_USAGE)
        return Outcome(replies=[Answer(Intent.help, doc, buttons=[] if cli else buttons[:20])])

    def command(self, s: Session, user: User, args: str) -> Outcome:
        """`/groups`, `/groups create NAME UNITS`, `/groups assign NAME UNITS`, `/groups unassign NAME UNITS`."""
        parts = args.split(maxsplit=2)
        if not parts:
            return self.view(s, user)
        verb = {"create": "create", "新建": "create", "设立": "create", "assign": "assign", "分配": "assign",
                "unassign": "unassign", "取消": "unassign"}.get(parts[0].lower())
        if verb is None or len(parts) < 2:
            self.access.coordinator(s, user, "/groups")
            return Outcome().say(texts.GROUPS_USAGE)
        units = split_units(parts[2]) if len(parts) > 2 else []
        return getattr(self, verb)(s, user, parts[1], units)

    # --- helpers ---------------------------------------------------------------------------

    def _group(self, s: Session, name: str) -> InspectionGroup:
        group = records.group_by_name(s, self.ctx.round, name.strip())
        if group is None:
            known = "、".join(g.name for g in records.groups(s, self.ctx.round)) or "（无）"
            raise Refusal(texts.GROUP_UNKNOWN.format(name=name, known=known), f"no group {name!r}", slip=True)
        return group

    def _check_free(self, s: Session, units: list[str], group_id: int | None) -> None:
        """Refuse (before anything is written) a unit another group already inspects."""
        for unit in units:
            current = records.assignment_of(s, self.ctx.round, unit)
            if current is not None and current.group_id != group_id:
                other = s.get(InspectionGroup, current.group_id)
                raise Refusal(
                    texts.UNIT_TAKEN.format(unit=unit, other=other.name if other else "其他督察组"),
                    f"{unit} already assigned to group {current.group_id}",
                    slip=True,
                )

    def _check_units(self, units: list[str]) -> None:
        known = [u.name for u in self.ctx.rubric.units]
        unknown = [u for u in units if u not in known]
        if unknown:
            raise Refusal(
                texts.UNIT_UNKNOWN.format(units="、".join(unknown), known="、".join(known)), f"unknown units {unknown}", slip=True
            )

    def _audit(self, s: Session, actor: User | None, action: str, detail: str) -> None:
        s.add(AuditEntry(at=self.ctx.clock(), actor_id=actor.id if actor else None, actor=_who(actor), action=action, detail=detail[:2000]))


def _who(actor: User | None) -> str:
    return actor.name if actor else CLI_ACTOR
