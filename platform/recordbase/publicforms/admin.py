"""The admin's public form builder: ``/admin/forms/`` lists the forms of the types the user may
configure; ``/admin/forms/<type>/new/`` and ``/admin/forms/<id>/`` build one (WTForms, no JSON),
with its link and QR code; ``/admin/forms/<id>/delete/`` removes it.

Who may configure the type builds its forms (as through the API, ``/api/v1/types/<type>/forms``).
The form is saved through :mod:`recordbase.access.forms` (the API's checks); the builder first
checks, in the page's language and beside the field concerned, what a person most often gets wrong.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..access import current_policy
from ..access import forms as public_forms
from ..access.models import PublicForm
from ..admin.access import SignedInOnly
from ..context import current_lang, current_schema, current_user, db_session
from ..errors import RecordbaseError, ValidationError
from ..models import User
from .builder import builder_form, candidate_fields, from_document, to_document


def _configurable(type_name: str) -> Any:
    typedef = current_schema().types.get(type_name)
    if typedef is None or not current_policy().can_configure(type_name):
        abort(404)
    return typedef


def _form_row(form_id: int) -> PublicForm:
    row = db_session().get(PublicForm, form_id)
    if row is None:
        abort(404)
    _configurable(row.type_name)
    return row


def _precheck(form: Any, typedef: Any, doc: dict, top: list[str]) -> bool:
    """What people most often get wrong, told beside the field in the page's language (``top``: the
    problems of the form as a whole)."""
    good = True

    def fail(field: Any, message: str) -> None:
        nonlocal good
        field.errors = list(field.errors or []) + [message]
        good = False

    chosen = set(doc["fields"])
    if not chosen:
        top.append(_("Choose at least one field for the form."))
        good = False
    missing = [f for f in typedef.writable_fields() if f.required and f.default is None and f.name not in chosen]
    for f in missing:
        fail(form[f"use_{f.name}"], _("A required field must be on the form."))
    settings = doc["settings"]
    for f in candidate_fields(typedef):
        if f.name not in chosen:
            continue
        if f.field_type == "link" and not (settings.get("link_views") or {}).get(f.name):
            fail(form[f"view_{f.name}"], _("Choose the saved view whose records the public may pick."))
        if f.field_type == "user":
            emails = [e.lower() for e in (settings.get("user_choices") or {}).get(f.name) or []]
            if not emails:
                fail(form[f"users_{f.name}"], _("List the users the public may pick from."))
            else:
                known = set(db_session().scalars(select(func.lower(User.email)).where(
                    func.lower(User.email).in_(emails), User.is_active.is_(True))))
                for e in emails:
                    if e not in known:
                        fail(form[f"users_{f.name}"], _("No active user %(email)s.", email=e))
    if form.opens_at.data and form.closes_at.data and form.closes_at.data <= form.opens_at.data:
        fail(form.closes_at, _("Must be after the opening time."))
    return good


def _place_errors(form: Any, exc: ValidationError) -> list[str]:
    """The service's problems beside their fields where one is named; the rest for the page's top."""
    rest = []
    details = exc.details if isinstance(exc.details, dict) else {}
    for key, messages in details.items():
        for m in messages if isinstance(messages, list) else [messages]:
            key_s = str(key).removeprefix("settings.")
            named = re.search(r"'([a-z][a-z0-9_]*)'", str(m))
            target = None
            if key_s in form:
                target = form[key_s]
            elif named:
                for prefix in ("view_", "users_", "use_"):
                    if f"{prefix}{named.group(1)}" in form:
                        target = form[f"{prefix}{named.group(1)}"]
                        break
            if target is not None:
                target.errors = list(target.errors or []) + [str(m)]
            else:
                rest.append(str(m))
    return rest or ([] if details else [exc.message])


class PublicFormsView(SignedInOnly, BaseView):
    """Build public forms: choose and order fields, texts in both languages, dates, cap, link, QR code."""

    def __init__(self) -> None:
        super().__init__(name=_l("Public forms"), endpoint="public_forms_admin", url="/admin/forms")

    def is_visible(self) -> bool:
        try:
            return current_user() is not None and any(current_policy().can_configure(t) for t in current_schema().types)
        except Exception:  # noqa: BLE001 - never break the menu
            return False

    @expose("/")
    def index(self):
        schema = current_schema()
        policy = current_policy()
        types = [t for t in schema.ordered() if policy.can_configure(t.name)]
        rows = db_session().scalars(select(PublicForm).where(PublicForm.type_name.in_([t.name for t in types]))
                                    .order_by(PublicForm.type_name, PublicForm.id)).all() if types else []
        return self.render("publicforms/index.html", types=types, forms=rows, lang=current_lang())

    def _page(self, typedef: Any, form: Any, row: Optional[PublicForm], errors: list[str], status: int = 200):
        lang = current_lang()
        fields = candidate_fields(typedef)
        url = request.host_url.rstrip("/") + f"/f/{row.token}" if row is not None else None
        return self.render("publicforms/builder.html", typedef=typedef, form=form, row=row, errors=errors,
                           fields=fields, lang=lang, public_url=url,
                           type_label=typedef.display_label(lang)), status

    def _save(self, typedef: Any, row: Optional[PublicForm]):
        cls = builder_form(db_session(), typedef, current_lang())
        form = cls(request.form)
        if not form.validate():
            return self._page(typedef, form, row, [], 422)
        doc = to_document(form, typedef)
        top: list[str] = []
        if not _precheck(form, typedef, doc, top):
            return self._page(typedef, form, row, top, 422)
        session = db_session()
        try:
            if row is None:
                enabled = doc.pop("enabled")
                row = public_forms.create(session, current_schema(), typedef.name, doc, current_user().id)
                row.enabled = enabled
            else:
                public_forms.update(session, current_schema(), row, doc)
            session.commit()
        except ValidationError as exc:
            session.rollback()
            return self._page(typedef, form, None if row is None or row.id is None else row,
                              _place_errors(form, exc), 422)
        except RecordbaseError as exc:
            session.rollback()
            return self._page(typedef, form, row, [exc.message], 422)
        flash(_("The form was saved."), "success")
        return redirect(url_for(".edit", form_id=row.id))

    @expose("/<type_name>/new/", methods=("GET", "POST"))
    def new(self, type_name: str):
        typedef = _configurable(type_name)
        if request.method == "POST":
            return self._save(typedef, None)
        cls = builder_form(db_session(), typedef, current_lang())
        data = {"title": typedef.display_label("en"), "title_zh": typedef.label_zh or "", "enabled": True}
        for i, f in enumerate(candidate_fields(typedef)):  # required fields start on the form
            data[f"use_{f.name}"] = bool(f.required and f.default is None)
            data[f"pos_{f.name}"] = i + 1
        return self._page(typedef, cls(data=data), None, [])

    @expose("/<int:form_id>/", methods=("GET", "POST"))
    def edit(self, form_id: int):
        row = _form_row(form_id)
        typedef = current_schema().types[row.type_name]
        if request.method == "POST":
            return self._save(typedef, row)
        cls = builder_form(db_session(), typedef, current_lang())
        return self._page(typedef, cls(data=from_document(public_forms.form_json(row), typedef)), row, [])

    @expose("/<int:form_id>/delete/", methods=("POST",))
    def delete(self, form_id: int):
        row = _form_row(form_id)
        db_session().delete(row)
        db_session().commit()
        flash(_("The form was deleted."), "success")
        return redirect(url_for(".index"))


def register_public_forms(admin: Any) -> None:
    """Add the form builder to ``admin`` (call once, from ``init_admin``)."""
    admin.add_view(PublicFormsView())
