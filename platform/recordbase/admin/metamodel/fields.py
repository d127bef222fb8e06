"""Metamodel pages for fields: list in order, create and edit (options follow the type), trash, restore."""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...context import current_lang, current_schema, db_session, record_store
from ...metamodel.fieldtypes import FieldDef, field_types
from ...metamodel.runtime import TypeDef
from ...metamodel.service import MetamodelService
from ...formlayout.document import layout_of
from .common import label_in, run_change, show_errors, typedef_or_404
from .forms import default_text, field_form_class, field_payload, type_choices
from .options import JSON_FIELD, options_from_form, options_to_form
from ..conditions.field_form import add_condition_inputs, conditions_data, conditions_payload


def _record_types(lang: str) -> list[tuple[str, str]]:
    return [(t.name, f"{t.display_label(lang)} ({t.name})") for t in current_schema().ordered()]


def _field_or_404(typedef: TypeDef, field_name: str) -> FieldDef:
    fd = typedef.field(field_name)
    if fd is None:
        abort(404)
    return fd


def _check(typedef: TypeDef, expression: str, fd: Optional[FieldDef]) -> dict:
    from ...storage.formula_preview import preview_formula

    result = preview_formula(record_store(), typedef.name, expression, exclude_field=fd.name if fd else None)
    result["text"] = _check_text(result)
    return result


#: a formula's result type, as the form's check line names it (in the page's language)
RESULT_WORDS = {"number": _l("number"), "text": _l("text"), "boolean": _l("yes or no"), "date": _l("date"),
                "datetime": _l("date and time"), "any": _l("any value")}


def _check_text(result: dict) -> str:
    """The one line the form shows under the formula."""
    if not result["ok"]:
        return result["error"]
    kind = _("Result: %(type)s", type=RESULT_WORDS.get(result["result_type"], result["result_type"]))
    sample = result["sample"]
    if sample is None:
        return kind + " · " + _("no record yet to try it on")
    value = sample["value"]
    shown = (_("(empty)") if value is None or value == "" else (_("Yes") if value else _("No"))
             if isinstance(value, bool) else str(value))
    return kind + " · " + _("on %(title)s: %(value)s", title=sample["title"] or "#%s" % sample["id"],
                         value=shown)


