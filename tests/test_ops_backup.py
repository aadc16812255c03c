"""`ducha backup` / `ducha restore`: a backup taken mid-campaign, while the bot writes, comes
back with every answer, file reference and rectification item; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import MetaData, inspect, select, text

from bot.common.callbacks import PickLevel
from bot.common.reply import User
from bot.ops.backup import BackupError, backup, kind_of, restore
from bot.scoring.selfcheck import SelfCheck
from bot.storage.lease import InstanceLock
from bot.storage.models import (
    AuditEntry,
    Broadcast,
    BroadcastRecipient,
    RectificationState,
)

NOW = dt.datetime(2020, 8, 10, 2, 0, tzinfo=dt.timezone.utc)


def mid_campaign(db, engine) -> None:
    """Two units part-way through self-scoring, with problems, evidence, a notice and items."""
    service = SelfCheck(engine.rubric)
    for uid, unit, role in ((701, "华龙区", "party"), (702, "范县", "government")):
        user = User(uid, f"{unit}办公室")
        code = db.call(lambda s, u=unit, r=role: service.create_invite(s, u, r, 1, None)).code
        db.call(lambda s, u=user, c=code: service.bind(s, u, c))
        out = db.call(lambda s, u=user: service.start(s, u))
        for n in range(3):
            levels = [b.action for row in out.replies[-1].buttons for b in row if isinstance(b.action, PickLevel)]
            out = db.call(lambda s, u=user, a=levels[-1]: service.pick_level(s, u, a))
            db.call(lambda s, u=user, n=n: service.evidence(s, u, "document", f"file-{uid}-{n}", f"uq-{uid}-{n}", f"会议纪要{n}.pdf", 1000 + n, "说明"))
            db.call(lambda s, u=user, n=n: service.text(s, u, f"第{n}条问题：制度不健全"))
            out = db.call(lambda s, u=user, n=n: service.text(s, u, f"第{n}条措施：年内完善"))
            for _ in range(3):
                if not any(b.label == "跳过" for row in out.replies[-1].buttons for b in row):
                    break
                skip = next(b.action for row in out.replies[-1].buttons for b in row if b.label == "跳过")
                out = db.call(lambda s, u=user, a=skip: service.navigate(s, u, a))
            out = db.call(lambda s, u=user: service.text(s, u, "9月30日"))
            if not any(isinstance(b.action, PickLevel) for row in out.replies[-1].buttons for b in row):
                out = db.call(lambda s, u=user: service.start(s, u))

    def rest(s):
        b = Broadcast(text="<b>请于8月15日前提交自查报告</b>", audience="all", created_by="市办", send_at=NOW)
        s.add(b)
        s.flush()
        s.add(BroadcastRecipient(broadcast_id=b.id, user_id=701, unit="华龙区", state="acknowledged", message_id=11))
        s.add(BroadcastRecipient(broadcast_id=b.id, user_id=702, unit="范县", state="sent", message_id=12))
        a_ids = [row[0] for row in s.exec(text("SELECT id FROM assessments")).all()]
        s.add(RectificationState(assessment_id=a_ids[0], task_no=1, criterion=0, state="reported", note="已整改", updated_by="华龙区办公室"))
        s.add(AuditEntry(actor="市办", action="broadcast.create", detail="#1 all 2人"))

    db.call(rest)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table (but the instance lease), in primary-key order."""
    with db.engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "instance_leases"]
        meta = MetaData()
        meta.reflect(conn, only=names)
        out = {}
        for name in names:
            table = meta.tables[name]
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(r) for r in rows]
        return out


def wipe(db) -> None:
    with db.engine.begin() as conn:
        names = inspect(conn).get_table_names()
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in names:
                conn.exec_driver_sql(f'DROP TABLE "{name}"')
        else:
            for name in names:
                conn.execute(text(f'DROP TABLE "{name}" CASCADE'))
    db.engine.dispose()


def test_a_backup_taken_mid_campaign_restores_everything(db, engine, tmp_path):
    mid_campaign(db, engine)
    before = snapshot(db)
    assert len(before["answers"]) == 6 and len(before["evidence"]) == 6
    assert all(r for r in before["answers"])
    problems = db.call(lambda s: s.exec(text("SELECT problem FROM answers WHERE problem IS NOT NULL")).all())
    assert len(problems) == 6  # each answer carries its rectification item

    # online: the bot keeps writing while the copy is taken
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set() and i < 200:
            db.call(lambda s, i=i: s.add(AuditEntry(actor="bot", action="tick", detail=str(i))))
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = backup(db, tmp_path)
    finally:
        stop.set()
        thread.join()
    assert result.path.parent == tmp_path and result.size > 0
    assert kind_of(result.path) == ("sqlite" if db.engine.dialect.name == "sqlite" else "postgresql")

    # a database in use is not overwritten without --force
    with pytest.raises(BackupError, match="--force"):
        restore(db, result.path)

    wipe(db)
    restored = restore(db, result.path)
    after = snapshot(db)
    for table, rows in before.items():
        if table == "audit_log":  # plus whatever the writer had added when the copy was taken
            assert after[table][: len(rows)] == rows
            ticks = [r for r in after[table][len(rows):]]
            assert [r[-1] for r in ticks] == [str(i) for i in range(len(ticks))]  # a prefix: consistent
        else:
            assert after[table] == rows, table
    assert restored["answers"] == 6 and restored["evidence"] == 6 and restored["rectification_states"] == 1

    # forced over live data it replaces everything
    db.call(lambda s: s.add(AuditEntry(actor="x", action="after-backup")))
    restore(db, result.path, force=True)
    assert db.call(lambda s: s.exec(text("SELECT count(*) FROM audit_log WHERE action = 'after-backup'")).one()[0]) == 0


def test_restore_refuses_while_a_bot_runs_and_foreign_files(db, tmp_path):
    out = backup(db, tmp_path / "empty.bak").path
    InstanceLock(db, "bot:1").acquire()
    with pytest.raises(BackupError, match="请先停止"):
        restore(db, out)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    with pytest.raises(BackupError, match="不是 ducha 的备份文件"):
        restore(db, junk)
