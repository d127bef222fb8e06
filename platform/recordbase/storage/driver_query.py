"""SELECTs that SQLAlchemy compiles and the DB-API driver runs: the hot reads of every API request.

Why: for the token lookup and a 50-row list page, SQLAlchemy's execution and result layers
(execution context, cursor metadata, ``Row`` objects, cache-key matching at execution) cost
as much again as the query itself in the database. Here a Core ``select`` is still built and
compiled by SQLAlchemy (once per statement shape and dialect, like its own compiled cache),
but it is run on the session connection's DB-API cursor, in the session's transaction, and
each column's value goes through the same result processor SQLAlchemy would apply
(:meth:`TypeEngine.result_processor`), so the rows hold exactly the values ``session.execute``
gives, as plain tuples.

Statements this cannot run as they are (``IN`` lists expanded at execution time, escaped
parameter names, selected expressions other than columns and labels) go through
``session.execute`` instead; the answer is the same either way. Errors are handled by
SQLAlchemy's own handler (:func:`driver_errors`). SQLAlchemy's statement events
(``before_cursor_execute`` ...) do not see these statements: they only read.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, NoReturn, Optional, Sequence

from sqlalchemy import Column
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import Label

from ..db import bound_connection

_CACHE_SIZE = 500  # statement shapes kept per process (SQLAlchemy's own compiled cache keeps 500)


class DriverStatement:
    """One compiled statement shape: its SQL, how to order and convert its parameters, and how to
    convert its result columns (worked out on the first run, from the cursor's description)."""

    def __init__(self, cache_key: tuple, compiled: Any, dialect: Any, keys: tuple[str, ...]):
        self.cache_key = cache_key
        self.compiled = compiled
        self.sql = compiled.string
        self.positional = compiled.positiontup is not None
        self.names = tuple(compiled.positiontup or compiled.bind_names.values())
        binds = compiled.binds
        self.bind_processors = {
            name: proc for name in self.names
            if (proc := binds[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        self.keys = keys
        self.types = [c.type for c in compiled.statement.selected_columns]
        self.result_processors: Optional[list[Optional[Callable]]] = None
        #: (the caller's parameter keys, per parameter: (its key or None, its bind processor, the
        #: converted value of one not given)), for runs of the statement compiled (:meth:`parameters`)
        self._plan: Optional[tuple] = None

    def parameters(self, extracted: Sequence[Any], params: Optional[dict], stmt: Any = None) -> Any:
        plan = self._plan
        if plan is not None and stmt is self.compiled.statement and params is not None and params.keys() == plan[0]:
            # the statement this was compiled from (a statement built once and kept): its own values
            # are the compiled ones, converted once; only the caller's are converted per run
            slots = [fixed if key is None else (params[key] if proc is None else proc(params[key]))
                     for key, proc, fixed in plan[1]]
            return tuple(slots) if self.positional else dict(zip(self.names, slots))
        values = self.compiled.construct_params(params, extracted_parameters=extracted, escape_names=False)
        for name, proc in self.bind_processors.items():
            values[name] = proc(values[name])
        if plan is None and stmt is self.compiled.statement and params:
            binds = self.compiled.binds
            self._plan = (set(params), [(binds[n].key, self.bind_processors.get(n), None) if binds[n].key in params
                                        else (None, None, values[n]) for n in self.names])
        if self.positional:
            return tuple(values[n] for n in self.names)
        return values

    def processors(self, dialect: Any, description: Sequence) -> list[Optional[Callable]]:
        """Each result column's result processor (None: none), from the first run's cursor description
        (PostgreSQL's numeric processors depend on the column's type code)."""
        found = self.result_processors
        if found is None:
            found = self.result_processors = [typ.dialect_impl(dialect).result_processor(dialect, desc[1])
                                               for typ, desc in zip(self.types, description)]
        return found


_STATEMENTS: dict[tuple, Optional[DriverStatement]] = {}


def _plain_columns(stmt: Select) -> bool:
    """Whether each selected column is one result column with its own key (table columns and labelled
    expressions): what the keys and the result processors here are worked out from. Anything else
    (``*``, text, unlabelled expressions) goes through SQLAlchemy, which reads the cursor's own columns."""
    keys = [c.key for c in stmt.selected_columns]
    return (bool(keys) and all(isinstance(c, (Column, Label)) for c in stmt.selected_columns)
            and None not in keys and len(set(keys)) == len(keys))


#: (statement, dialect) -> (statement, its DriverStatement, its own values), by the statement's
#: identity: a statement kept and run again (the token lookup, a first page, a GET's select) is not
#: keyed again, as hashing its nested cache key cost about 3 µs a run
_BY_IDENTITY: dict[tuple[int, int], tuple[Select, Optional[DriverStatement], Any]] = {}
_IDENTITY_SIZE = 256


def _statement(stmt: Select, dialect: Any) -> tuple[Optional[DriverStatement], Any]:
    """The cached :class:`DriverStatement` of ``stmt``'s shape (None: run it through SQLAlchemy),
    and ``stmt``'s own parameter values in cache-key order."""
    ident = (id(stmt), id(dialect))
    seen = _BY_IDENTITY.get(ident)
    if seen is not None and seen[0] is stmt:  # (the entry holds the statement: its id is not reused)
        return seen[1], seen[2]
    found, values = _keyed_statement(stmt, dialect)
    if len(_BY_IDENTITY) >= _IDENTITY_SIZE:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[ident] = (stmt, found, values)
    return found, values


def _keyed_statement(stmt: Select, dialect: Any) -> tuple[Optional[DriverStatement], Any]:
    """:func:`_statement` through the statement's cache key."""
    key = stmt._generate_cache_key()
    if key is None:  # a construct that cannot be cached
        return None, None
    cache_key = (dialect, key.key)  # (the dialect itself: two engines may configure one dialect differently)
    found = _STATEMENTS.get(cache_key, False)
    if found is False:
        compiled = stmt.compile(dialect=dialect, cache_key=key)
        keys = tuple(c.key for c in stmt.selected_columns)
        runnable = not (compiled.post_compile_params or compiled.literal_execute_params
                        or compiled.escaped_bind_names) and _plain_columns(stmt)
        found = DriverStatement(cache_key, compiled, dialect, keys) if runnable else None
        if len(_STATEMENTS) >= _CACHE_SIZE:
            _STATEMENTS.clear()
        _STATEMENTS[cache_key] = found
    return found, key.bindparams


def fetch_all(session: Session, stmt: Select, params: Optional[dict] = None,
              prepare: bool = False) -> tuple[tuple[str, ...], list[tuple]]:
    """The result column keys and all rows of ``stmt`` (as tuples), in the session's transaction;
    ``params`` gives values to ``bindparam()`` placeholders by key, as ``session.execute`` does."""
    fetched = fetch_driver_rows(session, stmt, params, prepare)
    return fetched.keys, fetched.rows()


class DriverRows:
    """Rows as the driver gave them, and each column's conversion to what SQLAlchemy would give
    (``processors[i]``, None where the driver's value is the value): a caller that turns the
    values into something else (JSON) can fold the two conversions into one."""

    __slots__ = ("keys", "raw", "processors")

    def __init__(self, keys: tuple[str, ...], raw: list, processors: list[Optional[Callable]]):
        self.keys, self.raw, self.processors = keys, raw, processors

    def row(self, raw_row: Sequence) -> tuple:
        """One driver row as SQLAlchemy would give it."""
        return tuple(v if proc is None or v is None else proc(v) for v, proc in zip(raw_row, self.processors))

    def values(self, raw_row: Sequence) -> "RowValues":
        """One driver row's values by column key, each converted only when asked for."""
        return RowValues(self, raw_row)

    def rows(self) -> list[tuple]:
        if not any(self.processors):
            return [tuple(r) for r in self.raw]
        return [self.row(r) for r in self.raw]


class RowValues:
    """A driver row as ``{column key: value as SQLAlchemy gives it}``, converting a value when it is
    read: a page's next cursor reads its last row's sort values and id, not its every column (whose
    conversions, a time or a decimal each, cost a list page 3 %)."""

    __slots__ = ("_rows", "_raw", "_at")

    def __init__(self, rows: DriverRows, raw_row: Sequence):
        self._rows, self._raw = rows, raw_row
        self._at = {key: i for i, key in enumerate(rows.keys)}

    def __getitem__(self, key: str) -> Any:
        i = self._at[key]
        v, proc = self._raw[i], self._rows.processors[i]
        return v if proc is None or v is None else proc(v)


def fetch_driver_rows(session: Session, stmt: Select, params: Optional[dict] = None,
                      prepare: bool = False) -> DriverRows:
    """``stmt``'s rows in the session's transaction, as the driver gives them (see :class:`DriverRows`).

    ``prepare``: on PostgreSQL (psycopg), have the server keep the statement's plan on the
    connection. Only for a statement over tables whose columns never change while the app runs
    (the token lookup: planning it cost a GET about 0.2 ms of the server's time, more than running
    it); record tables change shape at runtime, so the engine never prepares on its own
    (``recordbase.db.make_engine``)."""
    conn = bound_connection(session)
    dialect = conn.dialect
    driver, extracted = _statement(stmt, dialect)
    if driver is None:
        result = conn.execute(stmt, params)
        keys = tuple(result.keys())
        return DriverRows(keys, [tuple(r) for r in result.all()], [None] * len(keys))
    # (try blocks, not :func:`driver_errors`: its two context managers cost every read a few µs)
    try:
        values = driver.parameters(extracted, params, stmt)
    except BaseException as exc:  # noqa: BLE001 - re-raised by the handler
        _handle(conn, exc, driver.sql, params, executing=False)
    try:
        cur = conn.connection.dbapi_connection.cursor()
        try:
            if prepare and dialect.driver == "psycopg":
                _execute_prepared(cur, driver.sql, values)
            else:
                cur.execute(driver.sql, values)
            raw = cur.fetchall()
            description = cur.description
        finally:
            cur.close()
    except BaseException as exc:  # noqa: BLE001 - re-raised by the handler
        _handle(conn, exc, driver.sql, values, executing=True)
    if len(description) != len(driver.keys):  # a selected construct of several columns: SQLAlchemy's to run
        _STATEMENTS[driver.cache_key] = None
        _BY_IDENTITY.clear()
        return fetch_driver_rows(session, stmt, params, prepare)
    return DriverRows(driver.keys, raw, driver.processors(dialect, description))


#: psycopg's ``prepare_threshold`` while a statement asked to be prepared runs (the engine's is None,
#: which refuses ``prepare=True`` too; a threshold never reached prepares only what asks)
_ASKED_ONLY = 2**31 - 1


def _execute_prepared(cur: Any, sql: str, values: Any) -> None:
    """Run ``sql`` on a psycopg cursor as a statement prepared on its connection, every other statement
    on that connection staying unprepared. psycopg keeps it until the connection's next rollback of a
    transaction (then prepared again on its next run): API reads run in autocommit, so a GET's
    connection keeps it; a refused write's rollback costs one more preparation."""
    raw = cur.connection
    kept = raw.prepare_threshold
    raw.prepare_threshold = _ASKED_ONLY
    try:
        cur.execute(sql, values, prepare=True)
    finally:
        raw.prepare_threshold = kept


@contextmanager
def driver_errors(conn: Connection, statement: str, params: Any = None, executing: bool = True) -> Iterator[None]:
    """Errors inside handled exactly as SQLAlchemy handles its own statements' errors: a DB-API error
    is raised as SQLAlchemy's (``IntegrityError``, ``OperationalError`` ...); another error is raised
    as it is while ``executing`` (the driver's ``OverflowError``, say), and as a ``StatementError``
    before (while preparing the parameters); a lost connection (or an interrupt) invalidates the
    connection and, for a lost one, the pool's older connections too, so that the next requests do
    not fail on them one by one.

    This hands the error to ``Connection._handle_dbapi_exception``, SQLAlchemy's own (private) handler:
    copying its pool invalidation and ``handle_error`` events here would drift from it."""
    try:
        yield
    except BaseException as exc:  # noqa: BLE001 - re-raised by the handler, as SQLAlchemy does
        _handle(conn, exc, statement, params, executing)


def _handle(conn: Connection, exc: BaseException, statement: str, params: Any, executing: bool) -> NoReturn:
    """What :func:`driver_errors` does with an error raised inside it."""
    if executing and isinstance(exc, Exception) and not isinstance(exc, conn.dialect.loaded_dbapi.Error):
        raise exc
    conn._handle_dbapi_exception(exc, statement, params, None, None)
    raise exc  # (the handler always raises: not reached)
