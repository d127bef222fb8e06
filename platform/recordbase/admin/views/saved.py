"""Saving views from the admin: ``/admin/saved-views/<type_name>/new/`` (the view form: a list's
filters, sort and columns come along from the list page; board, calendar and gallery options are
chosen from the type's fields), ``<id>/edit/`` and ``<id>/delete/``. Everything goes through
:class:`recordbase.packs.views.ViewService` (the same checks and rights as the API:
:mod:`recordbase.views.sharing`); a refusal is shown beside the form's field.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from flask import abort, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...context import current_lang, db_session
from ...errors import Conflict, Forbidden, NotFound, RecordbaseError
from ...packs.views import ViewService
from ...views.kinds import KINDS, get_kind
from ...views.sharing import may_change, may_share
from ..records.present import request_store
from .forms import option_field_names, options_of, view_form_class
from .pages import TypeInUrl


def _service() -> ViewService:
    store = request_store()
    return ViewService(store.session, store.schema, store.ctx, store.policy)


def view_url(view: Any) -> str:
    kind = get_kind(view.kind)
    return url_for(f"{kind.endpoint}.index_view", type_name=view.type_name, view=view.id)


class SavedViewsView(TypeInUrl):
    def __init__(self) -> None:
        super().__init__(name=_l("Saved views"), endpoint="saved_views", url="/admin/saved-views/<type_name>")

    def _form(self, formdata: Any = None, **data: Any) -> Any:
        return view_form_class(self.typedef, current_lang())(formdata, **data)

    def _page(self, form: Any, view: Any = None, error: Optional[str] = None):
        typedef = self.typedef
        return self.render("recordbase/views/save.html", form=form, view=view, typedef=typedef, error=error,
                           kinds=KINDS, kind_fields={k: option_field_names(k) for k in KINDS},
                           may_share=may_share(request_store().policy, typedef.name), zh=current_lang().startswith("zh"))

    def _document(self, form: Any) -> dict:
        kind = form.kind.data if form.kind.data in KINDS else "grid"
        doc: dict = {"type": self.typedef.name, "name": (form.name.data or "").strip(),
                     "name_zh": (form.name_zh.data or "").strip() or None, "kind": kind,
                     "options": options_of(form, kind), "shared": bool(form.shared.data)}
        try:
            doc["filter"] = json.loads(form.filter.data) if form.filter.data else None
        except ValueError:
            doc["filter"] = None
        doc["sort"] = form.sort.data or None
        doc["columns"] = [c for c in (form.columns.data or "").split(",") if c]
        return doc

    def _save(self, form: Any, view: Any = None):
        if not form.validate():
            return self._page(form, view)
        service = _service()
        doc = self._document(form)
        try:
            saved = service.update(view.id, doc) if view is not None else service.create(doc, g.rb_user.id)
            db_session().commit()
        except RecordbaseError as exc:
            db_session().rollback()
            self._place_error(form, exc, doc["kind"])
            return self._page(form, view, None if form.errors else exc.message)
        return redirect(view_url(saved))

    @staticmethod
    def _place_error(form: Any, exc: RecordbaseError, kind: str) -> None:
        """The refusal beside the field it is about (the view document's JSON path)."""
        if isinstance(exc, Forbidden):
            form.shared.errors = [exc.message]
            return
        if isinstance(exc, Conflict):
            form.name.errors = [exc.message]
            return
        path = (exc.details or {}).get("path", "") if isinstance(exc.details, dict) else ""
        for key in ("name_zh", "name"):
            if path.startswith(f"$.{key}"):
                getattr(form, key).errors = [exc.message]
                return
        if path.startswith("$.options"):
            option = path[len("$.options."):].split(".")[0].split("[")[0]
            field = getattr(form, f"{kind}__{option}", None) if option else None
            (field if field is not None else form.kind).errors = [exc.message]

    @expose("/")
    def index_view(self):
        """The type's views are listed above its records list."""
        return redirect(url_for("records.index_view", type_name=self.typedef.name))

    @expose("/new/", methods=("GET", "POST"))
    def new_view(self):
        """GET: the form, filled from the list page (``filter``, ``sort``, ``columns``, ``group_by``, ``kind``)."""
        if request.method == "POST":
            return self._save(self._form(request.form))
        data = {k: request.args[k] for k in ("filter", "sort", "columns") if request.args.get(k)}
        kind = request.args.get("kind") if request.args.get("kind") in KINDS else "grid"
        if request.args.get("group_by"):
            data["grid__group_by"] = request.args["group_by"]
        form = self._form(None, kind=kind, shared=False, **data)
        return self._page(form)

    def _own(self, view_id: int) -> Any:
        try:
            view = _service().get(view_id)
        except NotFound:
            abort(404)
        if view.type_name != self.typedef.name:
            abort(404)
        if not may_change(request_store().policy, view):
            abort(403)
        return view

    @expose("/<int:view_id>/edit/", methods=("GET", "POST"))
    def edit_view(self, view_id: int):
        view = self._own(view_id)
        if request.method == "POST":
            return self._save(self._form(request.form), view)
        data = {"name": view.name, "name_zh": view.name_zh, "kind": view.kind, "shared": view.owner_id is None,
                "filter": json.dumps(view.filter) if view.filter else "", "sort": view.sort or "",
                "columns": ",".join(view.columns or [])}
        for option, value in (view.options or {}).items():
            data[f"{view.kind}__{option}"] = value
        return self._page(self._form(None, **data), view)

    @expose("/<int:view_id>/delete/", methods=("POST",))
    def delete_view(self, view_id: int):
        view = self._own(view_id)
        type_name = view.type_name
        try:
            _service().delete(view.id)
            db_session().commit()
        except RecordbaseError:
            db_session().rollback()
            abort(403)
        return redirect(url_for("records.index_view", type_name=type_name))
