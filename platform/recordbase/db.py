"""Engine and session setup, the same for SQLite and PostgreSQL.

SQLite's Python driver opens transactions lazily and never around DDL; we take
over (``isolation_level=None`` plus an explicit BEGIN) so that a metamodel
change and its DDL commit or roll back together, as they do on PostgreSQL.
BEGIN IMMEDIATE takes the write lock up front: SQLite has one writer, and a
reader that later upgrades to a writer would otherwise fail at once with
'database is locked' instead of waiting its turn. Requests that only read use
:func:`read_only_engine` instead: a plain BEGIN on SQLite (no write lock, so in
WAL mode they never wait for a writer), autocommit on PostgreSQL.
SQLite's ``lower()`` only folds ASCII; we replace it with Python's so that text
filters agree between SQL and Python evaluation.
"""
from __future__ import annotations

import re
import sqlite3
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import Connection, Engine, Executable, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def normalize_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


#: how long a SQLite connection waits for the write lock before 'database is locked'
BUSY_TIMEOUT_MS = 30_000


@contextmanager
def brief_lock_wait(session: Session, ms: int = 50) -> Iterator[None]:
    """On SQLite, wait at most ``ms`` for the write lock inside the block (else as usual), for a
    write that may be skipped rather than wait behind a long writer. SQLite waits (at all) only
    when the block's write is the first statement of its transaction."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    driver_conn = session.connection().connection.dbapi_connection
    driver_conn.execute(f"PRAGMA busy_timeout={int(ms)}")
    try:
        yield
    finally:
        try:
            driver_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except sqlite3.Error:  # the connection broke inside the block: its own error is the one to see
            pass


def _py_lower(value):
    return value.lower() if isinstance(value, str) else value


def make_engine(url: str, **kwargs) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            dbapi_conn.create_function("lower", 1, _py_lower, deterministic=True)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # straight to the driver: this runs at the start of every transaction (every request), and
            # SQLAlchemy's statement machinery around it cost more than the BEGIN itself
            read_only = conn.get_execution_options().get(READ_ONLY)
            dbapi = conn.connection.dbapi_connection
            if read_only and dbapi.in_transaction:
                return  # a session joining the read transaction begun at the driver (begin_read)
            begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"
            try:
                dbapi.execute(begin)
            except sqlite3.Error as exc:  # as SQLAlchemy would raise it ("database is locked" ...)
                raise sa_exc.DBAPIError.instance(begin, (), exc, sqlite3.Error) from exc

        _refuse_writes_when_read_only(engine)
        return engine
    # psycopg prepares a statement server-side after a few runs; record tables change shape at
    # runtime (a field's type change drops and re-adds its column), and a prepared SELECT on such a
    # table then fails with "cached plan must not change result type". Never prepare (but for a
    # statement over fixed tables that asks: storage/driver_query._execute_prepared).
    if url.startswith("postgresql+psycopg:"):
        kwargs["connect_args"] = dict({"prepare_threshold": None}, **kwargs.get("connect_args", {}))
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_after_idle(engine)
    _refuse_writes_when_read_only(engine)
    return engine


IDLE_PING_SECONDS = 5.0


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it has sat idle (the server may have been restarted,
    or closed it); a dead one is replaced, so the request does not fail on it.

    SQLAlchemy's ``pool_pre_ping`` does this on every checkout: one more round trip per request.
    A connection given back less than :data:`IDLE_PING_SECONDS` ago was working then; it is used
    as it is (if the server went away in between, SQLAlchemy sees the disconnect on first use and
    discards the pool's connections). The pattern is the pool ``checkout`` event of SQLAlchemy's
    "Disconnect Handling" documentation: raising DisconnectionError makes the pool connect anew."""

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn, record):
        record.info["rb_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, proxy):
        since = record.info.get("rb_checked_in")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # new (just connected) or recently working
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute("SELECT 1")
            finally:
                cur.close()
            dbapi_conn.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure: this connection is not usable
            raise sa_exc.DisconnectionError(f"stale pooled connection: {exc}") from exc


def is_lock_error(exc: Exception) -> bool:
    """SQLite's SQLITE_BUSY or SQLITE_LOCKED (any extended code): another writer held the write
    lock for longer than this connection would wait."""
    code = getattr(getattr(exc, "orig", None), "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


#: SQLite result codes of a database that cannot be reached (file or folder gone, disk failing)
_SQLITE_UNREACHABLE = frozenset({sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_NOTADB})
#: PostgreSQL states of a server that is going away or not accepting connections yet
_PG_UNREACHABLE = frozenset({"57P01", "57P02", "57P03"})


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached (connection refused, server gone, file or folder missing)
    rather than refusing one statement: the request can be retried once it is back.

    SQLAlchemy's pool timeout (every connection taken), a failed connect (no statement yet), a
    connection lost under a statement (``connection_invalidated``), PostgreSQL's connection
    states (class 08, shutting down, starting up) and SQLite's can't-open and I/O errors."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    if not isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return False
    if exc.connection_invalidated or exc.statement is None:
        return True
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _SQLITE_UNREACHABLE
    state = getattr(orig, "sqlstate", None) or ""
    return not state or state.startswith("08") or state in _PG_UNREACHABLE  # no state: the client lost the server


def first_read(session: Session, read: Callable[[], T]) -> T:
    """Run a request's first statement, ``read``; if the pooled connection it met was dead (the
    server restarted or dropped it within :data:`IDLE_PING_SECONDS` of its last use, so it was not
    pinged), run it once more on a new connection. Nothing has happened in the session yet, so
    nothing is lost: the request goes on instead of failing (SQLAlchemy has already discarded the
    pool's other connections of the old server)."""
    try:
        return read()
    except sa_exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        end_read_transaction(session, begin_again=True)
        return read()


#: ``Session.info`` key: the session is bound to a read-only request's connection whose read
#: transaction :func:`begin_read` began (on SQLite at the driver, unseen by SQLAlchemy)
READING = "rb_reading"


def begin_read(session: Session) -> None:
    """Begin the read transaction of the connection ``session`` is bound to (a read-only request's,
    :func:`recordbase.context.db_session`): on SQLite a plain BEGIN sent to the driver; on PostgreSQL
    nothing (autocommit: each statement reads committed data, :func:`read_only_engine`).

    Why not ``Connection.begin()``: SQLAlchemy's transaction object, its begin and rollback events
    and their dispatch cost about 90 k instructions a request (5 % of an API get-one) for a
    transaction that only reads. The pool's reset on return (a ROLLBACK) ends it; a session that
    reads through the ORM joins it (its own begin finds the driver's transaction open: the ``begin``
    listener of :func:`make_engine`) and ends it when it closes."""
    conn = session.bind
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if not dbapi.in_transaction:
            try:
                dbapi.execute("BEGIN")
            except sqlite3.Error as exc:  # as SQLAlchemy would raise it ("database is locked" ...)
                raise sa_exc.DBAPIError.instance("BEGIN", (), exc, sqlite3.Error) from exc
    session.info[READING] = True


def bound_connection(session: Session) -> Connection:
    """The connection ``session``'s statements run on: the one it is bound to (a read-only request's,
    :func:`recordbase.context.db_session`) while the session has begun no transaction of its own and
    that connection's read transaction is open (:func:`begin_read`, or one begun by SQLAlchemy); else
    ``session.connection()``, which begins the session's."""
    bind = session.bind
    if type(bind) is Connection and session._transaction is None and (session.info.get(READING)
                                                                     or bind.in_transaction()):
        return bind
    return session.connection()


def end_read_transaction(session: Session, begin_again: bool = False) -> None:
    """End the read transaction of ``session``, and of the connection it is bound to, if any (a session
    bound to a read-only request's connection only joins that connection's transaction: rolling the
    session back would not end it); with ``begin_again``, that connection's next one begins at once."""
    session.rollback()
    bind = session.bind
    if type(bind) is Connection:
        if bind.in_transaction():
            bind.rollback()
        if session.info.pop(READING, False) and not bind.invalidated and bind.dialect.name == "sqlite":
            bind.connection.dbapi_connection.rollback()  # (begun at the driver: SQLAlchemy does not see it)
        if begin_again:
            level = bind.get_execution_options().get("isolation_level")
            if bind.invalidated and level is not None:
                # a lost connection is replaced by the pool's next one, which SQLAlchemy does not give
                # the engine's isolation level (applied only when a Connection is made): without it a
                # PostgreSQL read would go on in a transaction of its own, holding its tables' locks
                bind.execution_options(isolation_level=level)
            begin_read(session)


#: the execution option that marks the connections of :func:`read_only_engine`
READ_ONLY = "recordbase_read_only"


def read_only_engine(engine: Engine) -> Engine:
    """``engine`` as requests that only read use it (both APIs' GET requests, the admin's GET pages):
    same pool, other options.

    SQLite: the transaction begins with a plain (deferred) BEGIN, which takes no write lock: in
    WAL mode such a reader sees the last committed data and never waits for a writer (an import
    holding the write lock for its whole transaction, say). PostgreSQL: autocommit, which saves
    the BEGIN and ROLLBACK round trips; every statement still sees committed data only, as it
    does inside a READ COMMITTED transaction. A write in such a session is not atomic with the
    rest of the request: only requests that do not write may use it, and such a write is refused
    (:func:`_refuse_writes_when_read_only`)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{READ_ONLY: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY: True})


#: the execution option that lets one statement write in a read-only session (:func:`touch_write`,
#: which runs in a transaction of its own)
WRITE_ALLOWED = "recordbase_write_allowed"
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY")
_LEADING_COMMENTS = re.compile(r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*", re.S)


class WriteInReadOnlySession(RuntimeError):
    """A request that was marked as only reading (:func:`recordbase.context.reads_only`) tried to write.

    Refused before it reaches the database: on PostgreSQL the write would commit at once, apart
    from the rest of the request (autocommit), and on SQLite it would contend for the write lock
    from a read transaction. It is a bug in that request's page, not the user's doing."""


def _refuse_writes_when_read_only(engine: Engine) -> None:
    """Every statement SQLAlchemy executes on a :func:`read_only_engine` connection is checked: one
    that starts (after comments) with a writing verb is refused (:class:`WriteInReadOnlySession`)
    unless it carries :data:`WRITE_ALLOWED`. A safety net for our own code, not a sandbox: a
    write inside ``WITH ...`` or a function call is not recognised, and what goes straight to the
    driver (``storage/driver_query.py``, which only reads) is not seen."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check(conn, cursor, statement, parameters, context, executemany):
        options = context.execution_options if context is not None else conn.get_execution_options()
        if (options.get(READ_ONLY) and not options.get(WRITE_ALLOWED)
                and statement[_LEADING_COMMENTS.match(statement).end():][:8].upper().startswith(_WRITE_VERBS)):
            raise WriteInReadOnlySession(f"A read-only request tried to write: {statement[:120]}")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


def touch_write(session: Session, stmt: Executable, reading: bool) -> bool:
    """Run ``stmt``, a tiny bookkeeping write at the start of a request (a token's or a session's
    last use, at most once a minute), and commit it at once, so that a failing request still counts.

    A request that only reads (``reading``: its session may be a read-only one,
    :func:`read_only_engine`) writes it too, in a transaction of its own, with :data:`WRITE_ALLOWED`
    (SQLite never lets a read transaction wait for the write lock: it fails at once). Its earlier
    read transaction is ended first: the caller must have done nothing else in it, and ORM objects
    loaded in it are expired. On SQLite such a read waits for the lock only briefly: if another
    writer (an import, say) holds it longer, the write is left for a later request (False) rather
    than making this read wait."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if reading:
        end_read_transaction(session)  # (the lookup's read transaction; nothing else happened in it)
    try:
        with brief_lock_wait(session) if reading else nullcontext():
            session.execute(stmt, execution_options={WRITE_ALLOWED: True})
        session.commit()
    except sa_exc.OperationalError as exc:
        if not (reading and sqlite and is_lock_error(exc)):
            raise
        session.rollback()  # another writer holds the lock
        return False
    return True
