"""The one scheme for inline-button callback data: built and parsed here, nowhere else.

Format: ``d1:<owner>:<op>:<arg>:<arg>…`` where owner is the Telegram user id the button was
made for, or ``-`` when anyone may press it (rubric navigation is open to everyone).
Callback data carries ids only, never text: Telegram allows 64 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeVar, Union

VERSION = "d1"
MAX_BYTES = 64
TABLE_CODES = {"party": "p", "government": "g"}
ASPECT_CODES = {"card": "a", "criteria": "c", "points": "p", "units": "u", "check": "m"}
Aspect = Literal["card", "criteria", "points", "units", "check"]
K = TypeVar("K")
V = TypeVar("V")
_ITEM_KEY = re.compile(r"[a-z0-9_.]{1,40}")


class InvalidCallback(ValueError):
    """Callback data that this version of the bot did not make: stale, forged or corrupt."""


@dataclass(frozen=True)
class ShowTask:
    """Open one task of a table, or one aspect of it."""

    table: Literal["party", "government"]
    no: int
    aspect: Aspect = "card"


@dataclass(frozen=True)
class ShowUnit:
    """List the tasks of one responsible unit (index into the engine's unit list)."""

    index: int


@dataclass(frozen=True)
class ShowPhase:
    """Show one phase of the campaign, or all when key is 'all'."""

    key: str


@dataclass(frozen=True)
class ShowItem:
    """Show one item of the notice (a deliverable, a rule, a document) by its stable key."""

    key: str


@dataclass(frozen=True)
class Feedback:
    """有帮助/没帮助 under an answer: ``question`` is the id of the stored question."""

    question: int
    helpful: bool


@dataclass(frozen=True)
class PickLevel:
    """Answer a criterion of an assessment with one level; ``rev`` is the answer's revision
    when the button was made (0: unanswered), so a press after someone else's change is caught."""

    assessment: int
    task: int
    criterion: int
    level: int
    rev: int


class NavMove(StrEnum):
    prev = "prev"
    skip = "skip"
    pause = "pause"
    goto = "goto"
    evidence = "evidence"
    field_skip = "field_skip"
    review_task = "review_task"
    rect_edit = "rect_edit"  # change only a criterion's rectification details (修改整改信息)


# Each action's code on the wire, fixed for good: buttons already sent in chats carry these
# numbers, so a code is never reused or renumbered; a new action takes the next free one.
# tests/test_callbacks.py pins them.
NAV_CODES: dict[NavMove, int] = {
    NavMove.prev: 0,
    NavMove.skip: 1,
    NavMove.pause: 2,
    NavMove.goto: 3,
    NavMove.evidence: 4,
    NavMove.field_skip: 5,
    NavMove.review_task: 6,
    NavMove.rect_edit: 7,
}


@dataclass(frozen=True)
class Navigate:
    """Move within an assessment: previous/skip/pause, go to a criterion, show its evidence,
    skip the rectification field being asked, open a task on the review page, or change only
    a criterion's rectification details (rect_edit)."""

    assessment: int
    move: NavMove | str
    task: int
    criterion: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "move", NavMove(self.move))  # a name no action has fails here


class AssessmentAction(StrEnum):
    submit = "submit"  # ask to submit
    confirm = "confirm"  # 确认提交
    cancel = "cancel"  # 取消 the submission
    xlsx = "xlsx"  # the score sheet
    docx = "docx"  # the report draft
    reopen = "reopen"  # a coordinator reopens a submitted assessment
    review = "review"  # /review
    summary = "summary"  # /summary
    score = "score"  # /score
    party = "party"  # a department scores against the party table
    government = "government"  # … or the government table
    evidence = "evidence"  # the list of its evidence files (the unit's users and coordinators)


ASSESSMENT_CODES: dict[AssessmentAction, int] = {
    AssessmentAction.submit: 0,
    AssessmentAction.confirm: 1,
    AssessmentAction.cancel: 2,
    AssessmentAction.xlsx: 3,
    AssessmentAction.docx: 4,
    AssessmentAction.reopen: 5,
    AssessmentAction.review: 6,
    AssessmentAction.summary: 7,
    AssessmentAction.score: 8,
    AssessmentAction.party: 9,
    AssessmentAction.government: 10,
    AssessmentAction.evidence: 11,
}


