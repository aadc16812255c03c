"""What the core returns to every shell: answers with buttons, and the outcome of an action.

Telegram (``handlers/``), the terminal and the CLI render these; nothing here knows Telegram.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from bot.common.callbacks import Action
from bot.common.richtext import Doc

Clock = Callable[[], dt.datetime]


class Intent(str, Enum):
    task_lookup = "task_lookup"
    criteria_search = "criteria_search"
    unit_tasks = "unit_tasks"
    phase_deadline = "phase_deadline"
    report_rule = "report_rule"
    totals = "totals"
    out_of_scope = "out_of_scope"
    help = "help"  # /start, /help and command usage: never returned by a question


@dataclass(frozen=True)
class TaskRef:
    table: str
    no: int
    title: str


@dataclass(frozen=True)
class Button:
    label: str
    action: Action


@dataclass
class Answer:
    """What the bot replies: the intent, the tasks it is about (best first), text and buttons."""

    intent: Intent
    doc: Doc
    tasks: list[TaskRef] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    topic: str | None = None
    # How well the question matched what was answered (the ranking's best score; 0 for a
    # refusal, None where nothing was ranked), and whether to ask 有帮助/没帮助 under it.
    confidence: float | None = None
    unsure: bool = False  # answered, but with little to go on, or by asking which was meant
    feedback: bool = False

    @property
    def text(self) -> str:
        return self.doc.plain()

    def as_json(self) -> dict:
        return {
            "intent": self.intent.value,
            "topic": self.topic,
            "tasks": [{"table": t.table, "no": t.no, "title": t.title} for t in self.tasks],
            "answer": self.text,
        }


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class User:
    """The acting Telegram user, as Telegram says (id) and as people call them (name)."""

    id: int
    name: str


@dataclass(frozen=True)
class EvidenceRecord:
    """A file a unit attached to a criterion as 佐证材料 (kept as a Telegram file_id)."""

    id: int
    task_no: int
    criterion: int
    kind: str  # document | photo
    file_id: str
    file_name: str
    size: int
    caption: str | None
    added_by: str
    added_at: dt.datetime
    stage: str = "selfcheck"  # EvidenceStage: the self-check's, or a rectification item's


@dataclass(frozen=True)
class Notice:
    user_id: int
    answer: Answer


@dataclass(frozen=True)
class OutFile:
    name: str
    data: bytes
    caption: str


@dataclass
class Outcome:
    """What an action produced: replies to the user, notices to others, files, evidence to resend."""

    replies: list[Answer] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    files: list[OutFile] = field(default_factory=list)
    resend: list[EvidenceRecord] = field(default_factory=list)
    # replies shown after the files and evidence: the prompt a detour comes back to, so that it
    # is the last thing the user sees and answers
    then: list[Answer] = field(default_factory=list)
    # what the pressed message's buttons become (a toast button such as 收到): [] removes them,
    # None leaves them as they were
    pressed_buttons: list[list[Button]] | None = None

    def say(self, text: str, buttons: list[list[Button]] | None = None) -> Outcome:
        self.replies.append(Answer(Intent.help, Doc().add(text), buttons=buttons or []))
        return self

