"""The admin's form builder as a WTForms form, built per record type: the form's texts in both
languages, its dates, cap, redirect, prefill and upload limits, and one row per field (on the form,
position, help in both languages; a saved view for a link, the users for a user field).

:func:`to_document` turns the posted form into the public form's JSON (the API's shape, checked by
:mod:`recordbase.access.forms`), :func:`from_document` the other way, so the admin and the API can
never disagree on what a form is.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import (BooleanField, DateTimeLocalField, DecimalField, IntegerField, SelectField, StringField,
                     TextAreaField, validators)

from ..admin.forms import AdminForm
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.runtime import TypeDef

OPT = validators.Optional()
TEXT_KEYS = ("title", "title_zh", "description", "description_zh", "thank_you", "thank_you_zh")


def candidate_fields(typedef: TypeDef) -> list[FieldDef]:
    """The fields a public form may offer: every field a person writes (not computed or automatic)."""
    return [f for f in typedef.fields if not f.ftype.read_only]


class FormSettingsForm(AdminForm):
    title = StringField(_l("Title"), validators=[validators.InputRequired(), validators.Length(max=255)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[OPT, validators.Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[OPT, validators.Length(max=5000)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[OPT, validators.Length(max=5000)])
    thank_you = TextAreaField(_l("Thank-you message"), validators=[OPT, validators.Length(max=2000)])
    thank_you_zh = TextAreaField(_l("Thank-you message (Chinese)"), validators=[OPT, validators.Length(max=2000)])
    redirect_url = StringField(_l("After submitting, go to (https:// address, optional)"),
                               validators=[OPT, validators.URL(require_tld=False), validators.Length(max=2000)])
    opens_at = DateTimeLocalField(_l("Opens at"), format="%Y-%m-%dT%H:%M", validators=[OPT])
    closes_at = DateTimeLocalField(_l("Closes at"), format="%Y-%m-%dT%H:%M", validators=[OPT])
    max_submissions = IntegerField(_l("At most this many answers"),
                                   validators=[OPT, validators.NumberRange(min=1, max=100_000_000)])
    prefill = BooleanField(_l("Let the link prefill fields (?field=value)"))
    enabled = BooleanField(_l("Open (takes answers)"), default=True)
    upload_max_mb = DecimalField(_l("Largest file (MB)"), places=None,
                                 validators=[OPT, validators.NumberRange(min=0.01, max=100)])
    upload_types = StringField(_l("Allowed file types (e.g. image/*, .pdf)"), validators=[OPT,
                                                                                       validators.Length(max=1000)])


def builder_form(session: Session, typedef: TypeDef, lang: str) -> type:
    """The builder's form class for ``typedef``: the settings above and a row per candidate field."""
    from ..packs.models import SavedView

    attrs: dict[str, Any] = {}
    for i, f in enumerate(candidate_fields(typedef)):
        attrs[f"use_{f.name}"] = BooleanField(f.display_label(lang))
        attrs[f"pos_{f.name}"] = IntegerField(_l("Position"), default=i + 1,
                                              validators=[OPT, validators.NumberRange(min=0, max=10_000)])
        attrs[f"help_{f.name}"] = StringField(_l("Help"), validators=[OPT, validators.Length(max=1000)])
        attrs[f"help_zh_{f.name}"] = StringField(_l("Help (Chinese)"), validators=[OPT, validators.Length(max=1000)])
        if f.field_type == "link":
            target = f.options.get("target")
            views = session.scalars(select(SavedView).where(SavedView.type_name == target)
                                    .order_by(SavedView.position, SavedView.id)).all()
            attrs[f"view_{f.name}"] = SelectField(
                _l("Offer the records of the view"), validators=[OPT],
                choices=[("", "—")] + [(v.name, (v.name_zh if lang == "zh" and v.name_zh else v.name)) for v in views])
        elif f.field_type == "user":
            attrs[f"users_{f.name}"] = StringField(_l("Offer these users (e-mails, comma-separated)"),
                                                   validators=[OPT, validators.Length(max=10_000)])
    return type(f"BuilderForm_{typedef.name}", (FormSettingsForm,), attrs)


