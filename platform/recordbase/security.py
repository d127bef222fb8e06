"""Web security: CSRF on every state-changing admin request, signed-in user loading, security headers."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from . import sessions
from .context import db_session
from .models import User

csrf = CSRFProtect()

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


#: endpoints that must answer without the database (an import's progress page: on SQLite the
#: import holds the one write lock for its whole transaction); they read ``session["uid"]`` themselves
DATABASE_FREE_ENDPOINTS: set[str] = set()


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the signing serializer (a key derivation
    and several objects) for a request that carries no session cookie, such as every API request:
    such a request gets the same empty session Flask would give it."""

    def open_session(self, app: Flask, request):  # type: ignore[override]
        if app.secret_key and ("HTTP_COOKIE" not in request.environ  # (no Cookie header: nothing to parse)
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:  # type: ignore[override]
        """Flask's, without working out the cookie's attributes for an empty session that was never
        changed (every API request): Flask then only adds ``Vary: Cookie`` if it was read."""
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def load_session_user() -> None:
    """Sign-in state of the admin: a live server-side session (:mod:`recordbase.sessions`) named by
    the signed session cookie."""
    g.rb_user = None
    if request.path.startswith("/api/"):
        return  # the API authenticates by token only (and need not open the cookie session)
    if session.get("uid") is None or request.endpoint in DATABASE_FREE_ENDPOINTS:
        return
    g.rb_user = sessions.current_user_from_cookie(db_session())


def sign_in(user: User) -> None:
    """Sign ``user`` in on this browser (a new server-side session, committed)."""
    sessions.start(db_session(), user)


def sign_out() -> None:
    """Sign this browser out: its server-side session ends (committed), wherever its cookie was copied."""
    sessions.end(db_session())


#: the headers every response carries unless its view set its own
SECURITY_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                    ("Referrer-Policy", "same-origin"), ("Content-Security-Policy", CSP))


#: (lower-case name, name, value) of each of :data:`SECURITY_HEADERS`
_SECURITY_HEADERS_LOWER = tuple((key.lower(), key, value) for key, value in SECURITY_HEADERS)


def add_headers(response):
    """:data:`SECURITY_HEADERS` on ``response``, where it has none of that name.

    Works on the header list itself (``Headers._list``, which Werkzeug's own methods read): the
    public ``keys()`` and ``add`` (a generator, and a check of each value for newlines, which these
    constants never hold) cost an API GET about 1 % of its time, on every request."""
    items = response.headers._list
    present = {key.lower() for key, _ in items}
    for low, key, value in _SECURITY_HEADERS_LOWER:
        if low not in present:
            items.append((key, value))
    return response


def init_app(app: Flask) -> None:
    sessions.check_settings(app)
    app.session_interface = CookieSessions()
    csrf.init_app(app)
    app.before_request(load_session_user)
    app.after_request(add_headers)
