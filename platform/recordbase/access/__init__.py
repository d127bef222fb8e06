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
    gl = g._get_current_object()  # (read several times: once through the proxy)
    policy = gl.get("_rb_policy", _MISSING)
    user = gl.get("rb_user")
    if policy is _MISSING or (policy is not None and policy.user_id != (user.id if user is not None else None)):
        policy = _cached_policy(gl, user) if user is not None else Policy.nobody()
        gl._rb_policy = policy
    return policy


def _cached_policy(gl, user) -> Policy:
    """The user's policy from the per-process :class:`~.cache.PolicyCache` (see there for its key).

    The API's authentication reads the role signature with the token (``g._rb_role_signature``);
    it serves the first policy of the request only, a later rebuild reads it again."""
    from ..context import current_schema, db_session, platform
    from .cache import role_signature

    session = db_session()
    version = current_schema().version
    known = gl.pop("_rb_role_signature", None)  # (user id, signature)
    signature = known[1] if known is not None and known[0] == user.id else role_signature(session, user.id)
    return platform().policy_cache.get(session, user, gl.get("rb_token"), version, signature)


__all__ = ["Policy", "current_policy"]
