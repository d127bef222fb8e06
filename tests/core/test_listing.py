"""Listing: sort (NULLs last), multi-key sort, search, keyset pagination, bad sort and cursor."""
from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete

from recordbase.errors import RecordbaseError

FIELDS = [
    {"name": "name", "label": "Name", "type": "text"},
    {"name": "score", "label": "Score", "type": "number"},
    {"name": "day", "label": "Day", "type": "date"},
    {"name": "flag", "label": "Flag", "type": "boolean"},
    {"name": "level", "label": "Level", "type": "single_select", "options": {"choices": ["a", "b", "c"]}},
    {"name": "amount", "label": "Amount", "type": "decimal"},
    {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "y"]}},
    {"name": "notes", "label": "Notes", "type": "long_text"},
    {"name": "files", "label": "Files", "type": "attachment"},
]


ITEM = FIELDS + [{"name": "others", "label": "Others", "type": "link", "options": {"target": "item", "many": True}}]


@pytest.fixture
def items(core):
    core.create_type("item", ITEM)
    return "item"


@pytest.fixture(scope="module")
def two_items(module_core):
    """Two items on a database shared by the module's read-only cases."""
    module_core.create_type("item", ITEM)
    add(module_core, [{"name": "a", "score": 1, "day": "2026-01-01", "flag": True, "amount": "1"},
                      {"name": "b", "score": 2}])
    return module_core


def add(core, rows):
    with core.store() as s:
        return [s.create("item", r).id for r in rows]


def listed(core, **kw):
    with core.store() as s:
        return [r.id for r in s.list("item", limit=1000, **kw).records]


def walk(core, page_size, **kw):
    """Every id, page by page, following next_cursor."""
    out, cursor, pages = [], None, 0
    while True:
        with core.store() as s:
            page = s.list("item", limit=page_size, cursor=cursor, **kw)
        out += [r.id for r in page.records]
        pages += 1
        assert pages < 500, "pagination does not end"
        if page.next_cursor is None:
            return out
        assert len(page.records) == page_size
        cursor = page.next_cursor


def test_sort_nulls_last_both_ways(core, items):
    ids = add(core, [{"score": 2}, {"score": None}, {"score": 1}, {"score": 3}, {"score": None}, {"score": 2}])
    a, n1, b, c, n2, d = ids
    assert listed(core, sort="score") == [b, a, d, c, n1, n2]
    # equal values (and the empty ones, last either way) by id in the sort's direction
    assert listed(core, sort="-score") == [c, d, a, b, n2, n1]
    assert listed(core, sort=["-score"]) == [c, d, a, b, n2, n1]
    assert listed(core) == ids                                  # default: by id
    assert listed(core, sort="-id") == list(reversed(ids))
    assert listed(core, sort="-created_at,-id") == list(reversed(ids))


def test_multi_key_sort(core, items):
    rows = [{"level": "b", "score": 1}, {"level": "a", "score": 5}, {"level": "b", "score": 3},
            {"level": None, "score": 9}, {"level": "a", "score": None}, {"level": "a", "score": 5}]
    ids = add(core, rows)
    # (level a, score 5) twice: by id in the last key's direction
    assert listed(core, sort="level,-score") == [ids[5], ids[1], ids[4], ids[2], ids[0], ids[3]]
    assert listed(core, sort="-level,score") == [ids[0], ids[2], ids[1], ids[5], ids[4], ids[3]]
    # id as a key ends the sort (it is unique); later keys are ignored
    assert listed(core, sort="level,-id,score") == [ids[5], ids[4], ids[1], ids[2], ids[0], ids[3]]


def test_sort_by_dates_decimals_booleans(core, items):
    ids = add(core, [{"day": "2026-03-01", "amount": "10.5", "flag": True},
                     {"day": "2025-12-31", "amount": "-1", "flag": False},
                     {"day": None, "amount": "2.25"}])
    assert listed(core, sort="day") == [ids[1], ids[0], ids[2]]
    assert listed(core, sort="-amount") == [ids[0], ids[2], ids[1]]
    assert listed(core, sort="-flag") == [ids[0], ids[1], ids[2]]


@pytest.mark.parametrize("sort,message", [
    ("ghost", "no field 'ghost'"),
    ("-ghost", "no field 'ghost'"),
    ("others", "Cannot sort by link"),
    ("files", "Cannot sort by attachment"),
    ("name,score,day,flag,level,amount", "at most 5"),
])
def test_bad_sort(two_items, sort, message):
    with pytest.raises(RecordbaseError) as exc:
        listed(two_items, sort=sort)
    assert exc.value.code == "invalid_sort" and exc.value.status == 400
    assert message in exc.value.message


def test_search(core, items):
    ids = add(core, [{"name": "Acme Trading"}, {"name": "北京供应商"}, {"name": "100% cotton_ltd", "notes": "Special"},
                     {"name": "ACME north"}, {"notes": "acme in notes"}, {"name": "ÄBC GmbH"}])
    assert listed(core, search="acme") == [ids[0], ids[3], ids[4]]
    assert listed(core, search="  ACME ") == [ids[0], ids[3], ids[4]]
    assert listed(core, search="供应") == [ids[1]]
    assert listed(core, search="%") == [ids[2]]                 # LIKE wildcards are literal
    assert listed(core, search="1_0") == []                     # "_" is no wildcard: "100" does not match
    assert listed(core, search="_") == [ids[2]]
    assert listed(core, search="special") == [ids[2]]
    assert listed(core, search="äbc") == [ids[5]]                # non-ASCII case folding on every database
    assert listed(core, search=str(ids[1])) == [ids[1]]          # a number finds the record id too
    assert listed(core, search="") == ids
    assert listed(core, search="acme", filter={"field": "name", "op": "is_not_empty"}, sort="-id") == [ids[3], ids[0]]


