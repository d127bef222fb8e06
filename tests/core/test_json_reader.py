"""A list page's one-pass JSON (``FieldType.json_reader``, ``RecordStore.list_json``) gives exactly
what the record path gives (``to_json(from_db(value))``, ``to_json_many(list(...).records)``)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from recordbase.metamodel.fieldtypes import ValueContext
from recordbase.metamodel.fieldtypes.base import _REGISTRY
from recordbase.metamodel.fieldtypes.numbers import json_number

from .helpers import fd


def reference_json_number(value):
    """json_number as it was written first (Decimal arithmetic for every value)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def same(a, b) -> bool:
    """Equal, and of the same JSON kind (1 and 1.0 are different JSON)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**15, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-2**70, max_value=2**70),
    st.booleans(), st.none()))
def test_json_number_matches_the_reference(value):
    assert same(json_number(value), reference_json_number(value))


OPTIONS = {
    "single_select": {"choices": ["a", "b"]}, "multi_select": {"choices": ["a", "b"]},
    "link": {"target": "other"}, "decimal": {"precision": 3}, "currency": {"code": "CNY"},
    "formula": {"expression": "1", "result_type": "date"},
    "lookup": {"link": "l", "target_field": "x", "result_type": "number"},
    "rollup": {"link": "l", "target_field": "x", "function": "sum", "result_type": "number"},
    "count": {"link": "l"},
}
NOW = datetime(2026, 3, 4, 5, 6, 7, 123000)
#: stored values as the database drivers (through SQLAlchemy's column types) hand them over
SAMPLES = {
    "number": [0.0, 1.5, 3.0, -2.0, 1e20, 7], "percent": [85.0, 12.25], "rating": [0, 4], "duration": [0, 5400],
    "decimal": [Decimal("1.500"), Decimal("3.000"), 2.5, "4.125"], "currency": [Decimal("9.99"), Decimal("10.00")],
    "boolean": [True, False, 1, 0], "date": [date(2026, 1, 5), "2026-01-05", datetime(2026, 1, 5, 3, 0)],
    "datetime": [NOW, NOW.replace(tzinfo=timezone(timedelta(hours=8))), "2026-03-04T05:06:07"],
    "created_at": [NOW], "updated_at": [NOW],
    "multi_select": ["a|b", "b"], "attachment": ['[{"key": "k1", "name": "a.pdf", "size": 3}]'],
    "user": [1, 2], "created_by": [1], "updated_by": [2], "link": [3, [3, 4]],
    "formula": [date(2026, 1, 5)], "lookup": [Decimal("2.50"), 3.0], "rollup": [12.0, Decimal("1.25")], "count": [0, 4],
}
CTX = ValueContext(user_email=lambda uid: f"user{uid}@example.com")


@pytest.mark.parametrize("type_name", sorted(_REGISTRY))
def test_json_reader_is_to_json_of_from_db(type_name):
    f = fd(type_name, OPTIONS.get(type_name, {}))
    ft = f.ftype
    reader = ft.json_reader(f)
    for value in SAMPLES.get(type_name, ["some text", "文本"]):
        expected = ft.to_json(ft.from_db(value, f), f, CTX)
        got = value if reader is None else reader(value, CTX)
        assert same(got, expected), (type_name, value, got, expected)


@pytest.mark.parametrize("fields", [None, ["title", "parties", "done", "owner"], ["price"]])
def test_list_json_is_the_records_json(core, every_type, fields):
    with core.store() as s:
        expected = s.to_json_many(s.list(every_type, sort="id").records, fields)
        got = s.list_json(every_type, sort="id", fields=fields).records
    assert len(got) == 3
    assert same(got, expected)
    if fields is None:
        full = got[0]["fields"]
        assert full["parties"] and full["owner"] and full["price"] == 1.125 and full["done"] is True
        assert got[1]["fields"]["done"] is False and got[1]["fields"]["tags"] == []
        assert got[2]["fields"]["score"] == 3 and isinstance(got[2]["fields"]["score"], int)


def test_list_json_pages_like_list(core, every_type):
    with core.store() as s:
        first = s.list_json(every_type, sort="-score", limit=2)
        again = s.list(every_type, sort="-score", limit=2)
        assert first.next_cursor == again.next_cursor
        rest = s.list_json(every_type, sort="-score", limit=2, cursor=first.next_cursor)
    assert [r["id"] for r in first.records] == [r.id for r in again.records]
    assert len(rest.records) == 1 and rest.next_cursor is None


def test_list_json_of_a_type_without_fields(core):
    core.create_type("bare", [])
    core.create("bare", {})
    with core.store() as s:
        got = s.list_json("bare").records
        assert same(got, s.to_json_many(s.list("bare").records))
    assert got[0]["fields"] == {}


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-10**15, max_value=10**15),
                 st.integers(min_value=-10**15, max_value=10**15),
                 st.decimals(places=2, min_value=-10**13, max_value=10**13).map(float)),
       st.sampled_from(["decimal", "currency"]), st.integers(min_value=0, max_value=6))
def test_a_fixed_point_reader_of_sqlites_float_gives_what_the_processor_and_reader_give(value, name, places):
    """On SQLite the driver hands a decimal column over as a float, which SQLAlchemy's result processor
    turns into a Decimal: the row writers read the float straight (``json_reader(...).from_driver``),
    and must give what the reader gives of the processor's Decimal."""
    from sqlalchemy import Numeric
    from sqlalchemy.dialects import sqlite

    from recordbase.storage.row_writers import _folds

    ft = _REGISTRY[name]
    field = fd(name, options={"precision": places} if name == "decimal" else {"code": "CNY", "precision": places})
    reader = ft.json_reader(field)
    dialect = sqlite.dialect()
    proc = Numeric(20, ft.precision(field), asdecimal=True).dialect_impl(dialect).result_processor(dialect, None)
    assert _folds(reader, proc)
    assert same(reader.from_driver(value), reader(proc(value), None))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)),
       st.booleans())
