"""Admin pages of access control: users, roles (with their permissions per record type), the audit log,
and the one-time account links (invitation, password reset).

Users, roles and the audit log are for owners (:class:`~recordbase.admin.access.OwnersOnly`);
every change goes through the same services as the API (:mod:`recordbase.access.users`,
:mod:`recordbase.access.roles`) and is recorded in the audit log. Every form posts its CSRF
token; every user-supplied text is escaped by the templates.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Optional

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..access import audit as audit_log
from ..access import roles as role_service
from ..access import users as user_service
from ..access.roles import ACTIONS, ALL_TYPES
from ..context import current_lang, current_schema, current_user, db_session
from ..errors import RecordbaseError, ValidationError
from ..metamodel.ids import as_id
from ..models import User
from ..security import sign_in
from .access import OwnersOnly
from .audit_words import KINDS, action_words, kind_word
from .records.forms import local_time_text
from ..settings import instance_timezone

#: the users page is in the menu; roles and the audit log are tabs of the same section
SECTION = (("access_users.index", _l("Users")), ("access_roles.index", _l("Roles")),
           ("access_audit.index", _l("Audit log")))
ACTION_LABELS = {"read": _l("Read"), "create": _l("Create"), "update": _l("Update"), "delete": _l("Delete"),
                 "export": _l("Export"), "import": _l("Import"), "configure": _l("Configure")}


def _errors(exc: RecordbaseError) -> list[str]:
    if isinstance(exc.details, dict) and exc.details:
        out = []
        for key, msgs in exc.details.items():
            for m in (msgs if isinstance(msgs, list) else [msgs]):
                out.append(f"{key}: {m}")
        return out[:20]
    return [exc.message]


# -- users -----------------------------------------------------------------------------------
class UsersView(OwnersOnly, BaseView):
    """``/admin/users/``: the users, a new user, one user's roles and state."""

    def __init__(self) -> None:
        super().__init__(name=_l("Users"), endpoint="access_users", url="/admin/users")

    @expose("/")
    def index(self):
        session = db_session()
        users = [user_service.user_json(session, u) for u in session.scalars(select(User).order_by(User.email))]
        return self.render("access/users.html", users=users, roles=role_service.list_roles(session),
                           lang=current_lang())

    @expose("/new/", methods=("POST",))
    def new(self):
        session = db_session()
        data = {"email": (request.form.get("email") or "").strip(),
                "display_name": (request.form.get("display_name") or "").strip() or None,
                "roles": request.form.getlist("roles") or ["viewer"],
                "password": request.form.get("password") or None,
                "invite": bool(request.form.get("invite"))}
        try:
            user, link = user_service.create(session, data)
            audit_log.record(session, "user.create", "user", user.email, {"roles": data["roles"],
                                                                          "invited": link is not None})
            session.commit()
        except RecordbaseError as exc:
            session.rollback()
            for m in _errors(exc):
                flash(m, "error")
            return redirect(url_for(".index"))
        flash(_("The user %(email)s was created.", email=user.email), "success")
        if link:
            flash(_("One-time link to set the password (give it to the user): %(url)s",
                    url=request.host_url.rstrip("/") + link), "info")
        return redirect(url_for(".edit", email=user.email))

    @expose("/edit/", methods=("GET", "POST"))
    def edit(self):
        session = db_session()
        try:
            user = user_service.get_user(session, request.args.get("email", ""))
        except RecordbaseError:
            abort(404)
        if request.method == "POST":
            data: dict[str, Any] = {"display_name": (request.form.get("display_name") or "").strip(),
                                    "roles": request.form.getlist("roles"),
                                    "active": bool(request.form.get("active"))}
            if request.form.get("password"):
                data["password"] = request.form["password"]
                data["current_password"] = request.form.get("current_password") or None  # (one's own)
            if request.form.get("reset_password"):
                data = {"reset_password": True}
            try:
                user, link, _after = user_service.update_audited(session, user, data, actor_id=current_user().id)
                session.commit()
            except RecordbaseError as exc:
                session.rollback()
                for m in _errors(exc):
                    flash(m, "error")
                return redirect(url_for(".edit", email=user.email))
            if link:
                flash(_("One-time link to set the password (give it to the user): %(url)s",
                        url=request.host_url.rstrip("/") + link), "info")
            else:
                flash(_("The user %(email)s was saved.", email=user.email), "success")
            return redirect(url_for(".edit", email=user.email))
        return self.render("access/user_edit.html", user=user_service.user_json(session, user),
                           roles=role_service.list_roles(session), lang=current_lang(),
                           is_me=current_user() is not None and current_user().id == user.id)


