"""Who a broadcast or reminder goes to: everyone, a role, named units, the units that have not
submitted, the units that still owe rectification."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from bot.common import texts
from bot.common.states import NOT_UNIT_ROLES, OWING, AssessmentStatus
from bot.coordination.context import CoordinationContext
from bot.coordination.rectification import Rectification
from bot.scoring.membership import ROLES, table_of
from bot.storage.models import Assessment, Person


class AudienceError(ValueError):
    """The audience cannot be resolved; the message is for the coordinator."""


class Audiences:
    def __init__(self, ctx: CoordinationContext, rectification: Rectification) -> None:
        self.ctx = ctx
        self.rectification = rectification

    def canonical(self, spec: str) -> str:
        """An audience as coordinators type it (全部, 党委, 未提交, 华龙区,范县, 单位:华龙区) in
        the stored form (all, role:party, not-submitted, unit:华龙区,范县)."""
        spec = spec.strip()
        if spec in texts.AUDIENCE_ALIASES:
            return texts.AUDIENCE_ALIASES[spec]
        for prefix in ("单位:", "单位："):
            if spec.startswith(prefix):
                return "unit:" + spec[len(prefix):]
        names = [u.strip() for u in re.split(r"[,，、]", spec) if u.strip()]
        aliases = {a: u.name for u in self.ctx.rubric.units for a in (u.name, *u.aliases)}
        if names and all(n in aliases for n in names):
            return "unit:" + ",".join(aliases[n] for n in names)
        return spec

    def label(self, spec: str) -> str:
        """An audience as coordinators read it: 全部单位, 华龙区、范县, 未提交自评的单位."""
        if spec in texts.AUDIENCE_LABEL:
            return texts.AUDIENCE_LABEL[spec]
        if spec.startswith("unit:"):
            return "、".join(u.strip() for u in re.split(r"[,，、]", spec[5:]) if u.strip())
        if spec.startswith("nudge:"):
            return texts.AUDIENCE_NUDGE
        return spec

    def recipients(self, s: Session, spec: str) -> list[tuple[int, str]]:
        """(user id, unit) of every active user the audience names (typed forms too)."""
        spec = self.canonical(spec)
        people = s.exec(select(Person).where(Person.active == True)).all()  # noqa: E712
        units = {p.unit for p in people if p.role not in NOT_UNIT_ROLES}
        if spec == "all":
            chosen = [p for p in people if p.role not in NOT_UNIT_ROLES]
        elif spec.startswith("role:"):
            role = spec[5:]
            if role not in ROLES:
                raise AudienceError(texts.BC_BAD_AUDIENCE.format(audience=spec))
            chosen = [p for p in people if p.role == role]
        elif spec.startswith("unit:"):
            wanted = [u.strip() for u in re.split(r"[,，、]", spec[5:]) if u.strip()]
            known = {u.name for u in self.ctx.rubric.units} | units
            unknown = [u for u in wanted if u not in known]
            if unknown or not wanted:
                raise AudienceError(texts.BC_UNKNOWN_UNITS.format(units="、".join(unknown) or "（空）"))
            chosen = [p for p in people if p.unit in wanted and p.role not in NOT_UNIT_ROLES]
        elif spec == "not-submitted":
            done = self.submitted(s)
            chosen = [p for p in people if p.role not in NOT_UNIT_ROLES and (p.unit, table_of(p)) not in done]
        elif spec == "open-rectification":
            owing = {i.unit for i in self.rectification.items(s) if i.state in OWING}
            chosen = [p for p in people if p.role not in NOT_UNIT_ROLES and p.unit in owing]
        else:
            raise AudienceError(texts.BC_BAD_AUDIENCE.format(audience=spec))
        return sorted({(p.user_id, p.unit) for p in chosen})

    def submitted(self, s: Session) -> set[tuple[str, str]]:
        """(unit, table) of every assessment submitted this round."""
        rows = s.exec(
            select(Assessment.unit, Assessment.table_key).where(
                Assessment.round == self.ctx.round, Assessment.status == AssessmentStatus.submitted
            )
        ).all()
        return {(u, t) for u, t in rows}
