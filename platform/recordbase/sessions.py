"""Server-side admin sessions: a signed-in browser is a row of ``rb_session``.

The signed session cookie carries the user id and a random session id (``sid``); only the
SHA-256 digest of the id is stored. Every signed-in request finds its row and its user in one
query (:func:`lookup`); the session ends when the row is gone — signing out deletes that browser's
row, a password change the user's other rows, a deactivation all of them — or when it was idle
longer than ``RECORDBASE_SESSION_IDLE_MINUTES`` (default 8 hours) or is older than
``RECORDBASE_SESSION_MAX_HOURS`` (default 7 days). A copied cookie is worth nothing after any of
these. ``last_seen_at`` is written at most once a minute, the way the API records a token's use
(:func:`recordbase.db.touch_write`), so the idle timeout is exact to the minute.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from typing import Any, Optional

from flask import Flask, current_app, g, has_request_context, request
from flask import session as cookie
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from .context import note_schema_version
from .db import first_read, touch_write
from .models import User, UserSession, utcnow

TOUCH_SECONDS = 60  # last_seen_at is written at most this often
DEFAULTS = {"RECORDBASE_SESSION_IDLE_MINUTES": 8 * 60, "RECORDBASE_SESSION_MAX_HOURS": 7 * 24}


def setting(name: str, config: Optional[dict] = None) -> int:
    """A session setting: the app's config, else the environment, else the default."""
    value = (current_app.config if config is None else config).get(name) or os.environ.get(name) or DEFAULTS[name]
    return max(1, int(value))


def check_settings(app: Flask) -> None:
    """Refuse to start with a setting that is not a whole number (rather than fail every request)."""
    for name in DEFAULTS:
        try:
            setting(name, app.config)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a whole number (got {app.config.get(name) or os.environ.get(name)!r})") \
                from None


def idle_limit() -> timedelta:
    return timedelta(minutes=setting("RECORDBASE_SESSION_IDLE_MINUTES"))


def max_age() -> timedelta:
    return timedelta(hours=setting("RECORDBASE_SESSION_MAX_HOURS"))


def digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _cookie_digest() -> Optional[str]:
    sid = cookie.get("sid")
    return digest(sid) if isinstance(sid, str) and 20 <= len(sid) <= 100 else None


def current_user_from_cookie(db: Session) -> Optional[User]:
    """The signed-in user of this request's cookie, if its session is live; else None (and the
    cookie forgets the user). One query; at most once a minute one small write."""
    uid, key = cookie.get("uid"), _cookie_digest()
    if uid is None or key is None:
        cookie.pop("uid", None)
        return None
    found = first_read(db, lambda: lookup(db, key))
    now = utcnow()
    if found is None or found[0].id != uid or not found[0].is_active or _expired(found[2], found[3], now):
        cookie.pop("uid", None)
        cookie.pop("sid", None)
        return None
    user, row_id, _created, last_seen, version, signature = found
    g._rb_session_key = key  # this request was signed in by this session (see end_others)
    # what the request's schema and policy read first, read with the session (as the API's token lookup)
    note_schema_version(int(version or 0))
    g._rb_role_signature = (user.id, signature)
    if (now - last_seen).total_seconds() > TOUCH_SECONDS:
        _touch(db, user, row_id, now)
    return user


_LOOKUP = None


def lookup(db: Session, key: str) -> Optional[tuple[User, int, datetime, datetime, Any, Optional[str]]]:
    """(user, session row id, created at, last seen at, schema version, role signature) for the
    session with this digest: one statement, built once, brings what the rest of the request needs
    first (the schema version, the role signature of :mod:`recordbase.access.cache`), as the API's
    token lookup does (``recordbase.api.auth``)."""
    global _LOOKUP
    if _LOOKUP is None:
        from .access.cache import role_signature_column
        from .metamodel.runtime import version_column

        _LOOKUP = (select(User, UserSession.id, UserSession.created_at, UserSession.last_seen_at,
                          version_column().label("schema_version"), role_signature_column().label("role_signature"))
                   .join(UserSession, UserSession.user_id == User.id)
                   .where(UserSession.digest == bindparam("digest")))
    row = db.execute(_LOOKUP, {"digest": key}).first()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4], row[5])


def _expired(created: datetime, last_seen: datetime, now: datetime) -> bool:
    return now - last_seen > idle_limit() or now - created > max_age()


def _touch(db: Session, user: User, row_id: int, now: datetime) -> None:
    """Write ``last_seen_at`` (an admin GET page's session is a read-only one: see ``touch_write``).
    The user is kept out of the session meanwhile, so that ending the read transaction does not
    expire it (which would cost a query to read it again)."""
    from .context import READ_METHODS

    db.expunge(user)
    try:
        touch_write(db, update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now),
                    reading=request.method in READ_METHODS)
    finally:
        db.add(user)


def start(db: Session, user: User) -> None:
    """Sign ``user`` in on this browser: a new session row (committed) and a new cookie. The browser's
    previous session, if any, ends (its id is never reused), and expired rows are cleared away."""
    now = utcnow()
    old = _cookie_digest()
    if old is not None:
        db.execute(delete(UserSession).where(UserSession.digest == old))
    db.execute(delete(UserSession).where(or_(UserSession.last_seen_at < now - idle_limit(),
                                             UserSession.created_at < now - max_age())))
    sid = secrets.token_urlsafe(32)
    db.add(UserSession(digest=digest(sid), user_id=user.id, created_at=now, last_seen_at=now))
    db.commit()
    cookie.clear()
    cookie["uid"] = user.id
    cookie["sid"] = sid
    cookie.permanent = False


def end(db: Session) -> None:
    """Sign this browser out: its session row is deleted (committed), so a copy of its cookie is
    worth nothing; the user's other sessions go on."""
    key = _cookie_digest()
    if key is not None:
        db.execute(delete(UserSession).where(UserSession.digest == key))
        db.commit()
    cookie.clear()


def end_others(db: Session, user_id: int) -> None:
    """End every session of the user but the one of this request's browser, when it is theirs (a
    password change: the user who changed it stays signed in where they did). In the request's
    transaction."""
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    me = g.get("rb_user") if has_request_context() else None
    key = g.get("_rb_session_key") if me is not None and me.id == user_id else None
    if key is not None:  # (set only when the request was signed in by its cookie, never for the APIs)
        stmt = stmt.where(UserSession.digest != key)
    db.execute(stmt)


def end_all(db: Session, user_id: int) -> None:
    """End every session of the user (a deactivation, a password set from outside the web: the CLI).
    In the caller's transaction."""
    db.execute(delete(UserSession).where(UserSession.user_id == user_id))
