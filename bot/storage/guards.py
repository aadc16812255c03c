"""What the database is never handed, whichever database it is.

SQLite ignores a column's declared length and stores NUL; PostgreSQL refuses both with a
DataError. So that the two behave the same and no write fails only in production:

* every string the ORM flushes is cleaned of control characters (``clean_text``), and one
  longer than its column raises ``ValueTooLong`` on both databases (input is checked where
  it arrives, with a message for the user; this catches what a check forgot);
* every statement's string parameters lose NUL characters before the driver sees them (the
  core statements: ``insert_new``, ``upsert``, bulk updates).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import String, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.common.sanitize import clean_text

logger = logging.getLogger(__name__)


class ValueTooLong(ValueError):
    """A value longer than its column: a missing input check, refused on every database."""

    def __init__(self, table: str, column: str, length: int, limit: int) -> None:
        super().__init__(f"{table}.{column}: {length} characters, the column holds {limit}")
        self.table, self.column, self.length, self.limit = table, column, length, limit


_columns: dict[Any, list[tuple[str, str, int | None]]] = {}


def _string_columns(mapper) -> list[tuple[str, str, int | None]]:
    cached = _columns.get(mapper)
    if cached is None:
        cached = []
        for attr in mapper.column_attrs:
            for column in attr.columns:
                kind = column.type
                if isinstance(kind, TypeDecorator):  # SQLModel's AutoString wraps a String
                    kind = kind.impl_instance
                if isinstance(kind, String):
                    cached.append((attr.key, column.name, getattr(kind, "length", None)))
        _columns[mapper] = cached
    return cached


def _check(obj: Any) -> None:
    from sqlalchemy import inspect

    state = inspect(obj)
    mapper = state.mapper
    table = mapper.local_table.name
    for key, name, limit in _string_columns(mapper):
        value = state.dict.get(key)
        if not isinstance(value, str):
            continue
        cleaned = clean_text(value)
        if cleaned != value:
            setattr(obj, key, cleaned)
        if limit is not None and len(cleaned) > limit:
            raise ValueTooLong(table, name, len(cleaned), limit)


def _before_flush(session: Session, _context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        _check(obj)


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", " ")
    return value


def _params_without_nul(parameters: Any) -> Any:
    if isinstance(parameters, dict):
        if any(isinstance(v, str) and "\x00" in v for v in parameters.values()):
            return {k: _strip_nul(v) for k, v in parameters.items()}
        return parameters
    if isinstance(parameters, (list, tuple)):
        if parameters and isinstance(parameters[0], (dict, list, tuple)):  # executemany
            return type(parameters)(_params_without_nul(p) for p in parameters)
        if any(isinstance(v, str) and "\x00" in v for v in parameters):
            return type(parameters)(_strip_nul(v) for v in parameters)
    return parameters


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    return statement, _params_without_nul(parameters)


def install(engine: Engine) -> None:
    """Attach the NUL guard to ``engine``; the flush check is global (installed on import)."""
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "before_cursor_execute", _before_cursor_execute, retval=True)


if not event.contains(Session, "before_flush", _before_flush):
    event.listen(Session, "before_flush", _before_flush)