class FieldPages:
    """Mixed into the metamodel view: ``/admin/metamodel/types/<type>/...``."""

    @expose("/types/<type_name>/")
    def fields(self, type_name: str) -> Any:
        lang = current_lang()
        typedef = typedef_or_404(type_name)
        trashed = [f for f in MetamodelService(db_session()).trash()["fields"] if f["type"] == type_name]
        return self.render("recordbase/meta/fields.html", typedef=typedef, trashed=trashed, lang=lang,
                           type_labels=dict(type_choices(lang)), form_layout=layout_of(typedef))

    def _field_form(self, typedef: TypeDef, fd: Optional[FieldDef]) -> Any:
        """The create/edit page (shared); a POST with ``_refresh`` only redraws it for another field type."""
        lang = current_lang()
        registry = field_types()
        posted = request.method == "POST"
        type_name = (request.form.get("type") if posted else request.args.get("type")) or (
            fd.field_type if fd else "text")
        ftype = registry.get(type_name) or registry["text"]
        cls = field_form_class(ftype, lang, _record_types(lang), editing=fd is not None)
        cls = add_condition_inputs(cls, typedef, fd, lang, record_store())
        data: dict[str, Any] = {"type": ftype.name, **conditions_data(fd)}
        if fd is not None:
            data.update(label=fd.label, label_zh=fd.label_zh or "", required=fd.required, unique=fd.unique,
                        indexed=fd.indexed, show_in_list=fd.show_in_list, default=default_text(fd.default),
                        help_text=fd.help_text or "", help_text_zh=fd.help_text_zh or "", section=fd.section or "")
            if ftype.name == fd.field_type:
                data.update(options_to_form(ftype, fd.options))
        form = cls(request.form if posted else None, **data)
        refresh = posted and bool(request.form.get("_refresh"))
        formula_check = None
        if posted and request.form.get("_check") and "opt_expression" in form:
            refresh = True  # "Check formula" without script: show the result, save nothing
            formula_check = _check(typedef, form["opt_expression"].data or "", fd)
        if posted and not refresh and form.validate():
            try:
                options = options_from_form(ftype, form)
            except ValueError as exc:
                form[JSON_FIELD].errors = list(form[JSON_FIELD].errors or []) + [str(exc)]
            else:
                payload = field_payload(form, options, editing=fd is not None)
                payload["conditions"] = conditions_payload(form)
                if fd is None:
                    _res, error = run_change(lambda svc: svc.add_field(typedef.name, payload))
                else:
                    _res, error = run_change(lambda svc: svc.update_field(typedef.name, fd.name, payload))
                if error is None:
                    shown = label_in(payload, lang)
                    flash(_("Field “%(label)s” was saved.", label=shown), "success")
                    if payload.get("required"):
                        _tell_empty_records(typedef.name, fd.name if fd else payload["name"], shown)
                    return redirect(url_for(".fields", type_name=typedef.name))
                show_errors(form, error)
        return self.render("recordbase/meta/field_form.html", form=form, typedef=typedef, field=fd,
                           ftype=ftype, lang=lang, option_names=[n for n in form._fields if n.startswith("opt_")],
                           formula_check=formula_check)

    @expose("/types/<type_name>/formula-check/", methods=("POST",))
    def formula_check(self, type_name: str) -> Any:
        """The live check of the field form: JSON of :func:`~recordbase.storage.formula_preview.preview_formula`."""
        typedef = typedef_or_404(type_name)
        fd = typedef.field(request.form.get("field", "")) if request.form.get("field") else None
        return jsonify(_check(typedef, request.form.get("expression", ""), fd))

    @expose("/types/<type_name>/fields/new/", methods=("GET", "POST"))
    def field_create(self, type_name: str) -> Any:
        return self._field_form(typedef_or_404(type_name), None)

    @expose("/types/<type_name>/fields/<field_name>/edit/", methods=("GET", "POST"))
    def field_edit(self, type_name: str, field_name: str) -> Any:
        typedef = typedef_or_404(type_name)
        return self._field_form(typedef, _field_or_404(typedef, field_name))

    @expose("/types/<type_name>/fields/<field_name>/delete/", methods=("POST",))
    def field_delete(self, type_name: str, field_name: str) -> Any:
        typedef = typedef_or_404(type_name)
        fd = _field_or_404(typedef, field_name)
        _res, error = run_change(lambda svc: svc.delete_field(type_name, field_name))
        if error is None:
            flash(_("Field “%(label)s” was moved to the trash.", label=fd.display_label(current_lang())), "success")
        else:
            flash(error.message, "error")
        return redirect(url_for(".fields", type_name=type_name))

    @expose("/types/<type_name>/fields/<field_name>/restore/", methods=("POST",))
    def field_restore(self, type_name: str, field_name: str) -> Any:
        typedef_or_404(type_name)
        _res, error = run_change(lambda svc: svc.restore_field(type_name, field_name))
        if error is None:
            flash(_("The field was restored."), "success")
        else:
            flash(error.message, "error")
        return redirect(url_for(".fields", type_name=type_name))


def _tell_empty_records(type_name: str, field_name: str, label: str) -> None:
    """A field that is now required, yet empty in records that were there before: say how many."""
    empty = record_store(current_schema(refresh=True)).count_empty(type_name, field_name)
    if empty:
        flash(ngettext("“%(label)s” is empty in %(num)d existing record: it is required from now on, "
                       "for new records and when that one is edited.",
                       "“%(label)s” is empty in %(num)d existing records: it is required from now on, "
                       "for new records and when those are edited.", empty, label=label), "warning")
