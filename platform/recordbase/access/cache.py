"""A per-process cache of :class:`~.policy.Policy` objects, so that a request does not rebuild its policy.

Building a policy means loading the user's roles (one query of ORM rows with
their permissions JSON) and merging their rights per type; every API request
and admin page needs one. A policy depends only on

- the user (id, e-mail, the legacy ``role`` column) and the token (read-only, types);
- the roles the user holds and their permissions: the **role signature**, the
  ids and ``updated_at`` of the user's roles (any change to a role's permissions
  sets its ``updated_at``; giving or taking a role changes the set of ids);

so the cache is keyed on exactly these, plus the schema version (a schema change
starts a fresh cache; policies keep per-type views of the snapshot's TypeDefs).
The role signature is read from the database on every request — the API reads it
in the same query as the token — so a role changed by another process is seen on
its next request. A user whose rights come from the legacy ``role`` column alone
(no role assignments) is not cached.
"""
from __future__ import annotations

import threading
from typing import Any, Optional

from sqlalchemy import String, cast, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.orm import Session

from ..models import User
from .models import Role, UserRole
from .policy import Policy

MAX_ENTRIES = 2048


class _joined(FunctionElement):
    """``group_concat(x, ',')`` / ``string_agg(x, ',')`` with the separator written into the SQL
    (``func.aggregate_strings`` binds it as a post-compile parameter, re-rendered on every run)."""

    type = String()
    inherit_cache = True


@compiles(_joined)
def _joined_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(_joined, "postgresql")
def _joined_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


def role_signature_column() -> Any:
    """A scalar subquery (correlated to ``User``) giving the user's role signature as one string.

    Built on the tables rather than the ORM classes: a statement without ORM entities runs
    on the session's connection directly, skipping the ORM's execution layer."""
    role, user_role, user = Role.__table__.c, UserRole.__table__.c, User.__table__.c
    part = cast(role.id, String) + literal_column("':'") + cast(role.updated_at, String)
    return (select(_joined(part))
            .select_from(UserRole.__table__).join(Role.__table__, role.id == user_role.role_id)
            .where(user_role.user_id == user.id).scalar_subquery())


_SIGNATURE = None


def role_signature(session: Session, user_id: int) -> Optional[str]:
    """The role signature of one user (see the module docstring), None when they hold no role."""
    global _SIGNATURE
    if _SIGNATURE is None:
        from sqlalchemy import bindparam

        _SIGNATURE = (select(role_signature_column()).select_from(User.__table__)
                      .where(User.__table__.c.id == bindparam("uid")))
    return session.execute(_SIGNATURE, {"uid": user_id}).scalar()


def normal_signature(raw: Optional[str]) -> Optional[tuple]:
    """The aggregated string in a fixed order (SQL gives the parts in any order)."""
    if not raw:
        return None
    return tuple(sorted(raw.split(",")))


class PolicyCache:
    """Policies by (user, token, role signature), for one schema version at a time."""

    def __init__(self) -> None:
        self._version: Optional[int] = None
        self._entries: dict[tuple, Policy] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, user: Any, token: Any, schema_version: int,
            signature: Optional[str]) -> Policy:
        """The user's policy (through ``token`` when given); ``signature`` as :func:`role_signature` gives it."""
        sig = normal_signature(signature)
        if sig is None or user is None or not user.is_active:
            return Policy.for_user(session, user, token)
        types = getattr(token, "types", None) if token is not None else None
        key = (user.id, user.email, user.role, sig, token is not None and bool(token.read_only),
               tuple(sorted(types)) if types else None)
        with self._lock:
            if self._version != schema_version:
                self._version = schema_version
                self._entries = {}
            found = self._entries.get(key)
        if found is not None:
            return found
        policy = Policy.for_user(session, user, token)
        with self._lock:
            if self._version == schema_version:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries = {}
                self._entries[key] = policy
        return policy

    def clear(self) -> None:
        with self._lock:
            self._entries = {}