def test_a_time_read_from_sqlites_text_is_what_the_driver_s_reader_and_iso_give(value, whole_second):
    """On SQLite a record's times are the text SQLAlchemy wrote; the row writers turn that text into
    ISO 8601 without the datetime in between (``stored_text_iso``), and must give what ``iso`` gives
    of SQLAlchemy's reading of it; text of another form is left to that reading (None)."""
    from sqlalchemy import DateTime
    from sqlalchemy.dialects import sqlite

    from recordbase.storage.serialization import iso, stored_text_iso

    if whole_second:
        value = value.replace(microsecond=0)
    dialect = sqlite.dialect()
    stored = DateTime().dialect_impl(dialect).bind_processor(dialect)(value)
    proc = DateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert stored_text_iso(stored) == iso(proc(stored))
    assert stored_text_iso(stored[:19]) is None and stored_text_iso("2026-02-30 10:00:00.000000") is None
    # text SQLAlchemy never writes, though fromisoformat reads it (a zone, a shorter fraction): not this path
    assert stored_text_iso("2026-12-07 19:16:23.86872Z") is None
    assert stored_text_iso("2026-12-07 19:16:23.1+0800") is None


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.dates(), st.text(alphabet="0123456789-:T .", max_size=12))
def test_a_date_reader_of_sqlites_text_gives_what_the_processor_and_reader_give(value, junk):
    """On SQLite a date column holds the text SQLAlchemy wrote; the row writers read that text straight
    (``json_reader(...).from_driver``) and must give what the reader gives of the processor's date,
    and refuse what it refuses."""
    from sqlalchemy import Date
    from sqlalchemy.dialects import sqlite

    from recordbase.storage.row_writers import _folds

    field = fd("date")
    reader = _REGISTRY["date"].json_reader(field)
    dialect = sqlite.dialect()
    proc = Date().dialect_impl(dialect).result_processor(dialect, None)
    stored = Date().dialect_impl(dialect).bind_processor(dialect)(value)
    assert _folds(reader, proc)
    assert reader.from_driver(stored) == reader(proc(stored), None) == value.isoformat()
    try:
        expected = reader(proc(junk), None)
    except (ValueError, TypeError):
        with pytest.raises((ValueError, TypeError)):
            reader.from_driver(junk)
    else:
        assert reader.from_driver(junk) == expected
