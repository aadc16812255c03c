"""Commands (/start, /help, /task, /ask) as plain functions, shared by Telegram and the terminal."""

from __future__ import annotations

import re

from bot.common import texts
from bot.common.callbacks import ShowPhase, ShowTask
from bot.common.reply import Answer, Button, Intent
from bot.common.richtext import Doc, Span
from bot.qa.engine import Engine
from bot.qa.query import clean

KNOWN = ("start", "help", "task", "ask")
_NUMBER = re.compile(r"\d{1,3}|[零〇一二两三四五六七八九十百]+")


def welcome(group: bool = False, coordinator: bool = False) -> Answer:
    """What /start and /help show: what the bot is for, examples and commands."""
    doc = Doc().add(texts.WELCOME).blank().bold(texts.EXAMPLES_TITLE)
    for example in texts.EXAMPLES:
        doc.add(f"· {example}")
    doc.blank()
    for command, meaning in texts.HELP_COMMANDS:
        doc.add(Span(command, bold=True), f"  {meaning}")
    if coordinator:
        doc.blank().bold(texts.HELP_COORDINATOR_TITLE)
        for command, meaning in texts.HELP_COORDINATOR:
            doc.add(Span(command, bold=True), f"  {meaning}")
    if group:
        doc.blank().add(Span(texts.HELP_GROUP, italic=True))
    buttons = [
        [Button("党委表第1项", ShowTask("party", 1)), Button("政府表第1项", ShowTask("government", 1))],
        [Button("督察时间安排", ShowPhase("all"))],
    ]
    return Answer(Intent.help, doc, buttons=buttons, topic="welcome")


def _usage(text: str) -> Answer:
    return Answer(Intent.help, Doc().add(text), topic="usage")


def run_command(engine: Engine, name: str, args: str, table_hint: str | None = None, group: bool = False) -> Answer:
    """Answer ``/name args``; unknown commands and missing arguments get a usage reply."""
    name = name.lower().lstrip("/").split("@", 1)[0]
    args = clean(args)
    if name in ("start", "help"):
        return welcome(group)
    if name == "task":
        # "/task 10", "/task 政府 23", "/task 第十项 检查方式": make the number read as 第N项.
        m = _NUMBER.search(args)
        if not m:
            return _usage(texts.TASK_USAGE)
        question = args if "第" in args else f"{args[: m.start()]}第{m.group()}项{args[m.end():]}"
        return engine.answer(question, table_hint)
    if name == "ask":
        return engine.answer(args, table_hint) if args else _usage(texts.ASK_USAGE)
    return _usage(texts.UNKNOWN_COMMAND)
