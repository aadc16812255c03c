"""`ducha chat`: the bot in a terminal, over the same core as Telegram.

Prints what a Telegram user would see; inline buttons become numbered choices, and typing
a choice's number presses that button. Needs no token and no network. With ``--user NAME``
the terminal user can also register with an invite code and score their unit; files are
written to a folder and their paths printed; ``/file PATH`` sends a file as evidence.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import IO

from bot.common import texts
from bot.common.callbacks import Action, AssessmentOp, CoordOp, Navigate, PickLevel
from bot.common.reply import Answer, Outcome, User
from bot.qa.commands import run_command, welcome
from bot.qa.engine import Engine
from bot.scoring.selfcheck import SelfCheck
from bot.storage.db import Database

SCORING_COMMANDS = ("score", "review", "summary", "submit", "files", "reopen")
COORDINATION_COMMANDS = ("campaign", "broadcast", "broadcasts", "progress", "rectify")


def terminal_user_id(name: str) -> int:
    """A stable pseudo Telegram id for a terminal user name."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16)


class ChatSession:
    """One terminal user's conversation: the last buttons shown are the choices on offer."""

    def __init__(
        self,
        engine: Engine,
        table_hint: str | None = None,
        db: Database | None = None,
        selfcheck: SelfCheck | None = None,
        user_name: str | None = None,
        out_dir: Path = Path("out"),
    ) -> None:
        self.engine = engine
        self.table_hint = table_hint
        self.db = db
        self.selfcheck = selfcheck
        self.user = User(terminal_user_id(user_name), user_name) if user_name else None
        self.out_dir = out_dir
        self.choices: list[Action] = []
        self.coordination = None
        self.inputs = None
        if selfcheck is not None:
            from bot.coordination.service import Coordination
            from bot.inputs import Inputs

            self.coordination = Coordination(selfcheck)
            self.inputs = Inputs(selfcheck, self.coordination)

    @property
    def scoring(self) -> bool:
        return self.db is not None and self.selfcheck is not None and self.user is not None

    def start(self) -> str:
        return self.render(welcome())

    def handle(self, line: str) -> str:
        """Reply to one typed line: a choice number, a /command, or text."""
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self.press(self.choices[int(text) - 1])
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            name = name.lower()
            if self.scoring:
                outcome = self._scoring_command(name, args.strip())
                if outcome is not None:
                    return self.render_outcome(outcome)
            return self.render(run_command(self.engine, name, args, self._hint()))
        if self.scoring:
            assert self.db and self.inputs and self.user
            typed, user = self.inputs, self.user
            outcome = self.db.call(lambda s: typed.text(s, user, text))
            if outcome is not None:
                return self.render_outcome(outcome)
        return self.render(self.engine.answer(text, self._hint()))

    def press(self, action: Action) -> str:
        if isinstance(action, CoordOp):
            if not self.scoring or self.coordination is None:
                return texts.NOT_BOUND
            assert self.db and self.user
            c, user = self.coordination, self.user
            if action.op == "ack":
                return self.db.call(lambda s: c.ack(s, user, action.id))
            return self.render_outcome(self.db.call(lambda s: c.op(s, user, action)))
        if isinstance(action, (PickLevel, Navigate, AssessmentOp)):
            if not self.scoring:
                return texts.NOT_BOUND
            assert self.db and self.selfcheck and self.user
            sc, user = self.selfcheck, self.user
            if isinstance(action, PickLevel):
                return self.render_outcome(self.db.call(lambda s: sc.pick_level(s, user, action)))
            if isinstance(action, Navigate):
                return self.render_outcome(self.db.call(lambda s: sc.navigate(s, user, action)))
            return self.render_outcome(self.db.call(lambda s: sc.assessment_op(s, user, action)))
        return self.render(self.engine.perform(action))

    def _hint(self) -> str | None:
        if self.table_hint or not self.scoring:
            return self.table_hint
        assert self.db and self.selfcheck and self.user
        sc, user = self.selfcheck, self.user
        return self.db.call(lambda s: sc.table_hint(s, user))

    def _scoring_command(self, name: str, args: str) -> Outcome | None:
        assert self.db and self.selfcheck and self.user
        sc, user = self.selfcheck, self.user
        if name == "start" and args:
            return self.db.call(lambda s: sc.bind(s, user, args))
        if name == "file":
            return self._attach(args)
        if name in COORDINATION_COMMANDS and self.coordination is not None:
            return self._coordination_command(name, args)
        if name not in SCORING_COMMANDS:
            return None
        if name == "files":
            out = Outcome()
            for kind in ("xlsx", "docx"):
                part = self.db.call(lambda s, k=kind: sc.files(s, user, k))
                out.replies += part.replies
                out.files += part.files
            return out
        calls = {
            "score": lambda s: sc.start(s, user),
            "review": lambda s: sc.review(s, user),
            "summary": lambda s: sc.summary(s, user),
            "submit": lambda s: sc.submit(s, user),
            "reopen": lambda s: sc.reopen_by_name(s, user, args),
        }
        return self.db.call(calls[name])

    def _coordination_command(self, name: str, args: str) -> Outcome:
        assert self.db and self.user and self.coordination
        c, user = self.coordination, self.user
        if name == "campaign":
            return self.db.call(lambda s: Outcome(replies=[c.calendar(s)]))
        if name == "broadcast":
            return self.db.call(lambda s: c.draft(s, user, args))
        if name == "broadcasts":
            return self.db.call(lambda s: c.broadcasts(s, user))
        if name == "progress":
            return self.db.call(lambda s: c.progress(s, user))
        return self.db.call(lambda s: c.rectify(s, user))

    def _attach(self, path_text: str) -> Outcome:
        """`/file PATH [caption]`: send a local file as evidence for the current criterion."""
        assert self.db and self.selfcheck and self.user
        path_part, _, caption = path_text.partition(" ")
        path = Path(path_part).expanduser()
        if not path.is_file():
            return Outcome().say(texts.CLI_FILE_MISSING.format(path=path_part or "（空）"))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        assert self.inputs is not None
        typed, user = self.inputs, self.user
        return self.db.call(
            lambda s: typed.evidence(s, user, "document", f"local:{path.resolve()}", digest, path.name, path.stat().st_size, caption or None)
        )

    def render(self, answer: Answer) -> str:
        return self.render_outcome(Outcome(replies=[answer]))

    def render_outcome(self, outcome: Outcome) -> str:
        out: list[str] = []
        self.choices = []
        labels: list[str] = []
        for answer in outcome.replies:
            out.append(answer.text)
            for row in answer.buttons:
                for b in row:
                    self.choices.append(b.action)
                    labels.append(b.label)
        for f in outcome.files:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f.name
            path.write_bytes(f.data)
            out.append(f"📄 {path}")
            if f.caption:
                out.append(f.caption)
        for e in outcome.resend:
            out.append(f"📎 {e.file_name}（{e.file_id}）")
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