@dataclass(frozen=True)
class AssessmentOp:
    """Whole-assessment actions: ask to submit, confirm, cancel, files, reopen, pick table,
    list its evidence files."""

    assessment: int
    op: AssessmentAction | str

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", AssessmentAction(self.op))


class CoordAction(StrEnum):
    ack = "ack"  # 收到: acknowledge broadcast id
    bc_send = "bc_send"  # send the draft broadcast id now
    bc_morning = "bc_morning"  # send it at 09:00 the next working morning
    bc_cancel = "bc_cancel"  # drop the draft
    bc_page = "bc_page"  # a broadcast's page: who has not acknowledged
    bc_nudge = "bc_nudge"  # nudge the recipients of broadcast id who have not acknowledged
    item_done = "item_done"  # a unit reports rectification item (assessment id, task x, criterion y) done
    item_close = "item_close"  # a coordinator closes (销号) the item
    item_return = "item_return"  # a coordinator sends the item back with a comment
    asm_view = "asm_view"  # a coordinator opens assessment id
    asm_return = "asm_return"  # a coordinator sends assessment id back for changes (退回修改)
    nudge_unit = "nudge_unit"  # nudge the users of the unit of assessment id (催办)
    nudge_unsubmitted = "nudge_unsubmitted"  # nudge every unit that has not submitted
    progress = "progress"  # the progress page
    cal_set = "cal_set"  # set phase id (1-5) to start ordinal x, end ordinal y (0: no date), after a question
    cal_shift = "cal_shift"  # move the whole calendar to start on ordinal x, after a question
    cal_cancel = "cal_cancel"  # leave the calendar as it is
    # Rectification items that are not the self-check's own (rectification_items: the
    # inspection groups' findings, 督察反馈), named by their row id:
    fb_done = "fb_done"  # the unit reports item id done
    fb_close = "fb_close"  # a coordinator closes (销号) it
    fb_return = "fb_return"  # a coordinator sends it back with a comment
    asm_files = "asm_files"  # a coordinator gets assessment id's score sheet, report draft and evidence
    item_reopen = "item_reopen"  # a coordinator undoes the 销号 of item (assessment id, task x, criterion y)
    fb_reopen = "fb_reopen"  # a coordinator undoes the 销号 of rectification_items row id
    rr_file = "rr_file"  # a unit's user gets the unit's 整改报告 (.docx) for their table
    rr_submit = "rr_submit"  # … asks to submit it (a confirm step follows)
    rr_confirm = "rr_confirm"  # … submits it
    ev_remove = "ev_remove"  # whoever sent evidence row id (or a coordinator) takes it back
    bc_resend = "bc_resend"  # ask to resend broadcast id's copies whose fate is unknown (a warning follows)
    bc_resend_ok = "bc_resend_ok"  # … resend them


COORD_CODES: dict[CoordAction, int] = {
    CoordAction.ack: 0,
    CoordAction.bc_send: 1,
    CoordAction.bc_morning: 2,
    CoordAction.bc_cancel: 3,
    CoordAction.bc_page: 4,
    CoordAction.bc_nudge: 5,
    CoordAction.item_done: 6,
    CoordAction.item_close: 7,
    CoordAction.item_return: 8,
    CoordAction.asm_view: 9,
    CoordAction.asm_return: 10,
    CoordAction.nudge_unit: 11,
    CoordAction.nudge_unsubmitted: 12,
    CoordAction.progress: 13,
    CoordAction.cal_set: 14,
    CoordAction.cal_shift: 15,
    CoordAction.cal_cancel: 16,
    CoordAction.fb_done: 17,
    CoordAction.fb_close: 18,
    CoordAction.fb_return: 19,
    CoordAction.asm_files: 20,
    CoordAction.item_reopen: 21,
    CoordAction.fb_reopen: 22,
    CoordAction.rr_file: 23,
    CoordAction.rr_submit: 24,
    CoordAction.rr_confirm: 25,
    CoordAction.ev_remove: 26,
    CoordAction.bc_resend: 27,
    CoordAction.bc_resend_ok: 28,
}


@dataclass(frozen=True)
class CoordOp:
    """Coordination actions (broadcasts, acknowledgements, rectification, review, nudges).

    ``id`` is a broadcast or assessment id; ``x``/``y`` a task and criterion where needed."""

    op: CoordAction | str
    id: int
    x: int = 0
    y: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", CoordAction(self.op))


# --- field inspection (bot/inspection) ------------------------------------------------------


