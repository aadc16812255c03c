"""This round: which round is current, and its calendar (loaded from the database and kept in
memory). Self-scoring and coordination share one ``RoundCalendars`` per process.

* ``resolve_round`` decides the round key every process stores phase dates and
  assessments under: the round started last, unless DUCHA_ROUND names another. Naming a
  round that does not exist while the current one holds data is refused with an
  explanation instead of silently starting from nothing (``start_round`` begins a new one).
* ``RoundCalendars`` is the one provider of ``RoundCalendar`` for a process. It keeps the
  calendar in memory (a read-through copy: the dates live in the database) and, at most every
  few seconds, checks the round's version (one primary-key read) so a change made by another
  process (the CLI beside the bot) is seen. A change made here marks it stale at once; the
  copy is refreshed by the next read, and until then (or while the database is slow or
  away) ``peek`` still gives this round's last known calendar, so questions about dates are
  answered with this round's dates without waiting for the database.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import event, func, update
from sqlmodel import Session, select

from bot.common import texts
from bot.common.config import ConfigError
from bot.common.rubric import Campaign
from bot.storage.db import insert_new
from bot.storage.models import Assessment, CampaignRound, PhaseDate
from scheduler.calendar import RoundCalendar, round_calendar, validate_window

ROUND_KEY_MAX = 16


class RoundMismatch(ConfigError):
    """DUCHA_ROUND names a round other than the one holding this round's data."""


@dataclass(frozen=True)
class RoundUse:
    key: str
    started_at: dt.datetime
    phase_dates: int
    assessments: int

    @property
    def used(self) -> bool:
        return bool(self.phase_dates or self.assessments)


def rounds(s: Session) -> list[RoundUse]:
    """Every known round with what it holds, the one started last at the end."""
    dates = dict(s.exec(select(PhaseDate.round, func.count()).group_by(PhaseDate.round)).all())
    assessments = dict(s.exec(select(Assessment.round, func.count()).group_by(Assessment.round)).all())
    known = s.exec(select(CampaignRound.key, CampaignRound.started_at).order_by(CampaignRound.started_at, CampaignRound.key)).all()
    out = [RoundUse(k, at, dates.pop(k, 0), assessments.pop(k, 0)) for k, at in known]
    # data written under a round nobody recorded (an older database): known, started first
    for key in sorted(set(dates) | set(assessments)):
        out.insert(0, RoundUse(key, dt.datetime.min.replace(tzinfo=dt.timezone.utc), dates.get(key, 0), assessments.get(key, 0)))
    return out


def start_round(s: Session, key: str, by: str, now: dt.datetime) -> None:
    """Record ``key`` as a round started now (it becomes the current one)."""
    key = key.strip()
    if not key or len(key) > ROUND_KEY_MAX:
        raise ValueError(texts.ROUND_BAD_KEY.format(key=key, limit=ROUND_KEY_MAX))
    if not insert_new(s, CampaignRound, key=key, version=1, started_at=now, started_by=by):
        s.exec(update(CampaignRound).where(CampaignRound.key == key).values(started_at=now, started_by=by))  # type: ignore[call-overload]


def resolve_round(s: Session, requested: str | None, default: str, now: dt.datetime, record: bool = True) -> str:
    """The round key to work in.

    Without DUCHA_ROUND: the round started last (``default``, the notice's year, on a new
    database). With it: that round, if it is known or nothing has been stored yet; a new
    name while the current round holds dates or assessments raises RoundMismatch, which
    says how to continue the round or start a new one deliberately.
    """
    known = rounds(s)
    current = known[-1] if known else None
    if not requested:
        if current is not None:
            return current.key
        if record:
            start_round(s, default, texts.ROUND_STARTED_BY, now)
        return default
    if any(r.key == requested for r in known) or current is None or not current.used:
        if record and not any(r.key == requested for r in known):
            start_round(s, requested, texts.ROUND_STARTED_BY, now)
        return requested
    raise RoundMismatch(
        texts.ROUND_MISMATCH.format(
            requested=requested, current=current.key, dates=current.phase_dates, assessments=current.assessments
        )
    )


def campaign_file_from_env(env: dict[str, str] | None = None) -> Path | None:
    """DUCHA_CAMPAIGN_FILE: a YAML file with this round's phase dates, if set."""
    env = dict(os.environ) if env is None else env
    value = (env.get("DUCHA_CAMPAIGN_FILE") or "").strip()
    return Path(value) if value else None