def test_trash_is_listed_apart(core, items):
    ids = add(core, [{"name": "a"}, {"name": "b"}])
    with core.store() as s:
        s.delete("item", ids[0])
    assert listed(core) == [ids[1]]
    assert listed(core, trash=True) == [ids[0]]


@pytest.mark.parametrize("cursor", ["garbage", "!!!", base64.urlsafe_b64encode(b'{"k": [], "id": "x"}').decode(),
                                    base64.urlsafe_b64encode(b'{"k": [1, 2], "id": 3}').decode(),
                                    base64.urlsafe_b64encode(b'[1, 2]').decode(), ""])
def test_bad_cursor(two_items, cursor):
    if cursor == "":
        assert len(listed(two_items, cursor=cursor)) == 2   # no cursor: the first page
        return
    with pytest.raises(RecordbaseError) as exc:
        listed(two_items, sort="score", cursor=cursor)
    assert exc.value.status == 400 and "cursor" in exc.value.message


def test_cursor_from_another_sort_is_refused(core, items):
    add(core, [{"name": "a", "score": 1, "day": "2026-01-01"}, {"name": "b", "score": 2, "day": "2026-01-02"}])
    with core.store() as s:
        cursor = s.list("item", sort="name", limit=1).next_cursor
        day_cursor = s.list("item", sort="day", limit=1).next_cursor
    assert cursor
    for sort, c in (("score", cursor), ("day", cursor), ("score", day_cursor), ("-name", cursor)):
        with pytest.raises(RecordbaseError) as exc:
            listed(core, sort=sort, cursor=c)
        assert exc.value.status == 400, sort


@pytest.mark.parametrize("sort,key", [("score", "abc"), ("day", 5), ("day", "2026-01-01"), ("flag", "yes"),
                                      ("name", 3), ("created_at", {"d": "2026-01-01"}), ("amount", True)])
def test_tampered_cursor_key_is_refused(two_items, sort, key):
    raw = json.dumps({"k": [key], "id": 1, "s": sort}).encode()
    with pytest.raises(RecordbaseError) as exc:
        listed(two_items, sort=sort, cursor=base64.urlsafe_b64encode(raw).decode())
    assert exc.value.status == 400 and "cursor" in exc.value.message


def test_limit_is_clamped(core, items):
    add(core, [{"name": str(i)} for i in range(3)])
    with core.store() as s:
        assert len(s.list("item", limit=0).records) == 1
        assert len(s.list("item", limit=-5).records) == 1
        page = s.list("item", limit=2)
        assert len(page.records) == 2 and page.next_cursor
        assert s.list("item", limit=3).next_cursor is None


# -- keyset pagination, property-based ------------------------------------------------------------

ROW = st.fixed_dictionaries({
    "name": st.sampled_from([None, "a", "b", "ab", "c"]),
    "score": st.sampled_from([None, -1.5, 0, 2, 2, 7]),
    "day": st.sampled_from([None, "2025-12-31", "2026-01-01", "2026-02-28"]),
    "flag": st.sampled_from([None, True, False]),
    "level": st.sampled_from([None, "a", "b", "c"]),
    "amount": st.sampled_from([None, "0.10", "0.1", "-3", "12.35"]),
})
SORT_KEYS = ["name", "score", "day", "flag", "level", "amount", "created_at", "id"]


def _reference_order(records, sorts):
    """Python's order for ORDER BY sorts..., id with NULLs last either way (stable sorts, last key first);
    equal records by id in the direction of the last key."""
    seen = []
    for name, desc in sorts:
        seen.append((name, desc))
        if name == "id":
            break
    out = sorted(records, key=lambda r: r.id, reverse=bool(seen) and seen[-1][1])
    for name, desc in reversed(seen):
        def val(r, name=name):
            return r.id if name == "id" else (r.created_at if name == "created_at" else r.values[name])
        present = [r for r in out if val(r) is not None]
        absent = [r for r in out if val(r) is None]
        out = sorted(present, key=val, reverse=desc) + absent
    return [r.id for r in out]


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=25),
       sorts=st.lists(st.tuples(st.sampled_from(SORT_KEYS), st.booleans()), max_size=3, unique_by=lambda t: t[0]),
       page_size=st.integers(1, 6), trashed=st.sets(st.integers(0, 24), max_size=3))
def test_keyset_pagination_walks_every_record_once(core, items, rows, sorts, page_size, trashed):
    schema = core.schema()
    with core.sessions.begin() as s:
        s.execute(delete(schema.get("item").table))
    ids = add(core, rows)
    with core.store() as s:
        for i in trashed:
            if i < len(ids):
                s.delete("item", ids[i])
    live = [i for n, i in enumerate(ids) if n not in trashed]
    sort = ",".join(("-" if d else "") + n for n, d in sorts)
    full = listed(core, sort=sort)
    assert sorted(full) == sorted(live)
    with core.store() as s:
        records = s.list("item", limit=1000).records
    for r in records:
        if r.values["amount"] is not None:
            r.values["amount"] = Decimal(r.values["amount"])
    assert full == _reference_order(records, sorts)
    assert walk(core, page_size, sort=sort) == full
