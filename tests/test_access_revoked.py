"""Access can be taken back, and every refusal is audited (issue 11).

A coordinator role that came only from DUCHA_ADMIN_IDS ends when the id leaves it; a removed
user, a user who blocked the bot (inactive) and a withdrawn admin are refused by every
registered command and button (bot/registry.py), each attempt audited; /start brings a user
who had blocked the bot back; wrong invite codes are audited and held after ten a minute.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbfixtures import act, refusal_of, refusals  # noqa: E402
from test_registry_shells import INVOCATIONS  # noqa: E402

from bot import registry  # noqa: E402
from bot.common import texts  # noqa: E402
from bot.common.callbacks import (  # noqa: E402
    AssessmentAction,
    AssessmentOp,
    CoordAction,
    CoordOp,
    Feedback,
    InspectAction,
    InspectLevel,
    InspectMove,
    InspectNav,
    InspectOp,
    Navigate,
    NavMove,
    PickLevel,
    ShowItem,
    ShowPhase,
    ShowTask,
    ShowUnit,
)
from bot.common.reply import User  # noqa: E402
from bot.registry import Who  # noqa: E402
from bot.scoring.selfcheck import SelfCheck  # noqa: E402
from bot.shells.terminal import ChatSession, terminal_user_id  # noqa: E402
from bot.storage.models import AuditEntry, Invite, Person  # noqa: E402

OFFICE, CHIEF = "华龙区委办", "市办王"
OFFICE_ID, CHIEF_ID = terminal_user_id(OFFICE), terminal_user_id(CHIEF)
# what a refused user reads (the reply may go on with a usage line or a prompt)
REFUSED = (texts.NOT_BOUND, texts.INACTIVE, texts.NOT_COORDINATOR, texts.COORDINATOR_NO_SCORE, "需要先绑定", "仅限")


def audited(db) -> int:
    return len(refusals(db))


def chat(engine, db, tmp_path, clock, name, admins=frozenset()) -> ChatSession:
    service = SelfCheck(engine.rubric, clock=clock, admin_ids=admins)
    return ChatSession(engine, None, db, service, name, tmp_path / name)


def invite(db, engine, clock, unit="华龙区", role="party", uses=5) -> str:
    service = SelfCheck(engine.rubric, clock=clock)
    return db.call(lambda s: service.create_invite(s, unit, role, uses, None, created_by="test")).code


def every_button(assessment: int) -> list:
    """One press of every button action the bot makes, naming the user's (former) unit's assessment."""
    return [
        ShowTask("party", 1), ShowUnit(0), ShowPhase("all"), ShowItem("self_check"), Feedback(1, True),
        PickLevel(assessment, 1, 0, 0, 0),
        *[Navigate(assessment, move, 1, 0) for move in NavMove],
        *[AssessmentOp(assessment, op) for op in AssessmentAction],
        InspectLevel(1, 1, 0, 0, 0),
        *[InspectNav(1, move, 1, 0) for move in InspectMove],
        *[InspectOp(op, 1) for op in InspectAction],
        *[CoordOp(op, assessment, 1, 0) for op in CoordAction],
    ]


def walk(session: ChatSession, db, assessment: int) -> None:
    """Every registered command (but those open to anyone) and every button action is refused,
    and each attempt leaves one audit row."""
    commands = [c for c in registry.COMMANDS if c.who is not Who.anyone]
    for command in commands:
        line = INVOCATIONS[command.name][0]
        before = audited(db)
        out = session.handle(line)
        assert any(t in out for t in REFUSED), (line, out)
        assert audited(db) == before + 1, line
    pressed = set()
    for action in every_button(assessment):
        entry = registry.button(action)
        assert entry is not None, action
        if entry.open or entry.who is Who.anyone:  # rubric navigation and 有帮助/没帮助 need no binding
            continue
        pressed.add(id(entry))
        before = audited(db)
        out = session.press(action)
        assert any(t in out for t in REFUSED), (action, out)
        assert "📄" not in out and "📎" not in out, action  # no file of any unit
        assert audited(db) == before + 1, action
    assert pressed == {id(e) for e in registry.BUTTONS if not e.open and e.who is not Who.anyone}  # none left out


@pytest.fixture
def office(engine, db, clock, tmp_path):
    """A unit's user who has begun scoring (so their unit has an assessment with answers)."""
    session = chat(engine, db, tmp_path, clock, OFFICE)
    assert "绑定成功" in session.handle(f"/start {invite(db, engine, clock)}")
    session.handle("/score")
    session.press(next(a for a in session.choices if isinstance(a, PickLevel)))
    a = db.call(lambda s: s.exec(select(Person)).one())
    assert a.user_id == OFFICE_ID
    return session


