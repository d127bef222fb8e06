"""Per-process platform state and per-request helpers (database session, schema, record store, user).

``Platform`` is stored in ``app.extensions["recordbase"]``; nothing lives at module level.
A request gets one SQLAlchemy session (created on first use, closed at teardown,
rolled back unless a view committed) and reads the schema version once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .db import begin_read
from .metamodel.runtime import RuntimeSchema, SchemaCache
from .models import User
from .settings import instance_timezone
from .storage import RecordStore

if TYPE_CHECKING:
    from .access.cache import PolicyCache


@dataclass
class Platform:
    engine: Engine
    sessions: sessionmaker
    schema_cache: SchemaCache
    #: policies by user, token and role signature (see recordbase.access.cache)
    policy_cache: "PolicyCache" = field(default_factory=lambda: _policy_cache())
    #: sessions of requests that only read (:func:`recordbase.db.read_only_engine`); None: ``sessions``
    read_sessions: Optional[sessionmaker] = None


def _policy_cache() -> "PolicyCache":
    from .access.cache import PolicyCache

    return PolicyCache()


def platform(app: Optional[Flask] = None) -> Platform:
    return (app or current_app._get_current_object()).extensions["recordbase"]


def _globals() -> Any:
    """This app context's ``g`` itself: the helpers below read it several times per call, each
    read through the ``g`` proxy a lookup of the context (an API GET made some 75 of them)."""
    return g._get_current_object()


def db_session() -> Session:
    """The request's session (created on first use). A request marked with :func:`reads_only`
    before its first use gets a session of ``Platform.read_sessions``, bound to a connection of
    the read-only engine whose read transaction is begun at once (``g._rb_conn``,
    :func:`recordbase.db.begin_read`).

    Why: an ORM session's own transaction (its ``SessionTransaction``, the connection it checks out
    and its close) cost an API GET more than its two queries. The driver reads
    (:mod:`recordbase.storage.driver_query`) run on that connection as long as the session has not
    begun a transaction of its own; a session that does read joins the connection's transaction, so
    a request still reads one snapshot on one connection (:func:`recordbase.db.bound_connection`)."""
    gl = _globals()
    s = gl.get("_rb_session")
    if s is None:
        p = platform()
        if gl.get("_rb_reads_only") and p.read_sessions is not None:
            conn = p.read_sessions.kw["bind"].connect()
            s = p.read_sessions(bind=conn)
            try:
                begin_read(s)
            except BaseException:
                conn.close()  # (else a second db_session, the error handler's, would leak it)
                raise
            gl._rb_conn = conn  # (closed at teardown, after the session)
        else:
            s = p.sessions()
        gl._rb_session = s
    return s


#: HTTP methods that never change anything
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_only() -> None:
    """Mark this request as one that never writes (see :func:`recordbase.db.read_only_engine`).

    Must come before the request's first :func:`db_session`; the API and the admin mark their GET
    requests (the admin's few GET pages that write excepted). A read-only session refuses writes
    (:class:`recordbase.db.WriteInReadOnlySession`)."""
    g._rb_reads_only = True


def current_schema(refresh: bool = False) -> RuntimeSchema:
    """The runtime schema for this request (the version is read once per request, or on refresh)."""
    gl = _globals()
    schema = None if refresh else gl.get("_rb_schema")
    if schema is None:
        # the API's authentication reads the version in the same query as the token
        known = None if refresh else gl.pop("_rb_schema_version", None)
        if not gl.get("_rb_reads_only"):  # a request that may write takes its snapshot held (PostgreSQL)
            from .metamodel import schema_lock

            session = db_session()  # (the rules' version is read in the same statement: schema_lock.along)
            known = schema_lock.read_for_write(session) if known is None else (schema_lock.hold(session) or known)
        schema = gl._rb_schema = platform().schema_cache.get(db_session(), version=known)
    return schema


def note_schema_version(version: int) -> None:
    """The schema version, read by this request in its own transaction along with something else."""
    g._rb_schema_version = version


def current_user() -> Optional[User]:
    return _globals().get("rb_user")


def current_lang() -> str:
    gl = _globals()
    if gl.get("rb_lang"):  # a surface with a language of its own (the Airtable-compatible API: English)
        return gl.rb_lang
    user = gl.get("rb_user")
    from flask import session as web_session

    lang = web_session.get("lang")
    if lang or user is not None:
        return lang or user.locale or "en"
    from .i18n import select_lang

    return select_lang() if has_request_context() else "en"


def record_store(schema: Optional[RuntimeSchema] = None) -> RecordStore:
    from .access import current_policy

    user = current_user()
    store = RecordStore(db_session(), schema or current_schema(), user_id=user.id if user else None,
                        timezone_name=instance_timezone(), lang=current_lang(), policy=current_policy())
    if user is not None:
        store.remember_user(user.id, user.email)  # records created by the reader need no e-mail lookup
    return store


def close_session(exc: Optional[BaseException] = None) -> None:
    gl = _globals()
    s = gl.pop("_rb_session", None)
    conn = gl.pop("_rb_conn", None)
    gl.pop("_rb_schema", None)
    try:
        if s is not None and not _untouched(s):
            s.close()  # rolls back whatever the request did not commit
    finally:
        if conn is not None:
            conn.close()  # (a read-only request's connection: its read transaction ends, back to the pool)


def _untouched(session: Session) -> bool:
    """Whether ``session`` never began a transaction nor holds an object: closing it would only empty
    its empty identity map (a read request's session whose reads all ran on its bound connection).

    Why: ``Session.close`` builds the session's event dispatcher to tell each object it detaches,
    even when there is none: about 5 % of an API GET."""
    return session._transaction is None and not session.identity_map and not session._new \
        and not session._deleted
