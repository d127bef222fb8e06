"""The public form pages: ``GET /f/<token>`` shows a form, ``POST /f/<token>`` submits one record.

No account is needed. The page carries a CSRF token (Flask-WTF checks every POST), the
submission is validated by the field types' WTForms fields and then by the record store
(a submission its fields refuse gets the field conditions' problems too, each beside its field: every
problem in one round) under the form's policy (:meth:`Policy.for_form`: create records of one type, write only the
form's fields), submissions — refused ones too — are limited per form and address, and a closed form answers
410, an unknown one 404. The pages carry their own strict Content-Security-Policy and run
only this site's own scripts, and only when they need them (a link field's title search, the
fields' live conditions: :mod:`recordbase.publicforms.conditions`). What the admin's form builder sets (links limited to a saved view, users
to a list, attachments, prefill from the URL, open/close dates, a cap, a redirect) is read from the
form's settings by :mod:`recordbase.publicforms`.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, render_template, request
from flask_babel import gettext as _

from ..context import current_schema, db_session
from ..errors import RecordbaseError, ValidationError
from ..i18n import lang_code, select_lang
from ..settings import instance_timezone
from ..storage import RecordStore
from ..api.attachments import Uploads
from ..publicforms import conditions as form_conditions
from ..publicforms import page
from ..publicforms import settings as form_settings
from . import forms, throttle
from .policy import Policy

bp = Blueprint("public_forms", __name__)
MAX_BODY = 1024 * 1024
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def _lang() -> str:
    return lang_code(request.args.get("lang")) if request.args.get("lang") else select_lang()


def _text(form: Any, key: str, lang: str) -> str:
    zh = getattr(form, f"{key}_zh", None)
    return (zh if lang == "zh" and zh else getattr(form, key, None)) or ""


#: a page with a link field or field conditions runs our scripts (the title search, the live
#: conditions), from this site only
CSP_SEARCH = CSP + "; script-src 'self'; connect-src 'self'"


def _render(template: str, status: int = 200, **kw: Any):
    resp = current_app.response_class(render_template(template, **kw), status=status, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = CSP_SEARCH if kw.get("search") or kw.get("conditions") else CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _closed(lang: str, why: str = "closed"):
    messages = {"not_yet": _("This form is not open yet."), "ended": _("This form is closed."),
                "full": _("This form has received all the answers it takes."), "closed": _("This form is closed.")}
    return _render("access/public_closed.html", 410, lang=lang, message=messages[why])


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
    settings = dict(form_row.settings or {})
    tz = instance_timezone()
    why_closed = form_settings.is_open(settings, form_row.submissions or 0, tz)
    if why_closed is not None:
        return _closed(lang, why_closed)
    names = [n for n in (form_row.fields or []) if typedef.field(n) is not None]
    cls = page.form_class(session, schema, typedef, names, settings, lang)
    page_kw = dict(lang=lang, title=_text(form_row, "title", lang), description=_text(form_row, "description", lang),
                   token=token, multipart=any(typedef.field(n).field_type == "attachment" for n in names),
                   search=any(typedef.field(n).field_type == "link" for n in names),
                   conditions=form_conditions.page_conditions(typedef, names, page.input_name))
    store = RecordStore(session, schema, user_id=None, timezone_name=tz, lang=lang,
                        policy=Policy.for_form(typedef.name, names, typedef, f"public form #{form_row.id}"),
                        actor=f"public form #{form_row.id}: {form_row.title}"[:255])
    if request.method == "GET":
        data = None
        if settings.get("prefill"):
            data = form_conditions.conditional_prefill(store, typedef, names, page.prefill(typedef, names, request.args),
                                                       page.input_name)
        return _render("access/public_form.html", form=cls(data), **page_kw)

    if (request.content_length or 0) > max_body(typedef, names, settings):
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
        values = {n: wtform[page.input_name(typedef.field(n))].data for n in names
                  if page.input_name(typedef.field(n)) in wtform and typedef.field(n).field_type != "attachment"}
        uploads = Uploads()
        try:
            values.update(page.save_uploads(typedef, names, settings, request.files, uploads))
            session.flush()  # the uploads' rows, before the record store looks their keys up
            store.create(typedef.name, values)
            form_row.submissions = (form_row.submissions or 0) + 1
            session.commit()
            thanks = _text(form_row, "thank_you", lang) or _("Thank you. Your answer was received.")
            # a redirect goes through the thanks page (a meta refresh): the page's CSP lets a form post
            # only to this site, and browsers apply that to a redirect answering the post
            return _render("access/public_thanks.html", lang=lang, title=page_kw["title"], message=thanks,
                           redirect_url=settings.get("redirect_url"))
        except ValidationError as exc:
            session.rollback()
            uploads.discard()
            details = exc.details if isinstance(exc.details, dict) else {}
            for key, messages in details.items():
                f = typedef.field(str(key))
                msgs = [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]
                if f is not None and page.input_name(f) in wtform:
                    wtform[page.input_name(f)].errors = list(wtform[page.input_name(f)].errors or []) + msgs
                else:
                    errors.extend(msgs)
            if not details:
                errors.append(exc.message)
        except RecordbaseError as exc:
            session.rollback()
            uploads.discard()
            errors.append(exc.message)
        except BaseException:
            uploads.discard()
            raise
    else:  # the conditions' problems in the same round, beside their fields
        for n, msgs in form_conditions.condition_problems(store, typedef, names, wtform, page.input_name).items():
            f = typedef.field(n)
            if f is not None and page.input_name(f) in wtform:
                field = wtform[page.input_name(f)]
                field.errors = list(field.errors or []) + msgs
            else:  # (a field not on the form: above it, as the record store's refusal would be)
                errors.extend(msgs)
    return _render("access/public_form.html", 422, form=wtform, errors=errors, **page_kw)


def max_body(typedef: Any, names: list[str], settings: dict) -> int:
    """The largest submission the form takes: its text, and its files at their limits."""
    total = MAX_BODY
    for n in names:
        f = typedef.field(n)
        if f is not None and f.field_type == "attachment":
            limited = form_settings.upload_field(f, settings)
            total += int(float(limited.options["max_size_mb"]) * 1024 * 1024) * int(f.options.get("max_files") or 5)
    return total


def init_public_forms(app: Flask) -> None:
    from ..publicforms import search  # noqa: F401  (the link fields' title search joins the blueprint)

    app.register_blueprint(bp)


__all__ = ["bp", "init_public_forms"]
