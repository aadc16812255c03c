"""`ducha chat`: the bot in a terminal, over the same core as Telegram.

Prints what a Telegram user would see; inline buttons become numbered choices, and typing
a choice's number presses that button. Needs no token and no network.
"""

from __future__ import annotations

import sys
from typing import IO

from bot import texts
from bot.callbacks import Action
from bot.commands import run_command, welcome
from bot.engine import Answer, Engine


class ChatSession:
    """One terminal user's conversation: the last buttons shown are the choices on offer."""

    def __init__(self, engine: Engine, table_hint: str | None = None) -> None:
        self.engine = engine
        self.table_hint = table_hint
        self.choices: list[Action] = []

    def start(self) -> str:
        return self.render(welcome())

    def handle(self, line: str) -> str:
        """Reply to one typed line: a choice number, a /command, or a question."""
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.render(self.engine.perform(self.choices[int(text) - 1]))
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return self.render(run_command(self.engine, name, args, self.table_hint))
        return self.render(self.engine.answer(text, self.table_hint))

    def render(self, answer: Answer) -> str:
        out = [answer.text]
        self.choices = [b.action for row in answer.buttons for b in row]
        if self.choices:
            labels = [b.label for row in answer.buttons for b in row]
            out.append(texts.CHAT_CHOICES + "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)))
        return "\n".join(out)


def run_chat(engine: Engine, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout, table_hint: str | None = None) -> None:
    """Read questions line by line until end of input or /quit."""
    session = ChatSession(engine, table_hint)
    interactive = stdin.isatty()
    print(texts.CLI_CHAT_BANNER, file=stdout)
    print(session.start(), file=stdout)
    while True:
        if interactive:
            print(texts.CHAT_PROMPT, end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line or line.strip() in ("/quit", "/exit"):
            break
        if not interactive:
            print(f"{texts.CHAT_PROMPT}{line.rstrip()}", file=stdout)
        print(session.handle(line), file=stdout)
        print(file=stdout, flush=True)
