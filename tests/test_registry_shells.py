"""Every registered command behaves the same in Telegram and in the terminal.

One script of commands and button presses is played by an unbound user, a unit's user and a
coordinator, once through the real Application and the fake Bot API server, once through
`ducha chat --user NAME` (ChatSession), each on a fresh database seeded alike and on the same
clock. Each command's replies (text, buttons, files) must read the same in both shells; a
command added to the registry without a line in INVOCATIONS fails here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import BACKENDS, FakeClock, open_database  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from test_telegram_e2e import running_bot  # noqa: E402

from bot import registry  # noqa: E402
from bot.common import texts  # noqa: E402
from bot.common.reply import User  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.shells.terminal import ChatSession, terminal_user_id  # noqa: E402

UNBOUND, UNIT, COORDINATOR = "路人甲", "华龙区委办", "市办王"
ROLES = (UNBOUND, UNIT, COORDINATOR)

# Each registered command with the arguments it is tried with (its parsing included).
INVOCATIONS: dict[str, list[str]] = {
    "start": ["/start"],
    "task": ["/task 10", "/task"],
    "ask": ["/ask 法律顾问谁负责", "/ask"],
    "score": ["/score"],
    "review": ["/review"],
    "summary": ["/summary"],
    "submit": ["/submit"],
    "files": ["/files", "/files 华龙区 党委"],
    "progress": ["/progress"],
    "broadcast": ["/broadcast all 明天上午九点开会", "/broadcast"],
    "broadcasts": ["/broadcasts"],
    "campaign": ["/campaign self_check 2020-08-01 2020-08-20", "/campaign self_check 2020-13-01 -", "/campaign"],
    "rectify": ["/rectify", "/rectify 华龙区"],
    "members": ["/members", "/members remove 999"],
    "reopen": ["/reopen 华龙区 党委", "/reopen"],
    "inspect": ["/inspect"],
    "groups": ["/groups create 第一督察组 华龙区,范县", "/groups", "/groups assign 第九督察组 清丰县"],
    "release": ["/release 华龙区 党委", "/release"],
    "ranking": ["/ranking"],
    "help": ["/help"],
}
# Buttons pressed after some commands, by the start of their label (both shells alike).
PRESSES: dict[str, list[str]] = {
    "/task 10": ["检查标准"],  # rubric navigation, open to anyone
    "/score": ["", "跳过"],  # a level; then skip a rectification field, or the next criterion
    "/submit": ["继续自评"],  # a whole-assessment action
    "/broadcast all 明天上午九点开会": ["取消"],  # a coordination action
    "/inspect": ["排名"],  # an inspection action (the coordinators' overview)
}
NO_BUTTON = "(no such button shown)"
SENTINEL = "/zz_end_of_step"  # an unknown command: its reply marks the end of a step in Telegram


def script() -> list[tuple[str, str, str]]:
    """(user, kind, text): every role tries every invocation, pressing buttons where listed."""
    steps = []
    for name in ROLES:
        for command in registry.COMMANDS:
            for line in INVOCATIONS[command.name]:
                steps.append((name, "say", line))
                steps += [(name, "press", label) for label in PRESSES.get(line, [])]
    return steps


def seed(db, service: SelfCheck) -> None:
    """A unit's user and a coordinator, bound by invite; the passer-by stays unbound."""
    for name, unit, role in ((UNIT, "华龙区", "party"), (COORDINATOR, texts.COORDINATOR_UNIT, "coordinator")):
        code = db.call(lambda s, u=unit, r=role: service.create_invite(s, u, r, 1, None)).code
        db.call(lambda s, n=name, c=code: service.bind(s, User(terminal_user_id(n), n), c))


def plain(text: str) -> str:
    return html.unescape(re.sub(r"</?(b|i)>", "", text))


