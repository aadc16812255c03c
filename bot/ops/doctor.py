"""`ducha doctor`: every check an operator needs before (and after) putting the bot into
service, each explained in one Chinese line; a failure makes the exit code non-zero.

Checks: configuration (rubric data, admin ids, round, webhook secret), the token's shape and
getMe through the configured server and proxy, the database reachable and its migrations
current, this round's calendar (phases in order, dates in this year), a CJK font for the
charts, and write access to the data folder. Nothing is changed: no migration runs, no file
is left behind.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.common import texts
from bot.common.config import ConfigError


class Status(str, Enum):
    ok = "ok"
    warn = "warn"
    fail = "fail"


MARK = {Status.ok: "✔", Status.warn: "⚠", Status.fail: "✘"}


@dataclass(frozen=True)
class Check:
    title: str
    status: Status
    detail: str

    def line(self) -> str:
        return f"{MARK[self.status]} {self.title}：{self.detail}"


class Doctor:
    """Runs the checks in order; later ones are skipped when what they need failed."""

    def __init__(self, telegram: Callable[[object], dict], env: dict[str, str] | None = None,
                 today: dt.date | None = None) -> None:
        """``telegram(settings)`` calls getMe and returns the bot's user (the shell passes
        bot.delivery.connect.check_bot: the core imports nothing of Telegram)."""
        self.env = dict(os.environ) if env is None else env
        self.today = today or dt.date.today()
        self.telegram = telegram
        self.checks: list[Check] = []
        self.rubric = None
        self.db = None

    def add(self, title: str, status: Status, detail: str) -> None:
        self.checks.append(Check(title, status, detail))

    def run(self) -> list[Check]:
        self.configuration()
        self.token()
        self.database()
        self.calendar()
        self.font()
        self.folder()
        if self.db is not None:
            self.db.engine.dispose()
        return self.checks

    @property
    def failed(self) -> bool:
        return any(c.status is Status.fail for c in self.checks)

    # --- the checks ---------------------------------------------------------------------

    def configuration(self) -> None:
        from bot.common.config import admin_ids
        from bot.ops.settings import SECRET_PATTERN
        from rubric_data.loader import RubricError, load_rubric

        t = texts.DOCTOR_CONFIG
        try:
            self.rubric = load_rubric()
        except RubricError as exc:
            self.add(t, Status.fail, texts.DOCTOR_RUBRIC_BAD.format(error=str(exc).splitlines()[0][:200]))
            return
        try:
            admins = admin_ids(self.env)
        except ConfigError as exc:
            self.add(t, Status.fail, str(exc))
            return
        secret = (self.env.get("TELEGRAM_WEBHOOK_SECRET") or "").strip()
        if secret and not SECRET_PATTERN.match(secret):
            self.add(t, Status.fail, texts.OPS_BAD_WEBHOOK_SECRET)
            return
        tasks = sum(len(table.tasks) for table in self.rubric.tables.values())
        detail = texts.DOCTOR_CONFIG_OK.format(tasks=tasks, version=self.rubric.version, admins=len(admins))
        self.add(t, Status.ok if admins else Status.warn, detail if admins else detail + texts.DOCTOR_NO_ADMINS)

    def token(self) -> None:
        from bot.common.config import telegram_settings

        t = texts.DOCTOR_TOKEN
        try:
            settings = telegram_settings(self.env)
        except ConfigError as exc:
            self.add(t, Status.fail, str(exc))
            return
        try:
            me = self.telegram(settings)
        except ConfigError as exc:
            self.add(t, Status.fail, str(exc))
            return
        where = settings.base_url or "api.telegram.org"
        via = texts.DOCTOR_VIA_PROXY if settings.proxy or self.env.get("HTTPS_PROXY") or self.env.get("https_proxy") else ""
        self.add(t, Status.ok, texts.DOCTOR_TOKEN_OK.format(username=me.get("username", "?"), id=me.get("id", "?"), where=where, via=via))

    def database(self) -> None:
        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory
        from alembic.config import Config
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import SQLAlchemyError

        from bot.storage.db import MIGRATIONS, Database, database_url, make_engine

        t = texts.DOCTOR_DATABASE
        url = database_url(self.env)
        shown = make_url(url).render_as_string(hide_password=True)
        if url.startswith("sqlite"):
            path = make_url(url).database or ""
            if path and path != ":memory:" and not Path(path).is_file():
                self.add(t, Status.warn, texts.DOCTOR_DB_NEW.format(url=shown))
                return
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(config).get_current_head()
        known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
        try:
            self.db = Database(make_engine(url))
            with self.db.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
        except SQLAlchemyError as exc:
            self.db = None
            self.add(t, Status.fail, texts.DOCTOR_DB_DOWN.format(url=shown, error=type(getattr(exc, "orig", exc) or exc).__name__))
            return
        if current == head:
            self.add(t, Status.ok, texts.DOCTOR_DB_OK.format(url=shown, revision=head))
        elif current is None:
            self.add(t, Status.warn, texts.DOCTOR_DB_NEW.format(url=shown))
        elif current in known:
            self.add(t, Status.warn, texts.DOCTOR_DB_BEHIND.format(url=shown, current=current, head=head))
        else:
            self.add(t, Status.fail, texts.DOCTOR_DB_AHEAD.format(url=shown, current=current, head=head))
        if self.db.engine.dialect.name == "postgresql" and shutil.which("pg_dump") is None:
            self.add(texts.DOCTOR_BACKUP_TOOL, Status.warn, texts.OPS_PG_TOOL_MISSING.format(tool="pg_dump"))

    def calendar(self) -> None:
        from bot.common.config import campaign_round
        from bot.rounds import RoundCalendars, campaign_file_from_env, resolve_round

        t = texts.DOCTOR_CALENDAR
        if self.rubric is None:
            return
        campaign = self.rubric.campaign
        default = str(campaign.year)
        try:
            calendars = RoundCalendars(campaign, campaign_round(self.env) or default, campaign_file_from_env(self.env))
            if self.db is not None and self._migrated():
                calendars.round = self.db.call(lambda s: resolve_round(s, campaign_round(self.env), default, _now(), record=False))
                calendar = self.db.call(calendars.get)
            else:
                calendar = calendars.without_database()
        except ConfigError as exc:
            self.add(t, Status.fail, str(exc))
            return
        dated = [p for p in calendar.phases if p.start or p.end]
        for p in dated:
            if p.start and p.end and p.start > p.end:
                self.add(t, Status.fail, texts.DOCTOR_CAL_BACKWARDS.format(phase=p.name, start=p.start, end=p.end))
                return
        for a, b in zip(dated, dated[1:]):
            a_end, b_start = a.end or a.start, b.start or b.end
            if a_end and b_start and b_start < a_end:
                self.add(t, Status.fail, texts.DOCTOR_CAL_ORDER.format(first=a.name, second=b.name, end=a_end, start=b_start))
                return
        years = sorted({d.year for p in dated for d in (p.start, p.end) if d})
        if not years:
            self.add(t, Status.fail, texts.DOCTOR_CAL_EMPTY)
            return
        if not any(self.today.year <= y <= self.today.year + 1 for y in years):
            self.add(t, Status.fail, texts.DOCTOR_CAL_OLD.format(years="、".join(map(str, years)), year=self.today.year))
            return
        first = min(d for p in dated for d in (p.start, p.end) if d)
        last = max(d for p in dated for d in (p.start, p.end) if d)
        self.add(t, Status.ok, texts.DOCTOR_CAL_OK.format(name=calendar.name, phases=len(dated), first=first, last=last))

    def _migrated(self) -> bool:
        return any(c.title == texts.DOCTOR_DATABASE and c.status is Status.ok for c in self.checks)

    def font(self) -> None:
        from bot.files.progress import cjk_font

        found = cjk_font()
        if found is None:
            self.add(texts.DOCTOR_FONT, Status.warn, texts.DOCTOR_FONT_MISSING)
        else:
            self.add(texts.DOCTOR_FONT, Status.ok, texts.DOCTOR_FONT_OK.format(font=found.family))

    def folder(self) -> None:
        from bot.ops.settings import data_dir

        folder = data_dir(self.env)
        t = texts.DOCTOR_FOLDER
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", delete=True) as fh:
                fh.write(b"ok")
                fh.flush()
        except OSError as exc:
            self.add(t, Status.fail, texts.DOCTOR_FOLDER_BAD.format(path=folder.resolve(), error=type(exc).__name__))
            return
        usage = shutil.disk_usage(folder)
        free = usage.free / 2**30
        status = Status.ok if free >= 1 else Status.warn
        self.add(t, status, texts.DOCTOR_FOLDER_OK.format(path=folder.resolve(), free=f"{free:.1f}"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)

