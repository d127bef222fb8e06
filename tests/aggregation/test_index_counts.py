"""Counts per value of an indexed select (a board's columns): on SQLite a count per choice from the
field's index and the values around the choices grouped, less the trashed records found through the
table's trash index. The figures must be those of the plain ``GROUP BY`` whatever is stored."""
from __future__ import annotations

import importlib.util
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, inspect, update

from recordbase.metamodel.schema_manager import trash_index_name

from .counting import counts

CHOICES = ["open", "doing", "done"]
#: what a column may hold beyond the choices: a choice since removed, text sorting before, between
#: and after the choices, the empty text
STALE = ["archived", "", "doinga", "zzz", "早"]


def indexed_tickets(tickets):
    with tickets.meta() as m:
        m.update_field("ticket", "status", {"indexed": True})
    return tickets.schema().get("ticket")


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from([None, *CHOICES, *STALE]), st.booleans()), max_size=25))
def test_counts_from_the_index_agree_with_the_records(tickets, rows):
    t = tickets.schema().get("ticket")
    if not t.field("status").indexed:
        t = indexed_tickets(tickets)
    col = t.table.c[t.field("status").column_name]
    with tickets.sessions.begin() as s:
        s.execute(delete(t.table))
    with tickets.store() as store:
        ids = store.create_many("ticket", [{"title": str(i)} for i in range(len(rows))]).ids
    with tickets.sessions.begin() as s:  # (stale values cannot be written through the store)
        for rid, (value, gone) in zip(ids, rows):
            s.execute(update(t.table).where(t.table.c.id == rid).values(
                {col: value, t.table.c.deleted_at: datetime(2026, 1, 1) if gone else None}))
    got, statements, dialect = counts(tickets)
    assert got == dict(Counter(v for v, gone in rows if not gone))
    counted_per_choice = any("UNION ALL" in s and s.count(f"{col.name} = ") >= len(CHOICES) for s in statements)
    assert counted_per_choice == (dialect == "sqlite")


def test_counts_per_choice_only_without_row_limits_or_filters(tickets):
    from recordbase.access.policy import Policy, RoleSpec

    indexed_tickets(tickets)
    with tickets.store() as store:
        store.create_many("ticket", [{"status": v, "urgent": i % 2 == 0} for i, v in enumerate(CHOICES * 3)])
    everything, statements, dialect = counts(tickets)
    assert everything == {"open": 3, "doing": 3, "done": 3}
    assert any("UNION ALL" in s for s in statements) == (dialect == "sqlite")
    policy = Policy(tickets.user_id, [RoleSpec("r", False, {"ticket": {
        "actions": ["read"], "rows": {"field": "urgent", "op": "is_true"}}})])
    limited, statements, _dialect = counts(tickets, policy=policy)
    assert limited == {"open": 2, "doing": 1, "done": 2}
    assert not any("UNION ALL" in s for s in statements)


def test_a_new_type_has_a_trash_index_which_the_trashed_counts_read(tickets):
    t = indexed_tickets(tickets)
    name = trash_index_name(t.id)
    with tickets.sessions() as s:
        conn = s.connection()
        found = {ix["name"]: ix for ix in inspect(conn).get_indexes(t.table.name)}
        assert found[name]["column_names"] == ["deleted_at"]
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar()
            assert sql.endswith("WHERE deleted_at IS NOT NULL")
            col = t.field("status").column_name
            plan = conn.exec_driver_sql(f'EXPLAIN QUERY PLAN SELECT {col}, count(*) FROM {t.table.name} '
                                        f'WHERE deleted_at IS NOT NULL GROUP BY +{col}').all()
            assert any(name in str(row[-1]) for row in plan), plan
        else:
            sql = conn.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)).scalar()
            assert "WHERE (deleted_at IS NOT NULL)" in sql


def test_the_trash_index_survives_table_rebuilds(tickets):
    t = indexed_tickets(tickets)
    with tickets.meta() as m:
        m.update_field("ticket", "score", {"type": "text"})  # SQLite rebuilds the table
    with tickets.sessions() as s:
        names = {ix["name"] for ix in inspect(s.connection()).get_indexes(t.table.name)}
    assert trash_index_name(t.id) in names


def test_migration_gives_old_tables_a_trash_index(tickets):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = Path(__file__).parents[2] / "migrations" / "versions" / "0021_trash_indexes.py"
    spec = importlib.util.spec_from_file_location("trash_indexes_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    t = tickets.schema().get("ticket")
    name = trash_index_name(t.id)
    with tickets.sessions.begin() as s:
        conn = s.connection()
        conn.exec_driver_sql(f"DROP INDEX {name}")  # as a table made before this change
        with Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
            migration.upgrade()  # (twice: an index already there is kept)
        found = {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes(t.table.name)}
        assert found[name] == ["deleted_at"]
        with Operations.context(MigrationContext.configure(conn)):
            migration.downgrade()
        assert name not in {ix["name"] for ix in inspect(conn).get_indexes(t.table.name)}


@pytest.mark.parametrize("choices", [["b"], ["b", "a", "c"]])
def test_counts_by_value_partition_every_value(tickets, choices):
    """The SELECTs count each stored value exactly once, whatever the choices."""
    from dataclasses import replace

    from sqlalchemy import union_all

    from recordbase.storage.aggregation import _counts_by_value

    t = indexed_tickets(tickets)
    f = t.field("status")
    field = replace(f, options={"choices": choices})
    col = t.table.c[f.column_name]
    with tickets.sessions.begin() as s:
        for v in [None, "", "a", "aa", "b", "ba", "c", "d", "中"]:
            s.execute(t.table.insert().values({col: v, "version": 1, "created_at": datetime(2026, 1, 1),
                                               "updated_at": datetime(2026, 1, 1)}))
    with tickets.sessions() as s:
        got = Counter()
        for k, n in s.execute(union_all(*_counts_by_value(col, field))).all():
            got[k] += n
    assert +got == Counter({None: 1, "": 1, "a": 1, "aa": 1, "b": 1, "ba": 1, "c": 1, "d": 1, "中": 1})
