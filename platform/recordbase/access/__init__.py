"""Access control: roles and permissions (the one :class:`Policy`), record history, the audit log,
sign-in throttling and public forms.

- :mod:`.models` — the tables (migration 0004);
- :mod:`.roles` — built-in and custom roles, role assignments;
- :mod:`.policy` — :class:`Policy`, consulted by the record store, the API, the admin and OpenAPI;
- :mod:`.history` — record history, written when a write commits;
- :mod:`.audit` — the audit log (schema changes, sign-ins, account administration);
- :mod:`.throttle` — sign-in and public-form throttling;
- :mod:`.users` — accounts, one-time links;
- :mod:`.forms` and :mod:`.public` — public forms at ``/f/<token>``.

Importing this package installs the history and audit listeners.
"""
from __future__ import annotations

from typing import Optional

from flask import g, has_request_context

from . import audit, history  # noqa: F401  (install the session listeners)
from .policy import Policy

_MISSING = object()


def current_policy() -> Optional[Policy]:
    """The policy of this request's user (their token narrows it); None outside a request (unrestricted).

    Inside a request without a signed-in user, a policy that allows nothing.
    """
    if not has_request_context():
        return None
    policy = g.get("_rb_policy", _MISSING)
    if policy is _MISSING or (policy is not None and policy.user_id != _uid()):
        from ..context import db_session

        user = g.get("rb_user")
        policy = Policy.for_user(db_session(), user, g.get("rb_token")) if user is not None else Policy.nobody()
        g._rb_policy = policy
    return policy


def _uid() -> Optional[int]:
    user = g.get("rb_user")
    return user.id if user is not None else None


__all__ = ["Policy", "current_policy"]