def deactivate(db, user_id: int) -> None:
    def off(s):
        person = s.get(Person, user_id)
        person.active = False
        s.add(person)

    db.call(off)


def assessment_id(db) -> int:
    from bot.storage.models import Assessment

    return db.call(lambda s: s.exec(select(Assessment)).one().id)


def test_a_removed_user_is_refused_by_every_command_and_button(engine, db, clock, tmp_path, office):
    chief = chat(engine, db, tmp_path, clock, CHIEF, frozenset({CHIEF_ID}))
    assert "已移除" in chief.handle(f"/members remove {OFFICE_ID}")
    walk(office, db, assessment_id(db))
    # writing to the bot brings nobody back who was removed
    assert "欢迎回来" not in office.handle("/start")
    assert texts.NOT_BOUND in office.handle("/score")


def test_a_withdrawn_admin_is_refused_by_every_command_and_button(engine, db, clock, tmp_path, office):
    listed = chat(engine, db, tmp_path, clock, CHIEF, frozenset({CHIEF_ID}))
    assert "各单位自评进度" in listed.handle("/progress")
    assert db.call(lambda s: s.get(Person, CHIEF_ID)).role == "coordinator"  # stored, from DUCHA_ADMIN_IDS
    before = audited(db)
    withdrawn = chat(engine, db, tmp_path, clock, CHIEF)  # the id is gone from DUCHA_ADMIN_IDS
    assert audited(db) == before
    walk(withdrawn, db, assessment_id(db))


def test_a_user_who_blocked_the_bot_is_refused_everywhere_until_they_send_start(engine, db, clock, tmp_path, office):
    deactivate(db, OFFICE_ID)  # as the sender does when Telegram says the user blocked the bot
    a = assessment_id(db)
    # the file buttons of the unit's own assessment send nothing
    for op in ("xlsx", "docx"):
        out = office.press(AssessmentOp(a, op))
        assert texts.INACTIVE in out and "📄" not in out
    walk(office, db, a)
    assert not office.out_dir.exists() or not any(office.out_dir.iterdir())  # no file was written
    back = office.handle("/start")
    assert "欢迎回来！已恢复您在“华龙区”的绑定（党委）" in back
    assert "【第1项】" in office.handle("/score")
    actions = db.call(lambda s: [e.action for e in s.exec(select(AuditEntry)).all()])
    assert "member.reactivate" in actions


def test_a_coordinator_made_by_an_invite_stays_when_the_admin_list_changes(engine, db, clock, tmp_path):
    code = invite(db, engine, clock, unit=texts.COORDINATOR_UNIT, role="coordinator")
    chief = chat(engine, db, tmp_path, clock, CHIEF)
    assert "协调员" in chief.handle(f"/start {code}")
    assert texts.NOT_COORDINATOR not in chief.handle("/progress")
    service = SelfCheck(engine.rubric, clock=clock)
    assert db.call(service.membership.drop_withdrawn) == []
    assert db.call(lambda s: s.get(Person, CHIEF_ID)).role == "coordinator"


