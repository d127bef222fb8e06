"""The write path's shortcuts give exactly what the long way gives.

* ``FieldType.cleaner`` (a per-field fast path) against ``FieldType.clean``: same value, same
  type, same error message, for ordinary and awkward input of every type that has one;
* ``RecordStore.create`` builds the record it returns instead of reading it back: it must be
  what ``get`` gives, for every kind of field;
* ``create_many`` builds each ``RecordCreated`` event's values the same way.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from recordbase.metamodel.fieldtypes import ValueContext

from .helpers import fd

CHOICES = {"choices": [{"value": "new", "label": "New", "label_zh": "新建"},
                       {"value": "open", "label": "Opened", "label_zh": "进行中"},
                       {"value": "ＡＢ", "label": "Full width"},   # not NFKC-normal: only clean() can decide
                       {"value": "x", "label": "NEW"},
                       "plain"]}

TEXTS = ["  abc ", "abc", "", "   ", "\u3000", "\u00a0x\u00a0", None, 12, 1.5, True, [], {}, "a" * 256, "a" * 255,
         "x@y.cn", "bad email", "https://a.cn/p", "http:/bad", "+86 10 1234 5678", "12", "★", "a\x00b"]
NUMBERS = [0, 1, -1, 5, 6, 10, 11, 2**70, -(10**15), 10**15 - 1, 1.5, -0.0, 0.1, 1e14, 1e15, -1e15, 999999999999999.9,
           1e16, float("nan"), float("inf"), -float("inf"), "12", "-3", "+4", "0012", "1.005", "1.004999", "12.345678901",
           "1,234.5", "¥1,200", "85%", "85％", "CNY 12.5", "12.5 CNY", "★★★☆☆", " 3 ", "１２３", "", " ", None, True,
           False, Decimal("1.005"), Decimal("NaN"), "abc", "1e3", ".5", "5.", [], {}, "99999999999999999", "¥1,200.50",
           "-¥1,234", "¥-1,234", "$1,000,000", "1,2,3", "1,000%", "-5%", "5.5%", "%", "€5", "£1,00", "¥", "-",
           "999,999,999,999,999", "¥1,234.5678"]
DATES = ["2024-01-05", "2024-02-30", "2024-1-5", "2024/1/5", "2024年1月5日", "0000-01-01", "2024-01-05T10:00:00",
         "2024-01-05 10:00:00", "20240105", "２０２４-０１-０５", " 2024-01-05 ", date(2024, 1, 5),
         datetime(2024, 1, 5, 23, 59), 5, "", None, "yesterday"]
BOOLEANS = [True, False, "是", "否", "yes", "YES", " y ", "1", "0", 1, 0, 2, "", "  ", None, "maybe", "✓", "×", "ｙｅｓ",
            1.0, []]
SELECTS = ["new", "New", "NEW", "新建", "opened", " open ", "进行中", "ＡＢ", "AB", "ab", "plain", "PLAIN", "", "  ",
           None, 5, "unknown", "ｎｅｗ", ["new"]]

CASES = (
    [(t, {}, v) for t in ("text", "long_text", "email", "url", "phone") for v in TEXTS]
    + [("text", {"max_length": 3}, v) for v in ("abc", "abcd", " ab ")]
    + [(t, o, v) for t, o in (("number", {}), ("decimal", {"precision": 2}), ("decimal", {"precision": 0}),
                              ("decimal", {"precision": 8}), ("currency", {"code": "CNY"}), ("percent", {}),
                              ("rating", {"max": 5}), ("rating", {"max": 10})) for v in NUMBERS]
    + [("date", {}, v) for v in DATES]
    + [("boolean", {}, v) for v in BOOLEANS]
    + [("single_select", CHOICES, v) for v in SELECTS]
)


def _outcome(fn, value):
    try:
        out = fn(value)
    except ValueError as exc:
        return ("error", str(exc))
    return ("ok", type(out), out if out == out else "nan", str(out))


@pytest.mark.parametrize("field_type,options,value", CASES)
def test_cleaner_is_clean(field_type, options, value):
    f = fd(field_type, options)
    ctx = ValueContext()
    assert _outcome(f.ftype.cleaner(f, ctx), value) == _outcome(lambda v: f.ftype.clean(v, f, ctx), value)


@pytest.fixture(params=[True, False], ids=["with-formula", "no-computed-field"])
def everything(core, request):
    core.create_type("party", [{"name": "name", "label": "Name", "type": "text"}])
    formula = [{"name": "total", "label": "Total", "type": "formula", "options": {"expression": "{qty} * 2"}}]
    core.create_type("thing", [
        {"name": "title", "label": "Title", "type": "text", "required": True},
        {"name": "body", "label": "Body", "type": "long_text"},
        {"name": "mail", "label": "Mail", "type": "email"},
        {"name": "site", "label": "Site", "type": "url"},
        {"name": "tel", "label": "Tel", "type": "phone"},
        {"name": "qty", "label": "Qty", "type": "number"},
        {"name": "price", "label": "Price", "type": "decimal", "options": {"precision": 8}},
        {"name": "cost", "label": "Cost", "type": "currency", "options": {"code": "CNY", "precision": 0}},
        {"name": "pct", "label": "Pct", "type": "percent"},
        {"name": "stars", "label": "Stars", "type": "rating"},
        {"name": "hours", "label": "Hours", "type": "duration"},
        {"name": "flag", "label": "Flag", "type": "boolean"},
        {"name": "on", "label": "On", "type": "boolean", "default": True},
        {"name": "day", "label": "Day", "type": "date"},
        {"name": "at", "label": "At", "type": "datetime"},
        {"name": "status", "label": "Status", "type": "single_select", "options": CHOICES, "default": "new"},
        {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "y", "z"]}},
        {"name": "party", "label": "Party", "type": "link", "options": {"target": "party"}},
        {"name": "parties", "label": "Parties", "type": "link", "options": {"target": "party", "many": True}},
        {"name": "owner", "label": "Owner", "type": "user"},
        {"name": "code", "label": "Code", "type": "autonumber", "options": {"pattern": "T-{0000}"}},
        {"name": "made", "label": "Made", "type": "created_at"},
        {"name": "maker", "label": "Maker", "type": "created_by"},
        {"name": "changed", "label": "Changed", "type": "updated_at"},
    ] + (formula if request.param else []))
    return [core.create("party", {"name": n}).id for n in ("A", "B", "C")]


def _inputs(parties, owner_email):
    a, b, c = parties
    return [
        {"title": "Only the title"},
        {"title": " Full ", "body": "多行\n文本", "mail": "a@b.cn", "site": "https://a.cn", "tel": "+86 10 1234 5678",
         "qty": 2.5, "price": "1234567.12345678", "cost": "¥1,200", "pct": "85%", "stars": 4, "hours": "1h 30m",
         "flag": "是", "on": False, "day": "2026/1/5", "at": "2026-01-05T10:00:00+08:00", "status": "进行中",
         "tags": ["z", "x"], "party": a, "parties": [c, a, str(b)], "owner": owner_email},
        {"title": "Blanks", "body": "", "qty": None, "price": " ", "flag": None, "tags": [], "parties": [], "party": None,
         "status": None, "day": ""},
        {"title": "Numbers", "qty": 10**14, "price": 0.1, "cost": -3, "pct": 100, "stars": 0, "hours": 0},
    ]


def test_create_returns_what_get_reads(core, everything, owner):
    created = []
    with core.store() as st:
        for values in _inputs(everything, owner.email):
            created.append(st.create("thing", values))
    for rec in created:
        assert rec == core.get("thing", rec.id)


def test_create_many_events_carry_what_get_reads(core, everything, owner):
    with core.store() as st:
        result = st.create_many("thing", _inputs(everything, owner.email))
        events = {ev.record_id: ev.after for ev in st.events if ev.action == "create"}
    assert result.created == 4
    for rid in result.ids:
        assert events[rid] == core.get("thing", rid).values


def test_update_returns_what_get_reads(core, everything, owner):
    a, b, c = everything
    changes = [{"title": "Renamed"}, {"body": None, "qty": "", "tags": [], "parties": [b], "party": None, "flag": "否"},
               {"price": "1.5", "day": "2026年2月1日", "status": "New", "tags": "y, x", "hours": 60, "at": None},
               {"stars": None, "pct": "12.5%", "owner": None, "cost": 7}]
    full = _inputs(everything, owner.email)[1]
    with core.store() as st:
        rid = st.create("thing", full).id
    for change in changes:
        with core.store() as st:
            rec = st.update("thing", rid, change)
        assert rec == core.get("thing", rid)


def test_a_bulk_batch_stores_what_one_by_one_creates_store(core, everything, owner):
    """A batch large enough for the bulk path (on PostgreSQL: COPY, for the records and for their
    history rows) stores the same values and the same history as ``create``, record by record."""
    from recordbase.access.history import history
    from recordbase.storage.fast_insert import COPY_MIN_ROWS

    inputs = _inputs(everything, owner.email)
    batch = inputs * (COPY_MIN_ROWS // len(inputs) + 1)
    assert len(batch) >= COPY_MIN_ROWS
    with core.store() as st:
        singles = [st.create("thing", v).id for v in inputs]
    with core.store() as st:
        result = st.create_many("thing", batch)
    assert result.created == len(batch)
    system = {"made", "changed", "code"}  # created/updated at: another moment; the autonumber: the next one
    schema = core.schema()
    codes = {}
    for k, rid in enumerate(result.ids):
        got, want = core.get("thing", rid).values, core.get("thing", singles[k % len(inputs)]).values
        assert {n: v for n, v in got.items() if n not in system} == \
            {n: v for n, v in want.items() if n not in system}
        codes[rid] = got["code"]
    with core.sessions() as s:  # (after the reads above: on SQLite a session holds the one write lock)
        for k, rid in enumerate(result.ids):
            one = singles[k % len(inputs)]
            (entry,), (expected,) = history(s, schema.get("thing"), rid), history(s, schema.get("thing"), one)
            assert entry["changes"].pop("code") == [None, codes[rid]]
            expected["changes"].pop("code")
            assert (entry["action"], entry["user"], entry["changes"]) == \
                (expected["action"], expected["user"], expected["changes"])


def test_a_bulk_insert_that_breaks_a_constraint_is_an_integrity_error(core, everything):
    """The bulk path's failures are raised as SQLAlchemy's, as an INSERT's are (COPY on PostgreSQL)."""
    from sqlalchemy.exc import IntegrityError

    from recordbase.storage.fast_insert import COPY_MIN_ROWS, insert_plan

    with core.sessions() as s:
        plan = insert_plan(s, core.schema().get("party").table, ["id", "version", "created_at", "updated_at"])
        now = plan.convert("created_at", datetime(2026, 1, 1))
        ids = [10_000 + n for n in range(COPY_MIN_ROWS - 1)] + [everything[0]]  # the last id is taken
        rows = [{"id": rid, "version": 1, "created_at": now, "updated_at": now} for rid in ids]
        with pytest.raises(IntegrityError):
            plan.execute(s, [[row[k] for k in plan.keys] for row in rows])
        s.rollback()
    assert core.ids("party") == everything  # nothing of the failed batch was written