def render_telegram(calls: list) -> str:
    """What the user saw in one step, written as the terminal writes it."""
    out, labels = [], []
    for call in calls:
        if call.method == "sendMessage":
            out.append(plain(call.params["text"]))
            labels += [b["text"] for b in buttons(call.result)]
        else:
            out.append(f"📄 {call.params['document'].filename}")
            if call.params.get("caption"):
                out.append(call.params["caption"])
    if labels:
        out.append(texts.CHAT_CHOICES + "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)))
    return "\n".join(out)


def buttons(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def telegram_transcript(engine, db, clock) -> list[str]:
    service = SelfCheck(engine.rubric, clock=clock)
    seed(db, service)
    outputs: list[str] = []
    async with FakeBotAPI(bot_username="ducha_test_bot") as api, running_bot(api, engine, db, service):
        users = {name: api.user(terminal_user_id(name), name) for name in ROLES}
        shown: dict[str, list[dict]] = {}  # the messages of each user's last step
        for name, kind, text in script():
            user = users[name]
            mark = api.mark()
            if kind == "say":
                api.send_text(user, text)
            else:
                found = [(m, b["callback_data"]) for m in reversed(shown[name]) for b in buttons(m) if b["text"].startswith(text)]
                if not found:  # e.g. an unbound user has no level to press
                    outputs.append(NO_BUTTON)
                    continue
                api.press_button(user, *found[0])
            api.send_text(user, SENTINEL)  # updates are handled in order: its reply ends the step
            (end,) = await api.wait_for(
                lambda c, u=user: c.method == "sendMessage" and c.params.get("chat_id") == u.id and "我不认识这个命令" in c.params["text"],
                since=mark, timeout=20,
            )
            calls = [
                c for c in api.calls[mark : end.index]
                if c.method in ("sendMessage", "sendDocument") and c.params.get("chat_id") == user.id and c.ok
            ]
            shown[name] = [c.result for c in calls if c.method == "sendMessage"]
            outputs.append(render_telegram(calls))
    return outputs


def terminal_transcript(engine, db, clock, out_dir: Path) -> list[str]:
    service = SelfCheck(engine.rubric, clock=clock)
    seed(db, service)
    sessions = {name: ChatSession(engine, None, db, service, name, out_dir) for name in ROLES}
    outputs, last = [], {name: "" for name in ROLES}
    for name, kind, text in script():
        if kind == "press":
            choices = re.findall(r"\[(\d+)\] ([^\[]*)", last[name].rpartition(texts.CHAT_CHOICES)[2])
            found = [n for n, label in choices if label.strip().startswith(text)]
            if not found:
                outputs.append(NO_BUTTON)
                continue
            text = found[0]
        out = sessions[name].handle(text)
        last[name] = out
        outputs.append(out.replace(f"📄 {out_dir}/", "📄 "))
    return outputs


@pytest.fixture(scope="module", params=BACKENDS)
def transcripts(request, engine, tmp_path_factory):
    """Both shells' replies, step by step, on one backend."""
    start = FakeClock(dt.datetime(2020, 8, 3, 1, 0, tzinfo=dt.timezone.utc))
    telegram_dir, terminal_dir = tmp_path_factory.mktemp("telegram"), tmp_path_factory.mktemp("terminal")
    first = open_database(request.param, telegram_dir)
    db = next(first)
    try:
        telegram = asyncio.run(telegram_transcript(engine, db, start))
    finally:
        first.close()
    second = open_database(request.param, terminal_dir)
    db = next(second)
    try:
        terminal = terminal_transcript(engine, db, FakeClock(start.now), terminal_dir / "out")
    finally:
        second.close()
    return script(), telegram, terminal


def test_every_registered_command_is_tried():
    assert set(INVOCATIONS) == {c.name for c in registry.COMMANDS}


@pytest.mark.parametrize("name", [c.name for c in registry.COMMANDS])
def test_command_reads_the_same_in_telegram_and_the_terminal(transcripts, name):
    steps, telegram, terminal = transcripts
    lines = set(INVOCATIONS[name])
    tried = 0
    for i, (user, kind, text) in enumerate(steps):
        in_step = kind == "say" and text in lines
        after = kind == "press" and any(s[2] in lines for s in _preceding_say(steps, i))
        if in_step or after:
            tried += 1
            assert telegram[i].strip(), f"{user} {text}: no reply in Telegram"
            assert telegram[i] == terminal[i], f"{user} {kind} {text!r}"
    assert tried >= len(ROLES)


def _preceding_say(steps, i):
    for j in range(i - 1, -1, -1):
        if steps[j][1] == "say":
            return [steps[j]]
    return []


def test_campaign_in_the_terminal_checks_the_role_and_sets_the_dates(engine, db, clock, tmp_path):
    """The drift this registry fixed: `ducha chat --user 路人甲` showed the calendar and
    ignored the dates; now it refuses (and audits) as Telegram does, and a coordinator sets them."""
    from sqlmodel import select

    from bot.storage.models import AuditEntry

    service = SelfCheck(engine.rubric, clock=clock)
    seed(db, service)
    passer_by = ChatSession(engine, None, db, service, UNBOUND, tmp_path)
    refused = passer_by.handle("/campaign self_check 2020-08-01 2020-08-20")
    assert "仅限市委依法治市办" in refused and "督察时间安排" not in refused
    audited = db.call(lambda s: [(e.actor, e.action, e.detail) for e in s.exec(select(AuditEntry)).all()])
    assert any(actor == UNBOUND and action == "refused" and "/campaign" in detail for actor, action, detail in audited)
    coordinator = ChatSession(engine, None, db, service, COORDINATOR, tmp_path)
    assert "自查阶段：8月1日 至 8月10日" in coordinator.handle("/campaign")
    assert "自查阶段：8月1日 至 8月20日" in coordinator.handle("/campaign self_check 2020-08-01 2020-08-20")
    assert "自查阶段：8月1日 至 8月20日" in coordinator.handle("/campaign")


@pytest.mark.asyncio
async def test_private_only_commands_are_refused_in_a_group(engine):
    """What the registry marks private-only is refused in groups (the terminal is always private)."""
    private = [c.name for c in registry.COMMANDS if c.private]
    assert set(private) == {"score", "review", "summary", "submit", "files", "reopen", "members", "progress", "broadcast", "broadcasts", "rectify",
                            "inspect", "groups", "release", "ranking"}
    async with FakeBotAPI(bot_username="ducha_test_bot") as api, running_bot(api, engine):
        group, user = api.group_chat(-5002, "华龙区依法治区办"), api.user(1100, "周")
        for name in private:
            mark = api.mark()
            api.send_text(user, f"/{name}@ducha_test_bot", chat=group)
            (reply,) = await api.wait_for("sendMessage", since=mark)
            assert reply.params["text"] == f"请在与我的私聊中使用 /{name}，以免在群里公开单位的信息、打扰群内同事。"


def test_menu_help_and_unknown_command_come_from_the_registry():
    menu = registry.menu()
    assert [name for name, _ in menu] == ["start", "task", "ask", "score", "review", "summary", "submit", "files", "help"]
    unknown = registry.unknown_command().replies[0].text
    assert unknown == "抱歉，我不认识这个命令。可用命令：/start、/task、/ask、/score、/review、/summary、/submit、/files、/help。"
    everyone = registry.help_answer(None).text
    coordinator = registry.help_answer("coordinator").text
    assert "/campaign" not in everyone and texts.HELP_COORDINATOR_TITLE not in everyone
    assert all(c.coordinator_help[0] in coordinator for c in registry.COMMANDS if c.coordinator_help)
    assert all(c.help[0] in everyone for c in registry.COMMANDS if c.help and c.who is registry.Who.anyone)


def test_help_lists_what_each_role_can_use():
    """A coordinator's /help used to list the units' /score, /review …, which a coordinator
    cannot use, and /files without the unit and table a coordinator must give; a stranger
    saw the units' commands too. Each role sees the commands its binding lets it use."""
    def lines(role):
        return [line.split("  ")[0] for line in registry.help_answer(role).text.splitlines() if line.startswith("/")]

    assert lines(None) == ["/task 10", "/ask 问题", "/help"]
    assert "邀请链接" in registry.help_answer(None).text
    assert lines("party") == ["/task 10", "/ask 问题", "/help", "/score", "/review", "/summary", "/submit", "/files", "/rectify"]
    coordinator = lines("coordinator")
    assert "/score" not in coordinator and "/review" not in coordinator and "/submit" not in coordinator
    assert "/files 单位 党委|政府" in coordinator and "/progress" in coordinator
    inspector = lines("inspector")
    assert "/score" not in inspector and "/review" not in inspector and "/inspect" in inspector and "/progress" not in inspector


def test_a_stranger_refused_a_coordinator_command_is_told_what_to_do(engine, db, clock, tmp_path):
    service = SelfCheck(engine.rubric, clock=clock)
    chat = ChatSession(engine, None, db, service, UNBOUND, tmp_path)
    said = chat.handle("/progress")
    assert "此操作仅限市委依法治市办协调员" in said
    assert "请向市委依法治市办索取邀请链接" in said and "直接提问" in said


def test_an_action_no_shell_runs_is_answered_as_a_stale_button(engine, tmp_path):
    """A button whose action has no registry entry is refused politely, not with an error."""

    class Unregistered:
        pass

    assert registry.button(Unregistered()) is None  # type: ignore[arg-type]
    assert ChatSession(engine, out_dir=tmp_path).press(Unregistered()) == texts.STALE_BUTTON  # type: ignore[arg-type]
