"""The migrations build exactly the tables the models declare, on both databases, and
limits are the same on both: SQLite refuses what PostgreSQL would refuse."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401
from bot.storage.guards import ValueTooLong
from bot.storage.models import AuditEntry, Broadcast, Person


def test_migrations_match_the_models_column_types_included(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_a_telegram_name_of_64_plus_64_characters_is_stored(db):
    name = "王" * 64 + " " + "李" * 64
    db.call(lambda s: s.add(Person(user_id=1, name=name, unit="华龙区", role="party")))
    assert db.call(lambda s: s.get(Person, 1)).name == name


def test_a_broadcast_of_5500_html_characters_is_stored(db):
    import datetime as dt

    html = "<b>" + "通知" * 2 + "</b>" + ("<a href=\"https://example.gov.cn/x\">文</a>" * 120)
    html = html + "。" * (5500 - len(html))
    assert len(html) == 5500
    now = dt.datetime(2020, 8, 3, tzinfo=dt.timezone.utc)
    made = db.call(lambda s: s.merge(Broadcast(text=html, audience="all", created_by="协调员", send_at=now)))
    assert db.call(lambda s: s.get(Broadcast, made.id)).text == html


def test_a_value_longer_than_its_column_is_refused_on_both_databases(db):
    with pytest.raises(ValueTooLong) as err:
        db.call(lambda s: s.add(Person(user_id=2, name="名" * 257, unit="华龙区", role="party")))
    assert err.value.column == "name" and err.value.limit == 256
    assert db.call(lambda s: s.get(Person, 2)) is None


def test_control_characters_and_nul_never_reach_the_database(db):
    db.call(lambda s: s.add(AuditEntry(actor="王\x00科长", action="test", detail="问题\x0b说明\x01")))
    entry = db.call(lambda s: s.exec(__import__("sqlmodel").select(AuditEntry)).one())
    assert "\x00" not in entry.actor and "\x0b" not in entry.detail and "\x01" not in entry.detail
    assert entry.detail.startswith("问题") and "说明" in entry.detail


def test_a_notice_whose_html_is_too_long_is_refused_with_its_length(engine):
    from bot.coordination.broadcasts import SOURCE_LIMIT, Broadcasts

    text = "<b>通知</b>" + '<a href="https://example.gov.cn/x">文</a>' * 500
    assert len(text) > SOURCE_LIMIT
    message = Broadcasts.validate_notice(None, text)  # type: ignore[arg-type]
    assert str(len(text)) in message and str(SOURCE_LIMIT) in message


def test_the_sqlite_file_lives_in_the_data_folder_when_database_url_is_unset(tmp_path):
    from bot.storage.db import database_url

    assert database_url({"DUCHA_DATA_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path}/ducha.db"
    assert database_url({}) == "sqlite:///data/ducha.db"
