"""Run-time values and the conversions between them.

Inside the evaluator a value is one of: ``Decimal`` (every number: exact
decimal arithmetic, so ``0.1 + 0.2 = 0.3``), ``str``, ``bool``, ``date``,
naive-UTC ``datetime``, ``None`` (blank) or a flat ``list`` of those.
A conversion that cannot be done raises :class:`Fault`; the evaluator turns a
fault into a blank result of the operator or function where it happened.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from time import monotonic
from typing import Any, Iterable, Mapping, Optional
from zoneinfo import ZoneInfo

from .budget import CLOCK_CHARS, DEFAULT, BudgetExceeded, FormulaBudget
from .types import ANY, BLANK, BOOLEAN, DATE, DATETIME, LIST, NUMBER, TEXT, FieldInfo


class Fault(Exception):
    """A run-time fault (bad conversion, division by zero ...): the result is blank."""


@dataclass
class Env:
    """What one evaluation sees: the record's values, its id, the time and the time zone, and
    its budget (the text limit, and the monotonic-clock instant it must end by)."""

    values: Mapping[str, Any]
    infos: Mapping[str, FieldInfo]
    record_id: Any
    now: datetime  # naive UTC
    tz: ZoneInfo
    _cache: dict = dc_field(default_factory=dict)
    budget: FormulaBudget = DEFAULT
    deadline: Optional[float] = None
    seconds: float = DEFAULT.evaluation_seconds  # the time limit the deadline stands for (for the message)

    def room(self, size: int) -> None:
        """Refuse a text of ``size`` characters before it is built (BudgetExceeded); a big one also
        looks at the clock (small texts are cheap: the evaluator checks the clock per record)."""
        if size > self.budget.max_text:
            raise BudgetExceeded("max_text", self.budget.max_text)
        if size > CLOCK_CHARS:
            self.check_clock()

    def check_clock(self) -> None:
        if self.deadline is not None and monotonic() > self.deadline:
            raise BudgetExceeded("seconds", self.seconds)

    def field(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            info = self.infos.get(name) or FieldInfo(name)
            value = normalize_field_value(self.values.get(name), info, self)
            self._cache[name] = value
            return value


# -- blanks, lists, truth ---------------------------------------------------------------------

def is_blank(v: Any) -> bool:
    """None, empty text and a list with nothing but blanks are blank."""
    if v is None or v == "":
        return True
    if isinstance(v, list):
        return all(is_blank(x) for x in v)
    return False


def flatten(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for x in items:
        if isinstance(x, (list, tuple, set, frozenset)):
            out.extend(flatten(x))
        else:
            out.append(x)
    return out


def truthy(v: Any) -> bool:
    """FALSE, 0, blank, empty text and empty lists are false; every other value is true."""
    if isinstance(v, list):
        return any(truthy(x) for x in v)
    if v is None or v is False or v == "":
        return False
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return v != 0
    return True


# -- numbers -----------------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def parse_number(text: str) -> Decimal:
    """'1,234.5', '１２３', '¥1,200', ' -3 ', '50%' -> Decimal; Fault otherwise."""
    s = unicodedata.normalize("NFKC", text).strip()
    for ch in "¥$€£, \u00a0":
        s = s.replace(ch, "")
    if not _NUMBER_TEXT.fullmatch(s):
        raise Fault(f"not a number: {text!r}")
    if s.endswith("%"):
        return Decimal(s[:-1]) / 100
    return Decimal(s)


def num(v: Any) -> Decimal:
    """A number for arithmetic: blank is 0, TRUE is 1, numeric text is read; else a Fault."""
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise Fault("not a finite number")
        return v
    if v is None or v == "":
        return Decimal(0)
    if isinstance(v, bool):
        return Decimal(int(v))
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise Fault("not a finite number")
        return Decimal(repr(v))
    if isinstance(v, str):
        return parse_number(v)
    if isinstance(v, list):
        items = [x for x in v if not is_blank(x)]
        if not items:
            return Decimal(0)
        if len(items) == 1:
            return num(items[0])
    raise Fault(f"not a number: {v!r}")


def is_numeric(v: Any) -> bool:
    return isinstance(v, (int, float, Decimal))  # bool is an int


def to_int(v: Any, low: int = -10**9, high: int = 10**9) -> int:
    """A whole number for counts and positions (truncated); out of range is a Fault."""
    d = num(v)
    if not low <= d <= high:
        raise Fault("number out of range")
    return int(d)


def format_number(d: Decimal) -> str:
    """Numbers as text: no exponent, no trailing zeros, no '.0' ('1.50' -> '1.5', '1E+3' -> '1000')."""
    if not d.is_finite():
        raise Fault("not a finite number")
    if d == 0:
        return "0"
    d = d.normalize()
    if -40 <= d.adjusted() <= 40:
        return format(d, "f")
    return str(d)


# -- text --------------------------------------------------------------------------------------

def to_text(v: Any) -> str:
    """Text of any value: blank is '', TRUE is 'TRUE', dates are ISO, lists are joined with ', '."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, Decimal)):
        return format_number(num(v))
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return ", ".join(to_text(x) for x in v if not is_blank(x))
    return str(v)