# -- roles ------------------------------------------------------------------------------------
def _rows_mode(rows: Any) -> tuple[str, str]:
    """How the role form shows a row limit: ('all'|'own'|'user:<field>'|'custom', json)."""
    if not rows:
        return "all", ""
    if rows == {"field": "created_by", "op": "eq", "value": "@me"}:
        return "own", ""
    if isinstance(rows, dict) and set(rows) == {"field", "op", "value"} and rows["op"] == "eq" \
            and rows["value"] == "@me":
        return f"user:{rows['field']}", ""
    return "custom", json.dumps(rows, ensure_ascii=False)


def _permissions_from_form(form: Any, schema: Any) -> dict:
    out: dict[str, dict] = {}
    for key in [ALL_TYPES] + [t.name for t in schema.ordered()]:
        prefix = f"p[{key}]"
        actions = [a for a in ACTIONS if form.get(f"{prefix}[{a}]")]
        mode = form.get(f"{prefix}[rows]") or "all"
        spec: dict[str, Any] = {"actions": actions}
        if mode == "own":
            spec["rows"] = {"field": "created_by", "op": "eq", "value": "@me"}
        elif mode.startswith("user:"):
            spec["rows"] = {"field": mode[5:], "op": "eq", "value": "@me"}
        elif mode == "custom":
            raw = (form.get(f"{prefix}[rows_json]") or "").strip()
            if raw:
                try:
                    spec["rows"] = json.loads(raw)
                except ValueError as exc:
                    raise ValidationError(f"{key}: the row filter is not valid JSON: {exc}",
                                          {f"permissions.{key}.rows": ["not valid JSON"]}) from None
        if key != ALL_TYPES:
            hidden = form.getlist(f"{prefix}[hidden]")
            readonly = form.getlist(f"{prefix}[readonly]")
            if hidden:
                spec["hidden_fields"] = hidden
            if readonly:
                spec["readonly_fields"] = readonly
        if actions or len(spec) > 1:
            out[key] = spec
    return out


class RolesView(OwnersOnly, BaseView):
    """``/admin/roles/``: roles and, for a custom role, its permissions per record type."""

    hide_from_menu = True  # a tab beside Users

    def __init__(self) -> None:
        super().__init__(name=_l("Roles"), endpoint="access_roles", url="/admin/roles")

    @expose("/")
    def index(self):
        session = db_session()
        rows = [(r, role_service.holders_count(session, r)) for r in role_service.list_roles(session)]
        return self.render("access/roles.html", roles=rows, lang=current_lang())

    def _page(self, role: Optional[Any], data: Optional[dict] = None, errors: Optional[list] = None, status: int = 200):
        schema = current_schema()
        lang = current_lang()
        perms = (data or {}).get("permissions") if data is not None else (role.permissions if role else {})
        perms = perms or {}
        types = []
        for key, label, fields in [(ALL_TYPES, _("Every other record type"), [])] + [
                (t.name, t.display_label(lang), t.fields) for t in schema.ordered()]:
            spec = perms.get(key) or {}
            mode, custom = _rows_mode(spec.get("rows"))
            types.append({"key": key, "label": label, "actions": set(spec.get("actions") or []),
                          "mode": mode, "custom": custom,
                          "hidden": set(spec.get("hidden_fields") or []),
                          "readonly": set(spec.get("readonly_fields") or []),
                          "fields": [(f.name, f.display_label(lang)) for f in fields],
                          "user_fields": [(f.name, f.display_label(lang)) for f in fields
                                          if f.field_type == "user"]})
        values = data or ({"name": role.name, "label": role.label, "label_zh": role.label_zh or "",
                           "description": role.description or ""} if role else {})
        body = self.render("access/role_edit.html", role=role, values=values, types=types, actions=ACTIONS,
                           action_labels=ACTION_LABELS, errors=errors or [], lang=lang)
        return body, status

    @expose("/edit/", methods=("GET", "POST"))
    def edit(self):
        session = db_session()
        name = request.args.get("name")
        role = None
        if name:
            try:
                role = role_service.get_role(session, name, to_change=request.method == "POST")
            except RecordbaseError:
                abort(404)
        if request.method == "GET":
            return self._page(role)
        form = request.form
        data: dict[str, Any] = {k: (form.get(k) or "").strip() for k in ("name", "label", "label_zh", "description")}
        data["label_zh"] = data["label_zh"] or None
        data["description"] = data["description"] or None
        try:
            if role is None or not role.builtin:
                data["permissions"] = _permissions_from_form(form, current_schema())
            if role is None:
                role = role_service.create_role(session, data, current_schema())
            else:
                if role.builtin:
                    data = {k: v for k, v in data.items() if k in ("label", "label_zh", "description")}
                role_service.update_role(session, role, data, current_schema())
            session.commit()
        except RecordbaseError as exc:
            session.rollback()
            return self._page(role if role is not None and role.id else None, data, _errors(exc), 422)
        flash(_("The role %(name)s was saved.", name=role.name), "success")
        return redirect(url_for(".edit", name=role.name))

    @expose("/delete/", methods=("POST",))
    def delete(self):
        session = db_session()
        try:
            role_service.delete_role(session, role_service.get_role(session, request.form.get("name", "")))
            session.commit()
            flash(_("The role was deleted."), "success")
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
        return redirect(url_for(".index"))


