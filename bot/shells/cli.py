"""The `ducha` command line: ask, chat, run, and rubric checks."""

from __future__ import annotations

import json
import logging
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import typer

from bot.common import texts
from bot.shells.cli_inspection import group_app, inspection_report, inspector_invite
from bot.shells.cli_inspection import ranking as ranking_command
from bot.shells.cli_members import invite_list, invite_revoke, members_app
from rubric_data.loader import RubricError, load_rubric

app = typer.Typer(no_args_is_help=True, add_completion=False, help="ducha-bot: 督察工作助手")
rubric_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["rubric"])
db_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["db"])
invite_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["invite"])
campaign_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["campaign"])
remind_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["remind"])
broadcast_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["broadcast"])
questions_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["questions"])
app.add_typer(rubric_app, name="rubric")
app.add_typer(db_app, name="db")
app.add_typer(invite_app, name="invite")
app.add_typer(campaign_app, name="campaign")
app.add_typer(remind_app, name="remind")
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(group_app, name="group")
app.add_typer(members_app, name="members")
app.add_typer(questions_app, name="questions")
invite_app.command("list", help=texts.CLI_HELP["invite list"])(invite_list)
invite_app.command("revoke", help=texts.CLI_HELP["invite revoke"])(invite_revoke)


class TableChoice(str, Enum):
    party = "party"
    government = "government"


class ExportFormat(str, Enum):
    json = "json"


class FileFormat(str, Enum):
    xlsx = "xlsx"
    docx = "docx"


class Role(str, Enum):
    party = "party"
    government = "government"
    department = "department"
    coordinator = "coordinator"
    inspector = "inspector"


class ReportKind(str, Enum):
    inspection = "inspection"
    rectification = "rectification"


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _engine():
    """Load and validate the rubric, then build the engine; a data error is one clear message."""
    from bot.qa.engine import Engine

    try:
        return Engine(load_rubric())
    except RubricError as exc:
        _fail(f"{texts.CLI_RUBRIC_ERROR}\n{exc}")


@app.command(help=texts.CLI_HELP["ask"])
def ask(
    question: Optional[str] = typer.Argument(None, help="问题，如 第10项怎么得分"),
    table: Optional[TableChoice] = typer.Option(None, "--table", help="问题未写明哪张表时按此表回答：party（党委表）或 government（政府表）"),
    as_json: bool = typer.Option(False, "--json", help="每个回答输出一行 JSON"),
    batch: Optional[str] = typer.Option(None, "--batch", help="每行一个问题的文件，- 表示从标准输入读"),
    eval_file: Optional[Path] = typer.Option(None, "--eval", help="用问题集（tests/data/questions.yaml 格式）检验回答准确率"),
) -> None:
    """Answer a question (or a file of questions) and print the answer; --eval measures a question set."""
    engine = _engine()
    hint = table.value if table else None
    if eval_file is not None:
        from bot.qa.evaluate import QuestionSetError, run_eval

        try:
            typer.echo(run_eval(engine, eval_file, as_json))
        except QuestionSetError as exc:
            _fail(str(exc))
        return

    calendar = _calendar(engine)

    def emit(q: str) -> None:
        answer = engine.answer(q, hint, calendar=calendar, today=_today(engine))
        if as_json:
            typer.echo(json.dumps(answer.as_json(), ensure_ascii=False))
        else:
            typer.echo(answer.text)

    if batch is not None:
        if batch == "-":
            stream = sys.stdin
        else:
            path = Path(batch)
            if not path.is_file():
                _fail(texts.CLI_FILE_MISSING.format(path=batch))
            stream = path.open(encoding="utf-8", errors="replace")
        with stream:
            for line in stream:
                emit(line.rstrip("\n"))
        return
    if question is None:
        _fail("请给出问题，例如：ducha ask \"第10项怎么得分\"，或用 --batch 文件。")
    emit(question)


