"""The Alembic chain matches the models, and data survives each step; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import bot.storage.models  # noqa: F401  (registers the tables)
from bot.storage.db import upgrade
from dbfixtures import BACKENDS, open_database

AT = dt.datetime(2020, 8, 3, 1, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=BACKENDS)
def db_at_0003(request, tmp_path):
    yield from open_database(request.param, tmp_path, revision="0003")


def test_migrations_create_what_the_models_describe(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_0004_moves_coordinators_pending_inputs_out_of_scoring_cursors(db_at_0003):
    db = db_at_0003
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO people (user_id, name, unit, role, active, bound_at, chat_id) VALUES "
            "(1, '市办', '市委依法治市办', 'coordinator', true, :at, 5), (101, '王科长', '华龙区', 'party', true, :at, NULL)"
        ), {"at": AT})
        conn.execute(text(
            "INSERT INTO assessments (id, unit, table_key, round, rubric_version, status, created_at) "
            "VALUES (7, '华龙区', 'party', '2020', 'v', 'submitted', :at)"
        ), {"at": AT})
        conn.execute(text(
            "INSERT INTO scoring_cursors (user_id, assessment_id, task_no, criterion, step, updated_at) VALUES "
            "(1, 7, 0, 0, 'asm_comment', :at), (101, 7, 5, 0, 'rect_note', :at)"
        ), {"at": AT})
    upgrade(db.engine)
    with db.engine.connect() as conn:
        pending = conn.execute(text("SELECT user_id, kind, assessment_id, task_no, criterion FROM coordinator_pending ORDER BY user_id")).all()
        steps = conn.execute(text("SELECT user_id, step FROM scoring_cursors ORDER BY user_id")).all()
        people = conn.execute(text("SELECT user_id, name FROM people ORDER BY user_id")).all()
    assert [tuple(r) for r in pending] == [(1, "asm_comment", 7, 0, 0), (101, "rect_note", 7, 5, 0)]
    assert [tuple(r) for r in steps] == [(1, "away"), (101, "away")]
    assert [tuple(r) for r in people] == [(1, "市办"), (101, "王科长")]  # chat_id dropped, rows kept


@pytest.fixture(params=BACKENDS)
def db_at_0007(request, tmp_path):
    yield from open_database(request.param, tmp_path, revision="0007")


def test_0008_keeps_existing_evidence_as_the_self_checks(db_at_0007):
    db = db_at_0007
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO assessments (id, unit, table_key, round, rubric_version, status, created_at) "
            "VALUES (7, '华龙区', 'party', '2020', 'v', 'open', :at)"
        ), {"at": AT})
        conn.execute(text(
            "INSERT INTO evidence (assessment_id, task_no, criterion, kind, file_id, file_unique_id, file_name, size, "
            "added_by, added_by_id, added_at) VALUES (7, 3, 0, 'document', 'F1', 'U1', '会议记录.pdf', 10, '王科长', 101, :at)"
        ), {"at": AT})
    upgrade(db.engine)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT file_name, stage FROM evidence")).all()
    assert [tuple(r) for r in rows] == [("会议记录.pdf", "selfcheck")]


@pytest.fixture(params=BACKENDS)
def db_at_0012(request, tmp_path):
    yield from open_database(request.param, tmp_path, revision="0012")


def test_0013_gives_copies_of_unknown_fate_their_own_state(db_at_0012):
    db = db_at_0012
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO broadcasts (id, kind, text, audience, created_by, created_at, send_at, status) VALUES "
            "(1, 'notice', '通知', 'all', '市办', :at, :at, 'done'), (2, 'notice', '通知', 'all', '市办', :at, :at, 'sending')"
        ), {"at": AT})
        conn.execute(text(
            "INSERT INTO broadcast_recipients (broadcast_id, user_id, unit, state, attempts, error) VALUES "
            "(1, 11, '华龙区', 'sending', 1, NULL), (1, 12, '华龙区', 'failed', 1, 'unconfirmed: TimedOut: Timed out'),"
            "(1, 13, '华龙区', 'failed', 1, 'blocked by the user'), (1, 14, '华龙区', 'sent', 1, NULL),"
            "(2, 11, '华龙区', 'sending', 1, NULL)"
        ))
    upgrade(db.engine)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT broadcast_id, user_id, state, deferrals FROM broadcast_recipients ORDER BY 1, 2")).all()
    assert [tuple(r) for r in rows] == [
        (1, 11, "unknown", 0), (1, 12, "unknown", 0), (1, 13, "failed", 0), (1, 14, "sent", 0),
        (2, 11, "sending", 0),  # still being sent: the dispatcher decides once its claim is stale
    ]


@pytest.fixture(params=BACKENDS)
def db_at_0014(request, tmp_path):
    yield from open_database(request.param, tmp_path, revision="0014")


def test_0015_reminder_copies_of_unknown_fate_are_unknown_and_never_resent(db_at_0014):
    db = db_at_0014
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO reminder_deliveries (key, rule, phase, user_id, unit, due_at, state, claimed_at, sent_at, error) VALUES "
            "('deadline-1:self_check_report:2020-08-07:11', 'deadline-1', 'self_check', 11, '华龙区', :at, 'claimed', :at, NULL, NULL),"
            "('deadline-1:self_check_report:2020-08-07:12', 'deadline-1', 'self_check', 12, '华龙区', :at, 'failed', :at, NULL, 'unconfirmed: TimedOut: Timed out'),"
            "('deadline-1:self_check_report:2020-08-07:13', 'deadline-1', 'self_check', 13, '范县', :at, 'failed', :at, NULL, 'blocked by the user'),"
            "('deadline-1:self_check_report:2020-08-07:14', 'deadline-1', 'self_check', 14, '范县', :at, 'sent', :at, :at, NULL),"
            "('digest:2020-08-07', 'digest', '', 0, '', :at, 'sent', :at, NULL, NULL)"
        ), {"at": AT})
    upgrade(db.engine)
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT user_id, state, attempts, deferrals, next_attempt_at FROM reminder_deliveries ORDER BY key")).all()
        # a queued copy has no claim yet
        conn.execute(text(
            "INSERT INTO reminder_deliveries (key, rule, phase, user_id, unit, due_at, state) VALUES "
            "('deadline-0:self_check_report:2020-08-10:11', 'deadline-0', 'self_check', 11, '华龙区', :at, 'queued')"
        ), {"at": AT})
    assert [tuple(r) for r in rows] == [
        (11, "unknown", 1, 0, None), (12, "unknown", 1, 0, None), (13, "failed", 1, 0, None), (14, "sent", 1, 0, None),
        (0, "sent", 0, 0, None),
    ]