def _text(value: Optional[str]) -> Optional[str]:
    value = (value or "").strip()
    return value or None


def _when(value: Optional[datetime]) -> Optional[str]:
    return value.strftime("%Y-%m-%dT%H:%M") if value else None


def to_document(form: Any, typedef: TypeDef) -> dict:
    """The posted builder as the public form's JSON (``fields`` in the chosen order, ``settings``)."""
    doc: dict[str, Any] = {k: _text(form[k].data) for k in TEXT_KEYS}
    doc["title"] = doc["title"] or ""
    doc["enabled"] = bool(form.enabled.data)
    chosen = []
    settings: dict[str, Any] = {"help": {}, "link_views": {}, "user_choices": {}}
    for i, f in enumerate(candidate_fields(typedef)):
        if not form[f"use_{f.name}"].data:
            continue
        pos = form[f"pos_{f.name}"].data
        chosen.append((pos if pos is not None else 10_000, i, f.name))
        texts = {k: v for k, v in (("en", _text(form[f"help_{f.name}"].data)),
                                   ("zh", _text(form[f"help_zh_{f.name}"].data))) if v}
        if texts:
            settings["help"][f.name] = texts
        if f"view_{f.name}" in form and form[f"view_{f.name}"].data:
            settings["link_views"][f.name] = form[f"view_{f.name}"].data
        if f"users_{f.name}" in form:
            emails = [e.strip() for e in (form[f"users_{f.name}"].data or "").replace(";", ",").split(",") if e.strip()]
            if emails:
                settings["user_choices"][f.name] = emails
    doc["fields"] = [name for _pos, _i, name in sorted(chosen)]
    settings = {k: v for k, v in settings.items() if v}
    if _text(form.redirect_url.data):
        settings["redirect_url"] = form.redirect_url.data.strip()
    for key in ("opens_at", "closes_at"):
        if form[key].data:
            settings[key] = _when(form[key].data)
    if form.max_submissions.data:
        settings["max_submissions"] = form.max_submissions.data
    if form.prefill.data:
        settings["prefill"] = True
    uploads: dict[str, Any] = {}
    if form.upload_max_mb.data:
        uploads["max_size_mb"] = float(form.upload_max_mb.data)
    types = [t.strip() for t in (form.upload_types.data or "").split(",") if t.strip()]
    if types:
        uploads["allowed_types"] = types
    if uploads:
        settings["uploads"] = uploads
    doc["settings"] = settings
    return doc


def from_document(doc: dict, typedef: TypeDef) -> dict:
    """The builder's form data for an existing form (``doc`` as :func:`access.forms.form_json` gives it)."""
    settings = doc.get("settings") or {}
    data: dict[str, Any] = {k: doc.get(k) or "" for k in TEXT_KEYS}
    data["enabled"] = bool(doc.get("enabled", True))
    data["redirect_url"] = settings.get("redirect_url") or ""
    for key in ("opens_at", "closes_at"):
        raw = settings.get(key)
        try:
            data[key] = datetime.fromisoformat(raw).replace(tzinfo=None) if raw else None
        except ValueError:
            data[key] = None
    data["max_submissions"] = settings.get("max_submissions")
    data["prefill"] = bool(settings.get("prefill"))
    uploads = settings.get("uploads") or {}
    data["upload_max_mb"] = uploads.get("max_size_mb")
    data["upload_types"] = ", ".join(uploads.get("allowed_types") or [])
    fields = list(doc.get("fields") or [])
    others = len(fields)
    for i, f in enumerate(candidate_fields(typedef)):
        on = f.name in fields
        data[f"use_{f.name}"] = on
        data[f"pos_{f.name}"] = fields.index(f.name) + 1 if on else others + i + 1
        texts = (settings.get("help") or {}).get(f.name) or {}
        data[f"help_{f.name}"] = texts.get("en") or ""
        data[f"help_zh_{f.name}"] = texts.get("zh") or ""
        if f.field_type == "link":
            data[f"view_{f.name}"] = (settings.get("link_views") or {}).get(f.name) or ""
        if f.field_type == "user":
            data[f"users_{f.name}"] = ", ".join((settings.get("user_choices") or {}).get(f.name) or [])
    return data
