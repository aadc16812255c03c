"""The runner every shell uses (bot/actions.py): a refusal rolls its action back, is answered
with its text, and is audited in a transaction of its own, once per Telegram update."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.actions import Runner, Tx
from bot.common.errors import Refusal
from bot.common.reply import Outcome, User
from bot.storage.models import AuditEntry, Invite, ProcessedUpdate

WANG = User(7, "王科长")


def _audit(db) -> list[AuditEntry]:
    return db.call(lambda s: list(s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()))


def _write_then_refuse(s) -> Outcome:
    s.add(Invite(code="half-done", unit="华龙区", role="party", created_by="test"))
    s.flush()
    raise Refusal("此操作仅限市委依法治市办协调员。", "user 7 tried something")


def test_a_refusal_rolls_the_action_back_and_is_audited_apart_on_the_clock(db, clock):
    out = Runner(db, clock).call(WANG, _write_then_refuse)
    assert [a.text for a in out.replies] == ["此操作仅限市委依法治市办协调员。"]
    assert db.call(lambda s: s.get(Invite, "half-done")) is None  # what it wrote before refusing is gone
    (row,) = _audit(db)
    assert (row.actor_id, row.actor, row.action, row.detail) == (7, "王科长", "refused", "user 7 tried something")
    assert row.at.replace(tzinfo=None) == clock().replace(tzinfo=None)


def test_a_refusal_about_what_was_asked_is_answered_and_audited_as_declined(db, clock):
    def stale(s):
        raise Refusal("这个按钮已失效，请重新提问。", "no such item", slip=True)

    assert Runner(db, clock).call(WANG, stale).replies[0].text == "这个按钮已失效，请重新提问。"
    (row,) = _audit(db)
    assert (row.actor_id, row.action, row.detail) == (7, "declined", "no such item")


def test_a_refused_update_redelivered_after_a_crash_is_neither_run_nor_audited_twice(db, clock):
    runner = Runner(db, clock)
    calls = []

    def refuse(s):
        calls.append(1)
        raise Refusal("您无权操作其他单位的自评。", "other unit")

    assert runner.call(WANG, refuse, Tx.once, update_id=501) is not None
    assert runner.call(WANG, refuse, Tx.once, update_id=501) is None  # Telegram sent it again
    assert len(calls) == 1 and len(_audit(db)) == 1
    assert db.call(lambda s: s.get(ProcessedUpdate, 501)) is not None


def test_an_update_that_changed_something_is_applied_once(db, clock):
    runner = Runner(db, clock)

    def make(s):
        s.add(Invite(code=f"c{len(s.exec(select(Invite)).all())}", unit="华龙区", role="party", created_by="test"))
        return Outcome().say("好的")

    assert runner.call(WANG, make, Tx.once, update_id=9).replies[0].text == "好的"
    assert runner.call(WANG, make, Tx.once, update_id=9) is None
    assert len(db.call(lambda s: s.exec(select(Invite)).all())) == 1


def test_an_audited_refusal_of_a_read_is_audited_once_per_update(db, clock):
    runner = Runner(db, clock)

    def refuse(s):
        raise Refusal("此操作仅限市委依法治市办协调员。", "non-coordinator")

    runner.call(WANG, refuse, Tx.read, update_id=77)
    runner.call(WANG, refuse, Tx.read, update_id=77)
    assert len(_audit(db)) == 1


def test_the_command_line_gets_the_refusal_back_after_it_is_audited(db, clock):
    with pytest.raises(Refusal):
        Runner(db, clock).check(None, _write_then_refuse)
    (row,) = _audit(db)
    assert row.actor == "命令行" and row.actor_id is None


def test_without_a_database_a_refusal_is_only_answered():
    def needs_user(s):
        assert s is None
        raise Refusal("此功能需要以用户身份使用终端", "no database", slip=True)

    assert Runner(None).call(WANG, needs_user).replies[0].text.startswith("此功能需要")


def test_telegram_runs_the_same_off_the_event_loop(db, clock):
    runner = Runner(db, clock)
    out = asyncio.run(runner.run(WANG, _write_then_refuse, Tx.once, update_id=3))
    assert out.replies[0].text.startswith("此操作仅限") and len(_audit(db)) == 1
    assert asyncio.run(runner.run(WANG, _write_then_refuse, Tx.once, update_id=3)) is None
    assert len(_audit(db)) == 1
