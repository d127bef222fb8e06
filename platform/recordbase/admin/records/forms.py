"""Record forms built from the field-type registry, and the way back from a form to the record store.

Each field type gives its own WTForms field (``FieldType.form_field``); this
module puts them in position order, lays them out in sections with headings
(Flask-Admin form rules), shows read-only fields (autonumber, created/updated)
as text, carries the record's version in a hidden field for optimistic
locking, and maps the record store's ``ValidationError.details`` back onto the
fields, so that each message shows beside its field.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from flask import request, url_for
from flask_admin.form import rules
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import HiddenField, validators

from ...errors import ValidationError
from ...formlayout.document import layout_of
from ...metamodel.fieldtypes import FieldDef, FormContext
from ...metamodel.fieldtypes.dates import zone_suffix
from ...metamodel.ids import as_id
from ...metamodel.runtime import TypeDef
from ...models import User
from ..forms import AdminForm
from .present import presenter, request_store
from .sections import SectionRule, section_blocks

#: the hidden input carrying the version the form was read at (upper case: never a field API name)
VERSION_FIELD = "RB_VERSION"
#: a create page's URL argument pre-filling a link field (``set_<field>=<id>``: the details page's "add")
PREFILL_PREFIX = "set_"


class RecordForm(AdminForm):
    """Base class of the generated record forms."""


#: input names a field cannot have: WTForms' own attributes, the CSRF token, and Flask-Admin's "url"
#: (its return address, read from the posted form too); such fields get the prefix "F_"
RESERVED_FORM_NAMES = frozenset(n for n in dir(RecordForm) if not n.startswith("_")) | {
    VERSION_FIELD, "meta", "form_errors", "csrf_token", "url"}


def input_name(field: FieldDef) -> str:
    """The form input of ``field``: its API name, unless WTForms uses that name itself."""
    return f"F_{field.name}" if field.name in RESERVED_FORM_NAMES else field.name


class AdminFormContext(FormContext):
    """Escapes help text: Flask-Admin renders field descriptions as HTML, and help text is user data."""

    def kwargs(self, field: FieldDef) -> dict:
        kw = super().kwargs(field)
        kw["description"] = escape(kw["description"]) if kw.get("description") else ""
        return kw


def link_choices(field: FieldDef) -> list[tuple[str, str]]:
    """None offered up front: the searchable picker (:mod:`.picker`) finds targets as the user types;
    the record's current (or posted) targets are added by :func:`offer_current_links`."""
    return []


def user_choices() -> list[tuple[str, str]]:
    rows = request_store().session.execute(
        select(User.id, User.email, User.display_name).where(User.is_active.is_(True)).order_by(User.email))
    return [(str(uid), f"{name} <{email}>" if name else email) for uid, email, name in rows]


def form_context(lang: str, live: bool = True) -> AdminFormContext:
    """The context for building fields; ``live`` fills link and user choices from the database."""
    if not live:
        return AdminFormContext(lang=lang)
    return AdminFormContext(lang=lang, link_choices=link_choices, user_choices=user_choices)


def build_form_class(typedef: TypeDef, ctx: FormContext, editing: bool,
                     readonly: frozenset = frozenset()) -> type[RecordForm]:
    """``readonly``: fields the user's role may not change (shown as text, never posted)."""
    attrs: dict[str, Any] = {}
    for f in typedef.fields:
        if not f.ftype.read_only and f.name not in readonly:
            unbound = f.ftype.form_field(f, ctx)
            if f.field_type == "link":
                # the select offers the current targets only; the record store checks any id
                unbound.kwargs["validate_choice"] = False
                if ctx.link_choices is link_choices:  # a live form: the picker finds the others
                    unbound.kwargs["render_kw"] = {"data-rb-picker": picker_url(typedef, f),
                                                   "data-rb-many": "1" if f.options.get("many") else ""}
            attrs[input_name(f)] = unbound
    if editing:
        attrs[VERSION_FIELD] = HiddenField(validators=[validators.InputRequired(), validators.Regexp(r"^\d{1,9}$")])
    return type(f"RecordForm_{typedef.name}", (RecordForm,), attrs)


# -- layout -------------------------------------------------------------------------
class ReadOnlyValue(rules.BaseRule):
    """A read-only field shown as text: its formatted value, or a note that the system sets it."""

    def __init__(self, typedef: TypeDef, field: FieldDef, lang: str):
        super().__init__()
        self.typedef = typedef
        self.field = field
        self.label = field.display_label(lang)

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> Markup:
        obj = getattr(form, "_obj", None)
        text = presenter(self.typedef).text(obj, self.field.name) if obj is not None else _("(set automatically)")
        return Markup('<div class="form-group rb-read-only"><label class="col-form-label">{}</label>'
                      '<input class="form-control" type="text" readonly value="{}"></div>').format(self.label, text)


