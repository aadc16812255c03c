"""`/campaign` and `ducha campaign set|shift`: phases and dates as coordinators type them.

Phase names (自查阶段, 自查, self_check) and dates (2026-12-01, 2026/12/1, 2026年12月1日,
12月18日, 12.18) are read by scheduler/dates.py. What was read is echoed back in full
(已记为2026年12月18日（星期五）…); a date in the past or more than a year ahead is put to the
coordinator with buttons before anything is set, and a month and day typed without a year
is never moved to next year silently: next year is offered as a second button.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.common import texts
from bot.common.callbacks import CoordOp
from bot.common.errors import Refusal
from bot.common.reply import Button, Outcome, User
from bot.common.rubric import PHASE_ORDER
from bot.coordination.calendar import Calendar, date_forms, full_day
from bot.coordination.context import CoordinationContext
from scheduler import dates as typed
from scheduler.calendar import validate_window

CONFIRM_OPS = ("cal_set", "cal_shift", "cal_cancel")


def _ordinal(d: dt.date | None) -> int:
    return d.toordinal() if d else 0


def _from_ordinal(n: int) -> dt.date | None:
    return dt.date.fromordinal(n) if n else None


class CalendarRequests:
    def __init__(self, ctx: CoordinationContext, calendar: Calendar) -> None:
        self.ctx = ctx
        self.cal = calendar

    def command(self, s: Session, user: User, args: str) -> Outcome:
        """`/campaign` shows the calendar; `/campaign 自查阶段 12月1日 12月10日` sets a phase;
        `/campaign 全部 2026-12-01` moves the whole calendar."""
        self.ctx.coordinator(s, user, "/campaign")
        words = args.split()
        if not words:
            return Outcome(replies=[self.cal.calendar(s)]).say(self.cal.usage(s))
        return self.request(s, user, words[0], words[1:])

    def request(self, s: Session, actor: User | None, phase_text: str, date_words: list[str], confirmed: bool = False) -> Outcome:
        """Read a phase (or 全部) and dates as typed; set them, or ask first when a date is odd."""
        if typed.is_all(phase_text):
            return self._shift(s, actor, typed.split_range(date_words), confirmed)
        phase = typed.phase_key(phase_text)
        if phase is None:
            raise Refusal(texts.CAL_BAD_PHASE.format(text=phase_text), f"bad phase {phase_text!r}", slip=True)
        words = typed.split_range(date_words)
        if len(words) != 2:
            return Outcome().say(self.cal.usage(s))
        today = self.ctx.today()
        read: list[typed.TypedDay | None] = []
        for word in words:
            if typed.is_no_date(word):
                read.append(None)
                continue
            # an end typed without a year is read in its start's year (2027/1/4 至 1月22日)
            context = read[0].day if read and read[0] is not None else today
            found = typed.read_day(word, context.replace(month=1, day=1))
            if found is None:
                raise Refusal(texts.CAL_BAD_DATE.format(text=word, forms=date_forms(today)), f"bad date {word!r}", slip=True)
            read.append(found)
        start, end = (r.day if r else None for r in read)
        # 12月20日至1月5日 typed without years: the end is next year's, but that is asked, not assumed
        crossing = bool(start and end and end < start and read[1] and not read[1].year_given)
        reasons = []
        if crossing:
            reasons.append(texts.CAL_END_BEFORE.format(end=full_day(end), start=full_day(start)))
        else:
            try:
                validate_window(phase, start, end)
            except ValueError as exc:
                raise Refusal(texts.CAL_BAD.format(reason=exc), f"bad calendar {phase} {start} {end}", slip=True) from None
        current = self.cal.round_calendar(s).phase(phase)
        for r, was in zip(read, (current.start, current.end)):
            reason = typed.questionable(r.day, today) if r is not None and r.day != was else None
            if reason:
                reasons.insert(0, reason)
        if reasons and not confirmed:
            idx = PHASE_ORDER.index(phase) + 1  # type: ignore[arg-type]

            def later(r: typed.TypedDay | None, force: bool = False) -> dt.date | None:
                # next year's same day, offered for a month and day typed without a year that has passed
                if r is None:
                    return None
                return (typed.next_year(r) or r.day) if (force or r.day < today) and not r.year_given else r.day

            alt_start, alt_end = later(read[0]), later(read[1], force=crossing)
            other = None
            if (alt_start, alt_end) != (start, end) and not (alt_start and alt_end and alt_end < alt_start):
                other = CoordOp("cal_set", idx, _ordinal(alt_start), _ordinal(alt_end))
            return self._confirm(
                "；".join(reasons),
                texts.CAL_CONFIRM_SET.format(name=texts.PHASE_LABEL[phase], start=full_day(start), end=full_day(end)),
                CoordOp("cal_set", idx, _ordinal(start), _ordinal(end)),
                other,
                texts.CAL_RANGE.format(start=full_day(alt_start), end=full_day(alt_end)) if other else None,
            )
        return self.cal.set_phase(s, actor, phase, start, end)

    def _shift(self, s: Session, actor: User | None, words: list[str], confirmed: bool) -> Outcome:
        if len(words) != 1:
            return Outcome().say(self.cal.usage(s))
        today = self.ctx.today()
        found = typed.read_day(words[0], today)
        if found is None:
            raise Refusal(texts.CAL_BAD_DATE.format(text=words[0], forms=date_forms(today)), f"bad date {words[0]!r}", slip=True)
        reason = typed.questionable(found.day, today)
        if reason and not confirmed:
            alternative = typed.next_year(found) if found.day < today else None
            return self._confirm(
                reason,
                texts.CAL_CONFIRM_SHIFT.format(day=full_day(found.day)),
                CoordOp("cal_shift", 0, _ordinal(found.day)),
                CoordOp("cal_shift", 0, _ordinal(alternative)) if alternative else None,
                full_day(alternative) if alternative else None,
            )
        return self.cal.shift(s, actor, found.day)

    def _confirm(self, reason: str, question: str, yes: CoordOp, other: CoordOp | None, other_label: str | None) -> Outcome:
        row = [Button(texts.CAL_CONFIRM_YES, yes)]
        if other is not None and other_label:
            row.append(Button(texts.CAL_CONFIRM_OTHER.format(what=other_label), other))
        row.append(Button(texts.CAL_CONFIRM_NO, CoordOp("cal_cancel", 0)))
        return Outcome().say(texts.CAL_CONFIRM.format(reason=reason, question=question), [row])

    def op(self, s: Session, user: User, op: CoordOp) -> Outcome:
        """The confirmation buttons: set what was asked about, the alternative, or nothing.
        Authorised again by the presser's binding; the dates are validated again."""
        self.ctx.coordinator(s, user, op.op)
        if op.op == "cal_cancel":
            return Outcome().say(texts.CAL_CANCELLED)
        try:
            if op.op == "cal_shift":
                start = _from_ordinal(op.x)
                if start is None:
                    raise ValueError(op)
                return self.cal.shift(s, user, start)
            if not 1 <= op.id <= len(PHASE_ORDER):
                raise ValueError(op)
            return self.cal.set_phase(s, user, PHASE_ORDER[op.id - 1], _from_ordinal(op.x), _from_ordinal(op.y))
        except (ValueError, OverflowError):
            raise Refusal(texts.STALE_BUTTON, f"bad calendar button {op}", slip=True) from None
