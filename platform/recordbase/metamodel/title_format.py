"""A record type's title format: text with field references by API name, e.g. ``{kpi} · {score}``.

The metamodel keeps and checks the format (:func:`check`); the record store's
:class:`~recordbase.storage.titles.RecordTitles` reads and formats titles with it.
A ``{`` that does not open a reference (``{ x}``, ``{}``) is plain text.
"""
from __future__ import annotations

import re
from typing import Optional, Union

from ..i18n import translate as _
from .fieldtypes import FieldDef
from .runtime import TypeDef, has_own_column, is_many_link

REFERENCE = re.compile(r"\{([a-z][a-z0-9_]{0,62})\}")
MAX_LENGTH = 255


class Ref(str):
    """A field reference in a parsed format (a ``str`` of the field's API name)."""


def parse(text: str) -> list[Union[str, Ref]]:
    """The format as literal text and references, in order (empty literals left out)."""
    out: list[Union[str, Ref]] = []
    pos = 0
    for m in REFERENCE.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        out.append(Ref(m.group(1)))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def references(text: Optional[str]) -> list[str]:
    """The API names a format refers to, each once, in order."""
    seen: list[str] = []
    for part in parse(text or ""):
        if isinstance(part, Ref) and part not in seen:
            seen.append(str(part))
    return seen


def can_title(field: FieldDef) -> bool:
    """Whether a field's value can be part of a title: it has a value in the record's own row
    (a column, or a system column); a many-link or a file list cannot."""
    if is_many_link(field) or field.field_type == "attachment":
        return False
    return bool(field.ftype.system_column) or has_own_column(field)


def check(text: str, fields: dict[str, FieldDef]) -> list[str]:
    """The problems of a format over a type's live fields (by API name), worded for people."""
    if len(text) > MAX_LENGTH:
        return [_("at most %(num)s characters", num=MAX_LENGTH)]
    names = references(text)
    if not names:
        return [_("name at least one field by its API name in braces, e.g. %(example)s", example="{name}")]
    problems = []
    for name in names:
        f = fields.get(name)
        if f is None:
            problems.append(_("no field '%(name)s'", name=name))
        elif not can_title(f):
            problems.append(_("field '%(name)s' cannot be part of a title (several links or files)", name=name))
    return problems


def title_parts(typedef: TypeDef) -> list[Union[str, FieldDef, None]]:
    """What a title of ``typedef`` is made of: literal text and the fields whose values it shows.

    ``typedef`` is the reader's view (hidden fields left out): a reference to a hidden or
    trashed field shows nothing (``None`` in its place). A type without a format (or whose format names no field the
    reader can see) is titled by its title field (the primary field, else the first text field)."""
    parts: list[Union[str, FieldDef, None]] = []
    if typedef.title_format:
        for part in parse(typedef.title_format):
            if isinstance(part, Ref):
                f = typedef.field(part)
                parts.append(f if f is not None and can_title(f) else None)
            else:
                parts.append(part)
    if not any(isinstance(p, FieldDef) for p in parts):
        tf = typedef.title_field
        parts = [tf] if tf is not None and can_title(tf) else []
    return parts
