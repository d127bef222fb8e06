"""Who an approver entry names: ``{"role": ...}``, ``{"user": <e-mail>}``, ``{"user_field": ...}``,
and the delegations that let a substitute act for an approver on a given day."""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access.models import Role, UserRole
from ..metamodel.ids import as_id
from ..models import User
from .models import Delegation


def _role_users(session: Session, name: str) -> set[int]:
    """Active users holding a role (by an assignment; a user without any: their legacy ``role``)."""
    held = select(User.id).join(UserRole, UserRole.user_id == User.id).join(Role, Role.id == UserRole.role_id) \
        .where(Role.name == name, User.is_active.is_(True))
    legacy = select(User.id).where(User.role == name, User.is_active.is_(True),
                                   ~select(UserRole.user_id).where(UserRole.user_id == User.id).exists())
    return set(session.scalars(held)) | set(session.scalars(legacy))


def _email_user(session: Session, email: str) -> Optional[int]:
    return session.scalar(select(User.id).where(func.lower(User.email) == email.lower(), User.is_active.is_(True)))


def slot_users(session: Session, entries: Iterable[dict], values: dict) -> list[set[int]]:
    """The users who may fill each slot (one set per entry, in order), for a record's values."""
    out = []
    for entry in entries:
        if "role" in entry:
            out.append(_role_users(session, entry["role"]))
        elif "user" in entry:
            uid = _email_user(session, entry["user"])
            out.append({uid} if uid is not None else set())
        else:
            uid = as_id(values.get(entry["user_field"]))
            out.append({uid} if uid is not None else set())
    return out


def user_roles(session: Session, user_id: int) -> set[str]:
    names = set(session.scalars(select(Role.name).join(UserRole, UserRole.role_id == Role.id)
                                .where(UserRole.user_id == user_id)))
    if not names:
        legacy = session.scalar(select(User.role).where(User.id == user_id))
        if legacy:
            names.add(legacy)
    return names


def named(session: Session, user_id: Optional[int], entries: Iterable[dict], values: dict) -> bool:
    """Whether an entry names the user (a transition's ``allowed``)."""
    if user_id is None:
        return False
    roles: Optional[set[str]] = None
    email: Optional[str] = None
    for entry in entries:
        if "role" in entry:
            roles = user_roles(session, user_id) if roles is None else roles
            if entry["role"] in roles:
                return True
        elif "user" in entry:
            email = session.scalar(select(User.email).where(User.id == user_id)) if email is None else email
            if email and email.lower() == entry["user"].lower():
                return True
        elif as_id(values.get(entry["user_field"])) == user_id:
            return True
    return False


def delegators_query(substitute_id: int, today: date) -> Any:
    """The ``SELECT`` of :func:`delegators` (to run inside another statement)."""
    return select(Delegation.user_id).where(
        Delegation.substitute_id == substitute_id, Delegation.starts_on <= today, Delegation.ends_on >= today)


def delegators(session: Session, substitute_id: int, today: date) -> list[int]:
    """The approvers whose delegation to ``substitute_id`` covers ``today``."""
    return list(session.scalars(delegators_query(substitute_id, today)))


def expand(store: Any, type_name: str, entries: Iterable[dict], values: dict) -> dict:
    """The record's values with each ``link.user_field`` an entry names filled in (the user of the
    record the link reaches, read directly: who approves does not depend on the reader's rights)."""
    dotted = [e["user_field"] for e in entries if "." in e.get("user_field", "")]
    if not dotted:
        return values
    out = dict(values)
    typedef = store.type(type_name)
    for path in dotted:
        head, _, tail = path.partition(".")
        f = typedef.field(head)
        target = store.schema.types.get(f.options.get("target", "")) if f is not None else None
        g = target.field(tail) if target is not None else None
        rid = as_id(values.get(head))
        if g is None or rid is None:
            out[path] = None
            continue
        t = target.table
        out[path] = store.session.scalar(select(t.c[g.column_name]).where(t.c.id == rid, t.c.deleted_at.is_(None)))
    return out
