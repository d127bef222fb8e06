"""What the public form page (``/f/<token>``, :mod:`recordbase.access.public`) builds from a form's
settings: the WTForms class (link fields limited to a saved view and shown by title, user fields
limited to the form's list, attachments with the form's limits, help per field and language),
prefill from the URL, and the uploads of a submission.

The options of a link field are read by an unrestricted store (the public has no read rights): the
saved view's filter is what limits them, and only titles are shown. A submitted value outside the
options is refused by the select field itself ("Not a valid choice"), naming no record.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import Field, MultipleFileField, SelectField, validators

from ..errors import RecordbaseError, ValidationError
from ..settings import instance_timezone
from ..i18n import translate as _
from ..metamodel.fieldtypes import FieldDef, FormContext
from ..metamodel.fieldtypes.files import allowed
from ..metamodel.runtime import RuntimeSchema, TypeDef
from ..models import User
from ..storage import RecordStore
from ..api.attachments import PayloadTooLarge, clean_filename
from .settings import upload_field

#: at most this many records of a link field's view are offered (sorted by the view, else by title)
MAX_LINK_OPTIONS = 500
#: field types whose value a URL may prefill (not files; links and users only as an offered option)
NO_PREFILL = frozenset({"attachment"})


def input_name(field: FieldDef) -> str:
    return f"f_{field.name}"


def reader(session: Session, schema: RuntimeSchema) -> RecordStore:
    """An unrestricted store for the form's options (never used to write)."""
    store = RecordStore(session, schema, user_id=None, timezone_name=instance_timezone())
    store.rule_engine = None
    return store


def _view(session: Session, schema: RuntimeSchema, field: FieldDef, view_name: Optional[str]) -> Any:
    from ..packs.models import SavedView

    target = field.options.get("target")
    if not view_name or target not in schema.types:
        return None
    return session.scalars(select(SavedView).where(SavedView.type_name == target,
                                                   SavedView.name == view_name)).first()


def link_options(session: Session, schema: RuntimeSchema, field: FieldDef, view_name: Optional[str],
                 text: str = "", limit: Optional[int] = None) -> list:
    """``[(id as text, title)]``: the records of the field's view whose title has ``text`` (none if the
    view is gone), by title; titles as everywhere else (:class:`~recordbase.storage.titles.RecordTitles`)."""
    from ..storage.titles import MAX_SEARCH, RecordTitles

    view = _view(session, schema, field, view_name)
    if view is None:
        return []
    limit = MAX_LINK_OPTIONS if limit is None else limit
    titles = RecordTitles(reader(session, schema))
    found: list = []
    after = None
    try:
        while len(found) < limit:
            want = min(MAX_SEARCH, limit - len(found))
            page = titles.search(view.type_name, text, limit=want, filter=view.filter or None, after=after)
            found += page
            if len(page) < want:
                break
            after = page[-1][0]
    except RecordbaseError:
        return []
    return sorted(((str(rid), title) for rid, title in found), key=lambda o: o[1].casefold())


def in_view(session: Session, schema: RuntimeSchema, field: FieldDef, view_name: Optional[str], value: Any) -> bool:
    """Whether ``value`` is the id of a live record of the field's view (what a submission may link to)."""
    from ..metamodel.ids import as_id

    view, rid = _view(session, schema, field, view_name), as_id(str(value or ""))
    if view is None or rid is None:
        return False
    store = reader(session, schema)
    typedef = store.type(view.type_name)
    t = typedef.table
    try:
        stmt = store._readable(select(t.c.id).where(t.c.id == rid, t.c.deleted_at.is_(None)), typedef,
                               view.filter or None)
        return session.scalar(stmt) is not None
    except RecordbaseError:
        return False


class ViewLinkField(SelectField):
    """A link offered as the titles of a saved view's records (the first ones as options, the others
    found by the page's search); any value outside the view is "Not a valid choice", naming nothing."""

    def __init__(self, *args: Any, allowed: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, "") or any(str(v) == str(self.data) for v, _label in self.choices):
            return
        if self.allowed is None or not self.allowed(self.data):
            raise validators.ValidationError(self.gettext("Not a valid choice."))


