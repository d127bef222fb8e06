"""The grid's edit endpoints (a mixin of the records view): a cell's current value, saving one cell,
and setting one field on several records.

``GET  /admin/records/<type>/cell/?id=&field=`` → ``{"value", "version", "edit"}``
``POST /admin/records/<type>/cell/``  ``{"id", "field", "value", "version"}`` → ``{"html", "version"}``;
422 ``{"error"}`` (the field type's message), 409 ``{"error", "html", "value", "version"}`` (someone
saved the record since it was read: nothing is written, the current value is shown).
``POST /admin/records/<type>/bulk/`` ``{"ids", "field", "value"}`` → ``{"updated"}``; 422
``{"error", "records": [{"id", "title", "error"}]}`` (one transaction: all saved or none).

JSON bodies (or form data), CSRF token in the ``X-CSRFToken`` header (or the form); every write
goes through ``RecordStore.update`` with the user's policy (rows, read-only and hidden fields).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from flask import abort, jsonify, request
from flask_admin import expose
from flask_babel import gettext as _

from ...context import db_session
from ...errors import NotFound, RecordbaseError, ValidationError, VersionConflict
from ...json_input import request_json
from ...metamodel.ids import as_id
from ...storage.titles import RecordTitles
from .present import presenter, request_store

#: the most records one bulk edit changes
BULK_MAX = 500


def _plain(value: Any) -> Any:
    """A form value as JSON: dates and numbers as text."""
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    return value


def _message(details: Any, field: str, fallback: str) -> str:
    if isinstance(details, dict):
        found = details.get(field)
        if found is None and details:
            found = next(iter(details.values()))
        if found:
            return "; ".join(str(m) for m in (found if isinstance(found, (list, tuple)) else [found]))
    return fallback


def _error(message: str, status: int, **extra: Any) -> Any:
    resp = jsonify({"error": message, **extra})
    resp.status_code = status
    return resp


class GridEdits:
    """Endpoints of :class:`~.delegate.RecordModelView` for the grid's inline and bulk edit."""

    def _body(self) -> dict:
        if request.is_json:
            try:
                body = request_json()
            except ValueError:
                abort(400)
            return body if isinstance(body, dict) else {}
        return request.form.to_dict()

    def _edit_kind(self, name: Any) -> Optional[str]:
        if not isinstance(name, str) or not self.can_edit:
            return None
        col = next((c for c in self.grid_columns if c.name == name), None)
        return col.edit if col is not None else None

    def _form_value(self, values: dict, name: str) -> Any:
        f = self.typedef.field(name)
        return _plain(f.ftype.form_data(values.get(name), f, request_store().ctx))

    def _cell_of(self, rid: int, name: str) -> Any:
        model = self.get_one(str(rid))
        if model is None:
            return None
        presenter(self.typedef).prime([model])
        return model, presenter(self.typedef).html(model, name)

    @expose("/cell/", methods=("GET",))
    def grid_cell(self) -> Any:
        name = request.args.get("field")
        rid = as_id(request.args.get("id", ""))
        kind = self._edit_kind(name)
        if rid is None:
            abort(404)
        if kind is None:
            return _error(_("This field cannot be edited here."), 400)
        try:
            record = request_store().get(self.typedef.name, rid)
        except NotFound:
            abort(404)
        return jsonify({"value": self._form_value(record.values, name), "version": record.version, "edit": kind})

    @expose("/cell/", methods=("POST",))
    def grid_cell_save(self) -> Any:
        body = self._body()
        name = body.get("field")
        rid = as_id(str(body.get("id", "")))
        version = as_id(str(body.get("version", "")))
        if rid is None:
            abort(404)
        kind = self._edit_kind(name)
        if kind is None:
            return _error(_("This field cannot be edited here."), 400)
        if version is None:
            return _error(_("The record's version is missing."), 400)
        store, session = request_store(), db_session()
        try:
            record = store.update(self.typedef.name, rid, {name: body.get("value")}, version=version)
            session.commit()
        except VersionConflict:
            session.rollback()
            current = store.get(self.typedef.name, rid)
            found = self._cell_of(rid, name)
            return _error(_("Someone else changed this record: its current value is shown."), 409,
                          html=str(found[1]) if found else "", value=self._form_value(current.values, name),
                          version=current.version)
        except ValidationError as exc:
            session.rollback()
            return _error(_message(exc.details, name, exc.message), 422)
        except NotFound:
            session.rollback()
            abort(404)
        except RecordbaseError as exc:
            session.rollback()
            return _error(exc.message, getattr(exc, "status", 400) or 400)
        found = self._cell_of(rid, name)
        return jsonify({"html": str(found[1]) if found else "", "version": record.version})

    @expose("/bulk/", methods=("POST",))
    def grid_bulk(self) -> Any:
        body = self._body()
        name = body.get("field")
        raw = body.get("ids")
        ids = raw if isinstance(raw, list) else str(raw or "").split(",")
        ids = list(dict.fromkeys(i for i in (as_id(str(x)) for x in ids) if i is not None))
        if self._edit_kind(name) is None:
            return _error(_("This field cannot be edited here."), 400)
        if not ids:
            return _error(_("Select at least one record."), 400)
        if len(ids) > BULK_MAX:
            return _error(_("At most %(num)s records at a time.", num=BULK_MAX), 400)
        store, session = request_store(), db_session()
        problems = []
        value = body.get("value")
        for rid in ids:  # one transaction: every record is saved, or none
            try:
                with session.begin_nested():
                    current = store.get(self.typedef.name, rid)
                    store.update(self.typedef.name, rid, {name: value}, version=current.version)
            except ValidationError as exc:
                problems.append((rid, _message(exc.details, name, exc.message)))
            except NotFound:
                problems.append((rid, _("No such record, or not yours to change.")))
            except RecordbaseError as exc:
                problems.append((rid, exc.message))
        if problems:
            session.rollback()
            titles = RecordTitles.for_store(request_store()).of(self.typedef.name, [rid for rid, _m in problems])
            return _error(_("Nothing was saved: %(num)s of the records cannot take this value.", num=len(problems)),
                          422, records=[{"id": rid, "title": titles.get(rid, f"#{rid}"), "error": message}
                                        for rid, message in problems])
        session.commit()
        return jsonify({"updated": len(ids)})

