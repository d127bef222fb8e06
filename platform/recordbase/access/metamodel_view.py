"""The metamodel as a reader sees it: record types, fields and saved views without the fields hidden from them.

A hidden field behaves as if it did not exist on every surface, the metamodel's included
(``GET /api/v1/types``, ``/types/<t>``, ``/types/<t>/fields...``, ``/api/v1/views``). For a
caller who may not configure a type:

- its hidden fields are left out (with their labels, defaults, help texts, choices and
  sections), and a hidden primary field is reported as none;
- a computed field whose definition names a hidden field keeps only its ``result_type``
  and how its value is shown (``places``, a formula's ``choices``) (a formula reading it; a lookup, rollup or count through a hidden link, of a hidden field,
  filtered on one, or over a type the caller may not read): its values are the caller's
  to read, but not how they are made.

Who may configure a type sees its whole definition (configuring it needs it). A saved view
exists for a caller only when they may read its type and its filter, sort and columns name
no field hidden from them: a view is shown whole or not at all (a view with a part left out
would show other records than its name promises).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

from ..metamodel.dependencies import filter_fields

from ..metamodel.title_format import references

if TYPE_CHECKING:
    from ..metamodel.runtime import RuntimeSchema
    from .policy import Policy

COMPUTED = ("formula", "lookup", "rollup", "count")
SYSTEM_NAMES = frozenset({"id", "created_at", "updated_at", "created_by", "updated_by"})


def type_json(policy: Optional["Policy"], schema: "RuntimeSchema", out: dict) -> dict:
    """A type's JSON (``type_to_json``) as the caller may see it (see the module docstring)."""
    name = out["name"]
    if policy is None or policy.can_configure(name):
        return out
    hidden = policy.hidden(name)
    out = dict(out)
    if out.get("primary_field") in hidden:
        out["primary_field"] = None
    if out.get("title_format") and hidden & set(references(out["title_format"])):
        out["title_format"] = None  # (it would name a hidden field)
    if "fields" in out:
        out["fields"] = [field_json(policy, schema, name, f) for f in out["fields"] if f["name"] not in hidden]
    return out


def field_json(policy: Optional["Policy"], schema: "RuntimeSchema", type_name: str, out: dict) -> dict:
    """A (visible) field's JSON with a computed definition naming hidden fields reduced to its result type
    (and how its value is shown: ``places``, ``choices``, which name no field)."""
    if policy is None or policy.can_configure(type_name) or out.get("type") not in COMPUTED:
        return out
    if not _names_hidden(policy, schema, type_name, out.get("type"), out.get("options") or {}):
        return out
    out = dict(out)
    out["options"] = {k: v for k, v in (out.get("options") or {}).items() if k in ("result_type", "places", "choices")}
    return out


def field_hidden(policy: Optional["Policy"], type_name: str, field_name: str) -> bool:
    return policy is not None and not policy.can_configure(type_name) and field_name in policy.hidden(type_name)


def _names_hidden(policy: "Policy", schema: "RuntimeSchema", type_name: str, kind: Any, options: dict) -> bool:
    hidden = policy.hidden(type_name)
    if kind == "formula":
        return bool(set(options.get("depends_on") or []) & hidden)
    link = str(options.get("link") or "")
    if "." in link:  # the reverse side of another type's link: "type.field"
        source, link_field = link.split(".", 1)
        if not policy.can("read", source) or link_field in policy.hidden(source):
            return True
    else:
        if link in hidden:
            return True
        owner = schema.types.get(type_name)
        f = owner.field(link) if owner is not None else None
        source = (f.options.get("target") if f is not None else None) or ""
        if not policy.can("read", source):
            return True
    source_hidden = policy.hidden(source)
    if options.get("target_field") in source_hidden:
        return True
    return bool(filter_fields(options.get("filter")) & source_hidden)


def view_names(view: Any) -> set[str]:
    """The fields a saved view names: in its filter, its sort and its columns."""
    names = set(filter_fields(view.filter))
    for item in str(view.sort or "").split(","):
        item = item.strip().lstrip("+-")
        if item:
            names.add(item)
    names.update(c for c in (view.columns or []) if isinstance(c, str))
    return names - SYSTEM_NAMES


def view_visible(policy: Optional["Policy"], view: Any) -> bool:
    """Whether a saved view exists for the caller (see the module docstring)."""
    if policy is None:
        return True
    if not policy.can("read", view.type_name):
        return False
    hidden = policy.hidden(view.type_name)
    return not (hidden and view_names(view) & hidden)


def visible_views(policy: Optional["Policy"], views: Iterable[Any]) -> list:
    return [v for v in views if view_visible(policy, v)]
