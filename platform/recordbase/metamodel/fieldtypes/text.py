"""Text-like field types: text, long_text, email, url, phone."""
from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import urlsplit

from sqlalchemy import String, Text

from ...i18n import translate as _
from .base import FieldDef, FieldType, FormContext, ValueContext, register

TEXT_OPERATORS = ("eq", "neq", "contains", "not_contains", "starts_with", "in", "not_in", "is_empty", "is_not_empty")
TEXTUAL = frozenset({"text", "long_text", "email", "url", "phone", "single_select", "number", "decimal",
                     "currency", "percent", "rating", "date", "datetime", "boolean", "duration", "multi_select"})


#: PostgreSQL's text cannot hold the NUL character (SQLite's can): refused on both, by the field


class TextLike(FieldType):
    operators = TEXT_OPERATORS
    searchable = True
    value_schema = {"type": "string"}
    max_length = 255
    convertible_to = TEXTUAL

    def column_type(self, field: FieldDef):
        return String(self.max_length)

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise ValueError(_("must be text"))
        raw = str(value) if not isinstance(value, str) else value
        text = raw.strip()
        limit = self.length_limit(field)
        if len(raw) > limit:  # as sent, like the document's maxLength: the spaces trimmed count too
            raise ValueError(_("must be at most %(limit)s characters", limit=limit))
        if "\x00" in text:
            raise ValueError(_("must not contain the NUL character (\\u0000)"))
        return self.check(text)

    def cleaner(self, field: FieldDef, ctx: ValueContext) -> Callable[[Any], Any]:
        if self._overrides(("clean", FieldType), ("is_blank", FieldType), ("clean_value", TextLike)):
            return super().cleaner(field, ctx)
        slow = super().cleaner(field, ctx)
        limit = self.length_limit(field)
        check = self.check

        def clean(value: Any) -> Any:
            if type(value) is not str:
                return slow(value)
            text = value.strip()
            if not text:
                return None
            if len(value) > limit:  # as sent (see clean_value)
                raise ValueError(_("must be at most %(limit)s characters", limit=limit))
            if "\x00" in text:
                raise ValueError(_("must not contain the NUL character (\\u0000)"))
            return check(text)
        return clean

    def length_limit(self, field: FieldDef) -> int:
        """The column's size, or the field's smaller ``options.max_length``."""
        return min(self.max_length, int(field.options.get("max_length") or self.max_length))

    def check(self, text: str) -> str:
        return text

    def json_schema(self, field: FieldDef) -> dict:
        return {"type": "string", "maxLength": self.length_limit(field)}


@register
class TextType(TextLike):
    name, label, label_zh = "text", "Text", "单行文本"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"max_length": {"type": "integer", "minimum": 1, "maximum": 255}}}


@register
class LongTextType(TextLike):
    name, label, label_zh = "long_text", "Long text", "多行文本"
    max_length = 100_000

    def column_type(self, field: FieldDef):
        return Text()

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import TextAreaField

        return TextAreaField(**ctx.kwargs(field))


EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


@register
class EmailType(TextLike):
    name, label, label_zh = "email", "Email", "电子邮箱"
    value_schema = {"type": "string", "format": "email"}

    def check(self, text: str) -> str:
        if not EMAIL_RE.match(text):
            raise ValueError(_("'%(value)s' is not a valid email address", value=text))
        return text

    def json_schema(self, field: FieldDef) -> dict:
        return {"type": "string", "format": "email"}

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import EmailField

        return EmailField(**ctx.kwargs(field))


@register
class UrlType(TextLike):
    name, label, label_zh = "url", "URL", "网址"
    max_length = 2000

    def column_type(self, field: FieldDef):
        return String(self.max_length)

    def check(self, text: str) -> str:
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
            raise ValueError(_("'%(value)s' is not a valid http(s) URL", value=text))
        return text

    def json_schema(self, field: FieldDef) -> dict:
        return {"type": "string", "format": "uri", "maxLength": self.max_length}

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import URLField

        return URLField(**ctx.kwargs(field))


PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{3,31}(\s*(ext\.?|x|转)\s*[0-9]{1,6})?$")


@register
class PhoneType(TextLike):
    name, label, label_zh = "phone", "Phone", "电话"
    max_length = 40

    def column_type(self, field: FieldDef):
        return String(self.max_length)

    def check(self, text: str) -> str:
        if not PHONE_RE.match(text) or sum(c.isdigit() for c in text) < 3:
            raise ValueError(_("'%(value)s' is not a valid phone number", value=text))
        return text

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import TelField

        return TelField(**ctx.kwargs(field))
