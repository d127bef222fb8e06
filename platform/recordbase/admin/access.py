"""Who may see the admin: a signed-in, active user (set on ``g`` by :mod:`recordbase.security`).

Every admin view mixes in :class:`SignedInOnly`; an anonymous visitor is sent
to the sign-in form with the page they asked for as ``next``.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from flask import redirect, request, url_for

from ..context import current_user

#: roles allowed to change record types and fields
BUILDER_ROLES = ("owner", "builder")


def safe_next(target: Optional[str], default: str = "/admin/") -> str:
    """``target`` when it is a path inside the admin on this site, otherwise ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") or "\\" in target or target.startswith("//"):
        return default
    return target


def login_redirect():
    nxt = request.full_path if request.method == "GET" else request.path
    if nxt.endswith("?"):
        nxt = nxt[:-1]
    return redirect(url_for("admin.login_view", next=safe_next(nxt)))


class SignedInOnly:
    """Mixin for Flask-Admin views: only a signed-in, active user gets in."""

    def is_accessible(self) -> bool:
        user = current_user()
        return user is not None and bool(user.is_active)

    def inaccessible_callback(self, name: str, **kwargs: Any):
        if current_user() is None:
            return login_redirect()
        from flask import abort

        abort(403)


class BuildersOnly(SignedInOnly):
    """Mixin for the metamodel views: owners and builders (any role that may configure) change the structure."""

    def is_accessible(self) -> bool:
        from ..access import current_policy

        return super().is_accessible() and current_policy().can_configure()


class OwnersOnly(SignedInOnly):
    """Mixin for the users, roles and audit log pages."""

    def is_accessible(self) -> bool:
        from ..access import current_policy

        return super().is_accessible() and current_policy().can_manage_users()