def _database():
    """The database, migrated to the newest schema; a connection problem is one clear line."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.db import Database

    try:
        return Database.from_env()
    except SQLAlchemyError as exc:
        _fail(f"无法打开数据库（{type(exc).__name__}），请检查 DATABASE_URL。")


def _selfcheck(engine, db):
    """The self-check service in this round: DUCHA_ROUND checked against the database."""
    from bot.common.config import ConfigError, admin_ids, campaign_round
    from bot.common.reply import utc_now
    from bot.rounds import resolve_round
    from bot.scoring.selfcheck import SelfCheck

    try:
        default = str(engine.rubric.campaign.year)
        round_ = db.call(lambda s: resolve_round(s, campaign_round(), default, utc_now()))
        return SelfCheck(engine.rubric, admin_ids=admin_ids(), round_=round_)
    except ConfigError as exc:
        _fail(str(exc))


def _calendar(engine):
    """This round's calendar for answers: from the database when there is one, else the
    notice's (with DUCHA_CAMPAIGN_FILE). Asking never creates a database."""
    from bot.common.config import ConfigError, campaign_round
    from bot.common.reply import utc_now
    from bot.rounds import RoundCalendars, campaign_file_from_env, resolve_round
    from bot.storage.db import DEFAULT_SQLITE, database_url

    campaign = engine.rubric.campaign
    default = str(campaign.year)
    calendars = RoundCalendars(campaign, campaign_round() or default, campaign_file_from_env())
    url = database_url()
    if url.startswith("sqlite") and not Path(url.split(":///", 1)[-1] or DEFAULT_SQLITE).is_file():
        return calendars.without_database()
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.db import Database

    try:
        db = Database.from_env(migrate=False)  # read only: asking never changes the database
        key = db.call(lambda s: resolve_round(s, campaign_round(), default, utc_now(), record=False))
        calendars.round = key
        return db.call(calendars.get)
    except ConfigError as exc:
        _fail(str(exc))
    except SQLAlchemyError:  # no database yet, or one the bot has not migrated: the notice's dates
        return calendars.without_database()


@app.command(help=texts.CLI_HELP["chat"])
def chat(
    table: Optional[TableChoice] = typer.Option(None, "--table", help="问题未写明哪张表时按此表回答"),
    user: Optional[str] = typer.Option(None, "--user", help="以此用户名进入（绑定单位、自评打分、协调员命令）"),
    out: Path = typer.Option(Path("out"), "--out", help="对话中生成的文件保存到此文件夹"),
) -> None:
    """Talk to the bot in this terminal: no token, no network."""
    from bot.shells.terminal import ChatSession, run_chat

    engine = _engine()
    hint = table.value if table else None
    if user is None:
        run_chat(ChatSession(engine, hint, calendar=_calendar(engine)))
        return
    db = _database()
    run_chat(ChatSession(engine, hint, db, _selfcheck(engine, db), user, out))


@db_app.command("upgrade", help=texts.CLI_HELP["db upgrade"])
def db_upgrade() -> None:
    """Apply every pending migration (also done at each start of the bot)."""
    from sqlalchemy.engine import make_url

    from bot.storage.db import database_url

    _database()
    typer.echo(f"数据库已是最新结构：{make_url(database_url()).render_as_string(hide_password=True)}")


