"""Numeric field types: number, decimal, currency, percent, rating, duration."""
from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Optional

from sqlalchemy import BigInteger, Float, Integer, Numeric

from ...i18n import translate as _
from .base import FieldDef, FieldType, FormContext, ValueContext, register
from .display import currency_text, strip_currency

NUMBER_OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "is_empty", "is_not_empty")
NUMERIC = frozenset({"number", "decimal", "currency", "percent", "rating", "text", "long_text", "duration"})


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
#: text parse_number_text reads by dropping a currency sign and thousands separators (nothing to normalise)
_GROUPED_NUMBER = re.compile(r"[+-]?[¥$€£]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_SYMBOLS = str.maketrans("", "", "¥$€£,")


def parse_number_text(text: str) -> Decimal:
    """Parse '1,234.5', '１２３', '¥1,200', ' -3 ' into a Decimal; ValueError otherwise."""
    if _PLAIN_NUMBER.fullmatch(text):  # the common case (imports read many): nothing to normalise
        return Decimal(text)
    s = unicodedata.normalize("NFKC", text).strip()
    s = s.replace("¥", "").replace("$", "").replace("€", "").replace("£", "").replace(",", "").replace(" ", "")
    s = s.replace("\u00a0", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
        raise ValueError(_("'%(value)s' is not a number", value=text))
    return Decimal(s)


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("must be a number, not true/false"))
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(_("must be a finite number"))
        d = Decimal(repr(value))
    elif isinstance(value, str):
        d = parse_number_text(value)
    else:
        raise ValueError(_("must be a number"))
    if not d.is_finite():
        raise ValueError(_("must be a finite number"))
    return d


_EXACT = 2**53  # integers a double holds exactly


def json_number(value: Any) -> Any:
    """A stored number as JSON: whole numbers as integers, others as floats.

    A Decimal goes through ``float`` once (the common case, a value below 2**53, needs no
    Decimal arithmetic); a Decimal with more digits than a double holds keeps its float."""
    t = type(value)
    if t is float:
        return int(value) if value.is_integer() and -_EXACT < value < _EXACT else value
    if t is Decimal:
        f = float(value)
        if not f.is_integer():
            return f
        if -_EXACT < f < _EXACT:
            i = int(f)
            return i if value == i else f
        return int(value) if value == value.to_integral_value() else f
    return value


def _number_json(value: Any, ctx: ValueContext) -> Any:
    return json_number(value)


_number_json.plain = json_number  # type: ignore[attr-defined]  (the same, without the context: row_writers)


class NumberLike(FieldType):
    operators = NUMBER_OPERATORS
    convertible_to = NUMERIC
    value_schema = {"type": "number"}
    limit = Decimal(10) ** 15

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        d = to_decimal(value)
        limit = self.value_limit(field)
        if abs(d) >= limit:
            raise ValueError(_("must be smaller than %(limit)s", limit=format(limit, ",")))
        return self.finish(d, field)

    def value_limit(self, field: FieldDef) -> Decimal:
        return self.limit

    def finish(self, d: Decimal, field: FieldDef) -> Any:
        return float(d)

    def cleaner(self, field: FieldDef, ctx: ValueContext) -> Callable[[Any], Any]:
        """Plain numbers (JSON numbers, '1234.5' text) straight to :meth:`finish`; the rest through clean()."""
        cls = type(self)
        if self._overrides(("clean", FieldType), ("is_blank", FieldType)) or cls.clean_value not in _PLAIN_CLEAN:
            return super().cleaner(field, ctx)
        slow = super().cleaner(field, ctx)
        limit = self.value_limit(field)
        float_limit = float(limit)
        percent = cls.clean_value is PercentType.clean_value
        as_float = cls.finish is NumberLike.finish  # the stored value is float(d): floats pass unchanged
        # whole numbers a rating keeps as they are (finish() would give int(Decimal(value)))
        top = int(field.options.get("max", 5)) if cls.finish is RatingType.finish else -1
        if cls.finish is FixedPoint.finish:  # finish() with the quantum worked out once
            quantum = Decimal(1).scaleb(-self.precision(field))

            def finish(d: Decimal, field: FieldDef) -> Any:
                return d.quantize(quantum, rounding=ROUND_HALF_UP)
        else:
            finish = self.finish

        def clean(value: Any) -> Any:
            t = type(value)
            if t is int and 0 <= value <= top:
                return value
            if t is float:
                if as_float and -float_limit < value < float_limit:
                    return value  # == float(Decimal(repr(value))), and within the limit exactly
                if value != value or value in (math.inf, -math.inf):
                    return slow(value)
                d = Decimal(repr(value))
            elif t is int:
                d = Decimal(value)
            elif t is str:
                if _PLAIN_NUMBER.fullmatch(value):
                    d = Decimal(value)
                elif percent and value[-1:] == "%" and _PLAIN_NUMBER.fullmatch(value[:-1]):
                    d = Decimal(value[:-1])  # '85%'
                elif _GROUPED_NUMBER.fullmatch(value):
                    d = Decimal(value.translate(_SYMBOLS))  # '¥1,200.50', '-1,234'
                else:
                    return slow(value)
            else:
                return slow(value)
            if abs(d) >= limit:
                raise ValueError(_("must be smaller than %(limit)s", limit=format(limit, ",")))
            return finish(d, field)
        return clean

    def to_json(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return json_number(value)

    def json_reader(self, field: FieldDef) -> Callable[[Any, ValueContext], Any]:
        if self._overrides(("from_db", NumberLike), ("to_json", NumberLike)):
            return super().json_reader(field)
        return _number_json

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if value is None:
            return ""
        return str(json_number(value))

    def form_field(self, field: FieldDef, ctx: FormContext):
        from wtforms import DecimalField

        # (WTForms' DecimalField shows two places unless told: a form saved unchanged would round)
        return DecimalField(places=self.form_places(field), **ctx.kwargs(field))

    def form_places(self, field: FieldDef) -> Optional[int]:
        """The decimal places the form shows a stored value with: None, every digit it has."""
        return None

    def form_data(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return None if value is None else Decimal(str(value))


@register
class NumberType(NumberLike):
    name, label, label_zh = "number", "Number", "数字"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"precision": {"type": "integer", "minimum": 0, "maximum": 10}}}

    def column_type(self, field: FieldDef):
        return Float()

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if value is None:
            return ""
        p = field.options.get("precision")
        return f"{value:.{p}f}" if p is not None else str(json_number(value))


class FixedPoint(NumberLike):
    default_precision = 2

    def precision(self, field: FieldDef) -> int:
        return int(field.options.get("precision", self.default_precision))

    def form_places(self, field: FieldDef) -> Optional[int]:
        return self.precision(field)

    def column_type(self, field: FieldDef):
        return Numeric(20, self.precision(field), asdecimal=True)

    def value_limit(self, field: FieldDef) -> Decimal:
        # At most 15 significant digits (like a spreadsheet): exact on PostgreSQL's NUMERIC and on
        # SQLite, whose NUMERIC columns hold a double (15 digits survive the round trip).
        return Decimal(10) ** (15 - self.precision(field))

    def finish(self, d: Decimal, field: FieldDef) -> Decimal:
        return d.quantize(Decimal(1).scaleb(-self.precision(field)), rounding=ROUND_HALF_UP)

    def from_db(self, value: Any, field: FieldDef) -> Any:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.precision(field)))

    def json_reader(self, field: FieldDef) -> Callable[[Any, ValueContext], Any]:
        if self._overrides(("from_db", FixedPoint), ("to_json", NumberLike)):
            return super().json_reader(field)
        from_db = self.from_db
        places = self.precision(field)
        text = f"%.{places}f"
        # below ``limit`` a double's spacing is under half of 10**-places: a double equal to
        # n / 10**places (n whole) is then the one ``round(value, places)`` gives
        scale = 10 ** places
        limit = 2.0 ** 52 / scale / 2

        def read(value: Any, ctx: ValueContext) -> Any:  # the driver's Decimal needs no from_db
            return json_number(value if type(value) is Decimal else from_db(value, field))

        def from_driver(value: Any) -> Any:
            """``read`` of SQLAlchemy's SQLite result processor's ``Decimal(text % value)`` of the driver's
            float, without the Decimal unless the number is whole: ``round(value, places)`` is the float
            of that Decimal (both round the float's exact value correctly to ``places`` digits).
            :mod:`recordbase.storage.row_writers` checks it agrees before using it."""
            if type(value) is float:
                # a stored decimal is already the double nearest a number of ``places`` digits: then
                # ``round`` would give it back (a slow correctly-rounding conversion): checked exactly here
                if -limit < value < limit and round(value * scale) / scale == value:
                    f = value
                else:
                    f = round(value, places)
                if not f.is_integer():
                    return f
            return json_number(Decimal(text % value))

        read.from_driver = from_driver  # type: ignore[attr-defined]
        return read

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if value is None:
            return ""
        return f"{Decimal(value):,.{self.precision(field)}f}"

    def json_schema(self, field: FieldDef) -> dict:
        return {"type": "number", "multipleOf": float(Decimal(1).scaleb(-self.precision(field)))}


