"""Prepared statements store and read exactly what SQLAlchemy's own execution does, on SQLite
and PostgreSQL, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, exc, text, update
from sqlmodel import Session, select

from bot.storage.db import _insert_new_statement, insert_new, upsert
from bot.storage.models import Assessment, CriterionAnswer, Person, ProcessedUpdate, ScoringCursor
from bot.storage.prepared import Prepared

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2020, 8, 3, 9, 30, 15, 123456, tzinfo=SHANGHAI)  # aware, not UTC: stored as UTC

_PERSON = select(Person.user_id, Person.name, Person.unit, Person.role, Person.table_key, Person.active, Person.bound_at).where(
    Person.user_id == bindparam("user_id")
)


def seed(s: Session) -> int:
    s.add(Person(user_id=7, name="王科长", unit="华龙区", role="party", bound_at=AT, active=False))
    s.add(Person(user_id=8, name="李四", unit="华龙区", role="department", bound_at=AT))
    a = Assessment(unit="华龙区", table_key="party", round="2020", rubric_version="v", created_at=AT)
    s.add(a)
    s.flush()
    return a.id or 0


def test_selected_rows_are_those_sqlalchemy_returns(db):
    db.call(seed)
    prepared = Prepared(_PERSON)
    for user_id in (7, 8, 9):
        ours = db.call(lambda s: prepared.first(s, user_id=user_id))
        theirs = db.call(lambda s: s.connection().execute(_PERSON, {"user_id": user_id}).first())
        assert ours == (tuple(theirs) if theirs is not None else None)
    row = db.call(lambda s: prepared.first(s, user_id=7))
    assert row[5] is False and row[6] == AT and row[6].tzinfo is not None  # a bool and an aware datetime
    assert db.call(lambda s: prepared.all(s, user_id=9)) == []


def test_inserted_rows_read_back_as_sqlalchemys_do(db):
    a = db.call(seed)
    values = dict(assessment_id=a, criterion=0, level=1, points=2.5, fingerprint="f", answered_by="王科长", answered_by_id=7, answered_at=AT, revision=1)
    assert db.call(lambda s: insert_new(s, CriterionAnswer, task_no=1, **values))  # prepared: every default given
    assert not db.call(lambda s: insert_new(s, CriterionAnswer, task_no=1, **values))  # already there
    statement = _insert_new_statement(db.engine.dialect.name, CriterionAnswer.__table__)
    db.call(lambda s: s.connection().execute(statement, {**values, "task_no": 2}).first())  # SQLAlchemy's own
    rows = db.call(lambda s: [s.get(CriterionAnswer, i) for i in s.exec(select(CriterionAnswer.id).order_by(CriterionAnswer.task_no)).all()])
    ours, theirs = (r.model_dump(exclude={"id", "task_no"}) for r in rows)
    assert ours == theirs
    assert ours["answered_at"] == AT and ours["answered_at"].tzinfo is not None
    # and stored alike, as the database holds it (SQLite compares these texts in queries)
    stored = db.call(lambda s: s.exec(text("SELECT answered_at, points FROM answers ORDER BY task_no")).all())
    assert stored[0] == stored[1]


def test_upsert_and_update_change_what_sqlalchemy_would(db):
    a = db.call(seed)
    db.call(lambda s: upsert(s, ScoringCursor, {"user_id": 7}, assessment_id=a, task_no=1, criterion=0, step="level", updated_at=AT))
    db.call(lambda s: upsert(s, ScoringCursor, {"user_id": 7}, assessment_id=a, task_no=3, criterion=2, step="problem", updated_at=AT))
    cursor = db.call(lambda s: s.get(ScoringCursor, 7))
    assert (cursor.task_no, cursor.criterion, cursor.step, cursor.updated_at) == (3, 2, "problem", AT)
    db.call(lambda s: insert_new(s, CriterionAnswer, assessment_id=a, task_no=1, criterion=0, level=0, points=5.0, fingerprint="f",
                                 answered_by="王科长", answered_by_id=7, answered_at=AT, revision=1))
    bump = Prepared(
        update(CriterionAnswer)
        .where(CriterionAnswer.assessment_id == bindparam("a"), CriterionAnswer.revision == bindparam("rev"))
        .values(revision=CriterionAnswer.revision + 1, level=bindparam("level"))
    )
    assert db.call(lambda s: bump.rowcount(s, a=a, rev=1, level=2)) == 1
    assert db.call(lambda s: bump.rowcount(s, a=a, rev=1, level=3)) == 0  # the revision moved on
    row = db.call(lambda s: s.exec(select(CriterionAnswer)).one())
    assert (row.revision, row.level) == (2, 2)


def test_part_of_the_callers_transaction(db):
    a = db.call(seed)

    def fails(s: Session) -> None:
        assert insert_new(s, ProcessedUpdate, update_id=41, at=AT)
        raise RuntimeError("after the insert")

    with pytest.raises(RuntimeError):
        db.call(fails)
    assert db.call(lambda s: s.get(ProcessedUpdate, 41)) is None  # rolled back with the transaction
    assert db.call(lambda s: insert_new(s, ProcessedUpdate, update_id=41, at=AT))
    assert a


def test_driver_errors_are_sqlalchemys(db):
    db.call(seed)
    values = dict(assessment_id=999, task_no=1, criterion=0, level=0, points=5.0, fingerprint="f", answered_by="x", answered_by_id=7, answered_at=AT, revision=1)
    with pytest.raises(exc.IntegrityError):  # no such assessment
        db.call(lambda s: insert_new(s, CriterionAnswer, **values))


def test_left_to_a_default_is_sqlalchemys_job(db):
    with pytest.raises(ValueError, match="defaults"):
        db.call(lambda s: Prepared(_insert_new_statement(db.engine.dialect.name, ProcessedUpdate.__table__), ["update_id"]).first(s, update_id=1))
    assert db.call(lambda s: insert_new(s, ProcessedUpdate, update_id=1))  # still works, through SQLAlchemy
    assert db.call(lambda s: s.get(ProcessedUpdate, 1)).at is not None
