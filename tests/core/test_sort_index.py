"""Sorts an index serves: the page's statements walk the sort field's (column, id) index in either
direction (no sort of the matching rows), keyset paging over ties and empty values returns every
record once in the documented order (property test), and the planner has statistics after a bulk load."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, inspect, text

from recordbase.metamodel import statistics
from recordbase.storage import reading

FIELDS = [
    {"name": "score", "label": "Score", "type": "number", "indexed": True},
    {"name": "day", "label": "Day", "type": "date", "indexed": True},
    {"name": "name", "label": "Name", "type": "text", "indexed": True},
    {"name": "status", "label": "Status", "type": "single_select", "indexed": True,
     "options": {"choices": ["new", "open", "done"]}},
    {"name": "note", "label": "Note", "type": "text"},
]
STATUSES = ["new", "open", "done"]


@pytest.fixture
def rows(core):
    core.create_type("row", FIELDS)
    return "row"


def _load(core, n: int) -> None:
    day0 = date(2026, 1, 1)
    data = [{"score": None if i % 13 == 0 else i % 7, "day": None if i % 11 == 0 else str(day0 + timedelta(days=i % 5)),
             "name": None if i % 9 == 0 else f"n{i % 4}", "status": STATUSES[i % 3]} for i in range(n)]
    with core.store() as s:
        s.create_many("row", data)


def _captured(monkeypatch) -> list:
    """The statements the list sends (each page part), as it sends them: (statement, its parameters)."""
    seen: list = []
    real = reading.fetch_driver_rows

    def spy(session, stmt, params=None):
        seen.append((stmt, params))
        return real(session, stmt, params)
    monkeypatch.setattr(reading, "fetch_driver_rows", spy)
    return seen


def _plan(conn, sent) -> str:
    stmt, given = sent
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.construct_params(given)
    if conn.dialect.name == "sqlite":
        args = tuple(params[k] for k in compiled.positiontup)
        return "\n".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a table this small could be read whole: is the
    conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")  # index able to give the order at all?
    return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), params))


@pytest.mark.parametrize("field", ["score", "day", "name"])
@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("filtered", [False, True])
def test_first_and_deep_page_walk_the_index(core, rows, monkeypatch, field, desc, filtered):
    _load(core, 600)
    typedef = core.schema().get("row")
    index = f"ix_{typedef.table.name}_{typedef.field(field).column_name}"
    seen = _captured(monkeypatch)
    flt = {"field": "status", "op": "eq", "value": "open"} if filtered else None
    sort = ("-" if desc else "") + field
    with core.store() as s:
        first = s.list("row", sort=sort, filter=flt, limit=20)
        assert len(seen) == 1  # (the values fill the page: no part for the empty ones)
        deep = s.list("row", sort=sort, filter=flt, limit=20, cursor=first.next_cursor)
    # (on SQLite the rest of the cursor's run of equal values, then the values beyond it)
    assert len(first.records) == len(deep.records) == 20 and len(seen) <= 3
    with core.sessions() as session:
        conn = session.connection()
        for stmt in seen:
            plan = _plan(conn, stmt)
            assert index in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_empty_values_part_walks_the_index(core, rows, monkeypatch):
    _load(core, 600)
    typedef = core.schema().get("row")
    index = f"ix_{typedef.table.name}_{typedef.field('score').column_name}"
    with core.store() as s:
        page = s.list("row", sort="-score", limit=560)  # past the values (553), into the empty ones
        seen = _captured(monkeypatch)
        s.list("row", sort="-score", limit=5, cursor=page.next_cursor)
    assert len(seen) == 1
    with core.sessions() as session:
        plan = _plan(session.connection(), seen[0])
    assert index in plan and "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_index_is_on_column_and_id(core, rows):
    typedef = core.schema().get("row")
    with core.sessions() as s:
        found = {ix["name"]: ix["column_names"] for ix in inspect(s.connection()).get_indexes(typedef.table.name)}
    column = typedef.field("score").column_name
    assert found[f"ix_{typedef.table.name}_{column}"] == [column, "id"]


def test_bulk_load_leaves_planner_statistics(core, rows):
    _load(core, 700)
    typedef = core.schema().get("row")
    with core.sessions() as s:
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            stats = dict(conn.execute(text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = :t"),
                                      {"t": typedef.table.name}).all())
            score_index = f"ix_{typedef.table.name}_{typedef.field('score').column_name}"
            assert int(stats[score_index].split()[0]) == 700
        else:
            assert conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"),
                                {"t": typedef.table.name}).scalar() == 700
    _load(core, 100)  # (a small batch leaves them be)
    _load(core, 500)  # (1,300 in all: the table has not doubled, neither does this one)
    with core.sessions() as s:
        assert statistics.planner_rows(s.connection(), typedef.table.name) == 700
    _load(core, 700)  # 2,000 records: analysed again
    with core.sessions() as s:
        assert statistics.planner_rows(s.connection(), typedef.table.name) == 2000


# -- keyset paging over ties and empty values, property-based -------------------------------------

ROW = st.fixed_dictionaries({
    "score": st.sampled_from([None, None, 1, 2, 2, 3]),
    "day": st.sampled_from([None, "2026-01-01", "2026-01-02", "2026-03-01"]),
    "name": st.sampled_from([None, "a", "a", "b", "c", "ab"]),
    "status": st.sampled_from([None, "new", "open", "done"]),
})


def _expected(records: list, name: str, desc: bool) -> list[int]:
    """The documented order: values by value then id, both in the sort's direction; empty values
    last either way, by id in the sort's direction."""
    def key(r):
        v = r.values[name]
        return STATUSES.index(v) if name == "status" else v
    present = sorted((r for r in records if r.values[name] is not None), key=lambda r: (key(r), r.id), reverse=desc)
    absent = sorted((r for r in records if r.values[name] is None), key=lambda r: r.id, reverse=desc)
    return [r.id for r in present + absent]


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.lists(ROW, min_size=30, max_size=80), page_size=st.integers(1, 7))
def test_cursor_paging_returns_every_record_once_in_order(core, rows, data, page_size):
    with core.sessions.begin() as s:
        s.execute(delete(core.schema().get("row").table))
    with core.store() as s:
        s.create_many("row", data)
        records = s.list("row", limit=1000).records
    for name in ("score", "day", "name", "status"):
        for desc in (False, True):
            sort = ("-" if desc else "") + name
            walked, cursor = [], None
            with core.store() as s:
                while True:
                    page = s.list("row", sort=sort, limit=page_size, cursor=cursor)
                    walked += [r.id for r in page.records]
                    assert len(walked) <= len(records), sort
                    if page.next_cursor is None:
                        break
                    assert len(page.records) == page_size
                    cursor = page.next_cursor
            assert walked == _expected(records, name, desc), (sort, page_size)


def test_migration_makes_old_field_indexes_column_and_id(core, rows):
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = Path(__file__).parents[2] / "migrations" / "versions" / "0009_sort_indexes.py"
    spec = importlib.util.spec_from_file_location("sort_indexes_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    typedef = core.schema().get("row")
    table, column = typedef.table.name, typedef.field("score").column_name
    name = f"ix_{table}_{column}"
    with core.sessions.begin() as s:
        conn = s.connection()
        if conn.dialect.name != "postgresql":
            pytest.skip("SQLite's indexes carry the record id already")
        conn.exec_driver_sql(f"DROP INDEX {name}")
        conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({column})")  # as made before this change
        with Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
        found = {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes(table)}
    assert found[name] == [column, "id"]
