"""One declaration of every command and button action, from which every shell is built.

A command says its names, who may use it, whether it is for private chats only, its help
line and menu entry, how its arguments are read and which core call it makes. A button
action says which callback actions it takes, who may press it and its core call. Telegram's
handlers (handlers/commands.py, handlers/buttons.py), its command menu (bot/app.py), the
terminal (bot/shells/terminal.py) and /help are all built from these tables, and every use
goes through ``run_command`` or ``press``, so the shells cannot drift. Nothing here knows
Telegram; the shells bring the transaction (``Tx`` says which kind) and render the Outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from bot.actions import Tx
from bot.common import texts
from bot.common.callbacks import Action, AssessmentOp, CoordOp, Feedback, InspectLevel, InspectNav, InspectOp, Navigate, PickLevel, ShowItem, ShowPhase, ShowTask, ShowUnit
from bot.common.errors import Refusal
from bot.common.reply import Answer, Button, Intent, Outcome, User
from bot.common.richtext import Doc, Span
from bot.coordination.service import Coordination
from bot.inputs import Inputs
from bot.inspection.service import InspectionService
from bot.learning.log import QuestionLog
from bot.qa.commands import task_question
from bot.qa.engine import Engine
from bot.qa.query import clean
from bot.scoring.selfcheck import SelfCheck
from bot.scoring.typed import refers_here

logger = logging.getLogger(__name__)


class Who(StrEnum):
    """Who may use a command or press a button."""

    anyone = "anyone"  # no binding needed: questions about the rubric
    unit = "unit"  # an active binding to a unit (the party, government and department roles)
    bound = "bound"  # any active binding: a unit's user or a coordinator
    coordinator = "coordinator"


@dataclass(frozen=True)
class Core:
    """The services the calls use; one set per process."""

    engine: Engine
    selfcheck: SelfCheck
    coordination: Coordination
    inputs: Inputs  # typed text and files: coordination first, then the inspection, then self-scoring
    inspection: InspectionService
    questions: QuestionLog = QuestionLog()  # questions to learn from (refused, unsure, 没帮助)

    @classmethod
    def of(cls, engine: Engine, selfcheck: SelfCheck, coordination: Coordination | None = None) -> Core:
        coordination = coordination or Coordination(selfcheck)
        inspection = InspectionService.beside(selfcheck)
        return cls(engine, selfcheck, coordination, Inputs(selfcheck, coordination, inspection), inspection)


@dataclass(frozen=True)
class Attachment:
    """A document or photo the user sent."""

    kind: str  # document | photo
    file_id: str
    unique_id: str
    name: str
    size: int
    caption: str | None = None


@dataclass(frozen=True)
class Request:
    """One use, as a shell hands it over: who, the text after the command, and where."""

    user: User
    args: str = ""
    group: bool = False  # a group chat (Telegram); the terminal is always private
    table: str | None = None  # the shell's fixed table for questions (`ducha chat --table`)
    attachment: Attachment | None = None
    # ``args`` as Telegram HTML when the user formatted it with Telegram's own bold, italic …
    # (message entities); None when there is no such formatting
    formatted: str | None = None


Call = Callable[[Core, "Session | None", Request, Any], Outcome]
HelpLine = tuple[str, str]  # (usage, meaning)


def _plain(args: str) -> str:
    return args.strip()


def _never(_request: Request) -> bool:
    return False


def _always(_request: Request) -> bool:
    return True


def _without_code(request: Request) -> bool:
    return not request.args.strip()  # /start CODE binds the user: a change


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]
    who: Who
    call: Call  # (core, session or None, request, parsed arguments) -> Outcome
    parse: Callable[[str], Any] = _plain  # may raise Refusal (usage, a bad date)
    private: bool = False
    tx: Tx = Tx.once
    help: HelpLine | None = None  # in /help for everyone (Who.anyone) or for a unit's users
    coordinator_help: HelpLine | None = None  # in /help's coordinators' part
    inspector_help: HelpLine | None = None  # in /help's part for inspection groups' members
    menu: str | None = None  # Telegram's command menu
    resumes: bool = True  # afterwards, show again the prompt the scoring conversation waits on
    # A question about the rubric: when the database is locked, slow or away it is answered
    # without it (no role hint, this round's calendar from memory) instead of waiting.
    offline: Callable[[Request], bool] = _never

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class ButtonAction:
    kinds: tuple[type, ...]
    who: Who  # the core authorises again against what the button names (its assessment, item …)
    call: Callable[[Core, "Session | None", Request, Any], Outcome]
    tx: Tx = Tx.once
    ops: tuple[str, ...] = ()  # CoordOp codes this entry takes; empty: every code
    toast: bool = False  # the result is a short notice on the button; nothing is posted
    open: bool = False  # anyone may press it (its callback data names no owner)
    offline: Callable[[Request], bool] = _never  # as Command.offline


# --- the calls ---------------------------------------------------------------------------


def _hint(core: Core, s: Session | None, request: Request) -> str | None:
    if request.table or s is None:
        return request.table
    return core.selfcheck.table_hint(s, request.user)


def _dates(core: Core, s: Session | None) -> dict[str, Any]:
    """This round's calendar and today, for every answer that speaks a date. Without a
    session (plain `ducha chat`), the calendar the shell loaded at start."""
    calendars = core.selfcheck.calendars
    calendar = calendars.get(s) if s is not None else (calendars.peek() or calendars.without_database())
    return {"calendar": calendar, "today": core.selfcheck.ctx.today()}


def _start(core: Core, s: Session | None, request: Request, code: str) -> Outcome:
    if code and s is not None and not request.group:
        return core.selfcheck.bind(s, request.user, code)
    # a user who had blocked the bot sent /start (Telegram's 重新开始 after unblocking): back
    back = core.selfcheck.membership.reactivate(s, request.user) if s is not None and not request.group else None
    out = _help(core, s, request, "")
    if s is not None and not request.group:  # a bound user sees where they stand first
        standing = core.coordination.standing(s, request.user)
        if standing is not None:
            out.replies.insert(0, standing)
    if back is not None:
        out.replies.insert(0, Answer(Intent.help, Doc().add(back)))
    return out


def _help(core: Core, s: Session | None, request: Request, _: str) -> Outcome:
    person = core.selfcheck.person(s, request.user) if s is not None else None
    return Outcome(replies=[help_answer(person.role if person else None, request.group)])


def _task(core: Core, s: Session | None, request: Request, question: str | None) -> Outcome:
    if question is None:
        return Outcome().say(texts.TASK_USAGE)
    return Outcome(replies=[core.engine.answer(question, _hint(core, s, request), **_dates(core, s))])


def _ask(core: Core, s: Session | None, request: Request, question: str) -> Outcome:
    if not question:
        return Outcome().say(texts.ASK_USAGE)
    answer = core.engine.answer(question, _hint(core, s, request), **_dates(core, s))
    return Outcome(replies=[_learn(core, s, request, question, answer)])


def _learn(core: Core, s: Session | None, request: Request, question: str, answer: Answer) -> Answer:
    """Keep a question worth learning from (its text, time and the asker's role, never who),
    and put 有帮助/没帮助 under an answer found by ranking. Without a database, neither."""
    if s is None:
        return answer
    person = core.selfcheck.person(s, request.user)
    role = str(person.role) if person is not None else None
    kept = core.questions.remember(s, question, answer, role, core.selfcheck.clock())
    return answer if kept is None else core.questions.with_feedback(answer, kept)


def _feedback(core: Core, s: Session | None, request: Request, action: Feedback) -> Outcome:
    assert s is not None
    return Outcome().say(core.questions.mark(s, action.question, action.helpful))


def _files(core: Core, s: Session, request: Request, args: str) -> Outcome:
    """The score sheet, then the report draft; a refusal stops at the first. A coordinator
    names the unit and table (`/files 华龙区 党委`) and gets its evidence too."""
    parts = args.split()
    if len(parts) == 2:
        return core.coordination.send_back.files_by_name(s, request.user, parts[0], parts[1])
    person = core.selfcheck.person(s, request.user)
    if person is not None and person.role == "coordinator":
        return Outcome().say(texts.FILES_COORD_USAGE)
    out = core.selfcheck.files(s, request.user, "xlsx")
    if not out.files:  # nothing to send yet (no assessment begun): say so once
        return out
    more = core.selfcheck.files(s, request.user, "docx")
    out.replies += more.replies
    out.files += more.files
    return out


def _broadcast(core: Core, s: Session, request: Request, args: str) -> Outcome:
    # formatting applied with Telegram's own bold/italic is kept as HTML
    args = request.formatted.strip() if request.formatted else args
    a = request.attachment
    if a is not None and a.kind == "document":
        return core.coordination.draft(s, request.user, args, a.file_id, a.name)
    return core.coordination.draft(s, request.user, args)


def _campaign(core: Core, s: Session, request: Request, args: str) -> Outcome:
    """`/campaign`: the calendar; `/campaign 自查阶段 12月1日 12月10日`; `/campaign 全部 2026-12-01`."""
    return core.coordination.campaign_command(s, request.user, args)


def _summary(core: Core, s: Session, request: Request, _: str) -> Outcome:
    """/summary: an inspector's inspection, everyone else's self-assessment."""
    if core.inspection.is_inspector(s, request.user.id):
        return core.inspection.summary(s, request.user)
    return core.selfcheck.summary(s, request.user)


def _submit(core: Core, s: Session, request: Request, _: str) -> Outcome:
    """/submit: an inspector submits the inspection, a unit its self-assessment."""
    if core.inspection.is_inspector(s, request.user.id):
        return core.inspection.submit(s, request.user)
    return core.selfcheck.submit(s, request.user)


def _ack(core: Core, s: Session, request: Request, action: CoordOp) -> Outcome:
    return core.coordination.acknowledge(s, request.user, action.id)


# --- the tables --------------------------------------------------------------------------

# In this order in /help (each part) and in the command menu.
COMMANDS: tuple[Command, ...] = (
    Command(("start",), Who.anyone, _start, menu=texts.MENU_START, offline=_without_code),
    Command(("task",), Who.anyone, _task, parse=task_question, tx=Tx.read, help=texts.HELP_TASK, menu=texts.MENU_TASK, offline=_always),
    Command(("ask",), Who.anyone, _ask, parse=clean, tx=Tx.read, help=texts.HELP_ASK, menu=texts.MENU_ASK, offline=_always),
    Command(
        ("score",), Who.unit, lambda c, s, r, _: c.selfcheck.start(s, r.user),
        private=True, help=texts.HELP_SCORE, menu=texts.MENU_SCORE, resumes=False,  # it shows the prompt itself
    ),
    Command(("review",), Who.unit, lambda c, s, r, _: c.selfcheck.review(s, r.user), private=True, help=texts.HELP_REVIEW, menu=texts.MENU_REVIEW),
    Command(
        ("summary",), Who.bound, _summary, private=True, help=texts.HELP_SUMMARY,
        inspector_help=texts.HELP_INSPECT_SUMMARY, menu=texts.MENU_SUMMARY,
    ),
    Command(
        ("submit",), Who.bound, _submit, private=True, help=texts.HELP_SUBMIT,
        inspector_help=texts.HELP_INSPECT_SUBMIT, menu=texts.MENU_SUBMIT,
    ),
    Command(
        ("files",), Who.bound, _files, private=True, tx=Tx.read, help=texts.HELP_FILES,
        coordinator_help=texts.HELP_COORD_FILES, menu=texts.MENU_FILES,
    ),
    # Coordinators' views carry every unit's data: private chats only, like scoring.
    Command(("progress",), Who.coordinator, lambda c, s, r, _: c.coordination.progress(s, r.user), private=True, coordinator_help=texts.HELP_COORD_PROGRESS),
    Command(("broadcast",), Who.coordinator, _broadcast, private=True, coordinator_help=texts.HELP_COORD_BROADCAST),
    Command(("broadcasts",), Who.coordinator, lambda c, s, r, _: c.coordination.broadcasts(s, r.user), private=True),
    Command(("campaign",), Who.coordinator, _campaign, coordinator_help=texts.HELP_COORD_CAMPAIGN),
    Command(
        ("members",), Who.coordinator, lambda c, s, r, args: c.coordination.members.command(s, r.user, args),
        private=True, coordinator_help=texts.HELP_COORD_MEMBERS,
    ),
    Command(
        ("rectify",), Who.bound, lambda c, s, r, args: c.coordination.rectify(s, r.user, args), private=True,
        help=texts.HELP_RECTIFY, coordinator_help=texts.HELP_COORD_RECTIFY, inspector_help=texts.HELP_INSPECT_RECTIFY,
    ),
    Command(
        ("reopen",), Who.coordinator, lambda c, s, r, args: c.selfcheck.reopen_by_name(s, r.user, args),
        private=True, coordinator_help=texts.HELP_COORD_REOPEN,
    ),
    # --- field inspection (bot/inspection): inspectors of a group, and coordinators ---
    Command(
        ("inspect",), Who.bound, lambda c, s, r, _: c.inspection.inspect(s, r.user), private=True,
        inspector_help=texts.HELP_INSPECT, coordinator_help=texts.HELP_COORD_INSPECT,  # no menu entry: units would see it
    ),
    Command(
        ("groups",), Who.coordinator, lambda c, s, r, args: c.inspection.groups_command(s, r.user, args),
        private=True, coordinator_help=texts.HELP_COORD_GROUPS,
    ),
    Command(
        ("release",), Who.coordinator, lambda c, s, r, args: c.inspection.release(s, r.user, args),
        private=True, coordinator_help=texts.HELP_COORD_RELEASE,
    ),
    Command(
        ("ranking",), Who.coordinator, lambda c, s, r, _: c.inspection.ranking(s, r.user), tx=Tx.read,
        private=True, coordinator_help=texts.HELP_COORD_RANKING,
    ),
    Command(("help",), Who.anyone, _help, tx=Tx.read, help=texts.HELP_HELP, menu=texts.MENU_HELP, offline=_always),
)

BUTTONS: tuple[ButtonAction, ...] = (
    ButtonAction((ShowTask, ShowUnit), Who.anyone, lambda c, s, r, a: Outcome(replies=[c.engine.perform(a)]), tx=Tx.none, open=True),
    # 督察时间安排 and the notice's items (a deadline, a rule): this round's dates, read in a transaction
    ButtonAction(
        (ShowPhase, ShowItem), Who.anyone, lambda c, s, r, a: Outcome(replies=[c.engine.perform(a, **_dates(c, s))]),
        tx=Tx.read, open=True, offline=_always,
    ),
    # 有帮助/没帮助 under an answer: only the asker's press counts (the data names its owner)
    ButtonAction((Feedback,), Who.anyone, _feedback, toast=True),
    ButtonAction((PickLevel,), Who.unit, lambda c, s, r, a: c.selfcheck.pick_level(s, r.user, a)),
    ButtonAction((Navigate,), Who.bound, lambda c, s, r, a: c.selfcheck.navigate(s, r.user, a)),  # evidence: coordinators too
    ButtonAction((AssessmentOp,), Who.bound, lambda c, s, r, a: c.selfcheck.assessment_op(s, r.user, a)),  # 重新开放: coordinators
    # the inspection's buttons: the core authorises each against the presser's group
    ButtonAction((InspectLevel,), Who.bound, lambda c, s, r, a: c.inspection.pick_level(s, r.user, a)),
    ButtonAction((InspectNav,), Who.bound, lambda c, s, r, a: c.inspection.navigate(s, r.user, a)),
    ButtonAction((InspectOp,), Who.bound, lambda c, s, r, a: c.inspection.op(s, r.user, a)),
    ButtonAction((CoordOp,), Who.bound, _ack, ops=("ack",), toast=True),
    ButtonAction((CoordOp,), Who.bound, lambda c, s, r, a: c.coordination.op(s, r.user, a)),  # units report, coordinators close
)

_BY_NAME = {name: command for command in COMMANDS for name in command.names}


def command(name: str) -> Command | None:
    """The command ``/name`` (``/name@bot`` too), if there is one."""
    return _BY_NAME.get(name.lower().lstrip("/").split("@", 1)[0])


_OPEN = frozenset(kind for entry in BUTTONS if entry.open for kind in entry.kinds)


def is_open(action: Action) -> bool:
    """Anyone may press this button (rubric navigation): its callback data names no owner."""
    return type(action) in _OPEN


def button(action: Action) -> ButtonAction | None:
    """The entry that runs this button's action; None for an action no shell offers yet."""
    for entry in BUTTONS:
        if isinstance(action, entry.kinds) and (not entry.ops or getattr(action, "op", None) in entry.ops):
            return entry
    return None


def menu() -> list[tuple[str, str]]:
    """Telegram's command menu: (command, description) in the registry's order."""
    return [(c.name, c.menu) for c in COMMANDS if c.menu]


def unknown_command() -> Outcome:
    return Outcome().say(texts.UNKNOWN_COMMAND.format(commands="、".join(f"/{name}" for name, _ in menu())))


def _role_help(c: Command, role: str | None) -> HelpLine | None:
    """A command's /help line for ``role`` (None: not bound), or None when that role cannot
    use it: a unit's users see the lines for units, inspectors and coordinators their own."""
    if role is None:
        return None
    if role == "coordinator":
        return c.coordinator_help
    if role == "inspector":
        return c.inspector_help
    return c.help if c.who in (Who.unit, Who.bound) else None


def help_answer(role: str | None, group: bool = False) -> Answer:
    """What /start and /help show: what the bot is for, examples, and the commands for this role."""
    doc = Doc().add(texts.WELCOME).blank().bold(texts.EXAMPLES_TITLE)
    for example in texts.EXAMPLES:
        doc.add(f"· {example}")
    doc.blank()
    for usage, meaning in (c.help for c in COMMANDS if c.help and c.who is Who.anyone):
        doc.add(Span(usage, bold=True), f"  {meaning}")
    own = [line for line in (_role_help(c, role) for c in COMMANDS if c.who is not Who.anyone) if line]
    if role is None:
        doc.blank().add(texts.HELP_UNBOUND)
    elif own:
        title = {"inspector": texts.HELP_INSPECTOR_TITLE, "coordinator": texts.HELP_COORDINATOR_TITLE}.get(role, texts.HELP_UNIT_TITLE)
        doc.blank().bold(title)
        for usage, meaning in own:
            doc.add(Span(usage, bold=True), f"  {meaning}")
    if group:
        doc.blank().add(Span(texts.HELP_GROUP, italic=True))
    buttons = [
        [Button("党委表第1项", ShowTask("party", 1)), Button("政府表第1项", ShowTask("government", 1))],
        [Button("督察时间安排", ShowPhase("all"))],
    ]
    return Answer(Intent.help, doc, buttons=buttons, topic="welcome")


# --- running them ------------------------------------------------------------------------


def admit(core: Core, s: Session | None, user: User, who: Who, what: str) -> None:
    """Raise Refusal unless ``user``'s binding lets them do ``what``, with the core's own
    checks and texts. A shell without a database (plain `ducha chat`) has only unbound users."""
    if who is Who.anyone:
        return
    if s is None:  # plain `ducha chat`: say how to chat as a user
        raise Refusal(texts.CHAT_NEEDS_USER, f"no database: {user.id} tried {what}", slip=True)
    if who is Who.coordinator:
        core.coordination.coordinator(s, user, what)
    elif who is Who.unit:
        core.selfcheck.access.scorer(s, user)
    else:
        person = core.selfcheck.binding(s, user)
        if person is None:
            raise Refusal(texts.NOT_BOUND, f"unbound user {user.id} tried {what}")
        if not person.active:
            raise Refusal(texts.INACTIVE, f"inactive user {user.id} tried {what}")


def run_command(entry: Command, core: Core, s: Session | None, request: Request) -> Outcome:
    """The one way any shell runs a command: where, who, its arguments, then its core call.
    A command is a detour from the scoring conversation: the prompt it waits on comes back,
    after its answer or after its refusal (which the shell's runner, bot/actions.py, answers
    and audits)."""
    try:
        if entry.private and request.group:
            raise Refusal(texts.PRIVATE_ONLY.format(command=entry.name), f"/{entry.name} in a group", slip=True)
        admit(core, s, request.user, entry.who, f"/{entry.name}")
        out = entry.call(core, s, request, entry.parse(request.args))
    except Refusal as no:
        if entry.resumes:
            no.follow = resume(core, s, request, Outcome()).replies
        raise
    return resume(core, s, request, out) if entry.resumes else out


def resume(core: Core, s: Session | None, request: Request, out: Outcome) -> Outcome:
    """After a detour (a question, /task, /help, /review …) in a private chat, the prompt the
    user's scoring conversation is waiting on is shown again, so the next typed text is not
    taken for an answer they forgot they owed."""
    if s is not None and not request.group:
        prompt = core.selfcheck.pending_prompt(s, request.user)
        if prompt is not None:
            (out.then if out.files or out.resend else out.replies).append(prompt)
    return out


def press(entry: ButtonAction, core: Core, s: Session | None, request: Request, action: Action) -> Outcome:
    """The one way any shell runs a button. Without a database every user is unbound.
    A refusal is raised for the shell's runner (bot/actions.py) to answer and audit."""
    if s is None and entry.tx is not Tx.none and not entry.open:
        raise Refusal(texts.CHAT_NEEDS_USER, f"no database for {type(action).__name__}", slip=True)
    # who may press it, by the binding (a removed, inactive or withdrawn user is refused here,
    # whatever the button); the core then authorises again against what the button names
    admit(core, s, request.user, entry.who, f"button {type(action).__name__} {getattr(action, 'op', '')}".rstrip())
    return entry.call(core, s, request, action)


def text(core: Core, s: Session | None, request: Request) -> Outcome:
    """Typed text: in a private chat, the answer a scoring or coordination step waits for;
    otherwise (and in groups) a question about the rubric. ``request.args`` is the text."""
    if s is not None and not request.group:
        outcome = core.inputs.text(s, request.user, request.args)
        if outcome is not None:
            return outcome
    hint = None if request.group else _hint(core, s, request)
    answer = core.engine.answer(_here(core, s, request), hint, **_dates(core, s))
    if answer.intent is Intent.out_of_scope:
        logger.info("out of scope from user %s: %r", request.user.id, request.args[:80])
    return resume(core, s, request, Outcome(replies=[_learn(core, s, request, request.args, answer)]))


def text_offline(core: Core, request: Request) -> Outcome:
    """Typed text while the database is locked, slow or away: a question about the rubric is
    answered (without the asker's table, this round's calendar from memory, nothing learnt);
    anything else may be what a scoring or coordination step waits for, and was not saved. In a
    private chat even an answered question may have been such an answer (a problem text reads
    like the rubric), so a line after it says that if it was, it was not saved."""
    answer = core.engine.answer(request.args, None, **_dates(core, None))
    if request.group:
        return Outcome(replies=[answer])
    if answer.intent is Intent.out_of_scope:
        return Outcome().say(texts.DB_NOT_SAVED)
    return Outcome(replies=[answer]).say(texts.DB_TEXT_MAYBE_NOT_SAVED)


def _here(core: Core, s: Session | None, request: Request) -> str:
    """A question about "这一条" typed while scoring names the task on screen for the engine."""
    question = request.args
    if s is None or request.group or not refers_here(question):
        return question
    found = core.selfcheck.pending_task(s, request.user)
    return question if found is None else f"{question}（{texts.TABLE_LABEL[found[0]]}第{found[1]}项）"


def attachment(core: Core, s: Session | None, request: Request) -> Outcome:
    """A document or photo in a private chat: evidence for the rectification item being
    reported, or for the criterion being scored."""
    a = request.attachment
    if s is None or a is None:
        raise Refusal(texts.NOT_BOUND, f"evidence from {request.user.id} without a database", slip=True)
    return core.inputs.evidence(s, request.user, a.kind, a.file_id, a.unique_id, a.name, a.size, a.caption)

