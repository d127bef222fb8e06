"""Date and datetime field types. Datetimes are stored as naive UTC on every backend."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import Date, DateTime

from ...i18n import translate as _
from .base import FieldDef, FieldType, FormContext, ValueContext, register

def zone_title(zone: str, local: datetime) -> str:
    """The full zone of a local time: 'Asia/Shanghai, UTC+08:00' ('UTC' for UTC)."""
    offset = local.strftime("%z")
    if zone == "UTC" or not offset:
        return "UTC"
    return f"{zone}, UTC{offset[:3]}:{offset[3:]}"


def zone_suffix(local: datetime) -> str:
    """A short zone for text beside a time: 'CST', 'UTC', or 'UTC+05:30' where the zone has no abbreviation."""
    name = local.tzname() or ""
    if name and not name[0] in "+-":
        return name
    offset = local.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


DATE_OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "before", "after",
                  "within_last_days", "within_next_days", "is_empty", "is_not_empty")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date_text(text: str) -> date:
    s = unicodedata.normalize("NFKC", text).strip()
    m = DATE_RE.match(s)
    if not m:
        raise ValueError(_("'%(value)s' is not a date (use YYYY-MM-DD)", value=text))
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(_("'%(value)s' is not a real date", value=text)) from None


def _date_of_midnight(text: str) -> date:
    """The date of a date and time written for a date field: only midnight is taken (many clients
    send a date as one: JavaScript's ``toISOString()`` of a UTC date, a spreadsheet's cell as text),
    and its date is the one written, whatever the offset. Any other time of day is refused rather
    than dropped: it would be lost unseen, and which day it falls on depends on a time zone."""
    s = unicodedata.normalize("NFKC", text).strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        dt = datetime.fromisoformat(s.replace("/", "-"))
    except ValueError:
        raise ValueError(_("'%(value)s' is not a date (use YYYY-MM-DD)", value=text)) from None
    if dt.time() != time(0):
        raise ValueError(_("'%(value)s' has a time of day, and a date field holds a date only: send %(date)s, "
                           "or use a date and time field", value=text, date=dt.date().isoformat()))
    return dt.date()


@register
class DateType(FieldType):
    name, label, label_zh = "date", "Date", "日期"
    operators = DATE_OPERATORS
    convertible_to = frozenset({"datetime", "text", "long_text"})
    value_schema = {"type": "string", "format": "date"}

    def column_type(self, field: FieldDef):
        return Date()

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            text = value.strip()
            if "T" in text or (len(text) > 10 and ":" in text):
                return _date_of_midnight(value)
            return parse_date_text(text)
        raise ValueError(_("must be a date written YYYY-MM-DD"))

    def cleaner(self, field: FieldDef, ctx: ValueContext) -> Callable[[Any], Any]:
        """'2026-01-05' (what the API and most files send) without normalising; the rest through clean()."""
        if self._overrides(("clean", FieldType), ("is_blank", FieldType), ("clean_value", DateType)):
            return super().cleaner(field, ctx)
        slow = super().cleaner(field, ctx)

        def clean(value: Any) -> Any:
            if type(value) is str and _ISO_DATE.fullmatch(value):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass  # an impossible date: clean() words the message
            return slow(value)
        return clean

    def from_db(self, value: Any, field: FieldDef) -> Any:
        if isinstance(value, str):
            return date.fromisoformat(value[:10])
        if isinstance(value, datetime):
            return value.date()
        return value

    def to_json(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return value.isoformat() if value is not None else None

    format_text = to_json

    def json_reader(self, field: FieldDef) -> Callable[[Any, ValueContext], Any]:
        if self._overrides(("from_db", DateType), ("to_json", DateType)):
            return super().json_reader(field)
        from_db = self.from_db

        def read(value: Any, ctx: ValueContext) -> Any:  # the driver's date needs no from_db
            return (value if type(value) is date else from_db(value, field)).isoformat()

        def from_driver(value: Any) -> Any:
            """``read`` of SQLAlchemy's SQLite reading of the text it wrote (``2026-01-05``): that text
            itself, once it is known to be a date that exists (:mod:`recordbase.storage.row_writers`
            checks it agrees on :attr:`probes` before using it)."""
            if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
                date.fromisoformat(value)  # (a date that does not exist is refused, as the driver's reader does)
                return value  # (ASCII digits in this shape, or fromisoformat refuses it: isoformat's text)
            return read(value, None)

        from_driver.probes = _DATE_PROBES  # type: ignore[attr-defined]
        read.from_driver = from_driver  # type: ignore[attr-defined]
        return read

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return value.isoformat() if value is not None else ""

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import DateField

        return DateField(**ctx.kwargs(field))


#: stored dates a folded date reader is checked on (:func:`recordbase.storage.row_writers._folds`)
_DATE_PROBES = ("2026-01-05", "0001-01-01", "9999-12-31", "2024-02-29", "1999-12-31")


@register
class DateTimeType(FieldType):
    name, label, label_zh = "datetime", "Date and time", "日期时间"
    operators = DATE_OPERATORS
    convertible_to = frozenset({"date", "text", "long_text"})
    value_schema = {"type": "string", "format": "date-time"}

    def column_type(self, field: FieldDef):
        return DateTime()

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> datetime:
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, date):
            dt = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip().replace("Z", "+00:00").replace("z", "+00:00")
            try:
                dt = datetime.fromisoformat(text.replace("/", "-"))
            except ValueError:
                try:
                    d = parse_date_text(text)
                except ValueError:
                    raise ValueError(_("'%(value)s' is not a date and time (use ISO 8601)", value=value)) from None
                dt = datetime(d.year, d.month, d.day)
        else:
            raise ValueError(_("must be a date and time in ISO 8601"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=ZoneInfo(ctx.timezone or "UTC"))
        return dt.astimezone(timezone.utc).replace(tzinfo=None, microsecond=(dt.microsecond // 1000) * 1000)

    def from_db(self, value: Any, field: FieldDef) -> Any:
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def to_json(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc).isoformat()

    def conversion_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        """The time in the context's time zone (a type change runs in the instance's): turned into a
        date, it keeps the date users saw."""
        return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(ctx.timezone or "UTC"))

    def json_reader(self, field: FieldDef) -> Callable[[Any, ValueContext], Any]:
        if self._overrides(("from_db", DateTimeType), ("to_json", DateTimeType)):
            return super().json_reader(field)
        from_db = self.from_db

        def read(value: Any, ctx: ValueContext) -> Any:  # a naive datetime is stored UTC as it is
            if type(value) is not datetime or value.tzinfo is not None:
                value = from_db(value, field)
            return value.replace(tzinfo=timezone.utc).isoformat()
        return read

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if value is None:
            return ""
        local = value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(ctx.timezone or "UTC"))
        return local.strftime("%Y-%m-%d %H:%M")

    def format_html(self, value: Any, field: FieldDef, ctx: ValueContext) -> Markup:
        """The local time, its zone named on hover (``Asia/Shanghai, UTC+08:00``)."""
        if value is None:
            return Markup("")
        zone = ctx.timezone or "UTC"
        local = value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone))
        return Markup('<span class="rb-time" title="{}">{}</span>').format(zone_title(zone, local),
                                                                           self.format(value, field, ctx))

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import DateTimeLocalField

        return DateTimeLocalField(format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
                                  **ctx.kwargs(field))

    def form_data(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(ctx.timezone or "UTC")).replace(tzinfo=None)