@dataclass(frozen=True)
class InspectLevel:
    """An inspector's level for a criterion of an inspection; ``rev`` as in PickLevel."""

    inspection: int
    task: int
    criterion: int
    level: int
    rev: int


class InspectMove(StrEnum):
    prev = "prev"  # previous criterion
    skip = "skip"  # next unanswered criterion
    pause = "pause"  # stop here; /inspect resumes
    goto = "goto"  # open a criterion (from the review page)
    self_files = "self_files"  # the unit's own evidence for this criterion
    own_files = "own_files"  # the inspectors' evidence for this criterion
    field_skip = "field_skip"  # skip the finding or recommendation being asked


INSPECT_MOVE_CODES: dict[InspectMove, int] = {
    InspectMove.prev: 0,
    InspectMove.skip: 1,
    InspectMove.pause: 2,
    InspectMove.goto: 3,
    InspectMove.self_files: 4,
    InspectMove.own_files: 5,
    InspectMove.field_skip: 6,
}


@dataclass(frozen=True)
class InspectNav:
    """Move within an inspection, or show either side's evidence for a criterion."""

    inspection: int
    move: InspectMove | str
    task: int
    criterion: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "move", InspectMove(self.move))


class InspectAction(StrEnum):
    open = "open"  # open a unit (id: its assignment) on table x (0 party, 1 government)
    resume = "resume"  # continue inspection id where this user left off
    view = "view"  # the summary of inspection id
    review = "review"  # the task-by-task page of inspection id
    submit = "submit"  # ask to submit inspection id
    confirm = "confirm"  # 确认提交
    cancel = "cancel"  # 再看看
    reopen = "reopen"  # a coordinator reopens inspection id
    release = "release"  # a coordinator releases inspection id to its unit (反馈)
    report = "report"  # the 督察报告 (.docx) of inspection id
    list = "list"  # the group's units (inspectors) or every group (coordinators)
    ranking = "ranking"  # the ranking (coordinators)
    invite = "invite"  # a coordinator makes an invite code for group id


INSPECT_CODES: dict[InspectAction, int] = {
    InspectAction.open: 0,
    InspectAction.resume: 1,
    InspectAction.view: 2,
    InspectAction.review: 3,
    InspectAction.submit: 4,
    InspectAction.confirm: 5,
    InspectAction.cancel: 6,
    InspectAction.reopen: 7,
    InspectAction.release: 8,
    InspectAction.report: 9,
    InspectAction.list: 10,
    InspectAction.ranking: 11,
    InspectAction.invite: 12,
}


@dataclass(frozen=True)
class InspectOp:
    """Whole-inspection and group actions; ``id`` is an inspection, assignment or group id."""

    op: InspectAction | str
    id: int = 0
    x: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", InspectAction(self.op))


Action = Union[
    ShowTask, ShowUnit, ShowPhase, ShowItem, Feedback, PickLevel, Navigate, AssessmentOp, CoordOp, InspectLevel, InspectNav, InspectOp
]
_PHASE_CODES = {
    "all": "0",
    "prepare": "1",
    "self_check": "2",
    "field_inspection": "3",
    "rectification": "4",
    "central_inspection": "5",
}


def _inverse(d: dict[K, V]) -> dict[V, K]:
    return {v: k for k, v in d.items()}


_NAV_BY_CODE = _inverse(NAV_CODES)
_ASSESSMENT_BY_CODE = _inverse(ASSESSMENT_CODES)
_COORD_BY_CODE = _inverse(COORD_CODES)
_INSPECT_MOVE_BY_CODE = _inverse(INSPECT_MOVE_CODES)
_INSPECT_BY_CODE = _inverse(INSPECT_CODES)