@invite_app.command("create", help=texts.CLI_HELP["invite create"])
def invite_create(
    unit: Optional[str] = typer.Option(None, "--unit", help="单位名称（rubric_data/units.yaml 中的），如 华龙区"),
    role: Role = typer.Option(..., "--role", help="身份：party（党委）、government（政府）、department（市直部门）、coordinator（协调员）或 inspector（督察组成员）"),
    group: Optional[str] = typer.Option(None, "--group", help="督察组成员加入的督察组，如 第一督察组"),
    uses: int = typer.Option(1, "--uses", help="可使用的人数"),
    expires: Optional[str] = typer.Option(None, "--expires", help="有效期，如 7d（7天）、12h（12小时）、2w（2周）"),
    bot_username: Optional[str] = typer.Option(None, "--bot", envvar="TELEGRAM_BOT_USERNAME", help="机器人用户名（用于生成链接）"),
) -> None:
    """Create an invite code and print it with its t.me deep link."""
    from bot.scoring.selfcheck import InviteError, parse_duration

    engine = _engine()
    try:
        lifetime = parse_duration(expires) if expires else None
    except ValueError as exc:
        _fail(str(exc))
    if role == Role.inspector or group:
        if not group or role != Role.inspector:
            _fail("督察组成员的邀请码请写 --group 督察组名称 --role inspector。")
        invite = inspector_invite(group, uses, lifetime)
        unit = group
    else:
        if not unit and role == Role.coordinator:
            unit = texts.COORDINATOR_UNIT  # coordinators have one binding; no need to type it
        if not unit:
            _fail("请用 --unit 指定单位，例如 --unit 华龙区。")
        db = _database()
        service = _selfcheck(engine, db)
        try:
            invite = db.call(lambda s: service.create_invite(s, unit, role.value, uses, lifetime, created_by="cli"))
        except InviteError as exc:
            _fail(str(exc))
    name = (bot_username or "").strip().lstrip("@") or _configured_bot_username()
    typer.echo(invite.code)
    if name:
        typer.echo(f"https://t.me/{name}?start={invite.code}")
    else:  # no username to make a link with: say how to get one, and how the code is used alone
        typer.echo(texts.INVITE_NO_LINK.format(code=invite.code))
    from bot.common.format import fmt_local

    tz = ZoneInfo(engine.rubric.campaign.timezone)
    until = fmt_local(invite.expires_at, tz) if invite.expires_at else texts.INVITE_NO_EXPIRY
    label = texts.ROLE_LABEL.get(role.value, role.value)
    typer.echo(texts.INVITE_CREATED.format(unit=unit, role=label, uses=uses, until=until), err=True)


def _configured_bot_username() -> str | None:
    """The bot's username from Telegram (getMe) when a token is configured; None without a
    token, or when Telegram cannot be asked (the code is printed without a link then)."""
    if not (os.environ.get("TELEGRAM_BOT_TOKEN") or "").strip():
        return None
    import asyncio

    from bot.common.config import telegram_settings
    from bot.delivery.connect import check_bot

    try:
        me = asyncio.run(check_bot(telegram_settings()))
    except Exception as exc:  # unreachable, a wrong token: no link, and say why in the log
        logging.getLogger(__name__).info("getMe for the invite link failed: %s", type(exc).__name__)
        return None
    return me.get("username") or None


@app.command(help=texts.CLI_HELP["export"])
def export(
    unit: str = typer.Option(..., "--unit", help="单位名称，如 华龙区"),
    table: TableChoice = typer.Option(..., "--table", help=texts.CLI_OPTION_HELP["export --table"]),
    fmt: Optional[FileFormat] = typer.Option(None, "--format", help=texts.CLI_OPTION_HELP["export --format"]),
    report: Optional[ReportKind] = typer.Option(None, "--report", help="inspection：督察组的督察报告；rectification：本单位的整改报告（.docx）"),
    out: Optional[Path] = typer.Option(None, "--out", help="写入的文件或文件夹（默认当前文件夹）"),
) -> None:
    """Write a unit's score sheet (xlsx) or self-check report draft (docx), or with --report
    inspection the inspection group's 督察报告 of the unit."""
    if report == ReportKind.inspection:
        inspection_report(unit, table.value, out)
        return
    if report == ReportKind.rectification:
        _, db, coord = _coordination()
        if unit not in {u.name for u in coord.rubric.units}:
            _fail(texts.RECT_UNKNOWN_UNIT.format(unit=unit))
        f = db.call(lambda s: coord.reports.file(s, unit, table.value))
        target = out or Path(".")
        path = target / f.name if target.is_dir() or not target.suffix else target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
        typer.echo(str(path))
        return
    if fmt is None:
        _fail("请用 --format xlsx|docx 指定文件，或 --report inspection 导出督察报告。")
    engine = _engine()
    db = _database()
    service = _selfcheck(engine, db)

    def produce(s):
        a = service.find_assessment(s, unit, table.value)
        return None if a is None else service.export(s, a, fmt.value)

    outcome = db.call(produce)
    if outcome is None:
        name = db.call(service.calendars.get).name
        _fail(texts.CLI_NO_ASSESSMENT.format(unit=unit, table=texts.TABLE_LABEL[table.value], round=name))
    f = outcome.files[0]
    target = out or Path(".")
    path = target / f.name if target.is_dir() or not target.suffix else target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f.data)
    typer.echo(str(path))
    if f.caption:
        typer.echo(f.caption, err=True)


