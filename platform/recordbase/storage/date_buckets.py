"""Date buckets of the aggregation engine: a date or date-time as the day, week, month, quarter or year it
falls in, **in the instance's time zone**, as SQL on PostgreSQL and on SQLite, and the buckets' labels.

Date-times are stored in UTC without a zone (:class:`~recordbase.metamodel.fieldtypes.dates.DateTimeType`).
PostgreSQL converts with ``timezone(zone, timezone('UTC', t))``. SQLite knows no zones: the stored text
is shifted by the zone's UTC offset as a ``datetime()`` modifier, ``'+28800 seconds'``; a zone whose
offset changed (daylight saving time, a law) gets the offset in force at each instant, chosen by a
balanced ``CASE`` over the zone's transitions from 1970 to 2100 (about 8 comparisons a row for a zone
with daylight saving time; a zone that never changed, one constant modifier).

A bucket's key is the ISO date of its first day (a week starts on Monday, as ISO 8601 says).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, String, case, cast, func, literal

from ..i18n import translate as _

BUCKETS = ("day", "week", "month", "quarter", "year")
_FIRST, _LAST = datetime(1970, 1, 1), datetime(2100, 1, 1)


@lru_cache(maxsize=64)
def utc_offsets(zone: str) -> tuple[tuple[datetime | None, int], ...]:
    """The zone's UTC offsets in seconds from 1970 to 2100: ``((None, first), (utc_start, offset) ...)``,
    each from its UTC start (naive) on."""
    tz = ZoneInfo(zone)

    def offset(t: datetime) -> int:
        return int(t.replace(tzinfo=timezone.utc).astimezone(tz).utcoffset().total_seconds())

    current = offset(_FIRST)
    out: list[tuple[datetime | None, int]] = [(None, current)]
    t, day = _FIRST, timedelta(days=1)
    while t < _LAST:
        nxt = t + day
        o = offset(nxt)
        if o != current:
            lo, hi = t, nxt  # the change is in (lo, hi]: find the second it happens
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if offset(mid) == current:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, o))
            current = o
        t = nxt
    return tuple(out)


def _modifier(seconds: int) -> str:
    return f"{seconds:+d} seconds"


def _sqlite_shift(column: Any, zone: str) -> Any:
    """The SQL text of the ``datetime()`` modifier that turns the stored UTC time into local time."""
    spans = utc_offsets(zone)

    def tree(lo: int, hi: int) -> Any:  # the offsets spans[lo:hi], the instant known to be in them
        if hi - lo == 1:
            return literal(_modifier(spans[lo][1]), String)
        mid = (lo + hi) // 2
        start = spans[mid][0].strftime("%Y-%m-%d %H:%M:%S")
        return case((column < literal(start, String), tree(lo, mid)), else_=tree(mid, hi))

    return tree(0, len(spans))


def local_time(column: Any, zone: str, dialect: str) -> Any:
    """A stored UTC date-time as the local time in ``zone``."""
    if dialect == "postgresql":
        return func.timezone(zone, func.timezone("UTC", column))
    return func.datetime(column, _sqlite_shift(column, zone))


def bucket_expression(column: Any, bucket: str, dialect: str, zone: str | None) -> Any:
    """The first day of the bucket the value falls in, as a date (PostgreSQL) or its ISO text (SQLite).
    ``zone`` None: the column is a date (no time zone to apply)."""
    if dialect == "postgresql":
        value = local_time(column, zone, dialect) if zone else column
        if bucket == "day":
            return cast(value, Date)
        return cast(func.date_trunc(bucket, value), Date)
    value = column if zone is None else func.datetime(column, _sqlite_shift(column, zone))
    if bucket == "day":
        return func.date(value)
    if bucket == "week":
        return func.date(value, "-6 days", "weekday 1")  # the Monday on or before
    if bucket == "month":
        return func.strftime("%Y-%m-01", value)
    if bucket == "year":
        return func.strftime("%Y-01-01", value)
    month = cast(func.strftime("%m", value), Integer)
    quarter = func.printf("%s-%02d-01", func.strftime("%Y", value), ((month - 1) // 3) * 3 + 1)
    return case((column.is_(None), None), else_=quarter)  # (printf() makes text of no value)


def bucket_key(value: Any) -> str | None:
    """A bucket's key as the API gives it: the ISO date of its first day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def bucket_label(key: str | None, bucket: str, lang: str) -> str:
    """A bucket as people read it: ``2026-03-02``, ``2026-W10``, ``2026-03``, ``2026 Q1``, ``2026``;
    in Chinese ``2026年第10周``, ``2026年3月``, ``2026年第1季度``, ``2026年``."""
    if key is None:
        return _("(empty)")
    d = date.fromisoformat(key)
    zh = lang.startswith("zh")
    if bucket == "day":
        return d.isoformat()
    if bucket == "week":
        year, week, _day = d.isocalendar()
        return f"{year}年第{week}周" if zh else f"{year}-W{week:02d}"
    if bucket == "month":
        return f"{d.year}年{d.month}月" if zh else f"{d.year}-{d.month:02d}"
    if bucket == "quarter":
        q = (d.month - 1) // 3 + 1
        return f"{d.year}年第{q}季度" if zh else f"{d.year} Q{q}"
    return f"{d.year}年" if zh else str(d.year)


def bucket_range(key: str, bucket: str) -> tuple[date, date]:
    """The bucket's first day and the first day after it (a click on a chart's bar filters on them)."""
    d = date.fromisoformat(key)
    if bucket == "day":
        return d, d + timedelta(days=1)
    if bucket == "week":
        return d, d + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[bucket]
    m = d.month - 1 + months
    return d, date(d.year + m // 12, m % 12 + 1, 1)
