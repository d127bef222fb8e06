"""Users: create, invite with a one-time link, change roles, deactivate, reset the password.

Only a digest of a one-time link's token is stored; a link works once and for
``LINK_DAYS`` days. The last active owner can neither be deactivated nor lose the owner
role, so an instance always has someone who can manage it.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import sessions
from ..auth import MIN_PASSWORD, create_user, find_user, hash_password
from ..errors import Conflict, NotFound, ValidationError
from ..models import ApiToken, User, iso_utc, utcnow
from .models import Role, UserLink, UserRole
from .roles import set_user_roles, user_roles

LINK_DAYS = 7
USER_KEYS = ("email", "password", "roles", "role", "display_name", "locale", "invite")
PATCH_KEYS = ("password", "current_password", "roles", "role", "display_name", "locale", "active", "is_active",
              "reset_password")
LOCALES = ("en", "zh")


def user_json(session: Session, user: User) -> dict:
    return {"email": user.email, "display_name": user.display_name,
            "roles": [r.name for r in user_roles(session, user)], "active": bool(user.is_active),
            "locale": user.locale, "has_password": bool(user.password_hash), "created_at": iso_utc(user.created_at)}


def token_json(t: ApiToken) -> dict:
    return {"id": t.id, "name": t.name, "prefix": t.prefix, "read_only": bool(t.read_only),
            "types": t.types or None, "created_at": iso_utc(t.created_at), "last_used_at": iso_utc(t.last_used_at),
            "revoked_at": iso_utc(t.revoked_at)}


def get_user(session: Session, email: str) -> User:
    user = find_user(session, email or "")
    if user is None:
        raise NotFound(f"No user with e-mail {email!r}", {"email": email})
    return user


def _roles_from(data: dict) -> Optional[list]:
    if "roles" in data:
        return data["roles"]
    if "role" in data:
        return [data["role"]] if isinstance(data["role"], str) else data["role"]
    return None


def _check_str(data: dict, key: str, max_len: int = 255) -> None:
    v = data.get(key)
    if v is not None and (not isinstance(v, str) or len(v) > max_len):
        raise ValidationError(f"'{key}' must be text of at most {max_len} characters", {key: ["must be text"]})


def create(session: Session, data: dict) -> tuple[User, Optional[str]]:
    """A new user; with ``"invite": true`` (or no password) also a one-time link to set the password."""
    for key in ("email", "display_name"):
        _check_str(data, key)
    if not isinstance(data.get("email"), str) or not data.get("email"):
        raise ValidationError("A user needs an 'email'", {"email": ["is required"]})
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        raise ValidationError("'password' must be text", {"password": ["must be text"]})
    if password is not None and len(password) > 1024:
        raise ValidationError("The password is too long", {"password": ["at most 1024 characters"]})
    locale = data.get("locale") or "en"
    if locale not in LOCALES:
        raise ValidationError(f"'locale' must be one of {', '.join(LOCALES)}", {"locale": ["en or zh"]})
    roles = _roles_from(data)
    if roles is None:
        roles = ["viewer"]
    if isinstance(roles, list) and not roles:
        raise ValidationError("Give the user at least one role", {"roles": ["at least one role"]})
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ValidationError("'roles' must be a list of role names", {"roles": ["must be a list of role names"]})
    user = create_user(session, data["email"], password or None, role=roles[0],
                       display_name=data.get("display_name"), locale=locale)
    set_user_roles(session, user, roles)
    link = None
    if data.get("invite") or not password:
        link = new_link(session, user, "invite")
    return user, link


def active_owners(session: Session) -> int:
    return int(session.scalar(
        select(func.count(func.distinct(User.id))).select_from(User)
        .join(UserRole, UserRole.user_id == User.id).join(Role, Role.id == UserRole.role_id)
        .where(Role.name == "owner", User.is_active.is_(True))) or 0)


def _is_owner(session: Session, user: User) -> bool:
    return any(r.name == "owner" for r in user_roles(session, user))


def update(session: Session, user: User, data: dict, by_owner: bool = True, *,
           actor_id: Optional[int]) -> tuple[User, Optional[str]]:
    """Apply a PATCH; returns the user and, for ``"reset_password": true``, a one-time reset link.

    ``actor_id``: who asks. Changing one's own password needs ``current_password`` (checked and
    throttled like a sign-in, before anything changes): a stolen session or API token alone must
    not be enough to take the account over. An owner sets someone else's without theirs."""
    extra = sorted(set(data) - set(PATCH_KEYS))
    if extra:
        raise ValidationError(f"Unknown attribute(s) in the body: {', '.join(extra)}",
                              {k: ["unknown attribute"] for k in extra})
    if "password" in data and actor_id == user.id:
        from .signin import confirm_password

        confirm_password(session, user, data.get("current_password"))
    if not by_owner:
        denied = sorted(k for k in data if k not in ("password", "current_password", "display_name", "locale"))
        if denied:
            from ..errors import Forbidden

            raise Forbidden("Only owners may change roles or deactivate users", {k: ["owners only"] for k in denied})
    _check_str(data, "display_name")
    was_owner = _is_owner(session, user)
    roles = _roles_from(data)
    active = data.get("active", data.get("is_active"))
    if active is not None and not isinstance(active, bool):
        raise ValidationError("'active' must be true or false", {"active": ["must be a boolean"]})
    if roles is not None:
        if not isinstance(roles, list) or not roles:
            raise ValidationError("Give the user at least one role (deactivate them to take every right away)",
                                  {"roles": ["at least one role"]})
        if was_owner and "owner" not in roles and user.is_active and active_owners(session) <= 1:
            raise Conflict("This is the last active owner: make someone else an owner first",
                           {"roles": ["last owner"]})
        set_user_roles(session, user, roles)
    if active is not None and active != user.is_active:
        if not active and _is_owner(session, user) and active_owners(session) <= 1:
            raise Conflict("This is the last active owner: make someone else an owner first",
                           {"active": ["last owner"]})
        user.is_active = active
        if not active:
            sessions.end_all(session, user.id)
    if "display_name" in data:
        user.display_name = data["display_name"] or user.email.split("@")[0]
    if "locale" in data:
        if data["locale"] not in LOCALES:
            raise ValidationError(f"'locale' must be one of {', '.join(LOCALES)}", {"locale": ["en or zh"]})
        user.locale = data["locale"]
    if "password" in data:
        set_password(session, user, data["password"])
    link = None
    if data.get("reset_password"):
        link = new_link(session, user, "reset")
    session.flush()
    return user, link