@rubric_app.command("validate", help=texts.CLI_HELP["rubric validate"])
def rubric_validate() -> None:
    """Validate every data file; exit 2 with the file, task and field on any error."""
    try:
        rubric = load_rubric()
    except RubricError as exc:
        _fail(f"{texts.CLI_RUBRIC_ERROR}\n{exc}")
    typer.echo(
        texts.CLI_RUBRIC_OK.format(
            party=len(rubric.tables["party"].tasks),
            government=len(rubric.tables["government"].tasks),
            points=100,
            version=rubric.version,
        )
    )


@rubric_app.command("export", help=texts.CLI_HELP["rubric export"])
def rubric_export(fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", help="输出格式")) -> None:
    """Print the whole validated rubric: tables, tasks, criteria and levels, phases with ISO dates."""
    try:
        rubric = load_rubric()
    except RubricError as exc:
        _fail(f"{texts.CLI_RUBRIC_ERROR}\n{exc}")
    payload = {"version": rubric.version, **rubric.model_dump(mode="json", by_alias=True)}
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def _today(engine):
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(engine.rubric.campaign.timezone)).date()


def _coordination(now: Optional[str] = None):
    """Engine, database and coordination services, with the clock fixed at ``now`` if given."""

    from bot.coordination.service import Coordination

    engine = _engine()
    db = _database()
    service = _selfcheck(engine, db)
    if now:
        fixed = _parse_time(now, service.tz)
        service.clock = lambda: fixed
    return engine, db, Coordination(service)


def _parse_time(text: str, tz):
    """ISO date-time; a value without a zone is Asia/Shanghai (the campaign's zone)."""
    import datetime as dt

    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        _fail(f"无法识别时间“{text}”，请使用 2020-08-07T09:00 这样的格式。")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.timezone.utc)


@campaign_app.command("show", help=texts.CLI_HELP["campaign show"])
def campaign_show() -> None:
    """Print this round's phases, dates and deliverables."""
    _, db, c = _coordination()
    typer.echo(db.call(lambda s: c.calendar(s).text))


def checked(db, fn, err: bool = False):
    """Run a core call through the runner every shell uses (bot/actions.py): a refusal is
    logged and, unless it is about what was typed, audited as 命令行; its Chinese text is
    printed and the command exits with 2."""
    from bot.actions import Runner
    from bot.common.errors import Refusal

    try:
        return Runner(db).check(None, fn)
    except Refusal as no:
        typer.echo(no.text, err=err)
        raise typer.Exit(2) from None


def _calendar_result(out) -> None:
    """Print a calendar command's replies; a date that needs confirming exits with 2."""
    from bot.common.callbacks import CoordOp

    typer.echo("\n".join(a.text for a in out.replies))
    asks = any(isinstance(b.action, CoordOp) and b.action.op in ("cal_set", "cal_shift") for a in out.replies for row in a.buttons for b in row)
    if asks:
        import datetime as dt

        typer.echo(texts.CAL_CLI_CONFIRM.format(example=f"{dt.date.today().year + 1}-01-22"), err=True)
    if asks:
        raise typer.Exit(2)


