"""The field-type contract and its registry.

A field type is one class that owns everything about values of that type: the
SQL column, the options JSON schema, how input is cleaned (API JSON, form data
and imported text all go through :meth:`FieldType.clean`), how values are
written to and read from the column, their JSON and text forms, the WTForms
field, the JSON schema used for OpenAPI, the filter operators it supports and
the types it converts to. Adding a field type means adding one subclass.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from functools import cached_property
from typing import Any, Callable, ClassVar, Optional

import jsonschema
from markupsafe import Markup, escape
from sqlalchemy.types import TypeEngine

from ...errors import ValidationError
from ..schema_messages import plain_error

API_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"


@dataclass(frozen=True)
class FieldDef:
    """An immutable snapshot of one field, as the runtime schema sees it."""

    id: int
    type_id: int
    name: str
    label: str
    field_type: str
    label_zh: Optional[str] = None
    required: bool = False
    unique: bool = False
    indexed: bool = False
    default: Any = None
    help_text: Optional[str] = None
    help_text_zh: Optional[str] = None
    options: dict = dc_field(default_factory=dict)
    position: int = 0
    section: Optional[str] = None
    show_in_list: bool = True
    #: show / required / read-only when (filter trees over the same record: metamodel/field_conditions.py)
    conditions: Optional[dict] = dc_field(default=None, compare=False)
    #: the choices a lookup shows its values with (those of the select, or choice-valued formula, it
    #: looks up), derived by the runtime schema: never stored, never in the field's options
    derived_choices: tuple = dc_field(default=(), compare=False)

    @property
    def column_name(self) -> str:
        return f"f_{self.id}"

    @cached_property
    def ftype(self) -> "FieldType":
        return get_field_type(self.field_type)

    def display_label(self, lang: str = "en") -> str:
        if lang.startswith("zh") and self.label_zh:
            return self.label_zh
        return self.label

    def display_help(self, lang: str = "en") -> str:
        """The help text in ``lang`` (the Chinese one on Chinese pages when there is one), or ""."""
        if lang.startswith("zh") and self.help_text_zh:
            return self.help_text_zh
        return self.help_text or ""


@dataclass
class ValueContext:
    """What cleaning a value may need beyond the value itself (lookups into the database).

    The record store fills these callables; the defaults accept ids as given,
    so pure conversions (tests, type-change previews) work without a database.
    """

    resolve_user: Callable[[Any], Optional[int]] = lambda v: v if isinstance(v, int) else None
    user_email: Callable[[int], Optional[str]] = lambda uid: None
    #: (field, ids) -> the ids that do not name a live record of the link's target
    missing_links: Callable[["FieldDef", list[int]], set[int]] = lambda field, ids: set()
    #: (attachment key, the attachment field) -> its stored description (name, size, content_type), or
    #: None when there is no such upload for that field that the writer may put on a record
    attachment_info: Callable[[str, "FieldDef"], Optional[dict]] = lambda key, field: None
    current_user_id: Optional[int] = None
    lang: str = "en"
    timezone: str = "UTC"


class FieldType:
    """Base class of every field type. Subclasses set the class attributes and override hooks."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""
    #: JSON schema of ``options``; validated on create/update of a field.
    options_schema: ClassVar[dict] = {"type": "object", "additionalProperties": False, "properties": {}}
    #: filter operators this type supports (see :mod:`recordbase.metamodel.operators`).
    operators: ClassVar[tuple[str, ...]] = ("eq", "neq", "in", "not_in", "is_empty", "is_not_empty")
    #: False for types with no column of their own (many-links, system-column aliases).
    has_column: ClassVar[bool] = True
    #: True when users never write the value (system, autonumber, computed).
    read_only: ClassVar[bool] = False
    #: True for formula, lookup, rollup and count: values computed and stored by the recompute engine.
    computed: ClassVar[bool] = False
    #: included in the list's free-text search.
    searchable: ClassVar[bool] = False
    sortable: ClassVar[bool] = True
    #: types an existing column of this type can be converted to.
    convertible_to: ClassVar[frozenset[str]] = frozenset()
    #: for types that alias a system column (created_at ...), that column's name.
    system_column: ClassVar[Optional[str]] = None
    #: JSON schema of a value (for OpenAPI).
    value_schema: ClassVar[dict] = {}

    # -- options ---------------------------------------------------------------
    def validate_options(self, options: dict, lookup_type: Callable[[str], Any] | None = None) -> list[str]:
        """Return every problem with ``options`` (empty list when valid)."""
        validator = jsonschema.Draft202012Validator(self.options_schema)
        problems = []
        for err in sorted(validator.iter_errors(options), key=lambda e: [str(p) for p in e.path]):
            where, message = plain_error(err, "options")
            problems.append(f"{where}: {message}")
        if not problems:
            problems.extend(self.check_options(options, lookup_type))
        return problems

    def check_options(self, options: dict, lookup_type: Callable[[str], Any] | None) -> list[str]:
        """Checks a JSON schema cannot express. Override."""
        return []

    # -- storage ---------------------------------------------------------------
    def column_type(self, field: FieldDef) -> TypeEngine:
        raise NotImplementedError

    def to_db(self, value: Any, field: FieldDef) -> Any:
        return value

    def from_db(self, value: Any, field: FieldDef) -> Any:
        return value

    # -- input -----------------------------------------------------------------
    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        """Turn input (JSON, form data or text) into the Python value, or raise ValueError(message)."""
        if self.is_blank(value):
            return None
        return self.clean_value(value, field, ctx)

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        raise NotImplementedError

    def cleaner(self, field: FieldDef, ctx: ValueContext) -> Callable[[Any], Any]:
        """:meth:`clean` for one field as a one-argument function (what bulk writes call per value).

        Types override it with a fast path for their common input, worked out once per field
        (limits, choice maps); anything else falls back to :meth:`clean`, so results and
        messages are always the same as ``clean``'s."""
        clean = self.clean
        return lambda value: clean(value, field, ctx)

    def _overrides(self, *names_and_owners: tuple[str, type]) -> bool:
        """True when a subclass replaced one of these methods (its fast path would then be wrong)."""
        cls = type(self)
        return any(getattr(cls, name) is not getattr(owner, name) for name, owner in names_and_owners)

    def parse_text(self, text: str, field: FieldDef, ctx: ValueContext) -> Any:
        """Parse a value written as text (import, type conversion). Defaults to :meth:`clean`."""
        return self.clean(text, field, ctx)

    @staticmethod
    def is_blank(value: Any) -> bool:
        return value is None or (isinstance(value, str) and value.strip() == "") or value == []

    # -- sorting ---------------------------------------------------------------
    def sort_expression(self, column: Any, field: FieldDef) -> Any:
        """What records are ordered by when sorted on this field (its column by default)."""
        return column

    def sort_value(self, stored: Any, field: FieldDef) -> Any:
        """A record's value of :meth:`sort_expression`, from its stored value (a cursor carries it)."""
        return stored

    def sort_signature(self, field: FieldDef) -> str:
        """What :meth:`sort_value` depends on besides the value ('' for nothing): a cursor made
        before it changed is refused rather than read wrongly."""
        return ""

    # -- output ----------------------------------------------------------------
    def to_json(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return value

    def conversion_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        """A stored value as it is handed to the new field type's :meth:`clean` when the field's type
        changes (to a type other than text, which takes :meth:`format`): its JSON by default."""
        return self.to_json(value, field, ctx)

    def json_reader(self, field: FieldDef) -> Optional[Callable[[Any, ValueContext], Any]]:
        """``to_json(from_db(value))`` as one function of (stored value, context), for a value that is
        not None; None when both are identities (the stored value is its own JSON).

        A list page turns each cell from the column straight into JSON with it (no
        intermediate record). Types override it with a shortcut of the composition; it must
        give the same answer (``tests/core/test_json_reader.py`` checks every type)."""
        cls = type(self)
        from_db = None if cls.from_db is FieldType.from_db else self.from_db
        to_json = None if cls.to_json is FieldType.to_json else self.to_json
        if from_db is None:
            return None if to_json is None else (lambda v, ctx: to_json(v, field, ctx))
        if to_json is None:
            return lambda v, ctx: from_db(v, field)
        return lambda v, ctx: to_json(from_db(v, field), field, ctx)

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        """Human text of a value, for lists, exports and type conversion."""
        if value is None:
            return ""
        return str(value)

    def format_html(self, value: Any, field: FieldDef, ctx: ValueContext) -> Markup:
        """The value as HTML for the admin's cells: :meth:`format`'s text escaped by default; types
        with choices show badges, date-times their time zone."""
        return escape(self.format(value, field, ctx))

    def choices_of(self, field: FieldDef) -> list[dict]:
        """The choices (value, label, label_zh, color) a value of ``field`` is shown with; [] for none."""
        return []

    # -- forms -----------------------------------------------------------------
    def form_field(self, field: FieldDef, ctx: "FormContext") -> Any:
        """An unbound WTForms field for the create/edit form."""
        from wtforms import StringField

        return StringField(**ctx.kwargs(field))

    def form_data(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        """The value to show in the form field for a stored value."""
        return value

    # -- API schema ------------------------------------------------------------
    def json_schema(self, field: FieldDef) -> dict:
        schema = dict(self.value_schema) if self.value_schema else {}
        return schema

    # -- filters ---------------------------------------------------------------
    def operators_for(self, field: FieldDef) -> tuple[str, ...]:
        """The operators a filter may use on ``field`` (computed types depend on their result type)."""
        return self.operators

    def filter_value(self, op: str, raw: Any, field: FieldDef, ctx: ValueContext) -> Any:
        """The comparison value of a filter condition, cleaned like input."""
        return self.clean(raw, field, ctx)

    def sql_condition(self, op: str, column: Any, value: Any, field: FieldDef) -> Any:
        """A type-specific SQL condition for ``op``, or None to use the generic operator."""
        return None

    def py_condition(self, op: str, stored: Any, value: Any, field: FieldDef) -> Any:
        """A type-specific Python evaluation of ``op``; NotImplemented to use the generic operator."""
        return NotImplemented

    def default_value(self, field: FieldDef, ctx: ValueContext) -> Any:
        if field.default is None:
            return None
        return self.clean(field.default, field, ctx)


@dataclass
class FormContext:
    """What building a form field needs: the language, and choices for links and users."""

    lang: str = "en"
    link_choices: Callable[[FieldDef], list[tuple[str, str]]] = lambda f: []
    user_choices: Callable[[], list[tuple[str, str]]] = lambda: []

    def kwargs(self, field: FieldDef) -> dict:
        from wtforms import validators

        checks = [validators.InputRequired()] if field.required and not field.ftype.read_only else [validators.Optional()]
        return {
            "label": field.display_label(self.lang),
            "description": field.display_help(self.lang),
            "validators": checks,
        }


_REGISTRY: dict[str, FieldType] = {}


def register(cls: type[FieldType]) -> type[FieldType]:
    """Class decorator: add a field type to the registry under ``cls.name``."""
    if not cls.name or cls.name in _REGISTRY:
        raise RuntimeError(f"field type name missing or taken: {cls.name!r}")
    _REGISTRY[cls.name] = cls()
    return cls


def get_field_type(name: str) -> FieldType:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValidationError(f"Unknown field type '{name}'", {"type": [f"unknown field type '{name}'"]}) from None


def field_types() -> dict[str, FieldType]:
    return dict(_REGISTRY)
