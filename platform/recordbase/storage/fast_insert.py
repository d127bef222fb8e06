"""Bulk INSERT through the driver's ``executemany``, with SQLAlchemy's own type conversions.

``session.execute(insert(table), list_of_dicts)`` spends most of its time per row in
SQLAlchemy bookkeeping (building each parameter dict from the compiled statement, then
converting each value), more than the driver spends writing. Bulk writers that know their
columns (``create_many``, the record history) compile the statement once per table and
column list, convert each value with the column type's public ``bind_processor`` (the very
conversion Core applies, so the stored data is the same) and hand plain rows to
the session connection's DB-API cursor (:func:`.write_sql.driver_execute`: SQLAlchemy's statement
events and error handling kept), and so in its transaction.
Values that are the same for every row (the batch's time, its user) are converted once.

On PostgreSQL through psycopg, a batch of :data:`COPY_MIN_ROWS` rows or more is written with
``COPY ... FROM STDIN`` instead: psycopg's ``executemany`` sends one INSERT per row (pipelined,
but each parsed, planned and executed by the server), which made a record's history row cost
as much as the record. COPY checks the same constraints; its errors are raised as SQLAlchemy's
(a unique violation is an ``IntegrityError``, as from an INSERT).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from .driver_query import driver_errors
from .write_sql import driver_execute

_CACHE: dict[tuple, "InsertPlan"] = {}
#: from this many rows on, PostgreSQL (psycopg) gets them through COPY (below it, one INSERT per row
#: costs no more than COPY's own round trips)
COPY_MIN_ROWS = 20


class InsertPlan:
    """One table and column list on one dialect: the SQL and each column's bind conversion."""

    def __init__(self, table: Table, keys: Sequence[str], dialect: Any):
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        order = list(compiled.positiontup) if self.positional else list(keys)
        if sorted(order) != sorted(keys) or (not self.positional and set(compiled.binds) != set(keys)):
            raise ValueError(f"unexpected bind names for {table.name}: {order}")
        #: the columns in the order rows give them: the statement's bind order where the driver's
        #: parameters are positional (SQLite), else the caller's key order
        self.keys: tuple[str, ...] = tuple(order)
        #: per key: the type's bind processor, or None
        self.processors: tuple[Optional[Callable], ...] = tuple(
            table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in self.keys)
        #: ``COPY table (columns) FROM STDIN`` where the driver can (psycopg), else None
        self.copy_sql: Optional[str] = None
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            quote = dialect.identifier_preparer.quote
            self.copy_sql = (f"COPY {dialect.identifier_preparer.format_table(table)} "
                             f"({', '.join(quote(table.c[k].name) for k in self.keys)}) FROM STDIN")

    def slot(self, key: str) -> int:
        """Where ``key``'s value goes in a row."""
        return self.keys.index(key)

    def processors_except(self, *keys: str) -> list[tuple[int, Callable]]:
        """(position, processor) of the columns that need converting, leaving out ``keys``
        (values the caller converted once with :meth:`convert`)."""
        return [(i, p) for i, (k, p) in enumerate(zip(self.keys, self.processors)) if p is not None and k not in keys]

    def convert(self, key: str, value: Any) -> Any:
        """One value as the driver gets it (for values shared by every row: convert once)."""
        proc = self.processors[self.keys.index(key)]
        return value if proc is None or value is None else proc(value)

    def execute(self, session: Session, rows: Iterable[Sequence[Any]]) -> None:
        """Insert ``rows``: sequences of driver-ready values in :attr:`keys` order."""
        if self.copy_sql is not None:
            rows = rows if isinstance(rows, list) else list(rows)
            if len(rows) >= COPY_MIN_ROWS:
                self._copy(session, rows)
                return
        if self.positional:
            params: list = [r if r.__class__ is tuple else tuple(r) for r in rows]
        else:
            keys = self.keys
            params = [dict(zip(keys, r)) for r in rows]
        if params:  # (on the driver, announced to SQLAlchemy's statement events: see .write_sql)
            many = len(params) > 1
            driver_execute(session.connection(), self.sql, params if many else params[0], many=many)

    def _copy(self, session: Session, rows: list) -> None:
        """The rows through COPY on the session's connection (so in its transaction).

        COPY goes to the driver's connection directly, so SQLAlchemy's statement events
        (``before_cursor_execute`` ...) do not see it; its errors are handled as SQLAlchemy handles
        an INSERT's (:func:`.driver_query.driver_errors`)."""
        conn = session.connection()
        with driver_errors(conn, self.copy_sql):
            with conn.connection.dbapi_connection.cursor() as cur, cur.copy(self.copy_sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)


def insert_plan(session: Session, table: Table, keys: Sequence[str]) -> InsertPlan:
    """The cached :class:`InsertPlan` for ``table`` and ``keys`` on the session's dialect.

    Cached by the table's name and the columns' types, not the Table object: every schema
    snapshot builds new Table objects for unchanged tables."""
    dialect = session.get_bind().dialect
    keys = tuple(keys)
    # first on the Table itself (its columns' types never change): the key's reprs cost a tenth of
    # a single create's history write
    mine = table.info.setdefault("rb_insert_plans", {})
    plan = mine.get((keys, dialect.name, dialect.driver))
    if plan is not None:
        return plan
    cols = table.c
    key = (table.name, keys, tuple(repr(cols[k].type) for k in keys), dialect.name, dialect.driver)
    plan = _CACHE.get(key)
    if plan is None:
        if len(_CACHE) > 500:
            _CACHE.clear()
        plan = _CACHE[key] = InsertPlan(table, keys, dialect)
    mine[(keys, dialect.name, dialect.driver)] = plan
    return plan


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while a bulk write builds its rows.

    A batch keeps thousands of new containers alive (cleaned values, rows, events, history
    entries) until it is written, and each such wave makes the collector walk the whole heap
    again, which cost a bulk insert more than the insert itself. Nothing a batch creates
    needs cycle collection before it ends; the collector runs again right after (only the
    outermost pause re-enables it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
