"""Date and datetime field types: parsing, impossible dates, time zones, round trips."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from recordbase.metamodel.fieldtypes import ValueContext

from .helpers import clean, fd

SHANGHAI = ValueContext(timezone="Asia/Shanghai")

ACCEPT = [
    ("date", "2026-01-05", None, date(2026, 1, 5)),
    ("date", "2026-1-5", None, date(2026, 1, 5)),
    ("date", "2026/1/5", None, date(2026, 1, 5)),
    ("date", "2026.01.05", None, date(2026, 1, 5)),
    ("date", "2026年1月5日", None, date(2026, 1, 5)),
    ("date", "2026 年 1 月 5 日", None, date(2026, 1, 5)),
    ("date", "２０２６年１月５日", None, date(2026, 1, 5)),      # full-width digits
    ("date", "2024-02-29", None, date(2024, 2, 29)),            # leap day
    ("date", date(2026, 3, 1), None, date(2026, 3, 1)),
    ("date", datetime(2026, 3, 1, 23, 59), None, date(2026, 3, 1)),
    ("date", "2026-01-05T00:00:00Z", None, date(2026, 1, 5)),            # a date as JavaScript sends it
    ("date", "2026-01-05T00:00:00.000+08:00", SHANGHAI, date(2026, 1, 5)),  # the date written, whatever the zone
    ("date", "2026-01-05 00:00", SHANGHAI, date(2026, 1, 5)),
    ("date", "", None, None),
    ("date", None, None, None),
    ("datetime", "2026-01-05T10:00:00+08:00", None, datetime(2026, 1, 5, 2, 0)),
    ("datetime", "2026-01-05T10:00:00Z", None, datetime(2026, 1, 5, 10, 0)),
    ("datetime", "2026-01-05T10:00:00-05:00", None, datetime(2026, 1, 5, 15, 0)),
    ("datetime", "2026-01-05 10:00", None, datetime(2026, 1, 5, 10, 0)),       # no offset: the instance zone
    ("datetime", "2026-01-05 10:00", SHANGHAI, datetime(2026, 1, 5, 2, 0)),
    ("datetime", "2026-01-01 03:00", SHANGHAI, datetime(2025, 12, 31, 19, 0)),  # crosses the year in UTC
    ("datetime", "2026-01-05", None, datetime(2026, 1, 5, 0, 0)),
    ("datetime", "2026/1/5", None, datetime(2026, 1, 5, 0, 0)),
    ("datetime", "2026年1月5日", None, datetime(2026, 1, 5, 0, 0)),
    ("datetime", "2026-01-05T10:00:00.123456+00:00", None, datetime(2026, 1, 5, 10, 0, 0, 123000)),
    ("datetime", datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc), None, datetime(2026, 1, 5, 10, 0)),
    ("datetime", date(2026, 1, 5), None, datetime(2026, 1, 5)),
    ("datetime", "", None, None),
]

REFUSE = [
    ("date", "2026-02-30", "not a real date"),
    ("date", "2025-02-29", "not a real date"),
    ("date", "2026-13-01", "not a real date"),
    ("date", "2026-00-10", "not a real date"),
    ("date", "2026年2月30日", "not a real date"),
    ("date", "2026/4/31", "not a real date"),
    ("date", "yesterday", "not a date"),
    ("date", "05/01/2026", "not a date"),
    ("date", "2026-01", "not a date"),
    ("date", 20260105, "YYYY-MM-DD"),
    ("date", True, "YYYY-MM-DD"),
    ("date", "2026-01-05T10:00:00Z", "has a time of day"),      # not dropped unseen
    ("date", "2026-01-04T16:00:00.000Z", "send 2026-01-04"),     # (Shanghai's midnight of the 5th, in UTC)
    ("date", "2026-02-30T00:00:00", "not a date"),
    ("datetime", "2026-02-30T10:00:00", "not a date and time"),
    ("datetime", "2026-01-05T25:00:00", "not a date and time"),
    ("datetime", "soon", "not a date and time"),
    ("datetime", 1767600000, "ISO 8601"),
]


@pytest.mark.parametrize("ftype,raw,ctx,expected", ACCEPT)
def test_clean_accepts(ftype, raw, ctx, expected):
    got = clean(ftype, raw, ctx=ctx)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(got, datetime):
        assert got.tzinfo is None   # stored as naive UTC


@pytest.mark.parametrize("ftype,raw,message", REFUSE)
def test_clean_refuses(ftype, raw, message):
    with pytest.raises(ValueError) as exc:
        clean(ftype, raw)
    assert message in str(exc.value)


@pytest.mark.parametrize("value", [date(2026, 1, 5), date(2024, 2, 29), date(1999, 12, 31)])
def test_date_round_trips(value):
    f = fd("date")
    ctx = ValueContext()
    assert f.ftype.to_json(value, f, ctx) == value.isoformat()
    assert f.ftype.clean(f.ftype.to_json(value, f, ctx), f, ctx) == value
    assert f.ftype.parse_text(f.ftype.format(value, f, ctx), f, ctx) == value


@pytest.mark.parametrize("tz", ["UTC", "Asia/Shanghai", "America/New_York"])
@pytest.mark.parametrize("value", [datetime(2026, 1, 5, 2, 30), datetime(2025, 12, 31, 19, 0), datetime(2026, 7, 1, 0, 0)])
def test_datetime_round_trips(value, tz):
    f = fd("datetime")
    ctx = ValueContext(timezone=tz)
    js = f.ftype.to_json(value, f, ctx)
    assert js.endswith("+00:00")               # ISO 8601 with offset
    assert datetime.fromisoformat(js) == value.replace(tzinfo=timezone.utc)
    assert f.ftype.clean(js, f, ctx) == value
    # the list/export text is local time without offset; importing it in the same zone gives the value back
    assert f.ftype.parse_text(f.ftype.format(value, f, ctx), f, ctx) == value


def test_datetime_format_is_local_time():
    f = fd("datetime")
    assert f.ftype.format(datetime(2026, 1, 5, 2, 0), f, SHANGHAI) == "2026-01-05 10:00"
    assert f.ftype.format(datetime(2026, 1, 5, 2, 0), f, ValueContext()) == "2026-01-05 02:00"


def test_from_db_normalises_driver_values():
    d, dt = fd("date"), fd("datetime")
    assert d.ftype.from_db("2026-01-05", d) == date(2026, 1, 5)
    assert dt.ftype.from_db("2026-01-05 10:00:00", dt) == datetime(2026, 1, 5, 10, 0)
    aware = datetime(2026, 1, 5, 18, 0, tzinfo=timezone.utc).astimezone()
    assert dt.ftype.from_db(aware, dt) == datetime(2026, 1, 5, 18, 0)


def test_date_types_offer_window_operators():
    for name in ("date", "datetime", "created_at", "updated_at"):
        ops = set(fd(name).ftype.operators)
        assert {"before", "after", "within_last_days", "within_next_days", "is_empty"} <= ops


@pytest.mark.parametrize("ftype", ["date", "datetime"])
def test_options_must_be_empty(ftype):
    assert fd(ftype).ftype.validate_options({}) == []
    assert fd(ftype).ftype.validate_options({"format": "DD/MM"})
