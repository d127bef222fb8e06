"""Value types of formulas, what each kind of function parameter accepts, and how
fields of the metamodel are seen by formulas.

Static types: ``number``, ``text``, ``boolean``, ``date`` (a calendar day),
``datetime`` (an instant, naive UTC at run time), ``list`` (a multiple value:
multi-select, many-link, lookup), ``blank`` (only ``BLANK()``: fits anywhere)
and ``any`` (unknown until run time: checks are skipped, values are converted
when used).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

NUMBER = "number"
TEXT = "text"
BOOLEAN = "boolean"
DATE = "date"
DATETIME = "datetime"
LIST = "list"
BLANK = "blank"
ANY = "any"

VALUE_TYPES = frozenset({NUMBER, TEXT, BOOLEAN, DATE, DATETIME, LIST, BLANK, ANY})

#: how a type is named in messages
TYPE_NOUN = {NUMBER: "a number", TEXT: "text", BOOLEAN: "a true/false value", DATE: "a date",
             DATETIME: "a date and time", LIST: "a list of values", BLANK: "a blank", ANY: "a value"}

# Parameter kinds of the function table and the static types each accepts. Text, logical and
# "any" parameters take everything (values are converted: 5 -> "5", "" -> FALSE ...).
_ALL = VALUE_TYPES
ACCEPTS: dict[str, frozenset[str]] = {
    "number": frozenset({NUMBER, BOOLEAN, BLANK, ANY}),
    "numbers": frozenset({NUMBER, BOOLEAN, BLANK, ANY, LIST}),
    "date": frozenset({DATE, DATETIME, TEXT, BLANK, ANY}),
    "text": _ALL,
    "texts": _ALL,
    "logical": _ALL,
    "any": _ALL,
}
KIND_NOUN = {"number": "a number", "numbers": "numbers or lists of numbers", "date": "a date",
             "text": "text", "texts": "text", "logical": "a condition", "any": "a value"}

# Comparison groups: values of the same group compare; text also compares with dates (the
# text is read as a date). Lists compare as their text for = and != only.
_GROUP = {NUMBER: "num", BOOLEAN: "num", TEXT: "text", LIST: "text", DATE: "time", DATETIME: "time"}


def comparable(a: str, b: str, ordering: bool) -> bool:
    """Whether values of static types ``a`` and ``b`` may be compared (``ordering``: < <= > >=)."""
    if ordering and LIST in (a, b):
        return False
    if a in (BLANK, ANY) or b in (BLANK, ANY):
        return True
    ga, gb = _GROUP[a], _GROUP[b]
    return ga == gb or {ga, gb} == {"text", "time"}


def unify(types: Iterable[str]) -> str:
    """The type of a value that may come from any of several branches (IF, SWITCH).

    Blank branches do not count; one type is that type; date and datetime give
    datetime; any other mixture gives text (numbers, dates ... are turned into
    text), so ``IF({x} > 0, {x}, "n/a")`` is a text formula.
    """
    found = {t for t in types if t != BLANK}
    if not found:
        return BLANK
    if ANY in found:
        return ANY
    if len(found) == 1:
        return found.pop()
    if found == {DATE, DATETIME}:
        return DATETIME
    return TEXT


@dataclass(frozen=True)
class FieldInfo:
    """What a formula needs to know about a field: its API name (the key of the values
    passed to :func:`evaluate`), the static type of its value, and whether it holds several values."""

    name: str
    value_type: str = ANY
    multiple: bool = False

    @property
    def static_type(self) -> str:
        return LIST if self.multiple else self.value_type


#: value type of each base field type (computed types are mapped by whoever owns them).
FIELD_TYPE_VALUES: dict[str, tuple[str, bool]] = {
    "text": (TEXT, False), "long_text": (TEXT, False), "email": (TEXT, False), "url": (TEXT, False),
    "phone": (TEXT, False), "single_select": (TEXT, False), "multi_select": (TEXT, True),
    "number": (NUMBER, False), "decimal": (NUMBER, False), "currency": (NUMBER, False),
    "percent": (NUMBER, False), "rating": (NUMBER, False), "duration": (NUMBER, False),
    "boolean": (BOOLEAN, False), "date": (DATE, False), "datetime": (DATETIME, False),
    "created_at": (DATETIME, False), "updated_at": (DATETIME, False),
    "created_by": (NUMBER, False), "updated_by": (NUMBER, False), "user": (NUMBER, False),
    "autonumber": (TEXT, False), "attachment": (TEXT, True),
}


COMPUTED_FIELD_TYPES = frozenset({"formula", "lookup", "rollup", "count"})


def default_field_info(field: Any) -> Optional[FieldInfo]:
    """A :class:`FieldInfo` for a :class:`~recordbase.metamodel.fieldtypes.FieldDef` of a base type.

    Links count as lists of record ids (one-links as a number); computed fields (formula,
    lookup, rollup, count) as their stored ``options.result_type``; unknown types as ``any``.
    """
    ftype = getattr(field, "field_type", None)
    options = getattr(field, "options", None) or {}
    if ftype == "link":
        return FieldInfo(field.name, NUMBER, bool(options.get("many")))
    if ftype in COMPUTED_FIELD_TYPES:
        result = NUMBER if ftype == "count" else options.get("result_type") or TEXT
        return FieldInfo(field.name, result if result in VALUE_TYPES else ANY, False)
    value_type, multiple = FIELD_TYPE_VALUES.get(ftype or "", (ANY, False))
    return FieldInfo(field.name, value_type, multiple)


def make_resolver(fields: Iterable[Any],
                  info: Callable[[Any], Optional[FieldInfo]] = default_field_info
                  ) -> Callable[[str], Optional[FieldInfo]]:
    """A ``resolve_field`` for :func:`check` over FieldDef-like objects (``name``, ``label``, ``label_zh``).

    A reference names a field by API name first (exact), then by label or Chinese label
    (trimmed, case-insensitive), the same rule as :meth:`TypeDef.field_by_label`.
    """
    items = list(fields)
    by_name = {f.name: f for f in items}
    by_label: dict[str, Any] = {}
    for f in items:
        for label in (getattr(f, "label", None), getattr(f, "label_zh", None)):
            if label:
                by_label.setdefault(label.strip().casefold(), f)

    def resolve(ref: str) -> Optional[FieldInfo]:
        f = by_name.get(ref) or by_label.get(ref.strip().casefold())
        return info(f) if f is not None else None

    return resolve
