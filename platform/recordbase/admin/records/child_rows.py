"""Inline child rows of the details page: ``POST /admin/records/<type>/child-row/``.

A row of a master-detail table (an evaluation's items, say) is added, changed or moved to the
trash in place. Each is an ordinary record write through the record store (the user's rights
and rows, each field type's validation, the version read with the row for updates), one
transaction; the answer is JSON: ``{"ok": true, "id": ...}``, or the problems by input name
(``errors``) and a ``message``, with a 4xx status. Only the inputs the row posts are written
(``RB_FIELDS`` lists them), so columns the table does not show keep their values.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_admin import expose
from flask_babel import gettext as _

from ...context import current_lang, db_session
from ...errors import Forbidden, NotFound, RecordbaseError, ValidationError, VersionConflict
from ...metamodel.ids import as_id
from . import forms as rf
from .present import request_store

ACTIONS = ("create", "update", "delete")


def _answer(status: int, message: str, errors: Any = None) -> Any:
    response = jsonify({"ok": False, "message": message, "errors": errors or {}})
    response.status_code = status
    return response


def _posted_values(typedef: Any, readonly: frozenset) -> tuple[dict, dict]:
    """(values for the store, WTForms' errors by input name) of the inputs the row posted."""
    names = [n for n in (request.form.get("RB_FIELDS") or "").split(",") if n]
    cls = rf.build_form_class(typedef, rf.form_context(current_lang(), live=False), editing=False,
                              readonly=readonly)
    form = cls(request.form)
    values, errors = {}, {}
    for f in typedef.writable_fields():
        name = rf.input_name(f)
        if name not in names or name not in form or f.field_type == "attachment":
            continue
        if form[name].validate(form):
            values[f.name] = form[name].data
        else:
            errors[name] = list(form[name].errors)
    return values, errors


def save_child_row(typedef: Any, readonly: frozenset) -> Any:
    action = request.form.get("RB_ACTION", "")
    if action not in ACTIONS:
        return _answer(400, _("Unknown action."))
    store = request_store()
    session = db_session()
    lang = current_lang()
    rid = as_id(request.form.get("id", "")) if action != "create" else None
    if action != "create" and rid is None:
        return _answer(404, _("This record does not exist."))
    try:
        store.require(action, typedef.name)
        if action == "delete":
            store.delete(typedef.name, rid)
            session.commit()
            return jsonify({"ok": True, "id": rid})
        values, errors = _posted_values(typedef, readonly)
        if errors:
            return _answer(422, _("The row was not saved: please correct the fields marked."), errors)
        if action == "create":
            record = store.create(typedef.name, values)
        else:
            posted = request.form.get(rf.VERSION_FIELD, "")
            if not (posted.isascii() and posted.isdigit() and len(posted) <= 9):
                raise VersionConflict("missing version")
            version = int(posted)
            record = store.update(typedef.name, rid, values, version=version)
        session.commit()
        return jsonify({"ok": True, "id": record.id, "version": record.version})
    except VersionConflict:
        session.rollback()
        return _answer(409, _("This row was changed by someone else after you opened the page. "
                              "Reload the page to see the current version."))
    except ValidationError as exc:
        session.rollback()
        by_input, rest = {}, []
        for key, messages in (exc.details if isinstance(exc.details, dict) else {}).items():
            msgs = [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]
            f = typedef.field(str(key))
            if f is not None:
                by_input[rf.input_name(f)] = msgs
            else:
                rest.extend(msgs)
        return _answer(422, " ".join(rest) or _("The row was not saved: please correct the fields marked."), by_input)
    except Forbidden as exc:
        session.rollback()
        return _answer(403, exc.message)
    except NotFound as exc:
        session.rollback()
        return _answer(404, exc.message)
    except RecordbaseError as exc:
        session.rollback()
        return _answer(getattr(exc, "status", 400) or 400, exc.message)


class ChildRowPages:
    """Mixed into the record views: the inline child rows' write endpoint."""

    @expose("/child-row/", methods=("POST",))
    def child_row_view(self) -> Any:
        return save_child_row(self.typedef, self.readonly)
