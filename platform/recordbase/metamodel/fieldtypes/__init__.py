"""Field types. Importing this package registers every built-in type."""
from . import choices, computed, dates, files, links, numbers, system, text  # noqa: F401
from .base import FieldDef, FieldType, FormContext, ValueContext, field_types, get_field_type, register

__all__ = ["FieldDef", "FieldType", "FormContext", "ValueContext", "field_types", "get_field_type", "register"]
