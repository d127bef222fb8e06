"""Users, roles, tokens, record history, the audit log and public forms over the API (design §10).

- ``GET/POST /users``, ``GET/PATCH /users/<email>`` — accounts (owners; a user may read
  themself and change their own display name, language and password — the latter with
  ``current_password``, checked and throttled like a sign-in). ``POST`` with
  ``"invite": true`` (or without a password) answers an ``invite_url``: a one-time link to set
  the password; ``PATCH`` with ``"reset_password": true`` answers a ``reset_url``;
  ``{"active": false}`` deactivates (sessions and tokens stop working at once).
- ``GET/POST /roles``, ``GET/PATCH/DELETE /roles/<name>`` — roles (owners write, builders read).
- ``GET/POST /tokens``, ``DELETE /tokens/<id>`` — the caller's API tokens (owners: ``?email=``).

A narrowed token (read-only, or limited to some record types) never changes users, roles or
tokens (403); it may still read what its user may (``/me``, their own account, their tokens).
- ``GET /records/<type>/<id>/history`` — ``{"history": [...]}``, as the caller may see it.
- ``GET /audit`` — the audit log, newest first (owners): ``?action=`` (``type.`` for every
  type change), ``user=``, ``kind=``, ``target=``, ``since=``, ``until=``, ``limit=``, ``cursor=``.
- ``POST/GET /types/<type>/forms``, ``GET/PATCH/DELETE /forms/<id>`` — public forms.

What the metamodel, import, export and attachment endpoints need of the caller's policy is
checked before each request by :mod:`.permissions` (imported here, so its hook is registered
where it always was).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from flask import g, jsonify, request
from sqlalchemy import select

from ..access import audit as audit_log
from ..access import forms as public_forms
from ..access import roles as role_service
from ..access import users as user_service
from ..access.history import history as record_history
from ..auth import create_token
from ..context import current_schema, db_session, record_store
from ..errors import Forbidden, NotFound, RecordbaseError, ValidationError
from ..models import ApiToken, User, utcnow
from .access_openapi import TOKEN_IN, USER_IN, USER_PATCH
from .blueprint import bp, commit, json_body, query_int
from .permissions import configure_type, policy

MAX_TOKENS_LISTED = 200


def _owner() -> None:
    if not policy().can_manage_users():
        raise Forbidden("Only owners may manage users and roles", {"roles": policy().role_names})


def _full_token() -> None:
    """Accounts, roles and tokens are changed only with a token that is not narrowed: a read-only or
    type-limited token (one given to a script, say) must never be a way to take its user's account
    over (a new password, a wider token)."""
    p = policy()
    if p.read_only or p.types is not None:
        raise Forbidden("A narrowed API token (read-only or limited to some record types) cannot change "
                        "users, roles or tokens", {"token": ["narrowed"]})


@bp.errorhandler(RecursionError)
def _too_deep(exc: RecursionError):
    """JSON nested thousands of levels deep (a body, a filter, a mapping): a clean 400, never a 500."""
    from .errors import error_response

    db_session().rollback()
    return error_response("bad_request", "The input is nested too deeply", {"body": ["nested too deeply"]}, 400)


# -- users ---------------------------------------------------------------------------------------
@bp.get("/users")
def list_users():
    _owner()
    session = db_session()
    rows = session.scalars(select(User).order_by(User.email)).all()
    return jsonify({"users": [user_service.user_json(session, u) for u in rows]})


@bp.post("/users")
def create_user():
    _full_token()
    _owner()
    session = db_session()
    user, link = user_service.create(session, json_body(allowed=user_service.USER_KEYS, schema=USER_IN))
    audit_log.record(session, "user.create", "user", user.email,
                     {"roles": [r.name for r in role_service.user_roles(session, user)], "invited": link is not None})
    commit()
    body = user_service.user_json(session, user)
    if link:
        body["invite_url"] = link
    return jsonify(body), 201


def _user_for(email: str) -> User:
    session = db_session()
    me = g.rb_user
    if not policy().can_manage_users():
        if email.strip().lower() != me.email.lower():
            raise Forbidden("Only owners may see or change other users", {"email": email})
    return user_service.get_user(session, email)


@bp.get("/users/<email>")
def get_user(email: str):
    user = _user_for(email)
    return jsonify(user_service.user_json(db_session(), user))


@bp.patch("/users/<email>")
def update_user(email: str):
    _full_token()
    user = _user_for(email)
    session = db_session()
    data = json_body(schema=USER_PATCH)  # as documented: a password is text, never null
    owner = policy().can_manage_users()
    user, link, after = user_service.update_audited(session, user, data, by_owner=owner, actor_id=g.rb_user.id)
    commit()
    if user.id == g.rb_user.id:
        g.pop("_rb_policy", None)
    body = after
    if link:
        body["reset_url"] = link
    return jsonify(body)


# -- roles ---------------------------------------------------------------------------------------
def _role_reader() -> None:
    p = policy()
    if not (p.can_manage_users() or p.can_configure()):
        raise Forbidden("Only owners and builders may see roles", {"roles": p.role_names})


@bp.get("/roles")
def list_roles():
    _role_reader()
    session = db_session()
    return jsonify({"roles": [role_service.role_json(r, role_service.holders_count(session, r))
                              for r in role_service.list_roles(session)]})


@bp.post("/roles")
def create_role():
    _full_token()
    _owner()
    session = db_session()
    role = role_service.create_role(session, json_body(), current_schema())
    commit()
    return jsonify(role_service.role_json(role, 0)), 201


@bp.get("/roles/<name>")
def get_role(name: str):
    _role_reader()
    session = db_session()
    role = role_service.get_role(session, name)
    return jsonify(role_service.role_json(role, role_service.holders_count(session, role)))


@bp.patch("/roles/<name>")
def update_role(name: str):
    _full_token()
    _owner()
    session = db_session()
    role = role_service.update_role(session, role_service.get_role(session, name, to_change=True), json_body(),
                                    current_schema())
    commit()
    return jsonify(role_service.role_json(role, role_service.holders_count(session, role)))


@bp.delete("/roles/<name>")
def delete_role(name: str):
    _full_token()
    _owner()
    session = db_session()
    role = role_service.get_role(session, name)
    body = role_service.role_json(role, 0)
    role_service.delete_role(session, role)
    commit()
    return jsonify(body)


# -- tokens --------------------------------------------------------------------------------------
TOKEN_KEYS = ("name", "read_only", "types", "email")


@bp.get("/tokens")
def list_tokens():
    session = db_session()
    user = g.rb_user
    email = request.args.get("email")
    if email and email.strip().lower() != user.email.lower():
        _owner()
        user = user_service.get_user(session, email)
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
                           .limit(MAX_TOKENS_LISTED)).all()
    return jsonify({"tokens": [user_service.token_json(t) for t in rows]})


@bp.post("/tokens")
def new_token():
    """A token for the caller (owners: ``"email"`` for someone else); its text is in the answer, once."""
    _full_token()
    session = db_session()
    data = json_body(allowed=TOKEN_KEYS, schema=TOKEN_IN)
    user = g.rb_user
    if data.get("email") and str(data["email"]).strip().lower() != user.email.lower():
        _owner()
        user = user_service.get_user(session, str(data["email"]))
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 255):
        raise ValidationError("'name' must be text of at most 255 characters", {"name": ["must be text"]})
    read_only = data.get("read_only", False)
    if not isinstance(read_only, bool):
        raise ValidationError("'read_only' must be true or false", {"read_only": ["must be a boolean"]})
    types = data.get("types")
    if types is not None:
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types) or not types:
            raise ValidationError("'types' must be a list of record type names", {"types": ["must be a list of names"]})
        unknown = [t for t in types if t not in current_schema().types]
        if unknown:
            raise ValidationError(f"Unknown record type(s): {', '.join(unknown)}", {"types": unknown})
    text = create_token(session, user, name=name, read_only=read_only, types=types)
    row = session.scalars(select(ApiToken).where(ApiToken.prefix == text[:10], ApiToken.user_id == user.id)
                          .order_by(ApiToken.id.desc())).first()
    audit_log.record(session, "token.create", "user", user.email,
                     {"prefix": row.prefix, "read_only": read_only, "types": types})
    commit()
    body = user_service.token_json(row)
    body["token"] = text
    return jsonify(body), 201


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int):
    _full_token()
    session = db_session()
    row = session.get(ApiToken, token_id) if token_id < 2**31 else None
    if row is None or (row.user_id != g.rb_user.id and not policy().can_manage_users()):
        raise NotFound(f"No token with id {token_id}", {"id": token_id})
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit_log.record(session, "token.revoke", "user", row.user.email, {"prefix": row.prefix})
    commit()
    return jsonify(user_service.token_json(row))


# -- history -------------------------------------------------------------------------------------
@bp.get("/records/<type_name>/<int:record_id>/history")
def get_history(type_name: str, record_id: int):
    store = record_store()
    typedef = store.type(type_name)
    record = store.get(type_name, record_id, include_deleted=True)  # read rights and rows, or 404
    return jsonify({"history": record_history(store.session, typedef, record.id, store.policy)})


# -- audit ---------------------------------------------------------------------------------------
def _when(name: str) -> Optional[datetime]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RecordbaseError(f"The '{name}' parameter must be a date or an ISO 8601 time",
                              {name: ["not a date or time"]}) from None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt


@bp.get("/audit")
def audit():
    if not policy().can_read_audit():
        raise Forbidden("Only owners may read the audit log", {"roles": policy().role_names})
    limit = query_int("limit", 100, 1, 1000)
    cursor = query_int("cursor", None, 1, 2**31 - 1)
    args = {k: (request.args.get(k) or "").strip()[:255] or None for k in ("action", "user", "kind", "target")}
    rows = audit_log.query(db_session(), since=_when("since"), until=_when("until"), before_id=cursor,
                           limit=limit + 1, **args)
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify({"events": [audit_log.event_json(e) for e in rows],
                    "next_cursor": str(rows[-1].id) if more and rows else None})


# -- public forms --------------------------------------------------------------------------------
def _form_admin(type_name: str) -> None:
    configure_type({"type_name": type_name})


@bp.post("/types/<type_name>/forms")
def create_form(type_name: str):
    _form_admin(type_name)
    session = db_session()
    form = public_forms.create(session, current_schema(), type_name, json_body(allowed=public_forms.FORM_KEYS),
                               g.rb_user.id)
    commit()
    return jsonify(public_forms.form_json(form)), 201


@bp.get("/types/<type_name>/forms")
def list_forms(type_name: str):
    _form_admin(type_name)
    rows = public_forms.for_type(db_session(), type_name)
    return jsonify({"forms": [public_forms.form_json(f) for f in rows]})


def _form(form_id: int) -> Any:
    form = public_forms.get(db_session(), form_id)
    p = policy()
    if not (p.can_configure(form.type_name) or p.can_configure()):
        raise NotFound(f"No form with id {form_id}", {"id": form_id})
    return form


@bp.get("/forms/<int:form_id>")
def get_form(form_id: int):
    return jsonify(public_forms.form_json(_form(form_id)))


@bp.patch("/forms/<int:form_id>")
def update_form(form_id: int):
    form = public_forms.update(db_session(), current_schema(), _form(form_id),
                               json_body(allowed=public_forms.FORM_KEYS + ("enabled",)))
    commit()
    return jsonify(public_forms.form_json(form))


@bp.delete("/forms/<int:form_id>")
def delete_form(form_id: int):
    form = _form(form_id)
    body = public_forms.form_json(form)
    db_session().delete(form)
    commit()
    return jsonify(body)
