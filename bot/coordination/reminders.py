"""Reminders: this round's calendar and the rules make occurrences; each is planned once per
recipient (a row with a unique key) and each request claims its copy, so it goes out once
(bot/coordination/reminder_copies.py). A copy that cannot reach Telegram is retried until the
end of its day, then reported as not delivered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from bot.common import texts
from bot.common.format import clip
from bot.common.reply import Answer, Intent
from bot.common.richtext import Doc
from bot.coordination import reminder_copies
from bot.coordination.audiences import Audiences
from bot.coordination.calendar import Calendar
from bot.coordination.context import CoordinationContext
from bot.inspection.audience import group_members, owing_group_members
from bot.storage.db import insert_new
from bot.storage.models import PhaseDate, ReminderDelivery
from scheduler.plan import Occurrence, plan
from scheduler.rules import Rule, load_rules
from scheduler.texts import month_day

# Reminders missed by more than this are from a calendar no longer running: not reported.
MISSED_LOOKBACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class ReminderCopy:
    """One reminder copy to try now."""

    key: str  # reminder_deliveries.key
    occurrence: Occurrence
    user_id: int
    unit: str
    deferred: bool = False  # Telegram could not be reached at an earlier attempt


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
        (or whose day is over) and that nobody got: a calendar set now will not send them."""
        return [occ for occ in self.plan(s) if occ.phase.key in phases and self._too_late(occ, now) and not self._any_claimed(s, f"{occ.key}:")]

    def _too_late(self, occ: Occurrence, now: dt.datetime) -> bool:
        """Whether a reminder is no longer sent to anyone new: more than the grace window past,
        or its day is over (scheduler.plan.send_until)."""
        until = (occ.until or occ.due).astimezone(dt.timezone.utc)
        return occ.due.astimezone(dt.timezone.utc) < now.astimezone(dt.timezone.utc) - self.grace or now >= until

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

    def due(self, s: Session, now: dt.datetime) -> tuple[list[ReminderCopy], list[Occurrence]]:
        """Every reminder copy to try at ``now``, and the occurrences that fell due while the bot
        was down longer than the grace window or past their day (each reported once).

        A reminder that falls due is planned once per recipient (a row with a unique key); the
        copies to try are then every queued one that is due: new ones, and those waiting for
        their next attempt because Telegram could not be reached. Each is claimed by its own
        request (reminder_copies.claim), so of two processes only one sends it. A waiting copy
        whose day is over is failed, and one whose unit owes nothing any more is dropped."""
        missed: list[Occurrence] = []
        planned: dict[str, Occurrence] = {}
        owed: dict[str, dict[int, str]] = {}  # occurrence -> its recipients now, asked once a tick
        set_at: dict[str, dt.datetime] | None = None
        for occ in self.plan(s):
            due = occ.due.astimezone(dt.timezone.utc)
            if due > now:
                break
            planned[occ.key] = occ
            until = (occ.until or occ.due).astimezone(dt.timezone.utc)
            if self._too_late(occ, now):
                if self._any_claimed(s, f"{occ.key}:"):
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
                common = {"rule": occ.rule.key, "phase": occ.phase.key, "due_at": due, "claimed_at": now}
                if s.get(ReminderDelivery, marker) is None and insert_new(
                    s, ReminderDelivery, key=marker, user_id=0, unit="", state=state, **common
                ):
                    if state == "missed":
                        missed.append(occ)
                continue
            # The bot ticks every half minute: look up who already has this one in a single
            # query, and only plan the rest.
            planned_users = reminder_copies.planned_users(s, occ.key)
            owed[occ.key] = dict(self.recipients(s, occ))
            for user_id, unit in owed[occ.key].items():
                if user_id not in planned_users:
                    reminder_copies.queue(s, occ.key, occ.rule.key, occ.phase.key, due, until, user_id, unit)
        return self._to_try(s, planned, owed, now), missed

    def _to_try(self, s: Session, planned: dict[str, Occurrence], owed: dict[str, dict[int, str]], now: dt.datetime) -> list[ReminderCopy]:
        to_send = []
        for row in reminder_copies.waiting(s, now):
            occ = planned.get(reminder_copies.occurrence_key(row.key))
            if occ is None:  # the calendar moved it (or a rule went): its words no longer hold
                reminder_copies.drop(s, row.key, reminder_copies.NOT_PLANNED)
                continue
            reason = reminder_copies.overdue_reason(row, (occ.until or occ.due).astimezone(dt.timezone.utc), now)
            if reason is not None:
                reminder_copies.record_failed(s, row.key, reason)
                continue
            if occ.key not in owed:  # past its grace window: not planned for anyone new, still retried
                owed[occ.key] = dict(self.recipients(s, occ))
            if row.user_id not in owed[occ.key]:
                reminder_copies.drop(s, row.key, reminder_copies.NOT_OWED)  # it submitted meanwhile
            else:
                to_send.append(ReminderCopy(row.key, occ, row.user_id, row.unit, deferred=row.deferrals > 0))
        return to_send

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

    # --- where reminders stand, for coordinators ------------------------------------------

    def undelivered(self, s: Session, since: dt.datetime, now: dt.datetime) -> list[str]:
        """The digest's lines: reminders due since ``since`` that have not reached everyone
        (not delivered, of unknown fate, or still waiting to retry)."""
        planned = {o.key: o for o in self.plan(s)}
        lines = []
        for st in reminder_copies.standing(s, since, now):
            status = self._status(st, problems_only=True)
            if status:
                lines.append(texts.DIGEST_REMINDER_LINE.format(what=self._what(st, planned.get(st.occurrence_key)), status="；".join(status)))
        return lines

    def listing(self, s: Session, now: dt.datetime) -> list[str]:
        """`ducha remind list`: every reminder from the grace window on, and any of the last
        week that has not reached everyone, with how many it is for and where its copies stand."""
        standings = {st.occurrence_key: st for st in reminder_copies.standing(s, now - MISSED_LOOKBACK, now)}
        lines = []
        for occ in self.plan(s):
            st = standings.get(occ.key)
            if occ.due < now - self.grace and not (st and self._status(st, problems_only=True)):
                continue
            count = st.counts.total if st is not None and occ.due <= now else len(self.recipients(s, occ))
            lines.append(texts.REMIND_LINE.format(due=f"{occ.due:%Y-%m-%d %H:%M}", count=count, rule=rule_label(occ.rule), text=clip(occ.text, 60)))
            if st is not None:
                lines.append(texts.REMIND_STATUS.format(status="；".join(self._status(st, problems_only=False))))
        undated = [p.name for p in self.calendar.phases(s) if p.start is None and p.end is None]
        if undated:
            lines.append(texts.REMIND_UNDATED.format(phases="、".join(undated)))
        return lines

    def _when(self, at: dt.datetime | None, day: bool = True) -> str:
        if at is None:
            return "—"
        local = at.astimezone(self.ctx.tz)
        return f"{month_day(local.date())} {local:%H:%M}" if day else f"{local:%H:%M}"

    def _what(self, st: reminder_copies.Standing, occ: Occurrence | None) -> str:
        """12月9日 09:00 截止前1天提醒·自查报告（附问题清单）; a reminder no longer planned: its rule's key."""
        if occ is None:
            return texts.REMINDER_WHAT.format(due=self._when(st.due_at), rule=st.rule, name="—")
        name = occ.deliverable.name if occ.deliverable else occ.phase.name
        return texts.REMINDER_WHAT.format(due=self._when(st.due_at), rule=rule_label(occ.rule), name=name)

    def _status(self, st: reminder_copies.Standing, problems_only: bool) -> list[str]:
        c, units = st.counts, st.units
        parts = []
        if c.sent and not problems_only:
            parts.append(texts.REMINDER_SENT.format(count=c.sent))
        if c.failed:
            reasons = "；".join(texts.REMINDER_FAILED_REASON.format(reason=r, count=n) for r, n in c.failures.most_common())
            parts.append(texts.REMINDER_FAILED.format(count=c.failed, units="、".join(units["failed"]), reasons=reasons, until=self._when(st.until)))
        if c.unknown:
            parts.append(texts.REMINDER_UNKNOWN.format(count=c.unknown, units="、".join(units["unknown"])))
        if c.retrying:
            parts.append(
                texts.REMINDER_RETRYING.format(
                    count=c.retrying, units="、".join(units["retrying"]), next=self._when(c.next_retry, day=False), until=self._when(c.retry_until, day=False)
                )
            )
        if c.dropped and not problems_only:
            parts.append(texts.REMINDER_DROPPED.format(count=c.dropped))
        return parts


def rule_label(rule: Rule) -> str:
    """A reminder rule as people call it: 阶段开始通知, 截止前3天提醒, 截止当天提醒."""
    if rule.kind == "phase_start":
        return texts.RULE_PHASE_START
    return texts.RULE_DEADLINE.format(days=rule.days_before) if rule.days_before else texts.RULE_DEADLINE_DAY


def _short(text: str, limit: int = 80) -> str:
    """A reminder's text in a list: cut at ``limit`` characters, with … where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)