# -- audit log ----------------------------------------------------------------------------------
#: the kinds the log's filter offers: every kind the log has a word for (audit_words.KINDS)
AUDIT_KINDS = tuple(KINDS)


class AuditView(OwnersOnly, BaseView):
    """``/admin/audit/``: the audit log, newest first, filtered by action, kind, user and time."""

    hide_from_menu = True  # a tab beside Users

    def __init__(self) -> None:
        super().__init__(name=_l("Audit log"), endpoint="access_audit", url="/admin/audit")

    @expose("/")
    def index(self):
        args = request.args

        def when(name: str) -> Optional[datetime]:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                return datetime.fromisoformat(raw)
            except ValueError:
                flash(_("'%(value)s' is not a date.", value=raw), "error")
                return None

        cursor = as_id(args.get("cursor") or "")  # (an event id; anything else: the newest events)
        filters = {k: (args.get(k) or "").strip()[:255] for k in ("action", "user", "kind", "target", "since", "until")}
        rows = audit_log.query(db_session(), action=filters["action"] or None, user=filters["user"] or None,
                               kind=filters["kind"] or None, target=filters["target"] or None,
                               since=when("since"), until=when("until"), before_id=cursor, limit=51)
        more = len(rows) > 50
        rows = rows[:50]
        next_url = url_for(".index", **{k: v for k, v in filters.items() if v}, cursor=rows[-1].id) \
            if more and rows else None
        zone = instance_timezone()
        return self.render("access/audit.html", events=[audit_log.event_json(e) for e in rows], filters=filters,
                           kinds=AUDIT_KINDS, next_url=next_url, lang=current_lang(), action_words=action_words,
                           kind_word=kind_word, local_time=lambda at: local_time_text(at, zone))


# -- one-time links ----------------------------------------------------------------------------------
class AccountLinkView(BaseView):
    """``/admin/account/<token>``: set a password from an invitation or a reset link (no sign-in needed)."""

    hide_from_menu = True

    def __init__(self) -> None:
        super().__init__(name=_l("Set your password"), endpoint="access_account", url="/admin/account")

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        abort(404)

    @expose("/<token>", methods=("GET", "POST"))
    def link(self, token: str):
        session = db_session()
        found = user_service.link_user(session, token)
        if found is None:
            return self.render("access/account_link.html", valid=False, error=None), 404
        link, user = found
        error = None
        if request.method == "POST":
            password = request.form.get("password") or ""
            if password != (request.form.get("password2") or ""):
                error = _("The two passwords differ.")
            else:
                try:
                    user = user_service.use_link(session, token, password)
                    audit_log.record(session, "user.password_set", "user", user.email, {"by": link.purpose},
                                     user=user)
                    session.commit()
                except RecordbaseError as exc:
                    session.rollback()
                    error = exc.message
                else:
                    sign_in(user)
                    flash(_("Your password was set. Welcome!"), "success")
                    return redirect(url_for("admin.index"))
        return self.render("access/account_link.html", valid=True, email=user.email, error=error), \
            (422 if error else 200)


def register_access(admin: Any) -> None:
    for view in (UsersView(), RolesView(), AuditView(), AccountLinkView()):
        admin.add_view(view)
    admin.app.jinja_env.globals.setdefault("rb_access_section", SECTION)
