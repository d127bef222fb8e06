"""Column mapping: which column of the file feeds which field of the record type.

Automatic mapping matches a header to a field by API name, English label or Chinese label
(trimmed, case- and width-insensitive; for two-row headers 'Contact Phone' also the last
part). The user edits the result: a mapping given as ``{column header or number: field
name or label or None}`` overrides the automatic one column by column.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import ValidationError
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.ids import as_id
from ..metamodel.runtime import TypeDef

#: field types an import can never write
UNIMPORTABLE = frozenset({"attachment"})


def norm(text: Any) -> str:
    t = unicodedata.normalize("NFKC", str(text or "")).casefold()
    t = re.sub(r"[\s_\-:：*（）()]+", "", t)
    return t


def importable(f: FieldDef) -> bool:
    return not f.ftype.read_only and f.field_type not in UNIMPORTABLE


@dataclass
class ColumnMap:
    index: int
    header: str
    field: Optional[FieldDef]
    reason: str = ""  # why a column is not imported

    def to_json(self) -> dict:
        return {"column": self.index + 1, "header": self.header,
                "field": self.field.name if self.field else None,
                "field_label": self.field.label if self.field else None,
                "reason": self.reason or None}


def _candidates(typedef: TypeDef) -> dict[str, FieldDef]:
    out: dict[str, FieldDef] = {}
    for f in typedef.fields:
        for key in (f.name, f.label, f.label_zh):
            if key:
                out.setdefault(norm(key), f)
    return out


def find_field(typedef: TypeDef, text: str) -> Optional[FieldDef]:
    """A field named by API name, label or Chinese label (loosely compared)."""
    exact = typedef.field(text.strip()) if isinstance(text, str) else None
    if exact is not None:
        return exact
    return _candidates(typedef).get(norm(text))


def auto_map(typedef: TypeDef, headers: list[str], overrides: Optional[dict] = None,
             key: Optional[FieldDef] = None) -> list[ColumnMap]:
    """Map every header to a field (or to nothing, with the reason). ``key``, the field an import
    matches existing records on, is mapped even when no import writes it (an autonumber): its
    column is read for matching only."""
    cands = _candidates(typedef)
    overrides = dict(overrides or {})
    by_header: dict[int, Any] = {}
    for key, target in overrides.items():
        idx = _column_index(headers, key)
        by_header[idx] = target
    out: list[ColumnMap] = []
    used: dict[str, int] = {}
    for i, h in enumerate(headers):
        if i in by_header:
            target = by_header[i]
            if target in (None, "", False):
                out.append(ColumnMap(i, h, None, "not imported (mapping)"))
                continue
            f = target if isinstance(target, FieldDef) else find_field(typedef, str(target))
            if f is None:
                raise ValidationError(f"Mapping: record type '{typedef.name}' has no field '{target}'",
                                      {"mapping": {h: [f"no field '{target}'"]}})
            if not importable(f) and f is not key:
                raise ValidationError(f"Mapping: field '{f.name}' cannot be imported ({f.field_type})",
                                      {"mapping": {h: [f"'{f.name}' is {f.field_type}: not importable"]}})
        else:
            f = cands.get(norm(h))
            if f is None and " " in h:  # a two-row header: 'Contact Phone' -> 'Phone'
                parts = h.split(" ")
                f = cands.get(norm("".join(parts))) or cands.get(norm(parts[-1]))
            if f is None:
                out.append(ColumnMap(i, h, None, "no field with this name"))
                continue
            if not importable(f) and f is not key:
                out.append(ColumnMap(i, h, None, f"field '{f.name}' is {f.field_type} (not importable)"))
                continue
        if f.name in used:
            if i in by_header:
                raise ValidationError(f"Mapping: two columns map to field '{f.name}'",
                                      {"mapping": {h: [f"'{f.name}' is already fed by column {used[f.name] + 1}"]}})
            out.append(ColumnMap(i, h, None, f"field '{f.name}' already fed by column {used[f.name] + 1}"))
            continue
        used[f.name] = i
        out.append(ColumnMap(i, h, f))
    return out


def _column_index(headers: list[str], key: Any) -> int:
    number = as_id(key) if not (isinstance(key, str) and key in headers) else None  # (a column's number, from 1)
    if number is not None and number <= len(headers):
        return number - 1
    if isinstance(key, str):
        for i, h in enumerate(headers):
            if h == key:
                return i
        for i, h in enumerate(headers):
            if norm(h) == norm(key):
                return i
    raise ValidationError(f"Mapping: the file has no column '{key}' (columns: {', '.join(headers)})",
                          {"mapping": {str(key): ["no such column"]}})
