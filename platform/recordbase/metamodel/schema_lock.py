"""Writes and structure changes take turns (PostgreSQL), so that no write runs on a stale schema.

A write is compiled against the request's schema snapshot. On PostgreSQL a field's type change
(its column dropped and added again with the new type) could commit between the request reading
the schema version and its statements running: the write then reached the new column with the
old types ("column is of type double precision but expression is of type character varying",
"Unknown PG numeric type") and failed with a 500. Now the one schema-state row is the turnstile:

- a transaction that writes records reads the version ``FOR KEY SHARE`` (:func:`hold`), before
  it touches a record table: the request's snapshot is taken under it (see
  :func:`recordbase.context.current_schema`) and the record store checks it again before each
  write (once per transaction); writers never block one another;
- a change of the structure takes the row ``FOR UPDATE`` (:func:`exclude_writers`) before its
  DDL: it waits until the writers holding the row finish, and a writer arriving meanwhile waits
  for the change to commit, then reads the new version and works on the new snapshot.

A snapshot that turns out older than the held version (a request that committed and wrote on,
a worker) is refused with :class:`~recordbase.errors.SchemaChanged` (409 ``schema_changed``,
``Retry-After``); a read that raced a change is answered the same way
(:func:`schema_moved`). SQLite needs none of this: DDL and writes share its one write lock.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Session

from ..models import SchemaState
from .runtime import _VERSION

HELD = "rb_schema_held"
ALONG = "rb_schema_along"

#: other one-row versions a writer reads in the same statement as the schema version (name -> a
#: scalar subquery): the automation rules' version (:mod:`recordbase.automation.rules`) was a
#: round trip of its own in every write
_along: dict[str, Any] = {}
_statements: dict[bool, Any] = {}
#: (lock, dialect) -> the statement's SQL and parameters as the driver takes them
_compiled: dict[tuple, tuple[str, Any]] = {}


def read_along(name: str, column: Any) -> None:
    """Have writers read ``column`` (a scalar subquery of one value) with the schema version; what
    they read is :func:`along`. (Registered by the module that owns the value, at import.)"""
    _along[name] = column
    _statements.clear()
    _compiled.clear()


def _statement(lock: bool) -> Any:
    stmt = _statements.get(lock)
    if stmt is None:
        table = SchemaState.__table__
        stmt = select(table.c.version, *(c.label(f"along_{n}") for n, c in _along.items())).where(table.c.id == 1)
        if lock:  # FOR KEY SHARE (read=True): writers share the row; FOR NO KEY UPDATE would queue them all
            stmt = stmt.with_for_update(read=True, key_share=True, of=table)
        stmt = _statements[lock] = stmt
    return stmt


def _read(session: Session, lock: bool) -> int:
    """The version (and the values read along) as the write transaction's statement: compiled once
    per dialect and run on the driver (:func:`recordbase.storage.write_sql.driver_execute`, seen by
    SQLAlchemy's statement events): SQLAlchemy's execution of this one-row read was a tenth of an
    API write. Every column is an integer, which the drivers give as it is."""
    from ..storage.write_sql import driver_execute

    conn = session.connection()
    key = (lock, conn.dialect)
    found = _compiled.get(key)
    if found is None:
        compiled = _statement(lock).compile(dialect=conn.dialect)
        params = compiled.construct_params()
        order = compiled.positiontup
        found = _compiled[key] = (compiled.string, params if order is None else tuple(params[n] for n in order))
    rows = driver_execute(conn, *found).rows
    if len(rows) != 1:  # (as Result.one())
        raise NoResultFound("No schema state row") if not rows else MultipleResultsFound("Several schema state rows")
    row = rows[0]
    session.info[ALONG] = (session.get_transaction(), dict(zip(_along, row[1:])))
    return int(row[0] or 0)


def along(session: Session, name: str) -> Optional[Any]:
    """The value of ``name`` this transaction read with the schema version (None: not read, or
    forgotten since by :func:`forget_along`, when the transaction changed it itself)."""
    marker = session.info.get(ALONG)
    tx = session.get_transaction()
    if marker is not None and tx is not None and marker[0] is tx:
        return marker[1].get(name)
    return None


def forget_along(session: Session, name: str) -> None:
    """This transaction changed the value of ``name``: :func:`along` no longer answers with the old one."""
    marker = session.info.get(ALONG)
    if marker is not None:
        marker[1].pop(name, None)


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _held(session: Session) -> Optional[int]:
    marker = session.info.get(HELD)
    tx = session.get_transaction()
    if marker is not None and tx is not None and marker[0] is tx:
        return marker[1]
    return None


def hold(session: Session) -> Optional[int]:
    """The schema version, held until this transaction ends (PostgreSQL; None on SQLite)."""
    if not _postgresql(session):
        return None
    version = _held(session)
    if version is None:
        version = _read(session, lock=True)
        session.info[HELD] = (session.get_transaction(), version)
    return version


def read_for_write(session: Session) -> int:
    """The schema version a writing request works on, with the values read along: held on
    PostgreSQL (:func:`hold`); on SQLite read as the transaction's first statement, under its write
    lock (``BEGIN IMMEDIATE``)."""
    if _postgresql(session):
        return hold(session)  # type: ignore[return-value]
    return _read(session, lock=False)


def changed(session: Session) -> None:
    """This transaction moved the version itself (a metamodel change): the next :func:`hold` reads it again."""
    session.info.pop(HELD, None)


def exclude_writers(session: Session) -> None:
    """Before DDL on record tables: wait for the writers holding the schema, keep new ones waiting."""
    if _postgresql(session) and session.info.get(HELD + "_excl") is not session.get_transaction():
        session.execute(_VERSION.with_for_update())
        session.info[HELD + "_excl"] = session.get_transaction()


def schema_moved(session: Session, version: Optional[int]) -> bool:
    """After a failed statement: whether the stored schema version is no longer ``version`` (the
    request's snapshot), i.e. the failure came from a structure change racing the request."""
    if version is None:
        return False
    try:
        session.rollback()
        return int(session.execute(_VERSION).scalar() or 0) != version
    except Exception:  # noqa: BLE001 - the session may be unusable: not a schema question then
        return False
