"""Sample data: records that name each other by key, with dates relative to the install day.

A sample file is ``{"type": "contract", "key": "title", "records": [{"fields": {...}}, ...]}``.

- A record's **key** is its ``"@key"`` when given, else the value of the file's ``key`` field (by
  default the type's primary field). Keys are what links use: ``"supplier": "Bright Clean Co."``,
  ``"kpis": ["CT01-K1", "CT01-K2"]``. A key resolves to a sample record of this pack (created now
  or by an earlier install), else to a live record of the instance whose key field has that value.
- **Relative dates**: ``{"$date": "+25d"}`` (also ``-2w``, ``+1m``, ``-1y``, ``today``, and sums
  such as ``-1m+3d``); ``{"$datetime": "-12d 10:15"}`` with an optional ``"plus_minutes": 95``
  (in the instance's time zone), or ``{"$datetime": "now", "plus_minutes": -90}``; ``{"$month": "-1m"}``
  gives ``YYYY-MM`` text.
- ``"@installer"`` in a user field is the installing user (left empty when there is none).
- ``"@then": {...}`` on a record holds values set in a second pass, once every sample record
  exists (an update, so update rules fire: an evaluation confirmed after its items are in).
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

DIRECTIVES = ("$date", "$datetime", "$month")
#: the longest key a sample record may have (keys are remembered in rb_pack_item.key with the type name)
MAX_KEY = 180
_TERM = re.compile(r"([+-])(\d+)([dwmy])")
_DATETIME = re.compile(r"^(?P<date>\S+)(?:\s+(?P<hh>\d{1,2}):(?P<mm>\d{2}))?$")


def record_key(rec: dict, key_field: Optional[str]) -> Optional[str]:
    if rec.get("@key") not in (None, ""):
        return str(rec["@key"])
    if key_field:
        v = (rec.get("fields") or {}).get(key_field)
        if v not in (None, "") and not isinstance(v, (dict, list)):
            return str(v)
    return None


def is_directive(value: Any) -> bool:
    return isinstance(value, dict) and any(k in value for k in DIRECTIVES)


def shift(day: date, spec: str) -> date:
    """``today`` or a sum of terms like ``+25d``, ``-2w``, ``+1m``, ``-1y``, ``-1m+3d``."""
    spec = spec.strip().replace(" ", "")
    if spec in ("today", "", "0", "+0d"):
        return day
    pos, out = 0, day
    for m in _TERM.finditer(spec):
        if m.start() != pos:
            break
        pos = m.end()
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = m.group(3)
        if unit == "d":
            out += timedelta(days=n)
        elif unit == "w":
            out += timedelta(weeks=n)
        else:
            months = n if unit == "m" else 12 * n
            y, mo = divmod(out.month - 1 + months, 12)
            y += out.year
            out = out.replace(year=y, month=mo + 1, day=min(out.day, calendar.monthrange(y, mo + 1)[1]))
    if pos != len(spec):
        raise ValueError(f"'{spec}' is not a relative date (use today, +25d, -2w, +1m, -1y or a sum such as -1m+3d)")
    return out


def check_directives(value: Any) -> Any:
    """ValueError when a directive is malformed; the value (unchanged) otherwise."""
    if not is_directive(value):
        return value
    resolve(value, date(2000, 1, 15), "UTC", None)
    return value


def resolve(value: Any, today: date, tz: str, installer: Optional[str]) -> Any:
    """The value with directives replaced (dates as ISO text)."""
    if value == "@installer":
        return installer
    if isinstance(value, list):
        return [resolve(v, today, tz, installer) for v in value]
    if not is_directive(value):
        return value
    keys = set(value)
    if "$date" in value:
        if keys != {"$date"}:
            raise ValueError("'$date' takes no other keys")
        return shift(today, str(value["$date"])).isoformat()
    if "$month" in value:
        if keys != {"$month"}:
            raise ValueError("'$month' takes no other keys")
        return shift(today.replace(day=1), str(value["$month"])).strftime("%Y-%m")
    if keys - {"$datetime", "plus_minutes"}:
        raise ValueError("'$datetime' takes only 'plus_minutes' besides")
    plus = value.get("plus_minutes", 0)
    if isinstance(plus, bool) or not isinstance(plus, int):
        raise ValueError("'plus_minutes' must be a whole number")
    if str(value["$datetime"]).strip() == "now":
        return (datetime.now(ZoneInfo(tz)).replace(second=0, microsecond=0) + timedelta(minutes=plus)).isoformat()
    m = _DATETIME.match(str(value["$datetime"]).strip())
    if not m:
        raise ValueError(f"'{value['$datetime']}' is not a relative date and time (e.g. '-12d 10:15')")
    day = shift(today, m.group("date"))
    hh, mm = int(m.group("hh") or 9), int(m.group("mm") or 0)
    if hh > 23 or mm > 59:
        raise ValueError(f"'{value['$datetime']}': no such time of day")
    local = datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz)) + timedelta(minutes=plus)
    return local.isoformat()
