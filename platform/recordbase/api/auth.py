"""Bearer-token authentication for the API.

The API reads only ``Authorization: Bearer <token>``; the admin's session
cookie is never consulted (and the blueprint is exempt from CSRF because a
cookie cannot authenticate it). A missing, unknown or revoked token is a 401;
a read-only token may only read (403 on any write).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from flask import g, jsonify, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..access.cache import role_signature_column
from ..auth import token_digest
from ..context import db_session, note_schema_version, platform
from ..db import first_read, touch_write
from ..metamodel.runtime import version_column
from ..models import ApiToken, User, utcnow
from ..storage.driver_query import fetch_all
from ..errors import Forbidden, RecordbaseError
from .blueprint import READ_METHODS, bp

TOUCH_SECONDS = 60  # last_used_at is written at most this often


class Unauthorized(RecordbaseError):
    code = "unauthorized"


def bearer_token() -> Optional[str]:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@bp.before_request
def authenticate() -> None:
    if request.method == "OPTIONS":
        return
    token = bearer_token()
    if token is None:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'")
    api_token = sign_in_with_token(token)
    if api_token is None:
        raise Unauthorized("The API token is not valid (unknown or revoked), or its user is inactive")
    if api_token.read_only and request.method not in READ_METHODS:
        raise Forbidden("This API token is read-only", {"token": ["read-only"]})


def sign_in_with_token(token: str) -> Optional["TokenInfo"]:
    """Make the live token's active user this request's user (``g.rb_user``, ``g.rb_token``) and
    record the token's use; None (and nobody signed in) for any other token.

    One query (:func:`_token_lookup`) also brings the schema version and the user's role signature,
    which the request's schema and policy then need not read again. Both APIs (``/api/v1`` and the
    Airtable-compatible ``/v0``) sign their requests in with it."""
    lookup, apart = _lookup_session()
    try:
        found = first_read(lookup, lambda: _token_lookup(lookup, token))
    finally:
        if apart:
            lookup.close()
    if found is None:
        return None
    user, api_token, version, signature = found
    if not apart:  # (read apart, the version could be older than the write lock's: read again under it)
        note_schema_version(int(version or 0))
    session = db_session()
    g._rb_role_signature = (user.id, signature)
    now = utcnow()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > TOUCH_SECONDS:
        _touch(session, api_token, now)
    g.rb_user = user
    g.rb_token = api_token
    return api_token


def _lookup_session() -> tuple[Session, bool]:
    """Where the token is looked up: the request's session, or — for a write on SQLite — a read
    session of its own (a plain BEGIN), so that the request's session takes SQLite's one write lock
    (BEGIN IMMEDIATE) only after the token is known: concurrent writes no longer queue behind each
    other's authentication, and a bad token never waits for the lock. (True: a session apart.)"""
    p = platform()
    if request.method not in READ_METHODS and p.read_sessions is not None and p.engine.dialect.name == "sqlite" \
            and g.get("_rb_session") is None:
        return p.read_sessions(), True
    return db_session(), False


def _touch(session: Session, api_token: "TokenInfo", now: datetime) -> None:
    """Record the token's use: at most one tiny write a minute per token (:func:`recordbase.db.touch_write`)."""
    stmt = update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now)
    if touch_write(session, stmt, reading=request.method in READ_METHODS):
        api_token.last_used_at = now


@dataclass
class TokenInfo:
    """The request's API token (``g.rb_token``): what the API reads of it, without an ORM object."""

    id: int
    name: Optional[str]
    prefix: str
    read_only: bool
    types: Optional[list]
    last_used_at: Optional[datetime]


@dataclass
class TokenUser:
    """The token's user (``g.rb_user`` in the API): the columns the request reads, without an ORM object.

    Loading a ``User`` entity went through the ORM's execution and loading layers on every
    request; every API use of ``g.rb_user`` reads these attributes only."""

    id: int
    email: str
    display_name: Optional[str]
    role: str
    locale: str
    is_active: bool

    is_authenticated = True


_LOOKUP = None


def _token_lookup(session: Session, token: str) -> Optional[tuple]:
    """(user, token, schema version, role signature) for a live token of an active user, in one query.

    What :func:`recordbase.auth.user_for_token` answers, plus what the rest of the request
    needs first (the schema version, the role signature of :mod:`recordbase.access.cache`), so
    that authenticating costs one round trip. The statement is built once, on the tables, and run
    on the driver (:mod:`recordbase.storage.driver_query`): every API request pays for it."""
    global _LOOKUP
    if _LOOKUP is None:
        u, t = User.__table__.c, ApiToken.__table__.c
        # (every column labelled with a key of its own: what runs on the driver, see _plain_columns)
        _LOOKUP = (select(u.id, u.email, u.display_name, u.role, u.locale, u.is_active,
                          t.id.label("token_id"), t.name, t.prefix, t.read_only, t.types, t.last_used_at,
                          version_column().label("schema_version"), role_signature_column().label("role_signature"))
                   .select_from(User.__table__.join(ApiToken.__table__, u.id == t.user_id))
                   .where(t.token_hash == bindparam("digest"), t.revoked_at.is_(None)))
    rows = fetch_all(session, _LOOKUP, {"digest": token_digest(token)}, prepare=True)[1]
    row = rows[0] if rows else None
    if row is None or not row[5]:
        return None
    return TokenUser(*row[0:6]), TokenInfo(*row[6:12]), row[12], row[13]


@bp.get("/me")
def me():
    """The token's user (a cheap way for a client to check its token)."""
    from ..access import current_policy

    user, token = g.rb_user, g.rb_token
    return jsonify({"email": user.email, "display_name": user.display_name, "role": user.role,
                    "roles": current_policy().role_names, "locale": user.locale,
                    "token": {"name": token.name, "prefix": token.prefix, "read_only": bool(token.read_only),
                              "types": token.types or None}})