def set_password(session: Session, user: User, password: Any) -> None:
    """A new password; the user's other sessions end (the request's own browser session, when it is
    theirs, goes on)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(f"The password must have at least {MIN_PASSWORD} characters",
                              {"password": [f"at least {MIN_PASSWORD} characters"]})
    if len(password) > 1024:
        raise ValidationError("The password is too long", {"password": ["at most 1024 characters"]})
    user.password_hash = hash_password(password)
    sessions.end_others(session, user.id)


# -- one-time links ----------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(session: Session, user: User, purpose: str) -> str:
    """A one-time link path (``/admin/account/<token>``); earlier unused links of the user stop working."""
    now = utcnow()
    for old in session.scalars(select(UserLink).where(UserLink.user_id == user.id, UserLink.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    session.add(UserLink(user_id=user.id, purpose=purpose, token_hash=_digest(token), created_at=now,
                         expires_at=now + timedelta(days=LINK_DAYS)))
    session.flush()
    return f"/admin/account/{token}"


def link_user(session: Session, token: str) -> Optional[tuple[UserLink, User]]:
    if not token or len(token) > 100:
        return None
    row = session.scalars(select(UserLink).where(UserLink.token_hash == _digest(token))).first()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return row, user


def use_link(session: Session, token: str, password: str) -> User:
    found = link_user(session, token)
    if found is None:
        raise NotFound("This link is not valid any more (used, expired or replaced)")
    row, user = found
    set_password(session, user, password)
    row.used_at = utcnow()
    session.flush()
    return user


def update_audited(session: Session, user: User, data: dict, by_owner: bool = True, *,
                   actor_id: Optional[int]) -> tuple[User, Optional[str], dict]:
    """:func:`update`, and a ``user.update`` entry in the audit log naming what changed (a new password
    only as "changed"). Returns the user, the reset link (or None) and the user's JSON after the change."""
    from . import audit

    before = user_json(session, user)
    user, link = update(session, user, data, by_owner=by_owner, actor_id=actor_id)
    after = user_json(session, user)
    changes: dict[str, Any] = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if "password" in data:
        changes["password"] = "changed"
    if link:
        changes["reset_password"] = "link created"
    audit.record(session, "user.update", "user", user.email, changes or None)
    return user, link, after
