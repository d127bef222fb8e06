"""A public form's settings document (``rb_public_form.settings``), beyond its title and fields.

``{"help": {field: {"en", "zh"}}, "redirect_url", "opens_at", "closes_at", "max_submissions",
"prefill", "link_views": {field: view name}, "user_choices": {field: [e-mails]},
"uploads": {"max_size_mb", "allowed_types"}}``, checked by :data:`SETTINGS_SCHEMA` and then
against the type:

- a **link** field may be on a public form only limited to a saved view of its target type (the
  public picks among that view's records, by title, and sees nothing else of them);
- a **user** field only with the list of users the public may pick from (by display name);
- **attachments** are limited by the field's own options and the form's ``uploads`` (default:
  images and PDF, 10 MB a file), whichever is stricter;
- ``opens_at``/``closes_at`` are ISO 8601 (without an offset: the instance's time zone).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable, Optional
from zoneinfo import ZoneInfo

from jsonschema import Draft202012Validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.runtime import TypeDef
from ..models import User

DEFAULT_UPLOAD_MB = 10
DEFAULT_UPLOAD_TYPES = ["image/*", ".jpg", ".jpeg", ".png", ".heic", ".webp", ".pdf"]
TYPE_PATTERN = r"^(\.[A-Za-z0-9]{1,10}|[a-z]+/[a-z0-9.+*-]+)$"
TEXT = {"type": "string", "maxLength": 1000}
WHEN = {"type": ["string", "null"], "maxLength": 40}
SETTINGS_SCHEMA: dict = {
    "type": "object", "additionalProperties": False, "properties": {
        "help": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "properties": {"en": TEXT, "zh": TEXT}}},
        "redirect_url": {"type": ["string", "null"], "maxLength": 2000, "pattern": r"^https?://[^\s/]+"},
        "opens_at": WHEN, "closes_at": WHEN,
        "max_submissions": {"type": ["integer", "null"], "minimum": 1, "maximum": 100_000_000},
        "prefill": {"type": "boolean"},
        "link_views": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 255}},
        "user_choices": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string", "maxLength": 255}, "minItems": 1, "maxItems": 200}},
        "uploads": {"type": "object", "additionalProperties": False, "properties": {
            "max_size_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            "allowed_types": {"type": "array", "items": {"type": "string", "pattern": TYPE_PATTERN},
                              "minItems": 1, "maxItems": 50}}}}}
_VALIDATOR = Draft202012Validator(SETTINGS_SCHEMA)


def parse_when(value: Optional[str], tz_name: str) -> Optional[datetime]:
    """An ISO 8601 text as an aware datetime (without an offset: in ``tz_name``); None when empty."""
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=ZoneInfo(tz_name))


def check(session: Optional[Session], typedef: TypeDef, names: list[str], settings: Any, tz_name: str = "UTC",
          view_exists: Optional[Callable[[str, str], bool]] = None) -> dict:
    """The settings, checked against the form's fields (``names``); a :class:`ValidationError` otherwise.

    ``view_exists(type, name)`` says whether a saved view exists (default: the database's); a pack's
    validator gives its own (the pack's views, installed just before its forms)."""
    from ..packs.models import SavedView

    if view_exists is None:
        def view_exists(target: str, name: str) -> bool:
            return session.scalars(select(SavedView.id).where(SavedView.type_name == target,
                                                              SavedView.name == name)).first() is not None
    if settings is None:
        settings = {}
    problems: dict[str, list[str]] = {}
    for e in sorted(_VALIDATOR.iter_errors(settings), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in e.absolute_path)
        problems.setdefault(f"settings.{where}" if where else "settings", []).append(e.message)
    if problems:
        raise ValidationError(f"Invalid form: {next(iter(problems))}: {next(iter(problems.values()))[0]}", problems)
    shown = set(names)
    for key in ("help", "link_views", "user_choices"):
        for n in settings.get(key) or {}:
            if n not in shown:
                problems.setdefault(f"settings.{key}", []).append(f"'{n}' is not on the form")
    try:
        opens, closes = (parse_when(settings.get(k), tz_name) for k in ("opens_at", "closes_at"))
        if opens and closes and closes <= opens:
            problems.setdefault("settings.closes_at", []).append("must be after opens_at")
    except ValueError:
        problems.setdefault("settings.opens_at", []).append("opens_at and closes_at must be ISO 8601 date-times")
    for n in names:
        f = typedef.field(n)
        if f is None:
            continue
        if f.field_type == "link":
            view = (settings.get("link_views") or {}).get(n)
            target = f.options.get("target")
            if not view:
                problems.setdefault("settings.link_views", []).append(
                    f"'{n}' is a link: name the saved view of '{target}' whose records the public may pick")
            elif not view_exists(target, view):
                problems.setdefault("settings.link_views", []).append(f"'{target}' has no saved view named '{view}'")
        elif f.field_type == "user" and session is not None:
            emails = [e.strip().lower() for e in (settings.get("user_choices") or {}).get(n) or []]
            if not emails:
                problems.setdefault("settings.user_choices", []).append(
                    f"'{n}' is a user field: list the users the public may pick from")
            else:
                known = set(session.scalars(select(func.lower(User.email)).where(
                    func.lower(User.email).in_(emails), User.is_active.is_(True))))
                for e in emails:
                    if e not in known:
                        problems.setdefault("settings.user_choices", []).append(f"no active user '{e}'")
    if problems:
        first = next(iter(problems.items()))
        raise ValidationError(f"Invalid form: {first[0]}: {first[1][0]}", problems)
    return settings


def is_open(settings: dict, submissions: int, tz_name: str, now: Optional[datetime] = None) -> Optional[str]:
    """None when the form takes answers now; else why not: ``not_yet``, ``ended`` or ``full``."""
    now = now or datetime.now(timezone.utc)
    opens, closes = parse_when(settings.get("opens_at"), tz_name), parse_when(settings.get("closes_at"), tz_name)
    if opens and now < opens:
        return "not_yet"
    if closes and now >= closes:
        return "ended"
    cap = settings.get("max_submissions")
    if cap and submissions >= cap:
        return "full"
    return None


def upload_field(field: FieldDef, settings: dict) -> FieldDef:
    """The attachment field with the form's limits on top of its own (the stricter of both)."""
    uploads = settings.get("uploads") or {}
    own_mb = field.options.get("max_size_mb")
    form_mb = uploads.get("max_size_mb", DEFAULT_UPLOAD_MB)
    options = dict(field.options)
    options["max_size_mb"] = min(own_mb, form_mb) if own_mb else form_mb
    # both lists must allow a file: the form's is checked on this copy, the field's own on the field
    options["allowed_types"] = uploads.get("allowed_types") or DEFAULT_UPLOAD_TYPES
    return replace(field, options=options)