@campaign_app.command("set", help=texts.CLI_HELP["campaign set"])
def campaign_set(
    phase: str = typer.Argument(..., help="阶段：自查阶段、实地督察阶段… 或 self_check 等"),
    start: Optional[str] = typer.Option(None, "--start", help="开始日期，如 2026-12-01、2026/12/1、12月1日"),
    end: Optional[str] = typer.Option(None, "--end", help="结束日期，写法同上"),
    yes: bool = typer.Option(False, "--yes", help="日期已过或超过一年时，确认照此设定"),
) -> None:
    """Set a phase's dates for this round, as typed (audited); odd dates need --yes."""
    _, db, c = _coordination()
    _calendar_result(checked(db, lambda s: c.campaign_request(s, None, phase, [start or "-", end or "-"], confirmed=yes)))


@campaign_app.command("shift", help=texts.CLI_HELP["campaign shift"])
def campaign_shift(
    start: str = typer.Option(..., "--start", help="自查阶段的开始日期，如 2026-12-01"),
    yes: bool = typer.Option(False, "--yes", help="日期已过或超过一年时，确认照此设定"),
) -> None:
    """Move the whole calendar: the self-check starts on --start, the notice's spacing kept."""
    _, db, c = _coordination()
    _calendar_result(checked(db, lambda s: c.campaign_request(s, None, "全部", [start], confirmed=yes)))


@campaign_app.command("new-round", help=texts.CLI_HELP["campaign new-round"])
def campaign_new_round(key: str = typer.Argument(..., help="新一轮的名称，如 2027")) -> None:
    """Start a new round: the notice's calendar, assessments from nothing; earlier rounds are kept."""
    from bot.common.reply import utc_now
    from bot.rounds import start_round
    from bot.storage.models import AuditEntry

    db = _database()

    def begin(s):
        now = utc_now()
        start_round(s, key, texts.CLI_ACTOR, now)
        s.add(AuditEntry(at=now, actor=texts.CLI_ACTOR, action="round.start", detail=key))

    try:
        db.call(begin)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(texts.ROUND_STARTED.format(key=key))


@remind_app.command("list", help=texts.CLI_HELP["remind list"])
def remind_list(now: Optional[str] = typer.Option(None, "--now", help="按此时间计算（如 2026-12-07T09:00，北京时间）")) -> None:
    """What will be sent when, and to how many; where the copies of recent ones stand (not
    delivered, of unknown fate, waiting to retry)."""
    _, db, c = _coordination(now)
    for line in db.call(lambda s: c.reminders.listing(s, c.clock())) or [texts.REMIND_NONE]:
        typer.echo(line)


def _bot():
    """A Bot for one-shot sends: its start-up check fails with one line (bot.delivery.connect)."""
    from bot.common.config import ConfigError, telegram_settings
    from bot.delivery.client import telegram_bot

    try:
        settings = telegram_settings()
    except ConfigError as exc:
        _fail(str(exc))
    return telegram_bot(settings)


@remind_app.command("run-due", help=texts.CLI_HELP["remind run-due"])
def remind_run_due(now: Optional[str] = typer.Option(None, "--now", help="按此时间计算（如 2026-12-07T09:00，北京时间）")) -> None:
    """Send what is due (reminders, scheduled broadcasts, the digest); safe beside a running bot."""
    import asyncio

    from bot.delivery.dispatch import Dispatcher

    _, db, c = _coordination(now)
    bot = _bot()

    async def run():
        async with bot:
            return await Dispatcher(db, c).tick(bot, c.clock())

    report = asyncio.run(run())
    sent = lambda r: r.sent if r else 0  # noqa: E731
    typer.echo(f"提醒 {sent(report.reminders)} 条，通知 {sent(report.broadcasts)} 条，错过 {report.missed} 个，日报 {report.digests} 份")


