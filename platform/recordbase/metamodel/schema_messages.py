"""JSON-schema errors in plain words: where the problem is, and what is wrong, for people.

jsonschema words its errors for developers ("'choices' is a required property", "'XXXX' does
not match '^[A-Z]{3}$'"); a field's options are set by business users in the admin's field
form, so their problems are worded here instead (in the request's language, see
:func:`recordbase.i18n.translate`). The patterns our schemas use come with a hint of what
is expected.
"""
from __future__ import annotations

from typing import Any

import jsonschema

from ..i18n import translate as _

def _kind(name: Any) -> str:
    names = name if isinstance(name, list) else [name]
    words = {"integer": _("a whole number"), "number": _("a number"), "string": _("text"),
             "boolean": _("true or false"), "array": _("a list"), "object": _("an object"), "null": _("empty")}
    return _(" or ").join(words.get(n, str(n)) for n in names)


def plain_error(err: jsonschema.ValidationError, root: str) -> tuple[str, str]:
    """(where, message): the path of the value in question under ``root`` (``options.code``), and
    what is wrong with it."""
    if err.validator in ("anyOf", "oneOf") and err.context:
        # the branch the value was meant for: one whose type it has, then the deepest problem
        typed = [e for e in err.context if e.validator != "type"] or list(err.context)
        return plain_error(max(typed, key=lambda e: len(e.absolute_path)), root)
    path = list(err.absolute_path)
    v, limit, value = err.validator, err.validator_value, err.instance
    if v == "required":
        missing = next((p for p in limit if isinstance(err.instance, dict) and p not in err.instance), "")
        path.append(missing)
        message = _("is required")
    elif v == "additionalProperties":
        extra = sorted(set(value) - set((err.schema or {}).get("properties", {}))) if isinstance(value, dict) else []
        message = _("unknown option(s): %(names)s", names=", ".join(extra))
    elif v == "type":
        message = _("must be %(kind)s", kind=_kind(limit))
    elif v in ("minimum", "exclusiveMinimum"):
        message = _("must be at least %(limit)s", limit=limit) if v == "minimum" else \
            _("must be more than %(limit)s", limit=limit)
    elif v in ("maximum", "exclusiveMaximum"):
        message = _("must be at most %(limit)s", limit=limit) if v == "maximum" else \
            _("must be less than %(limit)s", limit=limit)
    elif v == "enum":
        message = _("'%(value)s' is not one of: %(values)s", value=value, values=", ".join(str(x) for x in limit))
    elif v == "minItems":
        message = _("needs at least %(count)s item(s)", count=limit)
    elif v == "maxItems":
        message = _("takes at most %(count)s item(s)", count=limit)
    elif v == "uniqueItems":
        message = _("has the same item twice")
    elif v == "minLength":
        message = _("must not be empty") if limit == 1 else _("must be at least %(limit)s characters", limit=limit)
    elif v == "maxLength":
        message = _("must be at most %(limit)s characters", limit=limit)
    elif v in ("pattern", "format"):
        hint = _pattern_hint(limit) if v == "pattern" else None
        message = _("'%(value)s' is not in the expected form", value=value) + (f" ({hint})" if hint else "")
    else:
        message = err.message
    where = root + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path)
    return where, message


def _pattern_hint(pattern: str) -> str | None:
    """What a pattern of our schemas asks for, in words."""
    if pattern == "^[A-Z]{3}$":
        return _("three capital letters, such as CNY")
    if pattern.startswith("^[a-z][a-z0-9_]"):
        return _("an API name: lowercase letters, digits and _, starting with a letter")
    if pattern.startswith("^(#"):
        return _("a colour such as #00aa00")
    if pattern == "^[^|]+$":
        return _("without the | character")
    if pattern.startswith("^(\\."):
        return _("a file extension such as .pdf, or a type such as image/*")
    return None
