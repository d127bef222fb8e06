"""A single record's INSERT and UPDATE, compiled once per column list and run on the driver.

Why: ``connection.execute(insert(table), row)`` spent half of the record store's create in
SQLAlchemy's execution (the statement's cache key, the compiled cache lookup, a parameter dict
built from the compiled statement, an execution context with its result metadata), several times
what the database spends on the row; ``exec_driver_sql`` saves the compiling but not the context.
Here the statement is compiled by SQLAlchemy once per table, column list and dialect (kept on the
``Table``, so per schema snapshot), each value goes through the column type's own
``bind_processor`` (the conversion Core applies: the row stored is the same), and the SQL runs on
the DB-API cursor of the session's connection, in its transaction (:func:`driver_execute`).

What SQLAlchemy does around a statement that matters here is kept: its ``before_cursor_execute``
and ``after_cursor_execute`` events see every such statement as they see their own (the read-only
session's refusal of writes, ``db._refuse_writes_when_read_only``, and the tests that count a
write's statements), and errors go to SQLAlchemy's own handler (a unique violation is an
``IntegrityError``; a lost connection invalidates the pool), as for the driver reads of
:mod:`.driver_query`. The events get no execution context (None): there is none.

A statement whose compiled form is not one bind per key (a column default SQLAlchemy would
compute, an escaped name) is not run this way: :func:`row_statement` answers None and the caller
executes the Core statement as before.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import MultipleResultsFound, NoResultFound

from ..metamodel.runtime import TypeDef
from .driver_query import driver_errors

#: statements kept per Table (its column lists: a type's writes use few)
_PER_TABLE = 64


class RowStatement:
    """One compiled INSERT or UPDATE of one row: its SQL and how a row's values become its parameters."""

    __slots__ = ("sql", "positional", "names", "processors")

    def __init__(self, compiled: Any, dialect: Any):
        self.sql: str = compiled.string
        self.positional = compiled.positiontup is not None
        #: the parameters' names in the statement's order (positional drivers) or as bound
        self.names: tuple[str, ...] = tuple(compiled.positiontup or compiled.bind_names.values())
        binds = compiled.binds
        #: per name, the bind processor of its type (None: the value goes as it is)
        self.processors: tuple[Optional[Callable], ...] = tuple(
            binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in self.names)

    def parameters(self, row: dict) -> Any:
        """``row`` (column key -> value, the key-bound parameters too) as the driver takes it."""
        values = [v if proc is None or v is None else proc(v)
                  for v, proc in zip([row[n] for n in self.names], self.processors)]
        return tuple(values) if self.positional else dict(zip(self.names, values))

    def execute(self, conn: Connection, row: dict) -> "DriverResult":
        return driver_execute(conn, self.sql, self.parameters(row))


class DriverResult:
    """What a write on the driver answered: the rows it returned (``RETURNING``) and its row count."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows: list, rowcount: int):
        self.rows, self.rowcount = rows, rowcount

    def scalar(self) -> Any:
        """The first column of the first row; None without rows (as ``Result.scalar``)."""
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        """The first column of the one row (as ``Result.scalar_one``: no row or several are an error)."""
        if len(self.rows) != 1:
            raise NoResultFound("No row was found when one was required") if not self.rows else \
                MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0][0]


def driver_execute(conn: Connection, sql: str, params: Any, many: bool = False) -> DriverResult:
    """Run ``sql`` with driver-ready ``params`` (a list of them with ``many``: ``executemany``) on the
    DB-API cursor of ``conn``, in its transaction, announced to the connection's statement events as
    SQLAlchemy announces its own, its errors raised as SQLAlchemy raises them (see the module)."""
    with driver_errors(conn, sql, params):
        cur = conn.connection.dbapi_connection.cursor()
        try:
            for fn in conn.dispatch.before_cursor_execute:
                sql, params = fn(conn, cur, sql, params, None, many)
            if many:
                cur.executemany(sql, params)
            else:
                cur.execute(sql, params)
            rows = cur.fetchall() if cur.description is not None else []
            rowcount = cur.rowcount
            for fn in conn.dispatch.after_cursor_execute:
                fn(conn, cur, sql, params, None, many)
        finally:
            cur.close()
    return DriverResult(rows, rowcount)


def _compiled(stmt: Any, keys: Sequence[str], extra: Sequence[str], dialect: Any) -> Optional[RowStatement]:
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    names = list(compiled.positiontup or compiled.bind_names.values())
    if sorted(names) != sorted([*keys, *extra]) or compiled.escaped_bind_names \
            or compiled.post_compile_params or compiled.literal_execute_params:
        return None
    return RowStatement(compiled, dialect)


def write_row(conn: Connection, typedef: TypeDef, kind: str, row: dict) -> Any:
    """Run one row's INSERT or UPDATE (``kind``, see :func:`row_statement`; ``row``: column key ->
    value, and ``rb_id``, ``rb_version`` for an update) on the driver, compiled once per column list;
    as the Core statement (built once per TypeDef) where it cannot be. Either answer has ``scalar()``,
    ``scalar_one()`` and ``rowcount``."""
    stmt = row_statement(conn, typedef.table, kind, tuple(row))
    if stmt is None:
        return conn.execute(typedef.memo(kind, lambda td: _CORE[kind](td.table)), row)
    return stmt.execute(conn, row)


def row_statement(conn: Connection, table: Table, kind: str, keys: tuple[str, ...]) -> Optional[RowStatement]:
    """The :class:`RowStatement` of ``kind`` for ``table`` and the columns ``keys``, on ``conn``'s dialect
    (None: run the Core statement instead):

    - ``"insert"``: ``INSERT ... RETURNING id``;
    - ``"insert_or_nothing"``: PostgreSQL's ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``;
    - ``"update_by_version"``: ``UPDATE ... SET <keys> WHERE id = :rb_id AND version = :rb_version
      AND deleted_at IS NULL`` (the keys without ``rb_id`` and ``rb_version``).
    """
    dialect = conn.dialect
    cache = table.info.get("rb_row_statements")
    if cache is None:
        cache = table.info["rb_row_statements"] = {}
    key = (kind, keys, dialect)
    found = cache.get(key, False)
    if found is not False:
        return found
    stmt = _CORE[kind](table)
    extra = _BY_VERSION if kind == "update_by_version" else ()
    found = _compiled(stmt, [k for k in keys if k not in extra], extra, dialect)
    if len(cache) >= _PER_TABLE:
        cache.clear()
    cache[key] = found
    return found


def _insert(t: Table) -> Any:
    return insert(t).returning(t.c.id)


def _insert_or_nothing(t: Table) -> Any:
    """PostgreSQL: the INSERT that gives no id when a unique value was taken meanwhile (instead of an
    error that would end the transaction: no savepoint round trips around every create)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(t).on_conflict_do_nothing().returning(t.c.id)


def _update_by_version(t: Table) -> Any:
    """A live record's UPDATE when it still has the version read; the SET clause comes from the
    parameters' column names."""
    return update(t).where(t.c.id == bindparam("rb_id"), t.c.version == bindparam("rb_version"),
                           t.c.deleted_at.is_(None))


#: the parameters of an update's WHERE clause
_BY_VERSION = ("rb_id", "rb_version")
_CORE: dict[str, Callable[[Table], Any]] = {
    "insert": _insert, "insert_or_nothing": _insert_or_nothing, "update_by_version": _update_by_version}