def user_options(session: Session, emails: list[str]) -> list:
    """``[(e-mail, display name)]`` of the form's listed, active users."""
    wanted = [e.strip().lower() for e in emails]
    users = session.scalars(select(User).where(func.lower(User.email).in_(wanted), User.is_active.is_(True))).all()
    by_email = {u.email.lower(): u for u in users}
    return [(by_email[e].email, by_email[e].display_name or by_email[e].email.split("@")[0])
            for e in wanted if e in by_email]


def _help(field: FieldDef, settings: dict, lang: str) -> str:
    texts = (settings.get("help") or {}).get(field.name) or {}
    return (texts.get("zh") if lang == "zh" and texts.get("zh") else texts.get("en")) or field.display_help(lang)


def form_class(session: Session, schema: RuntimeSchema, typedef: TypeDef, names: list[str], settings: dict,
               lang: str) -> type:
    from ..admin.forms import AdminForm

    ctx = FormContext(lang=lang)
    attrs: dict[str, Field] = {}
    for n in names:
        f = typedef.field(n)
        if f is None or f.ftype.read_only:
            continue
        kw = ctx.kwargs(f)
        kw["description"] = _help(f, settings, lang)
        if f.field_type == "link":
            view_name = (settings.get("link_views") or {}).get(n)
            choices = link_options(session, schema, f, view_name)
            kw["render_kw"] = {"data-rb-search": n}
            field = ViewLinkField(choices=[("", "—")] + choices, **kw,
                                  allowed=lambda v, f=f, view_name=view_name: in_view(session, schema, f, view_name, v))
        elif f.field_type == "user":
            field = SelectField(choices=[("", "—")] + user_options(session, (settings.get("user_choices") or {})
                                                                   .get(n) or []), **kw)
        elif f.field_type == "attachment":
            kw["validators"] = [validators.Optional()]
            field = MultipleFileField(render_kw={"accept": ",".join(upload_field(f, settings)
                                                                    .options["allowed_types"])}, **kw)
        else:
            field = f.ftype.form_field(f, ctx)
            field.kwargs["description"] = kw["description"]
        attrs[input_name(f)] = field
    return type("PublicForm", (AdminForm,), attrs)


def prefill(typedef: TypeDef, names: list[str], args: MultiDict) -> MultiDict:
    """URL parameters named like a field on the form (``?supplier=3&rating=5``) as the form's data;
    parameters of fields not on the form, of read-only fields and of files are left out."""
    data = MultiDict()
    for n in names:
        f = typedef.field(n)
        if f is None or f.ftype.read_only or f.field_type in NO_PREFILL or n not in args:
            continue
        for v in args.getlist(n)[:50]:
            data.add(input_name(f), v[:10_000])
    return data


def save_uploads(typedef: TypeDef, names: list[str], settings: dict, files: MultiDict, uploads: Any) -> dict:
    """Store the submitted files of the form's attachment fields; ``{field: [{"key"}]}``.

    A wrong type or an oversized file is a :class:`ValidationError` on that field, naming only the
    uploader's own file."""
    values: dict[str, list] = {}
    problems: dict[str, list[str]] = {}
    for n in names:
        f = typedef.field(n)
        if f is None or f.field_type != "attachment":
            continue
        limited = upload_field(f, settings)
        items: list[FileStorage] = [x for x in files.getlist(input_name(f)) if x and x.filename]
        limit = f.options.get("max_files")
        if limit and len(items) > limit:
            problems.setdefault(n, []).append(_("at most %(limit)s files", limit=limit))
            continue
        keys = []
        for item in items:
            name = clean_filename(item.filename or "")
            if not (allowed(f, name, item.mimetype or "") and allowed(limited, name, item.mimetype or "")):
                problems.setdefault(n, []).append(_("'%(name)s' is not an allowed file type", name=name))
                continue
            try:
                keys.append({"key": uploads.save(limited, item).key})
            except PayloadTooLarge:
                problems.setdefault(n, []).append(_("'%(name)s' is larger than %(size)s MB", name=name,
                                                    size=limited.options["max_size_mb"]))
            except RecordbaseError as exc:
                problems.setdefault(n, []).append(exc.message)
        if keys:
            values[n] = keys
    if problems:
        raise ValidationError(next(iter(problems.values()))[0], problems)
    return values