def test_withdrawn_admins_are_dropped_at_start_and_audited(engine, db, clock, tmp_path):
    listed = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({7, 8}))
    db.call(lambda s: [listed.person(s, User(uid, f"管理员{uid}")) for uid in (7, 8)])
    now = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({8}))
    assert db.call(lambda s: now.coordinators(s)) == [8]
    assert db.call(now.membership.drop_withdrawn) == [7]
    assert db.call(lambda s: s.get(Person, 7)) is None and db.call(lambda s: s.get(Person, 8)) is not None
    row = db.call(lambda s: s.exec(select(AuditEntry).where(AuditEntry.action == "admin.withdrawn")).one())
    assert row.detail.startswith("7 ") and row.actor == texts.ADMIN_IDS_ACTOR


def test_the_application_drops_withdrawn_admins_when_it_starts(engine, db, clock):
    from bot.app import build_application
    from bot.common.config import TelegramSettings

    listed = SelfCheck(engine.rubric, clock=clock, admin_ids=frozenset({7}))
    db.call(lambda s: listed.person(s, User(7, "老管理员")))
    build_application(TelegramSettings("123456:" + "A" * 35), engine, db, SelfCheck(engine.rubric, clock=clock), tick_seconds=None)
    assert db.call(lambda s: s.get(Person, 7)) is None


# --- every refusal is audited ------------------------------------------------------------------


# (another unit's rectification button: tests/test_coordination.py, the rectification loop)


def test_a_units_reopen_and_a_forged_reopen_button_are_audited(engine, db, clock, tmp_path, office):
    a = assessment_id(db)
    assert texts.NOT_COORDINATOR in office.handle("/reopen 华龙区 党委")
    assert texts.NOT_COORDINATOR in office.press(AssessmentOp(a, "reopen"))
    rows = refusals(db)
    assert [actor for actor, _ in rows] == [OFFICE_ID, OFFICE_ID]
    assert "/reopen" in rows[0][1] and "reopen" in rows[1][1]


def test_wrong_invite_codes_are_audited_and_held_after_ten_a_minute(engine, db, clock):
    service = SelfCheck(engine.rubric, clock=clock)
    good = invite(db, engine, clock)
    wang = User(101, "王科长")
    for n in range(10):
        clock.advance(seconds=5)
        assert "邀请码无效" in refusal_of(db, wang, lambda s, n=n: service.bind(s, wang, f"guess{n}"), clock).text
    assert [actor for actor, _ in refusals(db)] == [wang.id] * 10
    clock.advance(seconds=5)
    held = refusal_of(db, wang, lambda s: service.bind(s, wang, good), clock)  # even the right code waits
    assert held.text == texts.INVITE_TOO_MANY and "稍候" in held.text
    assert db.call(lambda s: s.get(Person, wang.id)) is None and db.call(lambda s: s.get(Invite, good)).uses == 0
    assert len(refusals(db)) == 10  # held attempts are logged, not audited: a flood cannot fill the audit log
    # others are not held, and after the minute the user may try again
    assert "绑定成功" in act(db, User(102, "李干事"), lambda s: service.bind(s, User(102, "李干事"), good), clock).replies[0].text
    clock.advance(seconds=61)
    assert "绑定成功" in act(db, wang, lambda s: service.bind(s, wang, good), clock).replies[0].text


def test_a_removed_user_binds_again_only_with_an_invite_made_after_the_removal(engine, db, clock, tmp_path, office):
    old = invite(db, engine, clock)
    clock.advance(minutes=1)
    chief = chat(engine, db, tmp_path, clock, CHIEF, frozenset({CHIEF_ID}))
    chief.handle(f"/members remove {OFFICE_ID}")
    clock.advance(minutes=1)
    assert texts.INVITE_BEFORE_REMOVAL in office.handle(f"/start {old}")
    assert refusals(db)[-1][0] == OFFICE_ID
    assert db.call(lambda s: s.get(Person, OFFICE_ID)) is None
    assert "绑定成功" in office.handle(f"/start {invite(db, engine, clock)}")
