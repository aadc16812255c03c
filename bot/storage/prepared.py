"""Statements run on every update, compiled once per database and run on the driver's cursor.

SQLAlchemy's per-execution work (cache key, parameter processing, result set-up, events) costs
about 45 µs a statement on the development machine, more than SQLite takes to run it; a level
press runs several. A :class:`Prepared` statement is compiled once per dialect and executed on
the DB-API cursor of the session's own connection, so it is part of the same transaction
(committed or rolled back with it).

What reaches the database and what comes back is what SQLAlchemy itself would produce: bind
values go through the column types' bind processors (an aware datetime becomes UTC text on
SQLite), result values through their result processors (0/1 becomes a bool, text an aware
datetime), and driver errors are raised as SQLAlchemy's exceptions. tests/test_prepared.py runs each
statement both ways on SQLite and PostgreSQL. Limits, checked when a statement is compiled:
no column may be left to a Python-side default (pass it), and no ``expanding`` (IN-list)
parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.dml import Insert, Update
from sqlmodel import Session

Processor = Callable[[Any], Any] | None
_REQUIRED = object()
# Session.info key: (dialect, DB-API connection) of a session whose transaction has begun on a
# connection it keeps to the end (bot/storage/db.py's writing thread sets it), so statements
# need not ask the session for its connection each time.
KEPT = "prepared.kept_connection"


class _Compiled:
    """One statement compiled for one dialect: its SQL, how its parameters go in, and (after
    the first run, which tells the driver's column types) how its rows come out."""

    __slots__ = ("sql", "names", "positional", "binds", "columns", "results", "dialect")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: Sequence[str] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError(f"columns left to Python-side defaults; pass them: {statement}")
        if any(b.expanding for b in compiled.binds.values()):
            raise ValueError(f"expanding parameters are not supported: {statement}")
        self.dialect = dialect
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
        # name -> (the caller's key, the type's processor, the value when the caller gives none:
        # literals such as the 1 in ``revision + 1``)
        self.binds: dict[str, tuple[str, Processor, Any]] = {}
        for name in self.names:
            bind = compiled.binds[name]
            fixed = _REQUIRED if bind.required else bind.effective_value
            self.binds[name] = (bind.key, bind.type.dialect_impl(dialect).bind_processor(dialect), fixed)
        returned = compiled.effective_returning if isinstance(statement, (Insert, Update)) else statement.selected_columns  # type: ignore[attr-defined]
        self.columns = [c.type for c in returned or ()]
        self.results: list[Processor] | None = None  # known after the first run

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        out = []
        for name in self.names:
            key, process, fixed = self.binds[name]
            value = values[key] if key in values or fixed is _REQUIRED else fixed
            out.append(process(value) if process is not None and value is not None else value)
        return tuple(out) if self.positional else dict(zip(self.names, out))

    def rows(self, cursor: Any) -> list[tuple]:
        fetched = cursor.fetchall()
        if self.results is None:
            self.results = [
                t.dialect_impl(self.dialect).result_processor(self.dialect, d[1]) for t, d in zip(self.columns, cursor.description)
            ]
        processors = self.results
        if not any(processors):
            return [tuple(r) for r in fetched]
        return [tuple(v if p is None or v is None else p(v) for p, v in zip(processors, r)) for r in fetched]


class Prepared:
    """A statement run on the driver's cursor; compiled on first use for each dialect.

    ``keys``: for an INSERT without ``.values()``, the columns it sets (as SQLAlchemy decides
    them from the first parameter set)."""

    def __init__(self, statement: ClauseElement, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.keys = tuple(keys) if keys is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        # one compiled form per dialect (and per PostgreSQL driver): the SQL differs
        key = f"{dialect.name}+{dialect.driver}"
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _Compiled(self.statement, dialect, self.keys)
        return found

    def _run(self, s: Session, values: dict[str, Any]) -> tuple[_Compiled, Any]:
        kept = s.info.get(KEPT)
        if kept is not None:  # the transaction's connection, known for its whole length
            dialect, dbapi_connection = kept
        else:
            connection = s.connection()
            dialect, dbapi_connection = connection.dialect, connection.connection.dbapi_connection
        compiled = self._for(dialect)
        parameters = compiled.parameters(values)
        cursor = dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, parameters)
        except compiled.dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise exc.DBAPIError.instance(
                compiled.sql, parameters, error, compiled.dialect.loaded_dbapi.Error, dialect=compiled.dialect
            ) from error
        return compiled, cursor

    def all(self, s: Session, **values: Any) -> list[tuple]:
        compiled, cursor = self._run(s, values)
        try:
            return compiled.rows(cursor)
        finally:
            cursor.close()

    def first(self, s: Session, **values: Any) -> tuple | None:
        rows = self.all(s, **values)
        return rows[0] if rows else None

    def rowcount(self, s: Session, **values: Any) -> int:
        """Run a statement that returns no rows (UPDATE, DELETE); how many rows it changed."""
        _, cursor = self._run(s, values)
        try:
            return cursor.rowcount
        finally:
            cursor.close()
