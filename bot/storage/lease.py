"""One running bot per token: a lease row in the database, taken at start and renewed.

Works the same on SQLite and PostgreSQL (a conditional UPDATE, then INSERT … ON CONFLICT DO
NOTHING: of two processes starting at once exactly one gets the row). A holder that was
killed stops renewing; its lease expires after ``ttl`` and the next start takes it over. A
restart on the same host whose previous process is gone takes it over at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import delete, update

from bot.storage.db import Database, insert_new
from bot.storage.models import InstanceLease

logger = logging.getLogger(__name__)
TTL = dt.timedelta(seconds=90)
RENEW_SECONDS = 30


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, Linux), None if it does not
    exist; "?" where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except FileNotFoundError:
        return None
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "?"


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    acquired_at: dt.datetime
    expires_at: dt.datetime


class LeaseHeld(Exception):
    """Another process holds the lease; ``holder`` says which and until when."""

    def __init__(self, holder: Holder) -> None:
        super().__init__(f"held by {holder.host} pid {holder.pid} until {holder.expires_at.isoformat()}")
        self.holder = holder


class InstanceLock:
    """The lease named ``name`` (e.g. ``bot:123456789``) for this process."""

    def __init__(self, db: Database, name: str, *, ttl: dt.timedelta = TTL, clock=None) -> None:
        self.db, self.name, self.ttl = db, name[:64], ttl
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.host = socket.gethostname()[:128]
        self.pid = os.getpid()
        # the start time tells a restarted container's pid 1 from the process that held it
        self.holder = f"{self.host}:{self.pid}:{_start_time(self.pid)}:{secrets.token_hex(6)}"[:200]
        self.held = False

    def _stale_here(self, row: InstanceLease) -> bool:
        """The row is from an earlier process on this host that is gone (its pid is free, or
        taken by a process that started later, as a restarted container's pid 1)."""
        if row.host != self.host:
            return False
        parts = row.holder.split(":")
        started = parts[2] if len(parts) >= 4 else "?"
        now = _start_time(row.pid)
        return now is None or (now != "?" and started != "?" and now != started)

    def acquire(self) -> None:
        """Take the lease or raise ``LeaseHeld``."""

        def take(s) -> Holder | None:
            now = self.clock()
            until = now + self.ttl
            values = dict(holder=self.holder, host=self.host, pid=self.pid, acquired_at=now, expires_at=until)
            done = s.exec(
                update(InstanceLease)
                .where(InstanceLease.name == self.name, InstanceLease.expires_at < now)
                .values(**values)
            )
            if done.rowcount == 1:
                return None
            if insert_new(s, InstanceLease, name=self.name, **values):
                return None
            row = s.get(InstanceLease, self.name)
            if row is None:  # released between our two statements: try once more next time
                return Holder(self.host, self.pid, now, now)
            if self._stale_here(row):
                s.exec(
                    update(InstanceLease)
                    .where(InstanceLease.name == self.name, InstanceLease.holder == row.holder)
                    .values(**values)
                )
                return None
            return Holder(row.host, row.pid, _utc(row.acquired_at), _utc(row.expires_at))

        other = self.db.call(take)
        if other is not None:
            raise LeaseHeld(other)
        self.held = True
        logger.info("instance lease %s taken by %s", self.name, self.holder)

    def renew(self) -> bool:
        """Extend the lease; False if it was lost (another process took it after it expired)."""

        def extend(s) -> bool:
            done = s.exec(
                update(InstanceLease)
                .where(InstanceLease.name == self.name, InstanceLease.holder == self.holder)
                .values(expires_at=self.clock() + self.ttl)
            )
            return done.rowcount == 1

        self.held = self.db.call(extend)
        if not self.held:
            logger.error("instance lease %s was lost: another process runs the bot now", self.name)
        return self.held

    def release(self) -> None:
        if not self.held:
            return
        self.db.call(
            lambda s: s.exec(
                delete(InstanceLease).where(InstanceLease.name == self.name, InstanceLease.holder == self.holder)
            )
        )
        self.held = False
        logger.info("instance lease %s released", self.name)