@broadcast_app.command("send", help=texts.CLI_HELP["broadcast send"])
def broadcast_send(
    text: str = typer.Option(..., "--text", help="通知内容（可用 Telegram HTML 标签，如 <b>加粗</b>）"),
    audience: str = typer.Option(..., "--audience", help="对象：全部、党委、政府、部门、单位名称（华龙区,范县）、未提交、整改未完成"),
    at: Optional[str] = typer.Option(None, "--at", help="定时发送（如 2026-12-07T09:00，北京时间），不写则立即发送"),
    file: Optional[Path] = typer.Option(None, "--file", help="随通知发送的文件"),
) -> None:
    """Create a broadcast, print its id, and send it now unless --at is given."""
    import asyncio

    from bot.delivery.dispatch import LOCAL_FILE, Dispatcher

    _, db, c = _coordination()
    send_at = _parse_time(at, c.tz) if at else None
    file_id = None
    if file is not None:
        if not file.is_file():
            _fail(texts.CLI_FILE_MISSING.format(path=file))
        # uploaded with the first recipient's own copy when the notice is sent (bot/delivery/dispatch.py)
        file_id = f"{LOCAL_FILE}{file.resolve()}"
        if len(file_id) > 256:
            _fail(texts.CLI_FILE_PATH_LONG.format(path=file))
    made = db.call(lambda s: c.create_broadcast(s, None, audience, text, send_at, file_id, file.name if file else None))
    if isinstance(made, str):
        _fail(made)
    from bot.coordination.broadcasts import notice_name

    typer.echo(made.id)
    typer.echo(texts.CLI_BROADCAST_MADE.format(name=notice_name(made, c.tz), id=made.id), err=True)
    if send_at is None:
        bot = _bot()

        async def run():
            async with bot:
                return await Dispatcher(db, c).send_broadcasts(bot, c.clock())

        report = asyncio.run(run())
        typer.echo(_send_summary(report, made.id), err=True)


def _send_summary(report, broadcast_id: int) -> str:
    """What one send did, in one line: sent, failed, retrying later, unknown."""
    if report is None:
        return texts.CLI_BROADCAST_SENT.format(sent=0, failed=0)
    line = texts.CLI_BROADCAST_SENT.format(sent=report.sent, failed=report.failed + report.blocked)
    if report.deferred:
        line += texts.CLI_BROADCAST_DEFERRED.format(count=report.deferred)
    if report.unconfirmed:
        line += texts.CLI_BROADCAST_UNKNOWN.format(count=report.unconfirmed, id=broadcast_id)
    return line


@broadcast_app.command("resend", help=texts.CLI_HELP["broadcast resend"])
def broadcast_resend(
    broadcast_id: int = typer.Argument(..., help=texts.CLI_OPTION_HELP["broadcast BROADCAST_ID"]),
    yes: bool = typer.Option(False, "--yes", help="不再询问，直接重新发送"),
) -> None:
    """Resend a notice's copies whose fate is unknown, after the warning that some may arrive twice."""
    import asyncio

    from bot.delivery.dispatch import Dispatcher

    from bot.storage.models import Broadcast

    _, db, c = _coordination()

    def ask(s):
        if s.get(Broadcast, broadcast_id) is None:
            return None
        question = c.resend_question(s, None, broadcast_id).replies[0]
        return question.text, bool(question.buttons)

    asked = db.call(ask)
    if asked is None:
        _fail(f"没有编号为 {broadcast_id} 的通知。")
    text, can_resend = asked
    typer.echo(text)
    if not can_resend:
        return
    if not yes and not typer.confirm(texts.CLI_RESEND_CONFIRM, default=False):
        typer.echo(texts.CLI_RESEND_ABORTED)
        raise typer.Exit(1)
    done = checked(db, lambda s: c.resend_unknown(s, None, broadcast_id))
    typer.echo("\n".join(a.text for a in done.replies))
    bot = _bot()

    async def run():
        async with bot:
            return await Dispatcher(db, c).send_broadcasts(bot, c.clock())

    report = asyncio.run(run())
    typer.echo(_send_summary(report, broadcast_id), err=True)


