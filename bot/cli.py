"""The `ducha` command line: ask, chat, run, and rubric checks."""

from __future__ import annotations

import json
import logging
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from bot import texts
from rubric_data.loader import RubricError, load_rubric

app = typer.Typer(no_args_is_help=True, add_completion=False, help="ducha-bot: 督察工作助手")
rubric_app = typer.Typer(no_args_is_help=True, help="Check and export the rubric data files.")
app.add_typer(rubric_app, name="rubric")


class TableChoice(str, Enum):
    party = "party"
    government = "government"


class ExportFormat(str, Enum):
    json = "json"


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _engine():
    """Load and validate the rubric, then build the engine; a data error is one clear message."""
    from bot.engine import Engine

    try:
        return Engine(load_rubric())
    except RubricError as exc:
        _fail(f"{texts.CLI_RUBRIC_ERROR}\n{exc}")


@app.command()
def ask(
    question: Optional[str] = typer.Argument(None, help="The question, e.g. 第10项怎么得分"),
    table: Optional[TableChoice] = typer.Option(None, "--table", help="Answer for this table when the question names none"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per answer"),
    batch: Optional[str] = typer.Option(None, "--batch", help="File with one question per line, or - for stdin"),
) -> None:
    """Answer a question (or a file of questions) and print the answer."""
    engine = _engine()
    hint = table.value if table else None

    def emit(q: str) -> None:
        answer = engine.answer(q, hint)
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


@app.command()
def chat(
    table: Optional[TableChoice] = typer.Option(None, "--table", help="Answer for this table when a question names none"),
) -> None:
    """Talk to the bot in this terminal: no token, no network."""
    from bot.terminal import run_chat

    run_chat(_engine(), table_hint=table.value if table else None)


@app.command()
def run() -> None:
    """Run the Telegram bot (long polling) with TELEGRAM_BOT_TOKEN from the environment."""
    from bot.config import ConfigError, telegram_settings

    try:
        settings = telegram_settings()
    except ConfigError as exc:
        _fail(str(exc))
    engine = _engine()
    from bot.app import run_polling

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    code = run_polling(settings, engine)
    if code:
        raise typer.Exit(code)


@rubric_app.command("validate")
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


@rubric_app.command("export")
def rubric_export(fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", help="Output format")) -> None:
    """Print the whole validated rubric: tables, tasks, criteria and levels, phases with ISO dates."""
    try:
        rubric = load_rubric()
    except RubricError as exc:
        _fail(f"{texts.CLI_RUBRIC_ERROR}\n{exc}")
    payload = {"version": rubric.version, **rubric.model_dump(mode="json", by_alias=True)}
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
