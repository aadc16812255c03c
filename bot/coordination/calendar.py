"""This round's calendar: the notice's phases as a template, overridden by DUCHA_CAMPAIGN_FILE
and by what coordinators set with /campaign."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yaml
from sqlmodel import Session, select

from bot.common import texts
from bot.common.reply import Answer, Intent, Outcome, User, refusal
from bot.common.richtext import Doc
from bot.coordination.context import CoordinationContext, day
from bot.storage.db import upsert
from bot.storage.models import PhaseDate
from scheduler.calendar import PhaseWindow, effective_phases, validate_window


class Calendar:
    def __init__(self, ctx: CoordinationContext, campaign_file: Path | None = None) -> None:
        self.ctx = ctx
        env_file = os.environ.get("DUCHA_CAMPAIGN_FILE")
        self.campaign_file = campaign_file or (Path(env_file) if env_file else None)

    def overrides(self, s: Session) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """This round's dates: DUCHA_CAMPAIGN_FILE first, then what coordinators set."""
        out: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        if self.campaign_file:
            data = yaml.safe_load(self.campaign_file.read_text(encoding="utf-8")) or {}
            for key, value in (data.get("phases") or {}).items():
                start, end = value.get("start"), value.get("end")
                validate_window(key, start, end)
                out[key] = (start, end)
        for row in s.exec(select(PhaseDate).where(PhaseDate.round == self.ctx.round)).all():
            out[row.phase] = (row.start, row.end)
        return out

    def phases(self, s: Session) -> list[PhaseWindow]:
        return effective_phases(self.ctx.rubric.campaign, self.overrides(s))

    def calendar(self, s: Session) -> Answer:
        setters = {r.phase: r.updated_by for r in s.exec(select(PhaseDate).where(PhaseDate.round == self.ctx.round)).all()}
        doc = Doc().bold(texts.CAL_TITLE.format(round=self.ctx.round))
        for i, p in enumerate(self.phases(s), 1):
            if p.start is None and p.end is None:
                dates = texts.CAL_NO_DATE
            else:
                dates = f"{day(p.start)} 至 {day(p.end)}"
            source = texts.CAL_SOURCE_SET.format(by=setters[p.key]) if p.key in setters else ""
            doc.add(texts.CAL_LINE.format(i=i, name=p.name, dates=dates, source=source))
            for d in p.deliverables:
                doc.add(texts.CAL_DUE.format(name=d.name, due=day(d.due)))
        return Answer(Intent.help, doc)

    def set_phase(self, s: Session, actor: User | None, phase: str, start: dt.date | None, end: dt.date | None) -> Outcome:
        """Set this round's dates of a phase; ``actor`` None means the command line."""
        if actor is not None:
            person = self.ctx.coordinator(s, actor, f"campaign set {phase}")
            if isinstance(person, Outcome):
                return person
        try:
            validate_window(phase, start, end)
        except ValueError as exc:
            return refusal(texts.CAL_BAD.format(reason=exc), f"bad calendar {phase} {start} {end}")
        name = actor.name if actor else "命令行"
        upsert(s, PhaseDate, {"round": self.ctx.round, "phase": phase}, start=start, end=end, updated_by=name, updated_at=self.ctx.clock())
        self.ctx.audit(s, actor.id if actor else None, name, "calendar.set", f"{self.ctx.round} {phase} {start} {end}")
        label = next(p.name for p in self.ctx.rubric.campaign.phases if p.key == phase)
        out = Outcome().say(texts.CAL_SET.format(name=label, start=start or "—", end=end or "—"))
        out.replies.append(self.calendar(s))
        return out

    def self_check_due(self, s: Session) -> str:
        """When the self-check report is due this round, as the bot says it."""
        for p in self.phases(s):
            for d in p.deliverables:
                if d.key == "self_check_report":
                    return day(d.due)
        return "规定时间"
