"""The public form pages: ``GET /f/<token>`` shows a form, ``POST /f/<token>`` submits one record.

No account is needed. The page carries a CSRF token (Flask-WTF checks every POST), the
submission is validated by the field types' WTForms fields and then by the record store
under the form's policy (:meth:`Policy.for_form`: create records of one type, write only the
form's fields), submissions — refused ones too — are limited per form and address, and a closed form answers
410, an unknown one 404. The pages run no script and carry their own strict
Content-Security-Policy.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, render_template, request
from flask_babel import gettext as _
from wtforms import Field

from ..context import current_schema, db_session
from ..errors import RecordbaseError, ValidationError
from ..i18n import lang_code, select_lang
from ..metamodel.fieldtypes import FieldDef, FormContext
from ..settings import instance_timezone
from ..storage import RecordStore
from . import forms, throttle
from .policy import Policy

bp = Blueprint("public_forms", __name__)
MAX_BODY = 1024 * 1024
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def input_name(field: FieldDef) -> str:
    return f"f_{field.name}"


def _lang() -> str:
    return lang_code(request.args.get("lang")) if request.args.get("lang") else select_lang()


def _text(form: Any, key: str, lang: str) -> str:
    zh = getattr(form, f"{key}_zh", None)
    return (zh if lang == "zh" and zh else getattr(form, key, None)) or ""


def _form_class(typedef: Any, names: list[str], lang: str) -> type:
    from ..admin.forms import AdminForm

    ctx = FormContext(lang=lang)
    attrs: dict[str, Field] = {}
    for n in names:
        f = typedef.field(n)
        if f is not None and not f.ftype.read_only and f.field_type not in forms.NOT_PUBLIC:
            attrs[input_name(f)] = f.ftype.form_field(f, ctx)
    return type("PublicForm", (AdminForm,), attrs)


def _render(template: str, status: int = 200, **kw: Any):
    resp = current_app.response_class(render_template(template, **kw), status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _closed(lang: str):
    return _render("access/public_closed.html", 410, lang=lang, message=_("This form is closed."))


@bp.route("/f/<token>", methods=("GET", "POST"))
def public_form(token: str):
    session = db_session()
    form_row = forms.by_token(session, token)
    if form_row is None:
        abort(404)
    lang = g.rb_lang = _lang()  # the page's language is every message's (the field types' too)
    schema = current_schema()
    typedef = schema.types.get(form_row.type_name)
    if not form_row.enabled or typedef is None:
        return _closed(lang)
    names = [n for n in (form_row.fields or []) if typedef.field(n) is not None]
    cls = _form_class(typedef, names, lang)
    page = dict(lang=lang, title=_text(form_row, "title", lang), description=_text(form_row, "description", lang),
                token=token)
    if request.method == "GET":
        return _render("access/public_form.html", form=cls(), **page)

    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    # every submission counts, refused ones too (a stranger must not probe values, or load the
    # server, with failing ones): the count is committed before the submission is looked at
    if throttle.form_submission(session, form_row.id, request.remote_addr) is not None:
        return _render("access/public_closed.html", 429, lang=lang,
                       message=_("Too many submissions from your address. Please try again later."))
    session.commit()
    wtform = cls(request.form)
    errors: list[str] = []
    if wtform.validate():
        values = {n: wtform[input_name(typedef.field(n))].data for n in names
                  if input_name(typedef.field(n)) in wtform}
        store = RecordStore(session, schema, user_id=None, timezone_name=instance_timezone(), lang=lang,
                            policy=Policy.for_form(typedef.name, names, typedef, f"public form #{form_row.id}"),
                            actor=f"public form #{form_row.id}: {form_row.title}"[:255])
        try:
            store.create(typedef.name, values)
            form_row.submissions = (form_row.submissions or 0) + 1
            session.commit()
            thanks = _text(form_row, "thank_you", lang) or _("Thank you. Your answer was received.")
            return _render("access/public_thanks.html", lang=lang, title=page["title"], message=thanks)
        except ValidationError as exc:
            session.rollback()
            details = exc.details if isinstance(exc.details, dict) else {}
            for key, messages in details.items():
                f = typedef.field(str(key))
                msgs = [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]
                if f is not None and input_name(f) in wtform:
                    wtform[input_name(f)].errors = list(wtform[input_name(f)].errors or []) + msgs
                else:
                    errors.extend(msgs)
            if not details:
                errors.append(exc.message)
        except RecordbaseError as exc:
            session.rollback()
            errors.append(exc.message)
    return _render("access/public_form.html", 422, form=wtform, errors=errors, **page)


def init_public_forms(app: Flask) -> None:
    app.register_blueprint(bp)


__all__ = ["bp", "init_public_forms"]