def pack(action: Action, owner: int | None = None) -> str:
    """Encode an action for a button; refuses anything over Telegram's 64 bytes."""
    if isinstance(action, ShowTask):
        body = f"t:{TABLE_CODES[action.table]}:{action.no}:{ASPECT_CODES[action.aspect]}"
    elif isinstance(action, ShowUnit):
        body = f"u:{action.index}"
    elif isinstance(action, ShowPhase):
        body = f"f:{_PHASE_CODES[action.key]}"
    elif isinstance(action, ShowItem):
        if not _ITEM_KEY.fullmatch(action.key):
            raise ValueError(f"not an item key: {action.key!r}")
        body = f"s:{action.key}"
    elif isinstance(action, Feedback):
        body = f"h:{action.question}:{int(action.helpful)}"
    elif isinstance(action, PickLevel):
        body = f"l:{action.assessment}:{action.task}:{action.criterion}:{action.level}:{action.rev}"
    elif isinstance(action, Navigate):
        body = f"n:{action.assessment}:{NAV_CODES[NavMove(action.move)]}:{action.task}:{action.criterion}"
    elif isinstance(action, AssessmentOp):
        body = f"o:{action.assessment}:{ASSESSMENT_CODES[AssessmentAction(action.op)]}"
    elif isinstance(action, CoordOp):
        body = f"c:{COORD_CODES[CoordAction(action.op)]}:{action.id}:{action.x}:{action.y}"
    elif isinstance(action, InspectLevel):
        body = f"i:{action.inspection}:{action.task}:{action.criterion}:{action.level}:{action.rev}"
    elif isinstance(action, InspectNav):
        body = f"j:{action.inspection}:{INSPECT_MOVE_CODES[InspectMove(action.move)]}:{action.task}:{action.criterion}"
    elif isinstance(action, InspectOp):
        body = f"k:{INSPECT_CODES[InspectAction(action.op)]}:{action.id}:{action.x}"
    else:  # pragma: no cover - the type checker keeps this unreachable
        raise TypeError(f"not an action: {action!r}")
    data = f"{VERSION}:{'-' if owner is None else owner}:{body}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
    return data


def _natural(text: str) -> int:
    """A non-negative integer written plainly (no signs, spaces or leading zeros)."""
    if not text.isdigit() or (len(text) > 1 and text[0] == "0") or len(text) > 16:
        raise ValueError(text)
    return int(text)


def unpack(data: str | None) -> tuple[int | None, Action]:
    """Decode callback data into (owner, action); raises InvalidCallback on anything else."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise InvalidCallback("empty or oversized")
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != VERSION:
        raise InvalidCallback(f"unknown scheme: {data[:20]!r}")
    owner_text, op, args = parts[1], parts[2], parts[3:]
    try:
        owner = None if owner_text == "-" else _natural(owner_text)
        if op == "t" and len(args) == 3:
            table = _inverse(TABLE_CODES)[args[0]]
            aspect = _inverse(ASPECT_CODES)[args[2]]
            no = int(args[1])
            if not 1 <= no <= 99:
                raise ValueError(no)
            return owner, ShowTask(table, no, aspect)  # type: ignore[arg-type]
        if op == "u" and len(args) == 1:
            return owner, ShowUnit(_natural(args[0]))
        if op == "f" and len(args) == 1:
            return owner, ShowPhase(_inverse(_PHASE_CODES)[args[0]])
        if op == "s" and len(args) == 1 and _ITEM_KEY.fullmatch(args[0]):
            return owner, ShowItem(args[0])
        if op == "h" and len(args) == 2 and args[1] in ("0", "1"):
            return owner, Feedback(_natural(args[0]), args[1] == "1")
        if op == "l" and len(args) == 5:
            a, t, c, lv, rev = (_natural(x) for x in args)
            return owner, PickLevel(a, t, c, lv, rev)
        if op == "n" and len(args) == 4:
            a, m, t, c = (_natural(x) for x in args)
            return owner, Navigate(a, _NAV_BY_CODE[m], t, c)
        if op == "o" and len(args) == 2:
            a, o = (_natural(x) for x in args)
            return owner, AssessmentOp(a, _ASSESSMENT_BY_CODE[o])
        if op == "c" and len(args) == 4:
            o, i, x, y = (_natural(v) for v in args)
            return owner, CoordOp(_COORD_BY_CODE[o], i, x, y)
        if op == "i" and len(args) == 5:
            a, t, c, lv, rev = (_natural(x) for x in args)
            return owner, InspectLevel(a, t, c, lv, rev)
        if op == "j" and len(args) == 4:
            a, m, t, c = (_natural(x) for x in args)
            return owner, InspectNav(a, _INSPECT_MOVE_BY_CODE[m], t, c)
        if op == "k" and len(args) == 3:
            o, i, x = (_natural(v) for v in args)
            return owner, InspectOp(_INSPECT_BY_CODE[o], i, x)
    except (KeyError, ValueError):
        pass
    raise InvalidCallback(f"malformed: {data[:40]!r}")
