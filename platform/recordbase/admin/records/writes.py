"""The record pages' forms and writes: forms built per request from the field-type registry (live
link choices, current files, the record's version), and every create, update and delete going
through the :class:`RecordStore` (validation, optimistic locking, autonumbers, links, trash), with
the store's refusals placed beside the fields or flashed in the page's language.

A mixin of :class:`~.delegate.RecordModelView` (which gives ``typedef``, ``lang``, ``readonly``).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_form_data, is_form_submitted
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...context import current_lang, db_session
from ...errors import NotFound, RecordbaseError, ValidationError, VersionConflict
from . import forms as rf
from .present import request_store


class RecordWrites:
    """Forms and writes of the generic record pages."""

    def scaffold_form(self) -> Any:
        # Used once, to check the form rules; request forms are built with live choices below.
        return rf.build_form_class(self.typedef, rf.form_context(self.lang, live=False), editing=False,
                                   readonly=self.readonly)

    def get_edit_form(self) -> Any:
        return rf.build_form_class(self.typedef, rf.form_context(self.lang, live=False), editing=True,
                                   readonly=self.readonly)

    def create_form(self, obj: Any = None) -> Any:
        cls = rf.build_form_class(self.typedef, rf.form_context(current_lang()), editing=False,
                                  readonly=self.readonly)
        form = cls(get_form_data(), **{**rf.defaults(self.typedef), **rf.link_prefill(self.typedef, request.args)})
        rf.offer_current_links(self.typedef, form)
        form._validated_ruleset = True
        return form

    def edit_form(self, obj: Any = None) -> Any:
        cls = rf.build_form_class(self.typedef, rf.form_context(current_lang()), editing=True,
                                  readonly=self.readonly)
        data: dict = {}
        values: dict = {}
        if obj is not None:
            record = request_store().get(self.typedef.name, obj.id)
            values = record.values
            data = rf.prefill(self.typedef, values)
            data[rf.VERSION_FIELD] = str(record.version)
        form = cls(get_form_data(), **data)
        rf.offer_current_links(self.typedef, form)
        rf.show_current_files(self.typedef, form, values)
        form._obj = obj
        form._validated_ruleset = True
        return form

    # -- writes through the record store -------------------------------------------------
    def validate_form(self, form: Any) -> bool:
        if super().validate_form(form):
            return True
        if is_form_submitted():
            rf.store_errors_beside(form, self.typedef, current_lang())
        return False

    def create_model(self, form: Any) -> Any:
        return self._save(form, None)

    def update_model(self, form: Any, model: Any) -> Any:
        return self._save(form, model)

    def _save(self, form: Any, model: Any) -> Any:
        from ...api.attachments import Uploads

        store = request_store()
        uploads = Uploads()
        session = db_session()
        try:
            values = rf.form_values(self.typedef, form)
            if model is None:
                values.update(rf.attachment_values(self.typedef, form, {}, uploads))
                record = store.create(self.typedef.name, values)
            else:
                version = rf.version_of(form)
                if version is None:
                    raise VersionConflict("missing version")
                current = store.get(self.typedef.name, model.id).values
                values.update(rf.attachment_values(self.typedef, form, current, uploads))
                record = store.update(self.typedef.name, model.id, values, version=version)
            session.commit()
        except VersionConflict:
            self._failed(session, uploads)
            flash(_("This record was changed by someone else after you opened it. "
                    "Your changes were not saved: reload the page to see the current version, then edit again."),
                  "error")
            return False
        except ValidationError as exc:
            self._failed(session, uploads)
            rest = rf.apply_errors(form, self.typedef, exc.details, current_lang())
            flash(_("The record was not saved: please correct the fields marked below."), "error")
            for m in rest:
                flash(m, "error")
            return False
        except RecordbaseError as exc:
            self._failed(session, uploads)
            flash(exc.message, "error")
            return False
        except BaseException:
            self._failed(session, uploads)
            raise
        if model is None:
            return self.get_one(record.id) or True
        return True

    @expose("/file/<key>")
    def file_view(self, key: str) -> Any:
        """A file of an attachment field, as the API's download gives it and to the same people."""
        from ...api.attachments import readable_attachment, send_attachment

        try:
            return send_attachment(readable_attachment(request_store(), key))
        except NotFound:
            abort(404)

    @staticmethod
    def _failed(session: Any, uploads: Any) -> None:
        session.rollback()
        uploads.discard()

    def delete_model(self, model: Any) -> bool:
        session = db_session()
        try:
            request_store().delete(self.typedef.name, model.id)
            session.commit()
        except RecordbaseError as exc:
            session.rollback()
            flash(exc.message, "error")
            return False
        return True

    @action("delete", _l("Move to trash"), _l("Move the selected records to the trash?"))
    def action_delete(self, ids: Any) -> None:
        store = request_store()
        session = db_session()
        count = 0
        for rid in ids:
            try:
                store.delete(self.typedef.name, rid)
                session.commit()
                count += 1
            except RecordbaseError as exc:
                session.rollback()
                flash(exc.message, "error")
        if count:
            flash(ngettext("%(num)d record was moved to the trash.", "%(num)d records were moved to the trash.",
                           count), "success")

