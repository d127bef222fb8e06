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

from typing import Optional

from sqlalchemy.orm import Session

from .runtime import _VERSION

HELD = "rb_schema_held"


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
        version = int(session.execute(_VERSION.with_for_update(key_share=True)).scalar() or 0)
        session.info[HELD] = (session.get_transaction(), version)
    return version


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
