"""Metamodel pages for record types: list, create, edit, move to the trash, restore."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _

from ...context import current_lang, current_schema, db_session
from ...metamodel.service import MetamodelService
from ...packs import app_labels
from .common import label_in, run_change, show_errors, typedef_or_404
from .forms import type_form, type_payload


class TypePages:
    """Mixed into the metamodel view: ``/admin/metamodel/`` and ``/admin/metamodel/types/...``."""

    @expose("/")
    def index(self) -> Any:
        schema = current_schema()
        trash = MetamodelService(db_session()).trash()
        lang = current_lang()
        return self.render("recordbase/meta/types.html", types=schema.ordered(), trashed=trash["types"],
                           lang=lang, apps=app_labels(db_session(), lang))

    @expose("/types/new/", methods=("GET", "POST"))
    def type_create(self) -> Any:
        lang = current_lang()
        form = type_form(None, lang, request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            payload = type_payload(form)
            _tm, error = run_change(lambda svc: svc.create_type(payload))
            if error is None:
                shown = label_in(payload, lang)
                flash(_("Record type “%(label)s” was created. Now add its fields.", label=shown), "success")
                return redirect(url_for(".fields", type_name=payload["name"]))
            show_errors(form, error)
        return self.render("recordbase/meta/type_form.html", form=form, typedef=None)

    @expose("/types/<type_name>/edit/", methods=("GET", "POST"))
    def type_edit(self, type_name: str) -> Any:
        lang = current_lang()
        typedef = typedef_or_404(type_name)
        data = {"label": typedef.label, "label_zh": typedef.label_zh or "", "app": typedef.app or "",
                "description": typedef.description or "", "description_zh": typedef.description_zh or "",
                "primary_field": typedef.primary_field or "", "title_format": typedef.title_format or "",
                "clear_hidden_values": typedef.clear_hidden_values}
        form = type_form(typedef, lang, request.form if request.method == "POST" else None, data)
        if request.method == "POST" and form.validate():
            payload = type_payload(form)
            _tm, error = run_change(lambda svc: svc.update_type(type_name, payload))
            if error is None:
                shown = label_in(payload, lang)
                flash(_("Record type “%(label)s” was saved.", label=shown), "success")
                return redirect(url_for(".index"))
            show_errors(form, error)
        return self.render("recordbase/meta/type_form.html", form=form, typedef=typedef, lang=lang)

    @expose("/types/<type_name>/delete/", methods=("POST",))
    def type_delete(self, type_name: str) -> Any:
        typedef = typedef_or_404(type_name)
        _tm, error = run_change(lambda svc: svc.delete_type(type_name))
        if error is None:
            flash(_("Record type “%(label)s” was moved to the trash.", label=typedef.display_label(current_lang())),
                  "success")
        else:
            flash(error.message, "error")
        return redirect(url_for(".index"))

    @expose("/types/<type_name>/restore/", methods=("POST",))
    def type_restore(self, type_name: str) -> Any:
        _tm, error = run_change(lambda svc: svc.restore_type(type_name))
        if error is None:
            flash(_("The record type was restored."), "success")
        else:
            flash(error.message, "error")
        return redirect(url_for(".index"))