class RoundCalendars:
    """This round's calendar for one process: read from the database, kept in memory."""

    def __init__(
        self,
        campaign: Campaign,
        round_key: str,
        campaign_file: Path | None = None,
        recheck: float = 5.0,
        monotonic=time.monotonic,
    ) -> None:
        self.campaign = campaign
        self.round = round_key
        self.campaign_file = campaign_file
        self.recheck = recheck
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], RoundCalendar] | None = None
        self._checked = float("-inf")

    # --- reading ---------------------------------------------------------------------

    def file_overrides(self) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """The dates DUCHA_CAMPAIGN_FILE sets, if there is one."""
        out: dict[str, tuple[dt.date | None, dt.date | None]] = {}
        if self.campaign_file:
            data = yaml.safe_load(self.campaign_file.read_text(encoding="utf-8")) or {}
            for key, value in (data.get("phases") or {}).items():
                start, end = value.get("start"), value.get("end")
                validate_window(key, start, end)
                out[key] = (start, end)
        return out

    def without_database(self) -> RoundCalendar:
        """The calendar when there is no database to read: the notice's, with the campaign file."""
        return round_calendar(self.campaign, self.file_overrides())

    def overrides(self, s: Session) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """This round's dates: DUCHA_CAMPAIGN_FILE first, then what coordinators set."""
        out = self.file_overrides()
        for row in s.exec(select(PhaseDate).where(PhaseDate.round == self.round)).all():
            out[row.phase] = (row.start, row.end)
        return out

    def _version(self, s: Session) -> tuple[int, int]:
        version = s.exec(select(CampaignRound.version).where(CampaignRound.key == self.round)).first() or 0
        stamp = 0
        if self.campaign_file is not None:
            try:
                stamp = self.campaign_file.stat().st_mtime_ns
            except OSError:
                stamp = -1
        return version, stamp

    def get(self, s: Session) -> RoundCalendar:
        """The calendar, reloaded only when the round's version (or the campaign file) changed."""
        now = self.monotonic()
        with self._lock:
            cached = self._cached
            if cached is not None and now - self._checked < self.recheck:
                return cached[1]
        version = self._version(s)
        if cached is not None and cached[0] == version:
            with self._lock:
                self._checked = now
            return cached[1]
        calendar = round_calendar(self.campaign, self.overrides(s))
        with self._lock:
            self._cached, self._checked = (version, calendar), now
        return calendar

    def peek(self) -> RoundCalendar | None:
        """The calendar held in memory, if any (possibly a few seconds old, or stale after a
        change not yet read back): what questions use when the database does not answer."""
        with self._lock:
            return self._cached[1] if self._cached else None

    async def current(self, db) -> RoundCalendar:
        """For async handlers: the cached calendar while fresh, else read off the event loop."""
        with self._lock:
            if self._cached is not None and self.monotonic() - self._checked < self.recheck:
                return self._cached[1]
        return await db.read(self.get)

    def hold(self, calendar: RoundCalendar) -> None:
        """Keep ``calendar`` for a shell without a database session (plain `ducha chat`)."""
        with self._lock:
            self._cached, self._checked = ((-1, -1), calendar), self.monotonic()

    # --- changing --------------------------------------------------------------------

    def invalidate(self, *_args) -> None:
        """Read the calendar again before using it (the copy stays for ``peek``)."""
        with self._lock:
            self._checked = float("-inf")

    def changed(self, s: Session, by: str, now: dt.datetime) -> None:
        """Record in this transaction that the calendar changed: every process reloads it."""
        insert_new(s, CampaignRound, key=self.round, version=0, started_at=now, started_by=by)
        s.exec(update(CampaignRound).where(CampaignRound.key == self.round).values(version=CampaignRound.version + 1))  # type: ignore[call-overload]
        with self._lock:
            before = self._cached
        self.invalidate()

        # A read between now and the commit may cache the old calendar (another transaction)
        # or this one's new dates (this transaction): check again after the commit. Should it
        # be rolled back, the copy from before the change comes back.
        def committed(_session) -> None:
            if event.contains(s, "after_rollback", rolled_back):
                event.remove(s, "after_rollback", rolled_back)
            self.invalidate()

        def rolled_back(_session) -> None:
            if event.contains(s, "after_commit", committed):
                event.remove(s, "after_commit", committed)
            with self._lock:
                self._cached, self._checked = before, float("-inf")

        event.listen(s, "after_commit", committed, once=True)
        event.listen(s, "after_rollback", rolled_back, once=True)