@broadcast_app.command("status", help=texts.CLI_HELP["broadcast status"])
def broadcast_status(broadcast_id: int = typer.Argument(..., help=texts.CLI_OPTION_HELP["broadcast BROADCAST_ID"])) -> None:
    """Sent, failed and acknowledged counts, and the units that have not acknowledged."""
    from bot.storage.models import Broadcast

    _, db, c = _coordination()

    def status(s):
        b = s.get(Broadcast, broadcast_id)
        return None if b is None else c.page(s, b).text

    text = db.call(status)
    if text is None:
        _fail(f"没有编号为 {broadcast_id} 的通知。")
    typer.echo(text)


@app.command(help=texts.CLI_HELP["progress"])
def progress(out: Path = typer.Option(Path("out"), "--out", help="进度图和进度表保存到此文件夹")) -> None:
    """Every unit's progress; writes the PNG chart and the .xlsx to --out."""
    _, db, c = _coordination()
    result = db.call(lambda s: c.progress(s, None))
    typer.echo("\n".join(a.text for a in result.replies))
    for f in result.files:
        out.mkdir(parents=True, exist_ok=True)
        (out / f.name).write_bytes(f.data)
        typer.echo(str(out / f.name))


@app.command(help=texts.CLI_HELP["audit"])
def audit(limit: int = typer.Option(50, "--limit", help=texts.CLI_OPTION_HELP["audit --limit"])) -> None:
    """Coordinator actions and refusals, newest first: who, when, what."""
    _, db, c = _coordination()
    rows = db.call(lambda s: c.audit_log(s, limit))
    for r in rows:
        typer.echo(texts.AUDIT_LINE.format(at=c.local(r.at), actor=r.actor, action=texts.AUDIT_ACTIONS.get(r.action, r.action), detail=_audit_detail(r.detail)))
    if not rows:
        typer.echo(texts.AUDIT_EMPTY)


app.command("ranking", help=texts.CLI_HELP["ranking"])(ranking_command)

# The operator's commands (run, doctor, backup, restore) live in bot/shells/ops.py.
from bot.shells import ops as _ops  # noqa: E402

_ops.register(app)


def _audit_detail(detail: str) -> str:
    """An audit entry's detail with the stored English words (party, uses=3) in Chinese."""
    import re

    return re.sub(r"\b(party|government|department|coordinator|uses)\b", lambda m: texts.AUDIT_TERMS[m.group(1)], detail)


@questions_app.command("unanswered", help=texts.CLI_HELP["questions unanswered"])
def questions_unanswered(
    since: Optional[str] = typer.Option(None, "--since", help="从这一天起（YYYY-MM-DD，北京时间）；默认最近30天"),
) -> None:
    """Questions the bot refused or was unsure of, and answers marked 没帮助: words to add to the lexicon."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.learning.log import QuestionLog, listing
    from bot.qa import texts as qt

    tz = ZoneInfo(load_rubric().campaign.timezone)
    if since is None:
        start = dt.datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=30)
    else:
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(since), dt.time(), tzinfo=tz)
        except ValueError:
            _fail(qt.UNANSWERED_BAD_SINCE.format(text=since))
    db = _database()
    rows = db.call(lambda s: QuestionLog().to_learn(s, start.astimezone(dt.timezone.utc)))
    for line in listing(rows, f"{start:%Y-%m-%d}", tz, texts.ROLE_LABEL):
        typer.echo(line)


def main() -> None:
    _ops.main(app)


if __name__ == "__main__":
    main()