@register
class DecimalType(FixedPoint):
    name, label, label_zh = "decimal", "Decimal", "小数"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"precision": {"type": "integer", "minimum": 0, "maximum": 8}}}


@register
class CurrencyType(FixedPoint):
    name, label, label_zh = "currency", "Currency", "金额"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                                     "precision": {"type": "integer", "minimum": 0, "maximum": 4}}}

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if isinstance(value, str):  # '¥1,234.50' (what format() writes), 'CNY 1,234.50' or '1,234.50 CNY'
            value = strip_currency(unicodedata.normalize("NFKC", value), field.options.get("code"))
        return super().clean_value(value, field, ctx)

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        """'¥420,000.00': the code's symbol (the code itself when it has none here), thousands separated."""
        return currency_text(super().format(value, field, ctx), field.options.get("code"))


@register
class PercentType(NumberLike):
    """A percentage stored as the number shown: 85 means 85 %."""

    name, label, label_zh = "percent", "Percent", "百分比"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"precision": {"type": "integer", "minimum": 0, "maximum": 6}}}

    def column_type(self, field: FieldDef):
        return Float()

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if isinstance(value, str) and value.strip().endswith(("%", "％")):
            value = value.strip()[:-1]
        return super().clean_value(value, field, ctx)

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        return "" if value is None else f"{json_number(value)}%"


