"""The admin's workflow editor, no JSON needed: ``/admin/workflows/`` lists the record types the user
may configure (with their workflow, if any); ``/admin/workflows/<type>/`` edits one (its state field,
transitions as rows, approval levels per state); ``/admin/workflows/<type>/delete/`` removes it.

Who may configure the type edits its workflow (as through the API, ``PUT /api/v1/workflows/<type>``).
The document is saved through :class:`~.service.WorkflowService` (the API's checks, one transaction);
its problems are shown beside the rows and inputs their paths name.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import current_policy
from ..access.roles import list_roles
from ..admin.access import SignedInOnly
from ..admin.conditions.catalog import condition_catalog
from ..context import current_lang, current_schema, db_session, record_store
from ..errors import NotFound, RecordbaseError, ValidationError
from .editor_form import (WorkflowForm, from_document, named_roles, place_problems, set_choices, state_fields, states_of,
                          to_document, user_field_paths)
from .service import WorkflowService


def _configurable(type_name: str) -> Any:
    typedef = current_schema().types.get(type_name)
    if typedef is None or not current_policy().can_configure(type_name):
        abort(404)
    return typedef


def _label(item: dict, zh: bool) -> str:
    return (item.get("label_zh") or item.get("label") or item["value"]) if zh else (item.get("label") or item["value"])


class WorkflowEditorView(SignedInOnly, BaseView):
    """Define a type's workflow with pickers: states from its state field, transitions, approvals."""

    def __init__(self) -> None:
        super().__init__(name=_l("Workflows"), endpoint="workflow_editor", url="/admin/workflows")

    def is_visible(self) -> bool:
        try:
            return any(current_policy().can_configure(t) for t in current_schema().types)
        except Exception:  # noqa: BLE001 - never break the menu
            return False

    @expose("/")
    def index(self):
        lang = current_lang()
        policy = current_policy()
        service = WorkflowService(db_session(), current_schema())
        saved = {w.type_name: w for w in service.list()}
        types = [t for t in current_schema().ordered() if policy.can_configure(t.name) and state_fields(t)]
        zh = lang.startswith("zh")
        rows = [{"type": t, "label": t.display_label(lang), "workflow": saved.get(t.name),
                 "name": ((saved[t.name].definition.get("name_zh") if zh else None) or saved[t.name].definition.get("name"))
                 if t.name in saved else None} for t in types]
        return self.render("workflow/editor_index.html", rows=rows)

    def _page(self, typedef: Any, form: WorkflowForm, state_field: str, exists: bool, errors: list[str],
              status: int = 200):
        lang = current_lang()
        zh = lang.startswith("zh")
        states = states_of(typedef, state_field)
        return self.render("workflow/editor.html", form=form, typedef=typedef, type_label=typedef.display_label(lang),
                           state_field=state_field, exists=exists, errors=errors,
                           state_fields=[(f.name, f.display_label(lang)) for f in state_fields(typedef)],
                           states=[dict(s, text=_label(s, zh)) for s in states]), status

    def _form(self, typedef: Any, state_field: str, stored: Optional[dict], formdata: Any = None,
              data: Optional[dict] = None) -> WorkflowForm:
        lang = current_lang()
        zh = lang.startswith("zh")
        form = WorkflowForm(formdata, data=data or {})
        roles = [(r.name, (r.label_zh or r.label) if zh else r.label) for r in list_roles(db_session())]
        known = {name for name, _label in roles}
        roles += [(name, name) for name in named_roles(stored) if name not in known]  # (kept, as the API took them)
        set_choices(form, states=[(s["value"], _label(s, zh)) for s in states_of(typedef, state_field)], roles=roles,
                    fields=[(f.name, f.display_label(lang)) for f in typedef.fields],
                    user_paths=user_field_paths(typedef, current_schema(), lang), typedef=typedef,
                    catalog=condition_catalog(typedef, lang, record_store()))
        return form

    @expose("/<type_name>/", methods=("GET", "POST"))
    def edit(self, type_name: str):
        typedef = _configurable(type_name)
        service = WorkflowService(db_session(), current_schema())
        row = service.get(type_name)
        stored = row.definition if row is not None else None
        names = [f.name for f in state_fields(typedef)]
        if not names:
            abort(404)
        if request.method == "POST":
            state_field = request.form.get("state_field", "")
            if state_field not in names:
                abort(400)
            return self._save(typedef, service, state_field, stored)
        state_field = request.args.get("state_field") or (stored or {}).get("state_field") or names[0]
        if state_field not in names:
            state_field = names[0]
        doc = stored if stored and stored.get("state_field") == state_field else None
        states = [s["value"] for s in states_of(typedef, state_field)]
        form = self._form(typedef, state_field, stored, data=from_document(doc, states))
        return self._page(typedef, form, state_field, row is not None, [])

    def _save(self, typedef: Any, service: WorkflowService, state_field: str, stored: Optional[dict]):
        form = self._form(typedef, state_field, stored, request.form)
        if not form.validate():
            return self._page(typedef, form, state_field, stored is not None, [_("Correct the marked inputs.")], 422)
        doc, origin = to_document(form, typedef.name, state_field, stored)
        if origin.get("orphans"):
            for i in origin["orphans"]:
                form.levels[i].form.state.errors = [_("Choose the state this level approves in.")]
            return self._page(typedef, form, state_field, stored is not None, [_("Correct the marked inputs.")], 422)
        session = db_session()
        try:
            service.save(doc)
            session.commit()
        except ValidationError as exc:
            session.rollback()
            details = exc.details if isinstance(exc.details, dict) else {}
            top = place_problems(form, details.get("problems") or [], origin)
            return self._page(typedef, form, state_field, stored is not None,
                              [_("The workflow was not saved: correct the marked inputs.")] + top, 422)
        except RecordbaseError as exc:
            session.rollback()
            return self._page(typedef, form, state_field, stored is not None, [exc.message], 422)
        flash(_("The workflow was saved."), "success")
        return redirect(url_for(".edit", type_name=typedef.name))

    @expose("/<type_name>/delete/", methods=("POST",))
    def delete(self, type_name: str):
        typedef = _configurable(type_name)
        session = db_session()
        try:
            WorkflowService(session, current_schema()).delete(typedef.name)
            session.commit()
        except NotFound:
            session.rollback()
            abort(404)
        flash(_("The workflow was deleted."), "success")
        return redirect(url_for(".index"))


def register_workflow_editor(admin: Any) -> None:
    """Add the workflow editor to ``admin`` (call once, from ``init_admin``)."""
    admin.add_view(WorkflowEditorView())
