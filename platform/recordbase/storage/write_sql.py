"""A single record's INSERT and UPDATE, compiled once per column list and run as driver SQL.

Why: ``connection.execute(insert(table), row)`` spent half of the record store's create in
SQLAlchemy's Core execution (the statement's cache key, the compiled cache lookup, a parameter
dict built from the compiled statement, an execution context with its result metadata), several
times what the database spends on the row. Here the statement is compiled by SQLAlchemy once per
table, column list and dialect (kept on the ``Table``, so per schema snapshot), each value goes
through the column type's own ``bind_processor`` (the conversion Core applies: the row stored is
the same), and the SQL runs through ``Connection.exec_driver_sql`` on the session's connection, in
its transaction. That is still SQLAlchemy's statement path: its ``before_cursor_execute`` events
(the read-only session's refusal of writes, the statement-count tests) see every statement, and
its errors are SQLAlchemy's (a unique violation is an ``IntegrityError``).

A statement whose compiled form is not one bind per key (a column default SQLAlchemy would
compute, an escaped name) is not run this way: :func:`row_statement` answers None and the caller
executes the Core statement as before.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Connection, CursorResult

from ..metamodel.runtime import TypeDef

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

    def execute(self, conn: Connection, row: dict) -> CursorResult:
        return conn.exec_driver_sql(self.sql, self.parameters(row))


def _compiled(stmt: Any, keys: Sequence[str], extra: Sequence[str], dialect: Any) -> Optional[RowStatement]:
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    names = list(compiled.positiontup or compiled.bind_names.values())
    if sorted(names) != sorted([*keys, *extra]) or compiled.escaped_bind_names \
            or compiled.post_compile_params or compiled.literal_execute_params:
        return None
    return RowStatement(compiled, dialect)


def write_row(conn: Connection, typedef: TypeDef, kind: str, row: dict) -> CursorResult:
    """Run one row's INSERT or UPDATE (``kind``, see :func:`row_statement`; ``row``: column key ->
    value, and ``rb_id``, ``rb_version`` for an update) as driver SQL compiled once per column list;
    as the Core statement (built once per TypeDef) where it cannot be."""
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