@register
class RatingType(NumberLike):
    name, label, label_zh = "rating", "Rating", "评分"
    options_schema = {"type": "object", "additionalProperties": False,
                      "properties": {"max": {"type": "integer", "minimum": 1, "maximum": 10},
                                     "icon": {"type": "string", "enum": ["star", "heart", "thumb"]}}}

    def column_type(self, field: FieldDef):
        return Integer()

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        if isinstance(value, str) and value.strip() and set(value.strip()) <= {"★", "☆"}:
            value = value.count("★")  # '★★★☆☆', as format() writes it
        return super().clean_value(value, field, ctx)

    def finish(self, d: Decimal, field: FieldDef) -> int:
        top = int(field.options.get("max", 5))
        if d != d.to_integral_value() or not 0 <= d <= top:
            raise ValueError(_("must be a whole number from 0 to %(top)s", top=top))
        return int(d)

    def json_schema(self, field: FieldDef) -> dict:
        return {"type": "integer", "minimum": 0, "maximum": int(field.options.get("max", 5))}

    def form_field(self, field: FieldDef, ctx: FormContext):
        """Stars to pick (``★★★★☆ 4``), as on a phone one taps them: not a number to type."""
        from wtforms import SelectField

        class StarsField(SelectField):
            def pre_validate(self, form: Any) -> None:
                """Any value goes on to :meth:`RatingType.clean_value`, whose message (in the user's
                language) names the range, rather than WTForms' "Not a valid choice"."""

        top = int(field.options.get("max", 5))
        stars = [(str(n), f"{'★' * n}{'☆' * (top - n)} {n}") for n in range(top, -1, -1)]
        return StarsField(choices=[("", "")] + stars, **ctx.kwargs(field))

    def form_data(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return None if value is None else str(value)

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if value is None:
            return ""
        return "★" * value + "☆" * (int(field.options.get("max", 5)) - value)


#: the clean_value methods whose only extra over NumberLike's is for text that is not a plain number
_PLAIN_CLEAN = frozenset({NumberLike.clean_value, CurrencyType.clean_value, PercentType.clean_value,
                          RatingType.clean_value})

DURATION_RE = re.compile(r"^(?:(\d+)\s*d(?:ays?)?)?\s*(?:(\d+)\s*h(?:ours?)?)?\s*(?:(\d+)\s*m(?:in(?:utes?)?)?)?\s*(?:(\d+)\s*s(?:ec(?:onds?)?)?)?$")


@register
class DurationType(FieldType):
    """A length of time stored as whole seconds; written as seconds, 'h:mm[:ss]' or '1d 2h 30m'."""

    name, label, label_zh = "duration", "Duration", "时长"
    operators = NUMBER_OPERATORS
    convertible_to = frozenset({"number", "text", "long_text"})
    value_schema = {"type": "integer", "description": "seconds"}

    def column_type(self, field: FieldDef):
        return BigInteger()

    def clean_value(self, value: Any, field: FieldDef, ctx: ValueContext) -> int:
        if isinstance(value, bool):
            raise ValueError(_("must be a duration"))
        if isinstance(value, (int, float, Decimal)):
            if isinstance(value, (float, Decimal)) and not math.isfinite(value):
                raise ValueError(_("must be a finite duration"))
            if value < 0:
                raise ValueError(_("must not be negative"))
            return self.bounded(int(value))
        text = unicodedata.normalize("NFKC", str(value)).strip().lower()
        if re.fullmatch(r"\d+", text):
            return self.bounded(int(text))
        m = re.fullmatch(r"(\d+):([0-5]\d)(?::([0-5]\d))?", text)
        if m:
            return self.bounded(int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0))
        m = DURATION_RE.match(text)
        if m and any(m.groups()):
            d, h, mi, s = (int(g or 0) for g in m.groups())
            return self.bounded(((d * 24 + h) * 60 + mi) * 60 + s)
        raise ValueError(_("'%(value)s' is not a duration (use seconds, h:mm or '1h 30m')", value=value))

    @staticmethod
    def bounded(seconds: int) -> int:
        if seconds >= 10 ** 15:  # far beyond any real duration; keeps BIGINT from overflowing
            raise ValueError(_("is too long a duration"))
        return seconds

    def format(self, value: Any, field: FieldDef, ctx: ValueContext) -> str:
        if value is None:
            return ""
        h, rest = divmod(int(value), 3600)
        m, s = divmod(rest, 60)
        return f"{h}:{m:02d}" + (f":{s:02d}" if s else "")

    def form_data(self, value: Any, field: FieldDef, ctx: ValueContext) -> Any:
        return self.format(value, field, ctx) if value is not None else None