# -- dates -------------------------------------------------------------------------------------

_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_temporal(text: str, env: Env) -> date | datetime:
    """'2024-03-01' -> date; ISO date-times -> naive UTC datetime (no offset: the time zone's local time)."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = _DATE_TEXT.match(s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise Fault(f"not a real date: {text!r}") from None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00").replace("/", "-"))
    except ValueError:
        raise Fault(f"not a date: {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=env.tz)
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def temporal(v: Any, env: Env) -> Optional[date | datetime]:
    """A date or datetime (None for blank); text is read as a date; anything else is a Fault."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        return parse_temporal(v, env)
    if isinstance(v, list):
        items = [x for x in v if not is_blank(x)]
        if not items:
            return None
        if len(items) == 1:
            return temporal(items[0], env)
    raise Fault(f"not a date: {v!r}")


def as_datetime(v: date | datetime, env: Env) -> datetime:
    """A date as the instant its day starts in the time zone (naive UTC); datetimes unchanged."""
    if isinstance(v, datetime):
        return v
    local = datetime.combine(v, time(0), tzinfo=env.tz)
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def local(v: date | datetime, env: Env) -> datetime:
    """Naive local wall-clock time in the time zone (a date: its midnight)."""
    if isinstance(v, datetime):
        return v.replace(tzinfo=timezone.utc).astimezone(env.tz).replace(tzinfo=None)
    return datetime.combine(v, time(0))


def from_local(wall: datetime, env: Env) -> datetime:
    """Naive local wall-clock time -> naive UTC."""
    return wall.replace(tzinfo=env.tz).astimezone(timezone.utc).replace(tzinfo=None)


def local_date(v: date | datetime, env: Env) -> date:
    return local(v, env).date() if isinstance(v, datetime) else v


# -- comparisons -------------------------------------------------------------------------------

def _pair_temporal(a: Any, b: Any, env: Env) -> tuple[Any, Any]:
    ta, tb = temporal(a, env), temporal(b, env)
    if isinstance(ta, datetime) or isinstance(tb, datetime):
        return as_datetime(ta, env), as_datetime(tb, env)  # type: ignore[arg-type]
    return ta, tb


def _is_time(v: Any) -> bool:
    return isinstance(v, (date, datetime))


