"""Public forms in template packs: the top-level ``forms`` key of ``pack.json``.

``{"key", "type", "title", "title_zh", "description", "description_zh", "fields": [...],
"thank_you", "thank_you_zh", "enabled", "settings"}`` — the API's form document with a stable
``key``. Link fields name the saved view (by name) the public picks from: a view of the pack or
of the instance. A pack form cannot list users (``settings.user_choices``): the people differ from
one instance to the next, so user fields are left to the admin's form builder.

- :func:`check_forms` — the validator's step (after the views): shape, fields, settings;
- :func:`install_forms` — the installer's step (after the views): a form the pack has not installed
  is created with a new link; one it installed is updated when the pack changed it and the user did
  not (its link is kept); one the user deleted stays deleted;
- :func:`export_forms` — the exporter's: the forms of the exported types.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from ..access import forms as public_forms
from ..access.models import PublicForm
from ..errors import ValidationError
from ..metamodel.runtime import RuntimeSchema
from .settings import check as check_settings

KEYS = ("title", "title_zh", "description", "description_zh", "fields", "thank_you", "thank_you_zh", "settings")


def _definition(form: Any) -> dict:
    """A form as a pack holds it (without its key)."""
    d = public_forms.form_json(form) if isinstance(form, PublicForm) else dict(form)
    out = {"type": d["type"] if "type" in d else form.type_name}
    for k in KEYS:
        if d.get(k) not in (None, "", {}, []):
            out[k] = d[k]
    out["enabled"] = bool(d.get("enabled", True))
    return out


def check_forms(validator: Any, schema: RuntimeSchema, views: list) -> list[tuple[str, dict, str]]:
    """The pack's forms, each checked as the API checks a form; problems go to ``validator.problem``."""
    pack_views = {(d["type"], d["name"]) for _k, d, _p in views}
    out, seen = [], {}
    for i, form in enumerate(validator.m.get("forms") or []):
        fp = f"$.forms[{i}]"
        key = form.get("key") or f"{form['type']}_{i + 1}"
        if key in seen:
            validator.problem(f"{fp}.key", f"duplicate form key '{key}' (also at {seen[key]})")
            continue
        seen[key] = fp
        typedef = schema.types.get(form["type"])
        if typedef is None:
            validator.problem(f"{fp}.type", f"no record type '{form['type']}' in the pack or the instance")
            continue
        data = {k: form[k] for k in KEYS if k in form}
        settings = dict(form.get("settings") or {})
        if settings.get("user_choices"):
            validator.problem(f"{fp}.settings.user_choices", "a pack form cannot list users (they differ per "
                                                             "instance): leave user fields to the form builder")
            continue
        users = [n for n in form["fields"] if typedef.field(n) is not None and typedef.field(n).field_type == "user"]
        if users:
            validator.problem(f"{fp}.fields", f"'{users[0]}' is a user field: a pack form cannot offer users (they "
                                              "differ per instance); add it with the form builder")
            continue
        try:
            public_forms._check(typedef, {k: v for k, v in data.items() if k != "settings"}, creating=True)
            check_settings(None, typedef, list(form["fields"]), settings, "UTC",
                           view_exists=lambda target, name: (target, name) in pack_views)
        except ValidationError as exc:
            for where, messages in (exc.details or {}).items():
                for m in messages:
                    validator.problem(f"{fp}.{where}", str(m))
            continue
        out.append((key, {"type": form["type"], **data, "enabled": form.get("enabled", True)}, fp))
    return out


def install_forms(steps: Any) -> None:
    """The installer's step for ``steps.plan.forms`` (see the module's docstring)."""
    from ..packs.install_keyed import KeyedKind, by_id, install_keyed

    def create(data: dict) -> PublicForm:
        form = public_forms.create(steps.session, steps.schema, data["type"], _body(data), steps.user_id)
        form.enabled = bool(data.get("enabled", True))
        steps.session.flush()
        return form

    install_keyed(steps, KeyedKind(
        kind="form", find=by_id(steps.session, PublicForm), state=_definition, created="forms", create=create,
        update=lambda form, data: public_forms.update(steps.session, steps.schema, form, _body(data)),
    ), [e for e in getattr(steps.plan, "forms", None) or [] if e[1]["type"] not in steps.gone_types])


def _body(data: dict) -> dict:
    """A pack form's document as the API takes it."""
    return {k: v for k, v in data.items() if k in KEYS}


def export_forms(session: Any, selected: list[str]) -> list[dict]:
    """The forms of the exported types, as a pack holds them (keys kept from the pack that installed them)."""
    from ..packs.models import PackItem

    keys = {i.object_id: i.key for i in session.scalars(select(PackItem).where(PackItem.kind == "form"))}
    out, used = [], set()
    for form in session.scalars(select(PublicForm).where(PublicForm.type_name.in_(selected))
                                .order_by(PublicForm.type_name, PublicForm.id)):
        d = _definition(form)
        settings = dict(d.get("settings") or {})
        settings.pop("user_choices", None)  # people differ per instance (see check_forms)
        if settings:
            d["settings"] = settings
        else:
            d.pop("settings", None)
        d["fields"] = [n for n in d.get("fields") or []]
        key = keys.get(form.id) or f"{form.type_name}_{form.id}"
        if key in used or not re.match(r"^[a-z][a-z0-9_]{0,62}$", key):
            key = f"{form.type_name}_{form.id}"
        used.add(key)
        out.append({"key": key, **d})
    return out
