"""This round's calendar on the coordinators' side: the notice's phases as a template,
overridden by DUCHA_CAMPAIGN_FILE and by what coordinators set; shown, set phase by phase,
or moved whole in one step keeping the notice's spacing.

The calendar itself is read through the process's one ``RoundCalendars`` (bot/rounds.py),
shared with self-scoring, so a change here is what every answer, reminder and file says next.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, select

from bot.common import texts
from bot.common.errors import Refusal
from bot.common.reply import Answer, Intent, Outcome, User
from bot.common.richtext import Doc
from bot.coordination.context import CoordinationContext, day
from bot.rounds import RoundCalendars
from bot.storage.db import upsert
from bot.storage.models import PhaseDate
from scheduler.calendar import (
    PhaseWindow,
    RoundCalendar,
    is_workday,
    shift_anchor,
    shift_overrides,
    validate_window,
)
from scheduler.texts import month_day, weekday


def full_day(d: dt.date | None) -> str:
    """2026年12月18日（星期五）, or 不设日期."""
    if d is None:
        return texts.CAL_NO_DAY
    return f"{month_day(d, with_year=True)}（{weekday(d)}）"


def date_forms(d: dt.date) -> str:
    """The date forms accepted, shown with ``d``: 可写作 2026-12-01、2026/12/1、… 或 12.1；"""
    return texts.CAL_FORMS.format(
        iso=d.isoformat(), slash=f"{d.year}/{d.month}/{d.day}", cn=month_day(d, with_year=True), md=month_day(d), dot=f"{d.month}.{d.day}"
    )


class Calendar:
    def __init__(self, ctx: CoordinationContext, campaign_file: Path | None = None) -> None:
        self.ctx = ctx
        self.calendars: RoundCalendars = ctx.sc.calendars
        if campaign_file is not None:
            self.calendars.campaign_file = campaign_file
            self.calendars.invalidate()

    @property
    def campaign_file(self) -> Path | None:
        return self.calendars.campaign_file

    # --- reading -----------------------------------------------------------------------

    def overrides(self, s: Session) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """This round's dates: DUCHA_CAMPAIGN_FILE first, then what coordinators set."""
        return self.calendars.overrides(s)

    def round_calendar(self, s: Session) -> RoundCalendar:
        return self.calendars.get(s)

    def phases(self, s: Session) -> list[PhaseWindow]:
        return list(self.calendars.get(s).phases)

    def self_check_due(self, s: Session) -> str:
        """When the self-check report is due this round, as the bot says it."""
        _, report = self.calendars.get(s).deliverable("self_check_report")
        return day(report.due) if report.due else texts.DUE_UNSET

    # --- showing -----------------------------------------------------------------------

    def calendar(self, s: Session) -> Answer:
        """This round's phases with dates, who set them, the notice's dates where they moved."""
        cal = self.calendars.get(s)
        setters = {r.phase: r.updated_by for r in s.exec(select(PhaseDate).where(PhaseDate.round == self.ctx.round)).all()}
        doc = Doc().bold(texts.CAL_TITLE_TEMPLATE if cal.template else texts.CAL_TITLE.format(round=cal.name))

        def short(d: dt.date | None, after: dt.date | None = None) -> str:
            # the year only where it is not the round's (or, for an end, not its start's)
            return month_day(d, with_year=d.year != (after.year if after else cal.year)) if d else "—"

        for i, p in enumerate(cal.phases, 1):
            dates = texts.CAL_NO_DATE if p.start is None and p.end is None else f"{short(p.start)} 至 {short(p.end, p.start)}"
            source = texts.CAL_SOURCE_SET.format(by=setters[p.key]) if p.key in setters else ""
            doc.add(texts.CAL_LINE.format(i=i, name=p.name, dates=dates, source=source))
            original = cal.notice_phase(p.key)
            if not cal.template and original is not None and cal.moved(p.key):
                doc.add(texts.CAL_NOTICE_LINE.format(dates=original.date_text))
            for d in p.deliverables:
                doc.add(texts.CAL_DUE.format(name=d.name, due=short(d.due)))
        return Answer(Intent.help, doc)

    def usage(self, s: Session) -> str:
        """How to set dates, with examples in this round's dates."""
        cal = self.calendars.get(s)
        first = cal.phase(shift_anchor(self.ctx.rubric.campaign).key)
        if cal.template or first.start is None:
            start = self.ctx.today() + dt.timedelta(days=7)
            end = start + dt.timedelta(days=9)
        else:
            start, end = first.start, first.end or first.start
        return texts.CAL_USAGE.format(start=start.isoformat(), end=end.isoformat(), forms=date_forms(start))

    # --- changing ----------------------------------------------------------------------

    def _check(self, s: Session, actor: User | None, what: str) -> None:
        """Raise the refusal unless ``actor`` is a coordinator (None: the command line)."""
        if actor is not None:
            self.ctx.coordinator(s, actor, what)

    def set_phase(self, s: Session, actor: User | None, phase: str, start: dt.date | None, end: dt.date | None) -> Outcome:
        """Set this round's dates of a phase; ``actor`` None means the command line."""
        self._check(s, actor, f"campaign set {phase}")
        try:
            validate_window(phase, start, end)
        except ValueError as exc:
            raise Refusal(texts.CAL_BAD.format(reason=exc), f"bad calendar {phase} {start} {end}", slip=True) from None
        name = actor.name if actor else texts.CLI_ACTOR
        now = self.ctx.clock()
        upsert(s, PhaseDate, {"round": self.ctx.round, "phase": phase}, start=start, end=end, updated_by=name, updated_at=now)
        label = texts.PHASE_LABEL[phase]
        self.ctx.audit(s, actor.id if actor else None, name, "calendar.set", texts.AUDIT_CAL_SET.format(name=label, start=start or "—", end=end or "—"))
        self.calendars.changed(s, name, now)
        out = Outcome().say(texts.CAL_SET.format(name=label, start=full_day(start), end=full_day(end)))
        return self._after_change(s, out, [phase])

    def shift(self, s: Session, actor: User | None, start: dt.date) -> Outcome:
        """Move every dated phase so the first phase starts on ``start``, the notice's spacing kept."""
        self._check(s, actor, "campaign shift")
        name = actor.name if actor else texts.CLI_ACTOR
        now = self.ctx.clock()
        moved = shift_overrides(self.ctx.rubric.campaign, start)
        for phase, (a, b) in moved.items():
            upsert(s, PhaseDate, {"round": self.ctx.round, "phase": phase}, start=a, end=b, updated_by=name, updated_at=now)
        self.ctx.audit(s, actor.id if actor else None, name, "calendar.shift", texts.AUDIT_CAL_SHIFT.format(start=start))
        self.calendars.changed(s, name, now)
        anchor = shift_anchor(self.ctx.rubric.campaign)
        out = Outcome().say(texts.CAL_SHIFTED.format(name=anchor.name, day=full_day(start), count=len(moved)))
        return self._after_change(s, out, list(moved))

    def _after_change(self, s: Session, out: Outcome, phases: list[str]) -> Outcome:
        """What a coordinator should notice after a change (a deadline on a day off, phases
        left on the notice's year), then the whole calendar."""
        cal = self.calendars.get(s)
        for key in phases:
            for d in cal.phase(key).deliverables:
                if d.due is not None and not is_workday(d.due):
                    out.say(texts.CAL_DAY_OFF.format(name=d.name, day=full_day(d.due)))
        stale = [p.name for p in cal.phases if (p.start or p.end) and not cal.moved(p.key) and cal.year != cal.notice_year]
        if stale:
            anchor = cal.phase(shift_anchor(self.ctx.rubric.campaign).key)
            example = (anchor.start if cal.moved(anchor.key) and anchor.start else dt.date(cal.year, 1, 1)).isoformat()
            out.say(texts.CAL_STALE_PHASES.format(phases="、".join(stale), year=cal.notice_year, example=example))
        out.replies.append(self.calendar(s))
        return out