def equal(a: Any, b: Any, env: Env) -> bool:
    """``=``: a blank equals only a blank; numbers by value (TRUE is 1); dates by day or instant
    (text beside a date is read as a date); text exactly (case matters); lists as their text."""
    if is_blank(a) or is_blank(b):
        return is_blank(a) and is_blank(b)
    if isinstance(a, list) or isinstance(b, list):
        return to_text(a) == to_text(b)
    if is_numeric(a) and is_numeric(b):
        return num(a) == num(b)
    if _is_time(a) or _is_time(b):
        try:
            x, y = _pair_temporal(a, b, env)
        except Fault:
            return False
        return x == y
    return to_text(a) == to_text(b)


def order(a: Any, b: Any, env: Env) -> Optional[int]:
    """-1, 0 or 1 for ``< <= > >=``; None when either side is blank (the comparison is then FALSE).

    Values that cannot be ordered against each other (only possible with fields of unknown
    type) are a Fault.
    """
    if is_blank(a) or is_blank(b):
        return None
    if is_numeric(a) and is_numeric(b):
        x, y = num(a), num(b)
    elif _is_time(a) or _is_time(b):
        x, y = _pair_temporal(a, b, env)
    elif isinstance(a, str) and isinstance(b, str):
        x, y = a, b
    else:
        raise Fault("values cannot be ordered")
    return (x > y) - (x < y)


# -- field values in, results out --------------------------------------------------------------

def to_runtime(v: Any) -> Any:
    """Any Python value as a run-time value (numbers to Decimal, aware datetimes to naive UTC)."""
    if v is None or isinstance(v, (str, bool)):
        return v
    if isinstance(v, (int, float, Decimal)):
        try:
            return num(v)
        except Fault:
            return None
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, date):
        return v
    if isinstance(v, (list, tuple, set, frozenset)):
        return [to_runtime(x) for x in flatten(v)]
    return str(v)


def conform(v: Any, vtype: str, env: Env) -> Any:
    """``v`` as a value of static type ``vtype`` (blank stays blank; impossible is a Fault)."""
    if v is None or vtype in (ANY, BLANK):
        return v
    if vtype == LIST:
        return v if isinstance(v, list) else [v]
    if is_blank(v):
        return None
    if vtype == TEXT:
        return to_text(v)
    if vtype == NUMBER:
        return num(v)
    if vtype == BOOLEAN:
        return truthy(v)
    t = temporal(v, env)
    if vtype == DATE:
        return local_date(t, env) if t is not None else None
    if vtype == DATETIME:
        return as_datetime(t, env) if t is not None else None
    return v


def normalize_field_value(v: Any, info: FieldInfo, env: Env) -> Any:
    """A stored field value as a run-time value of the field's type; unusable values become blank."""
    v = to_runtime(v)
    try:
        if info.multiple:
            items = v if isinstance(v, list) else ([] if v is None else [v])
            return [_safe_conform(x, info.value_type, env) for x in items]
        if isinstance(v, list) and info.value_type != ANY:
            items = [x for x in v if not is_blank(x)]
            v = items[0] if len(items) == 1 else (None if not items else to_text(items))
        return conform(v, info.value_type, env)
    except (Fault, ArithmeticError, ValueError, OverflowError):
        return None


def _safe_conform(v: Any, vtype: str, env: Env) -> Any:
    try:
        return conform(v, vtype, env)
    except (Fault, ArithmeticError, ValueError, OverflowError):
        return None


def plain_number(d: Decimal, exact: bool = False) -> Any:
    """A result number: int when whole (and not huge), else float; Decimal when ``exact``; None if not finite."""
    if not d.is_finite():
        return None
    if exact:
        return d + 0 if d != 0 else Decimal(0)  # drops a negative zero
    if d == d.to_integral_value() and abs(d) < 10 ** 15:
        return int(d)
    f = float(d)
    return f if math.isfinite(f) else None


def output(v: Any, exact: bool = False) -> Any:
    """The value :func:`evaluate` returns: numbers via :func:`plain_number`, empty text as None."""
    if isinstance(v, Decimal):
        return plain_number(v, exact)
    if isinstance(v, list):
        v = to_text(v)
    if v == "":
        return None
    return v
