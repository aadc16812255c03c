"""The operator's commands: `ducha run` (polling or webhook, health endpoint), `ducha doctor`,
`ducha backup`, `ducha restore`; and the guard that ends every command's configuration error
with one line.

Registered into the typer app of bot/shells/cli.py by ``register(app)``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from bot.common import texts

logger = logging.getLogger(__name__)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def run(
    webhook: Optional[str] = typer.Option(
        None, "--webhook", help=texts.CLI_OPTION_HELP["run --webhook"]
    ),
    listen: str = typer.Option("127.0.0.1", "--listen", help=texts.CLI_OPTION_HELP["run --listen"]),
    port: int = typer.Option(8443, "--port", help=texts.CLI_OPTION_HELP["run --port"]),
    health_port: Optional[int] = typer.Option(None, "--health-port", help=texts.CLI_OPTION_HELP["run --health-port"]),
    health_host: str = typer.Option("0.0.0.0", "--health-host", help=texts.CLI_OPTION_HELP["run --health-host"]),
) -> None:
    """Run the Telegram bot (long polling, or webhook with --webhook), with TELEGRAM_BOT_TOKEN."""
    from bot.common.config import ConfigError, telegram_settings
    from bot.common.logs import setup_logging
    from bot.ops.settings import webhook_settings
    from bot.shells import cli

    try:
        settings = telegram_settings()
        hook = webhook_settings(webhook, listen, port) if webhook else None
    except ConfigError as exc:
        _fail(str(exc))
    import asyncio

    from bot.delivery.connect import check_bot
    from bot.delivery.serve import ServeOptions, serve

    asyncio.run(check_bot(settings))  # token, server and proxy: one line if any is wrong
    engine = cli._engine()
    db = cli._database()
    selfcheck = cli._selfcheck(engine, db)
    setup_logging(logging.INFO)  # from here on the bot runs: full (redacted) logs
    options = ServeOptions(webhook=hook, health_port=health_port, health_host=health_host)
    code = serve(settings, engine, db, selfcheck, options, check=False)
    if code:
        raise typer.Exit(code)


def _summary(rows: dict[str, int]) -> str:
    return texts.OPS_BACKUP_SUMMARY.format(
        people=rows.get("people", 0), assessments=rows.get("assessments", 0), answers=rows.get("answers", 0),
        evidence=rows.get("evidence", 0), rectification=rows.get("rectification_states", 0) + rows.get("rectification_items", 0),
        broadcasts=rows.get("broadcasts", 0),
    )


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def backup_command(
    out: str = typer.Option(..., "--out", help=texts.CLI_OPTION_HELP["backup --out"]),
) -> None:
    """A consistent copy of the whole database, taken while the bot runs (SQLite backup API, or pg_dump)."""
    from bot.ops.backup import BackupError, backup
    from bot.shells import cli

    db = cli._database()
    target = Path(out)
    if out.endswith(("/", "\\")):
        target.mkdir(parents=True, exist_ok=True)
    try:
        result = backup(db, target)
    except BackupError as exc:
        _fail(str(exc))
    typer.echo(texts.OPS_BACKUP_DONE.format(path=result.path, size=_size(result.size), summary=_summary(result.rows)))


def restore_command(
    source: Path = typer.Argument(..., help=texts.CLI_OPTION_HELP["restore SOURCE"]),
    force: bool = typer.Option(False, "--force", help=texts.CLI_OPTION_HELP["restore --force"]),
) -> None:
    """Replace the database's content with a backup (refuses a database in use without --force)."""
    from bot.ops.backup import BackupError, restore
    from bot.shells import cli

    if not source.is_file():
        _fail(texts.CLI_FILE_MISSING.format(path=source))
    db = cli._database()
    try:
        rows = restore(db, source, force=force)
    except BackupError as exc:
        _fail(str(exc))
    typer.echo(texts.OPS_RESTORE_DONE.format(path=source, summary=_summary(rows)))


def doctor() -> None:
    """Check configuration, token (getMe), database and migrations, this round's calendar, the
    CJK font and the data folder; explains each in Chinese and exits 1 if any check fails."""
    import asyncio

    from bot.delivery.connect import check_bot
    from bot.ops.doctor import Doctor, Status

    checks = Doctor(lambda settings: asyncio.run(check_bot(settings))).run()
    for check in checks:
        typer.echo(check.line())
    fail = sum(c.status is Status.fail for c in checks)
    warn = sum(c.status is Status.warn for c in checks)
    if fail:
        typer.echo(texts.DOCTOR_SUMMARY_FAIL.format(fail=fail))
        raise typer.Exit(1)
    typer.echo(texts.DOCTOR_SUMMARY_WARN.format(warn=warn) if warn else texts.DOCTOR_SUMMARY_OK)


def register(app: typer.Typer) -> None:
    """Add the operator's commands to the `ducha` app."""
    app.command("run", help=texts.CLI_HELP["run"])(run)
    app.command("doctor", help=texts.CLI_HELP["doctor"])(doctor)
    app.command("backup", help=texts.CLI_HELP["backup"])(backup_command)
    app.command("restore", help=texts.CLI_HELP["restore"])(restore_command)


# --- one line for every configuration error ------------------------------------------------


def _classify(exc: BaseException) -> tuple[str, int] | None:
    """The operator's line and exit code for an error that is about the set-up, not a bug."""
    from bot.common.config import ConfigError

    if isinstance(exc, ConfigError):
        return str(exc), getattr(exc, "code", 2)
    try:
        from sqlalchemy.exc import OperationalError, ProgrammingError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, (OperationalError, ProgrammingError)):
        return texts.OPS_DB_UNAVAILABLE.format(error=type(exc.orig).__name__ if exc.orig else type(exc).__name__), 3
    if type(exc).__module__.startswith("telegram"):
        from bot.delivery.connect import describe

        problem = describe(exc)
        if problem is not None:
            return str(problem), problem.code
    return None


def main(app: typer.Typer) -> None:
    """Run the `ducha` app; configuration errors end in one line, unexpected ones in one line
    too (with the redacted traceback under DUCHA_DEBUG=1). Secrets never reach the output."""
    from bot.common.logs import debug_enabled, redact, register_secrets_from_env, setup_logging

    register_secrets_from_env()
    # An operator reads the commands' own Chinese lines; a refusal is already told and audited,
    # so the English log line would only repeat it (DUCHA_DEBUG=1 shows everything).
    setup_logging(logging.ERROR, brief=True)
    try:
        app()  # typer/click end usage errors and typer.Exit themselves (SystemExit)
    except Exception as exc:  # noqa: BLE001 - the last place anything can be said
        known = _classify(exc)
        if known is not None:
            typer.echo(redact(known[0]), err=True)
            sys.exit(known[1])
        if debug_enabled():
            import traceback

            typer.echo(redact("".join(traceback.format_exception(exc))), err=True)
        typer.echo(redact(texts.OPS_UNEXPECTED.format(error=type(exc).__name__)), err=True)
        sys.exit(1)
