"""Reminders: this round's calendar and the rules make occurrences; each is claimed once per
recipient (an outbox row with a unique key) before it is sent, so it goes out once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, select

from bot.common import texts
from bot.common.reply import Answer, Intent
from bot.common.richtext import Doc
from bot.coordination.audiences import Audiences
from bot.coordination.calendar import Calendar
from bot.coordination.context import CoordinationContext
from bot.inspection.audience import group_members, owing_group_members
from bot.storage.db import insert_new
from bot.storage.models import PhaseDate, ReminderDelivery
from scheduler.plan import Occurrence, plan
from scheduler.rules import load_rules

# Reminders missed by more than this are from a calendar no longer running: not reported.
MISSED_LOOKBACK = dt.timedelta(days=7)


class Reminders:
    def __init__(
        self,
        ctx: CoordinationContext,
        calendar: Calendar,
        audiences: Audiences,
        rules_path: Path | None = None,
        grace: dt.timedelta = dt.timedelta(hours=12),
    ) -> None:
        self.ctx = ctx
        self.calendar = calendar
        self.audiences = audiences
        self.rules = load_rules(rules_path)
        self.grace = grace
        self.reports = None  # the 整改报告 submissions (bot.coordination.rectification_report), set by Coordination

    def plan(self, s: Session) -> list[Occurrence]:
        return plan(self.calendar.phases(s), self.rules, self.ctx.tz)

    def recipients(self, s: Session, occurrence: Occurrence) -> list[tuple[int, str]]:
        """Who this reminder is for: everyone, or only those who still owe its deliverable."""
        if occurrence.audience == "all":
            return self.audiences.recipients(s, "all")
        if occurrence.audience == "groups":  # the inspection groups' members
            return group_members(s, self.ctx.round)
        deliverable = occurrence.deliverable.key if occurrence.deliverable else ""
        if deliverable == "inspection_group_report":  # groups whose units are not all submitted
            return owing_group_members(s, self.ctx.rubric, self.ctx.round)
        if deliverable == "rectification_report" or occurrence.phase.key == "rectification":
            owing = self.audiences.recipients(s, "open-rectification")
            if deliverable != "rectification_report" or self.reports is None:
                return owing
            # units that submitted their 整改报告 owe nothing more here
            done = {unit for unit, _table in self.reports.submitted(s)}
            return [(uid, unit) for uid, unit in owing if unit not in done]
        return self.audiences.recipients(s, "not-submitted")

    def passed(self, s: Session, phases: list[str], now: dt.datetime) -> list[Occurrence]:
        """The reminders of ``phases`` whose moment is already more than the grace window past
        and that nobody got: a calendar set now will not send them."""
        cutoff = now.astimezone(dt.timezone.utc) - self.grace
        return [
            occ
            for occ in self.plan(s)
            if occ.phase.key in phases and occ.due.astimezone(dt.timezone.utc) < cutoff and not self._any_claimed(s, f"{occ.key}:")
        ]

    def passed_note(self, passed: list[Occurrence]) -> Answer:
        doc = Doc().bold(texts.REMINDER_PASSED)
        for occ in passed:
            doc.add(texts.REMINDER_MISSED_LINE.format(due=self.ctx.local(occ.due), text=_short(occ.text)))
        doc.add(texts.REMINDER_PASSED_HINT)
        return Answer(Intent.help, doc)

    def _set_at(self, s: Session) -> dict[str, dt.datetime]:
        """When each phase's dates of this round were last set."""
        rows = s.exec(select(PhaseDate).where(PhaseDate.round == self.ctx.round)).all()
        return {r.phase: _aware(r.updated_at) for r in rows}

    def due(self, s: Session, now: dt.datetime) -> tuple[list[tuple[Occurrence, int, str]], list[Occurrence]]:
        """Claim every reminder due by ``now``: (occurrence, user, unit) to send now, and the
        occurrences that fell due while the bot was down longer than the grace window (each
        reported once). A claim is a row with a unique key: claimed once, sent once."""
        to_send: list[tuple[Occurrence, int, str]] = []
        missed: list[Occurrence] = []
        set_at: dict[str, dt.datetime] | None = None
        for occ in self.plan(s):
            due = occ.due.astimezone(dt.timezone.utc)
            if due > now:
                break
            common = {"rule": occ.rule.key, "phase": occ.phase.key, "due_at": due, "claimed_at": now}
            prefix = f"{occ.key}:"
            if due < now - self.grace:
                if self._any_claimed(s, prefix):
                    continue  # it went out on time; a late run has nothing to report

                # Missed while the bot was down: reported once. Older than a week it belongs
                # to a calendar nobody is running any more (say, the template's 2020 dates):
                # recorded, not reported. INSERT … ON CONFLICT DO NOTHING: of two processes,
                # exactly one wins each claim.
                # A moment already past when its phase's dates were set was never the bot's to
                # send (the coordinator was told then): not reported as missed 因机器人停机.
                set_at = self._set_at(s) if set_at is None else set_at
                late_set = occ.phase.key in set_at and set_at[occ.phase.key] > due
                state = "missed" if due >= now - MISSED_LOOKBACK and not late_set else "expired"
                marker = f"missed:{occ.key}"[:160]
                if s.get(ReminderDelivery, marker) is None and insert_new(
                    s, ReminderDelivery, key=marker, user_id=0, unit="", state=state, **common
                ):
                    if state == "missed":
                        missed.append(occ)
                continue
            # The bot ticks every half minute: look up who already has this one in a single
            # query, and only try to claim the rest.
            claimed = set(
                s.exec(select(ReminderDelivery.user_id).where(ReminderDelivery.key.startswith(prefix, autoescape=True))).all()  # type: ignore[attr-defined]
            )
            for user_id, unit in self.recipients(s, occ):
                if user_id in claimed:
                    continue
                key = f"{prefix}{user_id}"[:160]
                if insert_new(s, ReminderDelivery, key=key, user_id=user_id, unit=unit, state="claimed", **common):
                    to_send.append((occ, user_id, unit))
        return to_send, missed

    @staticmethod
    def _any_claimed(s: Session, prefix: str) -> bool:
        """True when some copy of this occurrence was claimed (and so sent) before."""
        row = s.exec(
            select(ReminderDelivery.key).where(ReminderDelivery.key.startswith(prefix, autoescape=True)).limit(1)  # type: ignore[attr-defined]
        ).first()
        return row is not None

    def missed_report(self, missed: list[Occurrence]) -> Answer:
        doc = Doc().bold(texts.REMINDER_MISSED.format(hours=int(self.grace.total_seconds() // 3600)))
        for occ in missed:
            doc.add(texts.REMINDER_MISSED_LINE.format(due=self.ctx.local(occ.due), text=_short(occ.text)))
        return Answer(Intent.help, doc)


def _short(text: str, limit: int = 80) -> str:
    """A reminder's text in a list: cut at ``limit`` characters, with … where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)
