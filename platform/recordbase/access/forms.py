"""Public forms: a record type's form, published at an unguessable URL for people without an account.

``{"title", "title_zh", "description", "description_zh", "fields": [...], "thank_you",
"thank_you_zh", "enabled", "settings"}``. A form offers only the fields it names; a submission is
written by the record store under a policy that may create records of that one type and
write only those fields (everything else takes its default), so it is validated like any
other write. A link field is offered only limited to a saved view, a user field only with a list
of users, attachments within the form's limits (``settings``: :mod:`recordbase.publicforms.settings`).
"""
from __future__ import annotations

import secrets
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..metamodel.runtime import RuntimeSchema, TypeDef
from ..models import iso_utc
from .models import PublicForm

FORM_KEYS = ("title", "title_zh", "description", "description_zh", "fields", "thank_you", "thank_you_zh",
             "settings")
TEXT_LIMITS = {"title": 255, "title_zh": 255, "description": 5000, "description_zh": 5000,
               "thank_you": 2000, "thank_you_zh": 2000}


def form_json(form: PublicForm) -> dict:
    return {"id": form.id, "type": form.type_name, "url": f"/f/{form.token}", "title": form.title,
            "title_zh": form.title_zh, "description": form.description, "description_zh": form.description_zh,
            "fields": list(form.fields or []), "thank_you": form.thank_you, "thank_you_zh": form.thank_you_zh,
            "enabled": bool(form.enabled), "submissions": form.submissions or 0, "created_at": iso_utc(form.created_at),
            "settings": dict(form.settings or {})}


def _check(typedef: TypeDef, data: dict, creating: bool, session: Optional[Session] = None,
           names_now: Optional[list] = None, settings_now: Optional[dict] = None) -> Optional[dict]:
    problems: dict[str, list[str]] = {}
    for key, limit in TEXT_LIMITS.items():
        v = data.get(key)
        if v is not None and (not isinstance(v, str) or len(v) > limit):
            problems.setdefault(key, []).append(f"must be text of at most {limit} characters")
    if creating and not (isinstance(data.get("title"), str) and data["title"].strip()):
        problems.setdefault("title", []).append("is required")
    if "enabled" in data and not isinstance(data["enabled"], bool):
        problems.setdefault("enabled", []).append("must be true or false")
    if creating or "fields" in data:
        names = data.get("fields")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            problems.setdefault("fields", []).append("must be a non-empty list of field API names")
        else:
            for n in names:
                f = typedef.field(n)
                if f is None:
                    problems.setdefault("fields", []).append(f"record type '{typedef.name}' has no field '{n}'")
                elif f.ftype.read_only:
                    problems.setdefault("fields", []).append(f"'{n}' is set automatically and cannot be on a form")
            if not problems.get("fields"):
                missing = [f.name for f in typedef.writable_fields()
                           if f.required and f.default is None and f.name not in names]
                if missing:
                    problems.setdefault("fields", []).append(
                        f"the required field(s) {', '.join(missing)} must be on the form")
    if problems:
        first = next(iter(problems.items()))
        raise ValidationError(f"Invalid form: {first[0]}: {first[1][0]}", problems)
    if session is None:
        return None
    from ..publicforms.settings import check as check_settings

    names = list(data["fields"]) if "fields" in data else list(names_now or [])
    settings = data["settings"] if "settings" in data else settings_now
    return check_settings(session, typedef, names, settings, _timezone())


def _timezone() -> str:
    from ..settings import instance_timezone

    return instance_timezone()


def create(session: Session, schema: RuntimeSchema, type_name: str, data: dict, user_id: Optional[int]) -> PublicForm:
    typedef = schema.get(type_name)
    settings = _check(typedef, data, creating=True, session=session)
    form = PublicForm(token=secrets.token_urlsafe(32), type_name=type_name, title=data["title"].strip(),
                      title_zh=data.get("title_zh"), description=data.get("description"),
                      description_zh=data.get("description_zh"), fields=list(dict.fromkeys(data["fields"])),
                      thank_you=data.get("thank_you"), thank_you_zh=data.get("thank_you_zh"), enabled=True,
                      submissions=0, created_by=user_id, settings=settings or None)
    session.add(form)
    session.flush()
    return form


def update(session: Session, schema: RuntimeSchema, form: PublicForm, data: dict) -> PublicForm:
    typedef = schema.types.get(form.type_name)
    if typedef is None:
        raise NotFound(f"The form's record type '{form.type_name}' does not exist any more")
    settings = _check(typedef, data, creating=False, session=session, names_now=list(form.fields or []),
                      settings_now=dict(form.settings or {}))
    if "settings" in data:
        data = {**data, "settings": settings or None}
    for key in FORM_KEYS + ("enabled",):
        if key in data:
            value = data[key]
            if key == "title":
                if not isinstance(value, str) or not value.strip():
                    raise ValidationError("Invalid form: title: is required", {"title": ["is required"]})
                value = value.strip()
            if key == "fields":
                value = list(dict.fromkeys(value))
            setattr(form, key, value)
    session.flush()
    return form


def get(session: Session, form_id: int) -> PublicForm:
    form = session.get(PublicForm, form_id) if 0 < form_id < 2**31 else None
    if form is None:
        raise NotFound(f"No form with id {form_id}", {"id": form_id})
    return form


def for_type(session: Session, type_name: str) -> list[PublicForm]:
    return list(session.scalars(select(PublicForm).where(PublicForm.type_name == type_name).order_by(PublicForm.id)))


def by_token(session: Session, token: str) -> Optional[PublicForm]:
    if not token or len(token) > 64:
        return None
    return session.scalars(select(PublicForm).where(PublicForm.token == token)).first()
