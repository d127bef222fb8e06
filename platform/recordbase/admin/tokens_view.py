"""``/admin/tokens/``: API tokens in the admin. Each user lists, creates and revokes their own; an owner
(who may manage users) also any other user's (``?email=``).

A new token's text is on the page that answers the creation, once (that answer is not cached and not
a redirect: reloading it does not show it again); afterwards only its prefix is ever shown (only its
SHA-256 digest is stored, :func:`recordbase.auth.create_token`). Creation and revocation are audited,
as through the API.
"""
from __future__ import annotations

from typing import Optional

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, StringField, validators

from ..access import audit as audit_log
from ..access import current_policy
from ..auth import create_token, find_user
from ..context import current_user, db_session
from ..metamodel.ids import as_id
from ..models import ApiToken, User, utcnow
from .access import SignedInOnly
from .forms import AdminForm

#: tokens listed per user (newest first)
MAX_LISTED = 200


class TokenForm(AdminForm):
    name = StringField(_l("Name"), validators=[validators.Optional(), validators.Length(max=255)],
                       description=_l("A note to recognise the token by, e.g. the script that uses it."))
    read_only = BooleanField(_l("Read only"))


def _owner() -> bool:
    return current_policy().can_manage_users()


class TokensView(SignedInOnly, BaseView):
    def __init__(self) -> None:
        super().__init__(name=_l("API tokens"), endpoint="api_tokens", url="/admin/tokens", category=_l("Settings"))

    def _holder(self, email: Optional[str]) -> User:
        """The user whose tokens are shown: oneself, or (owners only) the one named; else a 404."""
        me = current_user()
        if not email or email.strip().lower() == me.email.lower():
            return db_session().get(User, me.id)
        user = find_user(db_session(), email.strip()) if _owner() else None
        if user is None:
            abort(404)
        return user

    def _page(self, holder: User, form: TokenForm, new_token: Optional[str] = None, status: int = 200):
        session = db_session()
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == holder.id)
                               .order_by(ApiToken.id.desc()).limit(MAX_LISTED)).all()
        users = session.scalars(select(User).order_by(User.email)).all() if _owner() else []
        body = self.render("settings/tokens.html", holder=holder, tokens=rows, form=form, new_token=new_token,
                           users=users, is_me=holder.id == current_user().id)
        headers = {"Cache-Control": "no-store"} if new_token else {}
        return body, status, headers

    @expose("/")
    def index(self):
        return self._page(self._holder(request.args.get("email")), TokenForm())

    @expose("/new/", methods=("POST",))
    def new(self):
        session = db_session()
        holder = self._holder(request.form.get("email"))
        form = TokenForm(request.form)
        if not form.validate():
            return self._page(holder, form, status=422)
        name = (form.name.data or "").strip() or None
        text = create_token(session, holder, name=name, read_only=bool(form.read_only.data))
        audit_log.record(session, "token.create", "user", holder.email,
                         {"prefix": text[:10], "read_only": bool(form.read_only.data), "types": None})
        session.commit()
        return self._page(holder, TokenForm(), new_token=text, status=201)

    @expose("/<token_id>/revoke/", methods=("POST",))
    def revoke(self, token_id: str):
        session = db_session()
        number = as_id(token_id)
        row = session.get(ApiToken, number) if number is not None else None
        if row is None or (row.user_id != current_user().id and not _owner()):
            abort(404)  # another user's token is not even there for a non-owner
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            audit_log.record(session, "token.revoke", "user", row.user.email, {"prefix": row.prefix})
            session.commit()
            flash(_("The token %(prefix)s… was revoked.", prefix=row.prefix), "success")
        email = row.user.email if row.user_id != current_user().id else None
        return redirect(url_for(".index", email=email))


def register_settings(admin) -> None:
    from .settings_view import SettingsView

    admin.add_view(SettingsView())
    admin.add_view(TokensView())
