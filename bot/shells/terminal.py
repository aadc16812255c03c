"""`ducha chat`: the bot in a terminal, over the same core as Telegram.

Prints what a Telegram user would see; inline buttons become numbered choices, and typing
a choice's number presses that button. Needs no token and no network. With ``--user NAME``
the terminal user can also register with an invite code and score their unit; files are
written to a folder and their paths printed; ``/file PATH`` sends a file as evidence.
Commands, buttons and /help come from the registry (bot/registry.py), the same table
Telegram's handlers are built from.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from sqlmodel import Session

from bot import registry
from bot.actions import Runner
from bot.common import texts
from bot.common.callbacks import Action
from bot.common.reply import Answer, Outcome, User
from bot.common.sanitize import clean_line, clean_text
from bot.qa.engine import Engine
from bot.registry import Attachment, Core, Request, Tx
from bot.scoring.selfcheck import SelfCheck
from bot.storage.db import Database
from scheduler.calendar import RoundCalendar

def terminal_user_id(name: str) -> int:
    """A stable pseudo Telegram id for a terminal user name."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16)


class ChatSession:
    """One terminal user's conversation: the last buttons shown are the choices on offer.

    Commands and buttons run through the registry (bot/registry.py), as in Telegram. Without
    a database (plain `ducha chat`) the user is unbound: questions only.
    """

    def __init__(
        self,
        engine: Engine,
        table_hint: str | None = None,
        db: Database | None = None,
        selfcheck: SelfCheck | None = None,
        user_name: str | None = None,
        out_dir: Path = Path("out"),
        calendar: RoundCalendar | None = None,
    ) -> None:
        selfcheck = selfcheck or SelfCheck(engine.rubric)
        if calendar is not None:  # read at start by the shell (plain chat has no session)
            selfcheck.calendars.hold(calendar)
        self.core = Core.of(engine, selfcheck)
        self.table_hint = table_hint
        self.db = db if user_name else None
        user_name = clean_line(user_name, 128) if user_name else None  # the input boundary: bot.common.sanitize
        self.user = User(terminal_user_id(user_name), user_name) if user_name else User(0, texts.CHAT_ANONYMOUS)
        self.out_dir = out_dir
        self.choices: list[Action] = []
        self.runner = Runner(self.db, selfcheck.clock)

    def _run(self, tx: Tx, fn: Callable[[Session | None], Outcome]) -> Outcome:
        """One transaction per line, as Telegram has one per update (none without a database);
        a refusal is answered and audited by the runner (bot/actions.py), as in Telegram."""
        out = self.runner.call(self.user, fn, tx)
        assert out is not None  # only a redelivered Telegram update is skipped
        return out

    def _request(self, args: str = "", attachment: Attachment | None = None) -> Request:
        return Request(self.user, args, table=self.table_hint, attachment=attachment)

    def start(self) -> str:
        return self.handle("/start")

    def handle(self, line: str) -> str:
        """Reply to one typed line: a choice number, a /command, or text."""
        text = (clean_text(line) or "").strip()
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.press(self.choices[int(text) - 1])
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            if name.lower() == "file":
                return self.render_outcome(self._attach(args))
            entry = registry.command(name)
            if entry is None:
                return self.render_outcome(registry.unknown_command())
            request = self._request(args)
            return self.render_outcome(self._run(entry.tx, lambda s: registry.run_command(entry, self.core, s, request)))
        request = self._request(text)
        return self.render_outcome(self._run(Tx.once, lambda s: registry.text(self.core, s, request)))

    def press(self, action: Action) -> str:
        entry = registry.button(action)
        if entry is None:  # made by a feature no shell runs yet
            return texts.STALE_BUTTON
        request = self._request()
        outcome = self._run(entry.tx, lambda s: registry.press(entry, self.core, s, request, action))
        if entry.toast:  # a notice on the button: the message and its choices stay
            said = [a.text for a in outcome.replies]
            if outcome.pressed_buttons:  # what the button shows now, e.g. ✅ 已确认收到（时间）
                said += [f"[{b.label}]" for row in outcome.pressed_buttons for b in row]
            return "\n".join(said)
        return self.render_outcome(outcome)

    def _attach(self, path_text: str) -> Outcome:
        """`/file PATH [caption]`: send a local file as evidence for the current criterion
        (in Telegram: a document sent in the chat)."""
        path_part, _, caption = path_text.partition(" ")
        path = Path(path_part).expanduser()
        if not path.is_file():
            return Outcome().say(texts.CLI_FILE_MISSING.format(path=path_part or "（空）"))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        found = Attachment("document", f"local:{path.resolve()}", digest, path.name, path.stat().st_size, caption or None)
        request = self._request(attachment=found)
        return self._run(Tx.once, lambda s: registry.attachment(self.core, s, request))

    def render(self, answer: Answer) -> str:
        return self.render_outcome(Outcome(replies=[answer]))

    def render_outcome(self, outcome: Outcome) -> str:
        out: list[str] = []
        self.choices = []
        labels: list[str] = []
        def show(answer: Answer) -> None:
            out.append(answer.text)
            for row in answer.buttons:
                for b in row:
                    self.choices.append(b.action)
                    labels.append(b.label)

        for answer in outcome.replies:
            show(answer)
        for f in outcome.files:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f.name
            path.write_bytes(f.data)
            out.append(f"📄 {path}")
            if f.caption:
                out.append(f.caption)
        for e in outcome.resend:
            out.append(f"📎 {e.file_name}（{e.file_id}）")
        for answer in outcome.then:
            show(answer)
        if labels:
            out.append(texts.CHAT_CHOICES + "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)))
        return "\n".join(out)


def run_chat(session: ChatSession, stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> None:
    """Read lines until end of input or /quit."""
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
