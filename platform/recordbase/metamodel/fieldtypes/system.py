"""Read-only field types: autonumber, and the aliases of the system columns (created/updated at/by)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import String

from ...i18n import translate as _
from .base import FieldDef, FieldType, ValueContext, register
from .dates import DATE_OPERATORS, DateTimeType
from .links import UserType
from .text import TEXT_OPERATORS

TOKEN_RE = re.compile(r"\{(YYYY|YY|MM|DD|0+)\}")


@register
class AutonumberType(FieldType):
    """A number given on creation, formatted by a pattern such as ``CT-{YYYY}-{0000}``."""

    name, label, label_zh = "autonumber", "Autonumber", "自动编号"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"pattern": {"type": "string", "minLength": 1, "maxLength": 60}}}
    operators = TEXT_OPERATORS
    read_only = True
    searchable = True
    value_schema = {"type": "string", "readOnly": True}

    def check_options(self, options: dict, lookup_type) -> list[str]:
        pattern = options.get("pattern", "{0}")
        if not re.search(r"\{0+\}", pattern):
            return ["options.pattern: must contain a counter such as {0000}"]
        stripped = TOKEN_RE.sub("", pattern)
        if "{" in stripped or "}" in stripped:
            return ["options.pattern: only {YYYY}, {YY}, {MM}, {DD} and {0…0} may appear in braces"]
        return []

    def column_type(self, field: FieldDef):
        return String(64)

    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return None if self.is_blank(value) else str(value)

    def generate(self, field: FieldDef, number: int, local_now: datetime) -> str:
        def repl(m: re.Match) -> str:
            tok = m.group(1)
            if tok.startswith("0"):
                return str(number).zfill(len(tok))
            return {"YYYY": f"{local_now.year:04d}", "YY": f"{local_now.year % 100:02d}",
                    "MM": f"{local_now.month:02d}", "DD": f"{local_now.day:02d}"}[tok]

        return TOKEN_RE.sub(repl, field.options.get("pattern", "{0}"))


class SystemAlias(FieldType):
    has_column = False
    read_only = True
    system_column: ClassVar[str] = ""

    def clean(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        raise ValueError(_("is set by the system"))


class SystemTime(SystemAlias, DateTimeType):
    operators = DATE_OPERATORS
    value_schema = {"type": "string", "format": "date-time", "readOnly": True}

    def filter_value(self, op: str, raw: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return DateTimeType.clean_value(self, raw, field, ctx)


class SystemUser(SystemAlias, UserType):
    value_schema = {"type": ["string", "null"], "format": "email", "readOnly": True}


@register
class CreatedAtType(SystemTime):
    name, label, label_zh, system_column = "created_at", "Created time", "创建时间", "created_at"


@register
class UpdatedAtType(SystemTime):
    name, label, label_zh, system_column = "updated_at", "Last modified time", "修改时间", "updated_at"


@register
class CreatedByType(SystemUser):
    name, label, label_zh, system_column = "created_by", "Created by", "创建人", "created_by"


@register
class UpdatedByType(SystemUser):
    name, label, label_zh, system_column = "updated_by", "Last modified by", "修改人", "updated_by"
