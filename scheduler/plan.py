"""The reminder plan: every reminder the rules call for, at the moment it should be sent.

Pure functions over ``PhaseWindow`` values and ``ReminderRules``: no database, no clock,
no Telegram. The sending side asks ``due_between`` what falls in the window it is about
to serve, resolves each occurrence's audience to recipients, and records each
(occurrence key, recipient) once so a restart never sends twice.

How a send time is found, for one rule and one phase or deliverable:

1. the nominal moment: the event's date minus ``days_before``, at the rule's ``at``;
2. out of quiet hours: a moment inside them waits until they end (23:30 → 08:00 next
   morning, 06:00 → 08:00 the same day);
3. off days off: if that day is not a working day, the same time on the closest working
   day before it (China's calendar with 调休 where ``chinese_calendar`` covers the year).

Reminders of the same kind, for the same deliverable (or phase) and audience, that land on
the same moment are sent once; the one from the rule with the most ``days_before`` keeps
its key and the others are listed in ``merged``.

Each occurrence also has the moment after which it is not sent any more (``until``): the end
of its day, or the next reminder of the same deliverable if that comes first (see
:func:`send_until`). A reminder Telegram could not take is retried until then, never later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.common.rubric import Campaign
from scheduler import texts
from scheduler.calendar import (
    DeliverableWindow,
    PhaseWindow,
    effective_phases,
    workday_on_or_before,
)
from scheduler.rules import Audience, QuietHours, ReminderRules, Rule


@dataclass(frozen=True)
class Occurrence:
    """One reminder to send: what, when, to whom, and in which words."""

    key: str  # "<rule>:<deliverable or phase>:<local send date>", stable across restarts
    rule: Rule
    phase: PhaseWindow
    deliverable: DeliverableWindow | None  # None for phase_start notices
    due: dt.datetime  # aware, campaign timezone, after days off and quiet hours
    audience: Audience
    text: str
    nominal: dt.datetime  # when the rule alone would send it, before moving it
    merged: tuple[str, ...] = ()  # keys of other rules' occurrences folded into this one
    until: dt.datetime | None = None  # not sent from this moment on (set by ``plan``: send_until)

    @property
    def moved(self) -> bool:
        """True if days off or quiet hours moved it from its nominal moment."""
        return self.due != self.nominal


def send_time(day: dt.date, at: dt.time, quiet: QuietHours, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The nominal and the actual send moment of a reminder meant for ``day`` at ``at``.

    The actual moment is first released from quiet hours, then moved to the closest
    working day on or before the resulting day, keeping its time of day. So a Friday 23:30
    reminder goes out on Friday at 08:00 (Saturday 08:00 is a day off): earlier, never on
    a day off, never in quiet hours.
    """
    nominal = dt.datetime.combine(day, at, tzinfo=tz)
    released = quiet.release(nominal)
    workday = workday_on_or_before(released.date())
    actual = dt.datetime.combine(workday, released.timetz().replace(tzinfo=None), tzinfo=tz)
    return nominal, actual