class HiddenInput(rules.BaseRule):
    """Claims a hidden field for the rule set (Flask-Admin renders hidden fields itself)."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    @property
    def visible_fields(self) -> list[str]:
        return [self.name]

    def __call__(self, form: Any, form_opts: Any = None, field_args: Any = None) -> str:
        return ""


def form_rules(typedef: TypeDef, lang: str, editing: bool, readonly: frozenset = frozenset()) -> list:
    """Fields in position order, grouped by section (:mod:`.sections`: a field without a section
    stays where its position puts it), each section with its title, help and columns. A create form
    leaves out what nobody enters (computed and system fields: they are set on save)."""
    layout = layout_of(typedef)
    out: list = []
    shown = [f for f in typedef.fields if editing or not f.ftype.read_only]
    for key, fields in section_blocks(shown):
        items = [ReadOnlyValue(typedef, f, lang) if f.ftype.read_only or f.name in readonly
                 else rules.Field(input_name(f)) for f in fields]
        out.append(rules.NestedRule(items) if key is None else SectionRule(items, layout.section(key), lang))
    if editing:
        out.append(HiddenInput(VERSION_FIELD))
    return out


# -- form <-> record store ------------------------------------------------------------
def prefill(typedef: TypeDef, values: dict) -> dict:
    """Form data for stored values (the field types' ``form_data``)."""
    ctx = request_store().ctx
    out = {}
    for f in typedef.fields:
        if not f.ftype.read_only and f.field_type != "attachment":
            out[input_name(f)] = f.ftype.form_data(values.get(f.name), f, ctx)
    return out


def defaults(typedef: TypeDef) -> dict:
    """Form data for a new record: the fields' defaults."""
    ctx = request_store().ctx
    out = {}
    for f in typedef.writable_fields():
        if f.default is not None and f.field_type != "attachment":
            try:
                out[input_name(f)] = f.ftype.form_data(f.ftype.default_value(f, ctx), f, ctx)
            except ValueError:
                pass
    return out


def picker_url(typedef: TypeDef, field: FieldDef) -> str:
    return url_for("records.link_options_view", type_name=typedef.name, field=field.name)


def link_prefill(typedef: TypeDef, args: Any) -> dict:
    """Form data for the link fields a create page's URL names (``set_<field>=<id>``)."""
    out = {}
    for f in typedef.writable_fields():
        value = args.get(PREFILL_PREFIX + f.name)
        if f.field_type == "link" and value and as_id(value) is not None:
            out[input_name(f)] = [value] if f.options.get("many") else value
    return out


def offer_current_links(typedef: TypeDef, form: Any) -> None:
    """Offer, in each link select, the targets its data names (the record's, or the posted ones),
    with their titles (a target the user may not read shows as its '#id' alone)."""
    p = presenter(typedef)
    for f in typedef.fields:
        name = input_name(f)
        if f.field_type != "link" or name not in form:
            continue
        data = form[name].data
        ids = [as_id(str(v)) for v in (data if isinstance(data, (list, tuple)) else [data]) if v not in (None, "")]
        offered = {str(c[0]) for c in form[name].choices}
        missing = [i for i in dict.fromkeys(ids) if i is not None and str(i) not in offered]
        if missing:
            target = f.options.get("target", "")
            form[name].choices = list(form[name].choices) + [(str(i), p.title(target, i)) for i in missing]


def show_current_files(typedef: TypeDef, form: Any, values: dict) -> None:
    """Beside each attachment input of an edit form, the files the record already has (links to
    them): a new upload is added to them."""
    from .cells import file_links

    for f in typedef.fields:
        name = input_name(f)
        if f.field_type != "attachment" or name not in form:
            continue
        files = values.get(f.name) or []
        if files:
            links = file_links(typedef, files)
            help_text = form[name].description
            form[name].description = Markup("{}: {}{}").format(
                _("Current files (uploads are added to them)"), links, Markup("<br>") + help_text if help_text else "")


def form_values(typedef: TypeDef, form: Any) -> dict:
    """The input for the record store: each writable field on the form, as WTForms read it."""
    values = {}
    for f in typedef.writable_fields():
        name = input_name(f)
        if name in form and f.field_type != "attachment":
            values[f.name] = form[name].data
    return values


def attachment_values(typedef: TypeDef, form: Any, current: dict, uploads: Any) -> dict:
    """New uploads appended to each attachment field's current files (fields without uploads are left out)."""
    out = {}
    for f in typedef.writable_fields():
        name = input_name(f)
        if f.field_type != "attachment" or name not in form:
            continue
        files = [fs for fs in request.files.getlist(name) if fs and fs.filename]
        if files:
            keys = [{"key": a["key"]} for a in current.get(f.name) or []]
            keys += [{"key": uploads.save(f, fs).key} for fs in files]
            out[f.name] = keys
    if out:
        request_store().session.flush()  # the store looks the new attachments up
    return out


def version_of(form: Any) -> Optional[int]:
    try:
        return int(form[VERSION_FIELD].data)
    except (KeyError, TypeError, ValueError):
        return None


def apply_errors(form: Any, typedef: TypeDef, details: Any, lang: str) -> list[str]:
    """Put each message of ``details`` (field name -> messages) beside its field; return the others."""
    rest: list[str] = []
    if not isinstance(details, dict):
        return rest
    for key, messages in details.items():
        msgs = [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]
        f = typedef.field(str(key))
        name = input_name(f) if f is not None else None
        if name is not None and name in form:
            form[name].errors = list(form[name].errors or []) + msgs
        else:
            label = f.display_label(lang) if f is not None else str(key)
            rest.extend(f"{label}: {m}" for m in msgs)
    return rest


def store_errors_beside(form: Any, typedef: TypeDef, lang: str) -> None:
    """After WTForms refused some inputs, put what the record store says of the others beside them,
    so that one submit shows every problem (an e-mail address or a link, say, is the field type's
    to judge, on save); nothing is written. Fields WTForms refused keep WTForms' message alone."""
    values = {}
    for f in typedef.writable_fields():
        name = input_name(f)
        if name not in form or form[name].errors:
            continue
        if f.field_type == "attachment":  # the uploads' names and sizes (nothing is stored yet)
            form[name].errors = list(form[name].errors or []) + _upload_problems(f, request.files.getlist(name))
        else:
            values[f.name] = form[name].data
    try:
        request_store().clean(typedef, values, creating=False)  # (WTForms judged the required ones)
    except ValidationError as exc:
        if isinstance(exc.details, dict):
            apply_errors(form, typedef, {k: v for k, v in exc.details.items() if k in values}, lang)


def _upload_problems(field: FieldDef, uploads: list) -> list[str]:
    """What the attachment field would refuse in these uploads: a file type or size it does not take."""
    from ...metamodel.fieldtypes.files import DEFAULT_MAX_MB, allowed, max_bytes

    problems = []
    for fs in uploads:
        if not (fs and fs.filename):
            continue
        fs.stream.seek(0, 2)
        size = fs.stream.tell()
        fs.stream.seek(0)
        if not allowed(field, fs.filename, fs.mimetype or ""):
            problems.append(_("'%(name)s' is not an allowed file type", name=fs.filename))
        elif size > max_bytes(field):
            problems.append(_("'%(name)s' is larger than %(size)s MB", name=fs.filename,
                              size=field.options.get("max_size_mb", DEFAULT_MAX_MB)))
    return problems


def _shown_formatted(f: Any) -> bool:
    """Whether a history value (the field's JSON) is shown through the field's ``format``: links,
    choices (a formula's and a lookup's too), money and computed numbers (their places)."""
    return (f.field_type in ("link", "currency", "decimal") or bool(f.ftype.choices_of(f))
            or (f.ftype.computed and f.options.get("result_type") == "number"))


def history_value_text(p: Any, f: FieldDef, value: Any) -> str:
    """One field's JSON value (as history and rule runs keep it) as text, the way the lists show it."""
    if _shown_formatted(f):
        return p.format(f, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def readable_changes(typedef: TypeDef, entry: dict) -> dict:
    """A history entry with linked records shown by title, choices by label, amounts and computed
    numbers as the lists show them (history keeps ids and stored values)."""
    p = presenter(typedef)
    changes = {}
    for name, pair in (entry.get("changes") or {}).items():
        f = typedef.field(name)
        if f is not None and _shown_formatted(f):
            pair = [None if v is None or v == [] else p.format(f, v) for v in pair]
        changes[name] = pair
    return dict(entry, changes=changes, at_local=local_time_text(entry.get("at"), p.store.timezone))


def local_time_text(at: Any, zone: Optional[str]) -> Optional[str]:
    """An ISO time (UTC) as the instance's local time with its short zone: '2026-12-07 16:05 CST'."""
    if not isinstance(at, str):
        return None
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(zone or "UTC"))
    return f"{local:%Y-%m-%d %H:%M:%S} {zone_suffix(local)}"
