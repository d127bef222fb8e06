"""The admin's home page, sign-in, sign-out and the language switch."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, session, url_for
from flask_admin import AdminIndexView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import current_policy
from ..context import current_lang, current_schema, current_user, db_session
from ..i18n import LANGUAGES
from ..security import sign_in, sign_out
from .access import SignedInOnly, login_redirect, safe_next
from .forms import LoginForm

PUBLIC_VIEWS = frozenset({"login_view", "lang_view"})


class HomeView(SignedInOnly, AdminIndexView):
    """``/admin/``: the record types by group. Sign-in and the language switch are public."""

    def __init__(self) -> None:
        super().__init__(name=_l("Home"), endpoint="admin", url="/admin")

    def _handle_view(self, name: str, **kwargs: Any):
        if name in PUBLIC_VIEWS:
            return None
        if name == "logout_view" and current_user() is None:
            return redirect(url_for(".login_view"))
        return super()._handle_view(name, **kwargs)

    @expose("/")
    def index(self):
        from .site import type_groups

        user = current_user()
        from .dashboards.home import home_context

        return self.render("recordbase/home.html", groups=type_groups(current_schema()), lang=current_lang(),
                           can_build=user is not None and current_policy().can_configure(),
                           **home_context())  # each app's dashboard, assigned to me (admin/dashboards/home.py)

    @expose("/login/", methods=("GET", "POST"))
    def login_view(self):
        form = LoginForm(request.form if request.method == "POST" else None)
        nxt = safe_next(request.values.get("next"))
        if current_user() is not None and request.method == "GET":
            return redirect(nxt)
        error = None
        status = 200
        if request.method == "POST" and form.validate():
            from ..access.signin import attempt

            # throttled per account and address, recorded in the audit log (recordbase.access.signin);
            # the message never says which part was wrong: the form does not reveal which e-mails exist
            result = attempt(db_session(), form.email.data or "", form.password.data or "")
            user = result.user
            if user is not None:
                lang = session.get("lang")
                sign_in(user)
                if lang:
                    session["lang"] = lang
                return redirect(nxt)
            if result.locked_minutes is not None:
                error = _("Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes=result.locked_minutes)
                status = 429
            else:
                error = _("Invalid email or password.")
        elif request.method == "POST":
            error = _("Enter your email and password.")
        return self.render("recordbase/login.html", form=form, error=error, next=nxt), status

    @expose("/logout/", methods=("POST",))
    def logout_view(self):
        lang = session.get("lang")
        sign_out()
        if lang:
            session["lang"] = lang
        flash(_("You have been signed out."), "info")
        return redirect(url_for(".login_view"))

    @expose("/lang/<code>", methods=("POST",))
    def lang_view(self, code: str):
        """Switch the UI language (kept in the session, and on the signed-in user for next time).

        A POST with the CSRF token, as every change is: a link (a GET) could be triggered by any
        other site's page, and GET pages read in a read-only session."""
        if code not in LANGUAGES:
            abort(404)
        session["lang"] = code
        user = current_user()
        if user is not None and user.locale != code:
            user.locale = code
            db_session().commit()
        back = request.referrer or ""
        host = request.host_url.rstrip("/")
        target = back[len(host):] if back.startswith(host + "/") else None
        return redirect(safe_next(target, url_for(".index")))

    def inaccessible_callback(self, name: str, **kwargs: Any):
        if current_user() is None:
            return login_redirect()
        abort(403)