def send_until(due: dt.datetime, quiet: QuietHours, next_due: dt.datetime | None = None) -> dt.datetime:
    """Until when a reminder due at ``due`` may still be sent (retried while Telegram cannot be
    reached): the end of its day, or ``next_due``, the next reminder of the same deliverable
    to the same audience, if that comes first.

    The end of its day is when quiet hours begin that evening (22:00), or midnight when they
    do not begin before it. Its words are reckoned from the day it is sent (明天截止, 今天起),
    so the next morning they would be wrong, and the night is quiet hours anyway; and once the
    next reminder of the same deliverable is due, that one says what is owed, up to date: two
    at once would only repeat it. A reminder is not delivered late.
    """
    tz = due.tzinfo
    end = dt.datetime.combine(due.date() + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    quiet_start = dt.datetime.combine(due.date(), quiet.start, tzinfo=tz)
    if due < quiet_start < end:
        end = quiet_start
    return min(end, next_due) if next_due is not None and next_due > due else end


# --- texts -------------------------------------------------------------------------------


def phase_start_text(phase: PhaseWindow, sent_on: dt.date, audience: Audience = "all") -> str:
    """The notice that a phase begins, worded from the day it is sent."""
    assert phase.start is not None
    days = (phase.start - sent_on).days
    start = texts.month_day(phase.start)
    if days == 0:
        when = texts.PHASE_TODAY
    elif days == 1:
        when = texts.PHASE_TOMORROW.format(start=start)
    elif days > 1:
        when = texts.PHASE_ON.format(start=start, weekday=texts.weekday(phase.start))
    else:
        when = texts.PHASE_STARTED.format(start=start)
    parts = [texts.PHASE_START.format(when=when, phase=phase.name, dates=phase.date_text)]
    for d in phase.deliverables:
        if d.due is not None:
            parts.append(
                texts.PHASE_DELIVERABLE.format(sender=d.sender, due=texts.month_day(d.due), name=d.name, to=d.to)
            )
    hints = texts.PHASE_HINT_GROUPS if audience == "groups" else texts.PHASE_HINT
    parts.append(hints.get(phase.key, ""))
    return "".join(parts)


def deadline_text(phase: PhaseWindow, deliverable: DeliverableWindow, sent_on: dt.date, audience: Audience) -> str:
    """The reminder of a deadline, worded from the day it is sent; "owing" adds what is owed."""
    assert deliverable.due is not None
    days = (deliverable.due - sent_on).days
    due = texts.month_day(deliverable.due)
    if days > 1:
        when, by = texts.WHEN_LATER.format(due=due), texts.BY_DATE.format(due=due)
    elif days == 1:
        when, by = texts.WHEN_TOMORROW.format(due=due), texts.BY_DATE.format(due=due)
    elif days == 0:
        when, by = texts.WHEN_TODAY.format(due=due), texts.BY_TODAY
    else:  # only when quiet hours push a deadline-day reminder to the next morning
        when, by = texts.WHEN_PAST.format(due=due), texts.BY_PAST
    template = texts.DEADLINE_PHASE if deliverable.due == phase.end else texts.DEADLINE_ITEM
    text = template.format(phase=phase.name, when=when, by=by, name=deliverable.name, to=deliverable.to)
    if audience == "owing":
        text += texts.OWING.get(deliverable.key) or texts.OWING_DEFAULT.format(name=deliverable.name)
    return text


# --- the plan ----------------------------------------------------------------------------


def _occurrences(phases: list[PhaseWindow], rules: ReminderRules, tz: dt.tzinfo) -> Iterable[Occurrence]:
    """Every occurrence the rules call for, before merging those that coincide."""
    quiet = rules.quiet_hours
    for rule in rules.rules:
        for phase in phases:
            if not rule.applies_to(phase.key):
                continue
            if rule.kind == "phase_start":
                if phase.start is None:
                    continue  # no dates yet: nobody is told anything
                nominal, due = send_time(phase.start - dt.timedelta(days=rule.days_before), rule.at, quiet, tz)
                yield Occurrence(
                    key=f"{rule.key}:{phase.key}:{due.date().isoformat()}",
                    rule=rule,
                    phase=phase,
                    deliverable=None,
                    due=due,
                    audience=rule.audience,
                    text=phase_start_text(phase, due.date(), rule.audience),
                    nominal=nominal,
                )
                continue
            for deliverable in phase.deliverables:
                if deliverable.due is None or not rule.applies_to(phase.key, deliverable.key):
                    continue
                nominal, due = send_time(deliverable.due - dt.timedelta(days=rule.days_before), rule.at, quiet, tz)
                yield Occurrence(
                    key=f"{rule.key}:{deliverable.key}:{due.date().isoformat()}",
                    rule=rule,
                    phase=phase,
                    deliverable=deliverable,
                    due=due,
                    audience=rule.audience,
                    text=deadline_text(phase, deliverable, due.date(), rule.audience),
                    nominal=nominal,
                )


def plan(phases: list[PhaseWindow], rules: ReminderRules, tz: str | dt.tzinfo) -> list[Occurrence]:
    """All reminders for these phases under these rules, sorted by send time, then key.

    ``tz`` is the campaign's timezone (a name such as "Asia/Shanghai" or a tzinfo); rule
    times, quiet hours and days off are read in it. Raises ValueError if two deliverables
    share a key (their occurrence keys would collide).
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    keys = [d.key for p in phases for d in p.deliverables]
    if len(set(keys)) != len(keys):
        raise ValueError(f"deliverable keys must be unique across phases: {keys}")
    # Coinciding reminders (same kind, target, audience and moment) are sent once; the rule
    # reminding furthest ahead keeps its key, so the T-3 key survives a T-1 landing on it.
    kept: dict[tuple[object, ...], Occurrence] = {}
    candidates = sorted(_occurrences(phases, rules, zone), key=lambda o: -o.rule.days_before)
    for occ in candidates:
        target = occ.deliverable.key if occ.deliverable else occ.phase.key
        slot = (occ.rule.kind, occ.phase.key, target, occ.audience, occ.due)
        first = kept.get(slot)
        if first is None:
            kept[slot] = occ
        else:
            kept[slot] = replace(first, merged=first.merged + (occ.key,))
    ordered = sorted(kept.values(), key=lambda o: (o.due, o.key))
    # each one's last moment: the end of its day, or the next one for the same target, audience
    next_due: dict[tuple[object, ...], dt.datetime] = {}
    planned = []
    for occ in reversed(ordered):
        target = (occ.rule.kind, occ.phase.key, occ.deliverable.key if occ.deliverable else "", occ.audience)
        planned.append(replace(occ, until=send_until(occ.due, rules.quiet_hours, next_due.get(target))))
        next_due[target] = occ.due
    return planned[::-1]


def plan_campaign(
    campaign: Campaign,
    rules: ReminderRules,
    overrides: dict[str, tuple[dt.date | None, dt.date | None]] | None = None,
) -> list[Occurrence]:
    """``plan`` for a campaign with a coordinator's overrides, in the campaign's timezone."""
    return plan(effective_phases(campaign, overrides or {}), rules, campaign.timezone)


def due_between(occurrences: Iterable[Occurrence], start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """The occurrences with ``start <= due < end``, in their given order.

    Both bounds must be timezone-aware (any zone: comparison is by instant), so a caller
    polling with the UTC clock and one using Shanghai time get the same answer.
    """
    if start.tzinfo is None or start.utcoffset() is None or end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("due_between needs timezone-aware start and end")
    return [o for o in occurrences if start <= o.due < end]
