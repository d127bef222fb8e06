"""Metamodel pages for the record form: field order and sections, and a preview that never saves."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import FormOpts
from flask_admin.form.rules import RuleSet
from flask_babel import gettext as _

from ...context import current_lang, current_schema, db_session
from ...formlayout.service import set_layout
from ...errors import ValidationError
from ...metamodel.ids import digits_only
from ..records import forms as rf
from ..records.present import request_store
from . import layout_sections as ls
from .common import run_change, typedef_or_404


class LayoutPages:
    """Mixed into the metamodel view: ``/admin/metamodel/types/<type>/layout/`` and ``.../preview/``."""

    @expose("/types/<type_name>/layout/", methods=("GET", "POST"))
    def layout(self, type_name: str) -> Any:
        typedef = typedef_or_404(type_name)
        lang = current_lang()
        rows = [{"field": f, "position": str(i + 1), "section": f.section or "", "error": None}
                for i, f in enumerate(typedef.fields)]
        sections = ls.section_rows(typedef)
        related = ls.related_rows(current_schema(), typedef, lang)
        if request.method == "POST":
            valid = True
            for row in rows:
                name = row["field"].name
                row["position"] = (request.form.get(f"pos_{name}") or "").strip()
                row["section"] = (request.form.get(f"section_{name}") or "").strip()
                if not digits_only(row["position"]) or len(row["position"]) > 6:
                    row["error"] = _("Enter a whole number.")
                    valid = False
                elif len(row["section"]) > 255:
                    row["error"] = _("At most 255 characters.")
                    valid = False
            sections = ls.posted_section_rows(request.form)
            related = ls.posted_related(related, request.form)
            valid = valid and not any(r["error"] for r in sections)
            if valid:
                ordered = sorted(enumerate(rows), key=lambda ir: (int(ir[1]["position"]), ir[0]))
                order = [r["field"].name for _i, r in ordered]
                by_field = {r["field"].name: r["section"] or None for r in rows}
                document = {"sections": ls.sections_document(sections), "related": ls.related_document(related)}

                def change(svc: Any) -> None:
                    svc.reorder_fields(type_name, order, by_field)
                    set_layout(svc, type_name, document)

                _res, error = run_change(change)
                if error is None:
                    flash(_("The form layout was saved."), "success")
                    return redirect(url_for(".layout", type_name=type_name))
                flash(error.message, "error")
                for line in ls.layout_problem_text(error.details if isinstance(error.details, dict) else None):
                    flash(line, "error")
            else:
                flash(_("The layout was not saved: please correct the rows marked below."), "error")
        return self.render("recordbase/meta/layout.html", typedef=typedef, rows=rows, sections=sections,
                           related=related, lang=lang)

    @expose("/types/<type_name>/preview/", methods=("GET", "POST"))
    def preview(self, type_name: str) -> Any:
        """The record form as users will see it; a POST checks the input and never writes."""
        typedef = typedef_or_404(type_name)
        lang = current_lang()
        cls = rf.build_form_class(typedef, rf.form_context(lang), editing=False)
        form = cls(request.form if request.method == "POST" else None, **rf.defaults(typedef))
        if request.method == "POST" and form.validate():
            try:
                request_store().clean(typedef, rf.form_values(typedef, form), creating=True)
                flash(_("The input is valid. Nothing was saved: this is a preview."), "success")
            except ValidationError as exc:
                for m in rf.apply_errors(form, typedef, exc.details, lang):
                    flash(m, "error")
            finally:
                db_session().rollback()
        form_opts = FormOpts(form_rules=RuleSet(self, rf.form_rules(typedef, lang, editing=False)))
        return self.render("recordbase/meta/preview.html", typedef=typedef, form=form, form_opts=form_opts,
                           lang=lang)
