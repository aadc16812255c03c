"""Reminder rules: when the bot reminds whom, as configured in ``rubric_data/reminders.yaml``.

The file is read with the rubric's YAML loader and validated with pydantic; a mistake
raises ``RubricError`` naming the file, the rule and the field, like the other data files.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bot.common.rubric import Campaign, PhaseKey, Strict
from rubric_data.loader import DATA_DIR, RubricError, _read_yaml, _validate

RULES_FILE = "reminders.yaml"

Kind = Literal["phase_start", "deadline"]
Audience = Literal["all", "owing", "groups"]  # groups: the inspection groups' members

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _parse_time(value: Any) -> Any:
    """Read "HH:MM" into a time; explain the YAML pitfall of unquoted times.

    YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320 (but 08:00 as a string),
    so a number here almost always means a time that needed quotes.
    """
    if isinstance(value, dt.time):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time; write it as a quoted \"HH:MM\"")
    if isinstance(value, int):
        hint = f' (did you mean "{value // 60:02d}:{value % 60:02d}"?)' if 60 <= value < 24 * 60 else ""
        raise ValueError(
            f"{value} is not a time: YAML reads an unquoted time like 22:00 as a number; "
            f'write it in quotes, e.g. "22:00"{hint}'
        )
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if match:
            return dt.time(int(match[1]), int(match[2]))
    raise ValueError(f"{value!r} is not a time of day; write it as \"HH:MM\", e.g. \"09:00\"")


class QuietHours(Strict):
    """Hours in which nothing is sent; a reminder due then waits until ``end``.

    ``start`` after ``end`` (22:00–08:00) spans midnight; ``start`` before ``end`` is a
    window within one day.
    """

    start: dt.time = dt.time(22, 0)
    end: dt.time = dt.time(8, 0)

    _times = field_validator("start", "end", mode="before")(_parse_time)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are the same time; remove quiet_hours' times to use 22:00–08:00")
        return self

    def contains(self, t: dt.time) -> bool:
        """True if a message may not be sent at time of day ``t`` (start inclusive, end exclusive)."""
        if self.start > self.end:  # spans midnight
            return t >= self.start or t < self.end
        return self.start <= t < self.end

    def release(self, moment: dt.datetime) -> dt.datetime:
        """The first moment at or after ``moment`` that is outside quiet hours.

        ``moment`` is local wall time (aware or naive); the result keeps its tzinfo.
        """
        t = moment.timetz().replace(tzinfo=None) if moment.tzinfo else moment.time()
        if not self.contains(t):
            return moment
        day = moment.date()
        if self.start > self.end and t >= self.start:
            day += dt.timedelta(days=1)  # late evening: wait for tomorrow morning
        return dt.datetime.combine(day, self.end, tzinfo=moment.tzinfo)


class Rule(Strict):
    """One reminder rule: which event, how many days before, at what time, to whom."""

    key: str = Field(
        pattern=r"^[a-z][a-z0-9_-]{0,31}$",
        description="stable name, part of every occurrence's key; lower case, digits, - and _",
    )
    kind: Kind = Field(description="phase_start: a phase's first day; deadline: a deliverable's due date")
    days_before: int = Field(default=0, ge=0, le=60, description="days before the event")
    at: dt.time = Field(default=dt.time(9, 0), description='local time of day, "HH:MM"')
    audience: Audience = Field(description="all units, or only those that still owe the deliverable")
    phases: tuple[PhaseKey, ...] | None = Field(default=None, description="phase keys; None/all: every phase")
    deliverables: tuple[str, ...] | None = Field(
        default=None, description="deliverable keys (deadline rules); None/all: every deliverable"
    )

    _at = field_validator("at", mode="before")(_parse_time)

    @model_validator(mode="before")
    @classmethod
    def _default_audience(cls, data: Any) -> Any:
        # A deadline reminds those who still owe; a phase start tells everyone.
        if isinstance(data, dict) and data.get("audience") is None:
            data = {**data, "audience": "owing" if data.get("kind") == "deadline" else "all"}
        return data

    @field_validator("phases", "deliverables", mode="before")
    @classmethod
    def _all_or_list(cls, value: Any) -> Any:
        if value == "all":
            return None
        if isinstance(value, str):
            return [value]  # a single key written without brackets
        if value is not None and len(value) == 0:
            raise ValueError("an empty list would never remind anyone; write all, or remove the rule")
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> Rule:
        if self.kind == "phase_start":
            if self.audience == "owing":
                raise ValueError("audience owing needs a deadline rule: a phase start is owed by nobody")
            if self.deliverables is not None:
                raise ValueError("deliverables only apply to deadline rules")
        for field in ("phases", "deliverables"):
            keys = getattr(self, field) or ()
            if len(set(keys)) != len(keys):
                raise ValueError(f"{field} lists a key twice")
        return self

    def applies_to(self, phase_key: str, deliverable_key: str | None = None) -> bool:
        """True if this rule covers the phase (and, for deadlines, the deliverable)."""
        if self.phases is not None and phase_key not in self.phases:
            return False
        if deliverable_key is not None and self.deliverables is not None:
            return deliverable_key in self.deliverables
        return True


class ReminderRules(Strict):
    """Everything in ``reminders.yaml``: quiet hours and the list of rules."""

    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    rules: list[Rule] = Field(description="required, so an emptied file is an error; [] turns reminders off")

    @field_validator("rules")
    @classmethod
    def _unique_keys(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.key in seen:
                raise ValueError(f"two rules are named {rule.key!r}; rule keys must be unique")
            seen.add(rule.key)
        return rules

    def check_against(self, campaign: Campaign) -> None:
        """Raise ValueError if a rule names a deliverable the campaign does not have."""
        known = {d.key for p in campaign.phases for d in p.deliverables}
        for i, rule in enumerate(self.rules):
            unknown = [k for k in rule.deliverables or () if k not in known]
            if unknown:
                raise ValueError(
                    f"rules[{i}] ({rule.key}) › deliverables: unknown {', '.join(unknown)}; "
                    f"the campaign has {', '.join(sorted(known))}"
                )


def rules_path() -> Path:
    """Where ``load_rules`` looks by default: beside the rubric (``DUCHA_RUBRIC_DIR`` or the package)."""
    return Path(os.environ.get("DUCHA_RUBRIC_DIR") or DATA_DIR) / RULES_FILE


def load_rules(path: Path | str | None = None, campaign: Campaign | None = None) -> ReminderRules:
    """Read and validate ``reminders.yaml`` (default: ``rules_path()``).

    With ``campaign``, a rule naming an unknown deliverable is an error too. Raises
    ``RubricError`` with the file, rule and field for anything wrong.
    """
    file = Path(path) if path is not None else rules_path()
    data = _read_yaml(file)
    if data is None:
        data = {}  # an empty file: reported as a missing `rules`, not read as "no reminders"
    rules = _validate(ReminderRules, data, file)
    if campaign is not None:
        try:
            rules.check_against(campaign)
        except ValueError as exc:
            raise RubricError(f"{file}: {exc}") from None
    return rules
