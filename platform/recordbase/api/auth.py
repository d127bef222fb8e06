"""Bearer-token authentication for the API.

The API reads only ``Authorization: Bearer <token>``; the admin's session
cookie is never consulted (and the blueprint is exempt from CSRF because a
cookie cannot authenticate it). A missing, unknown or revoked token is a 401;
a read-only token may only read (403 on any write).
"""
from __future__ import annotations

from typing import Optional

from flask import g, jsonify, request

from ..auth import touch_token, user_for_token
from ..context import db_session
from ..errors import Forbidden, RecordbaseError
from .blueprint import bp

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    session = db_session()
    found = user_for_token(session, token)
    if found is None:
        raise Unauthorized("The API token is not valid (unknown or revoked), or its user is inactive")
    user, api_token = found
    before = api_token.last_used_at
    touch_token(session, api_token)
    if api_token.last_used_at != before:
        session.commit()  # a tiny write of its own, so that a failing request still records the use
    g.rb_user = user
    g.rb_token = api_token
    if api_token.read_only and request.method not in READ_METHODS:
        raise Forbidden("This API token is read-only", {"token": ["read-only"]})


@bp.get("/me")
def me():
    """The token's user (a cheap way for a client to check its token)."""
    from ..access import current_policy

    user, token = g.rb_user, g.rb_token
    return jsonify({"email": user.email, "display_name": user.display_name, "role": user.role,
                    "roles": current_policy().role_names, "locale": user.locale,
                    "token": {"name": token.name, "prefix": token.prefix, "read_only": bool(token.read_only),
                              "types": token.types or None}})
