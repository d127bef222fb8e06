"""Planner statistics of record tables, and a cheap estimate of their size.

SQLite's planner has no statistics until ``ANALYZE`` runs: on a large table it may then pick an
index on a filtered field over the sort's index and sort every matching row. The record store
refreshes them (:func:`refresh_after_load`) after a bulk load that doubled the table or more
(``create_many``: imports, the batch API) and the schema manager after it creates an index. Each
``ANALYZE`` reads the whole table (about a second at 1M records; loading them took far longer): a
sampled one (``analysis_limit``) sees only the first values of an index and takes a select with
five choices for a selective one — the very plan statistics are there to avoid.
PostgreSQL's autovacuum analyses tables after such loads by itself, when it runs (it may be off, and
it waits a minute): the same loads ``ANALYZE`` there too (a sample of 30,000 rows at any size), if
its lock comes within 50 ms (else autovacuum or a later load does it).

:func:`estimated_rows` is what the list's refusal of large unindexed sorts measures
(``RECORDBASE_UNINDEXED_SORT_MAX_ROWS``): the planner's own row count (``sqlite_stat1``,
``pg_class.reltuples``) or, when the table was never analysed, its highest id — never a COUNT.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import OperationalError

ANALYZE_MIN_ROWS = 500  # a smaller batch never changes a plan enough to be worth it
GROWTH = 2              # analyse again once the table may have grown this many times over


def analyze(conn: Any, name: str) -> None:
    """``ANALYZE`` a table or an index (SQLite; all of it)."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("PRAGMA analysis_limit = 0")
    conn.exec_driver_sql(f'ANALYZE "{name}"')  # (a table or an index of ours: never user text)


def _analyze_postgresql(conn: Any, table_name: str) -> bool:
    """``ANALYZE`` in the caller's transaction, in a savepoint: given up when its lock (held to the
    end of the transaction) does not come within 50 ms, the caller's lock timeout kept."""
    before = conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar()
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("SELECT set_config('lock_timeout', '50ms', true)")
            conn.exec_driver_sql(f'ANALYZE "{table_name}"')
        return True
    except OperationalError:
        return False
    finally:
        conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": before})


def planner_rows(conn: Any, table_name: str) -> Optional[int]:
    """The row count the planner believes the table has, None when it has no statistics."""
    if conn.dialect.name == "sqlite":
        if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar() is None:
            return None  # (made by the database's first ANALYZE)
        stat = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t LIMIT 1"), {"t": table_name}).scalar()
        return int(str(stat).split()[0]) if stat else None
    if conn.dialect.name == "postgresql":
        n = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table_name}).scalar()
        return int(n) if n is not None and n >= 0 else None  # (-1: never analysed nor vacuumed)
    return None


def estimated_rows(conn: Any, table: Table) -> int:
    """About how many rows (live and in the trash) ``table`` holds, from statistics or its highest id."""
    n = planner_rows(conn, table.name)
    if n is None:
        n = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return int(n)


def refresh_after_load(conn: Any, table_name: str, added: int, last_id: int) -> bool:
    """Analyse the table after a bulk load that may have outgrown its statistics (True when done)."""
    if conn.dialect.name not in ("sqlite", "postgresql") or added < ANALYZE_MIN_ROWS:
        return False
    known = planner_rows(conn, table_name)
    if known is not None and last_id < known * GROWTH:
        return False
    if conn.dialect.name == "postgresql":
        return _analyze_postgresql(conn, table_name)
    analyze(conn, table_name)
    return True
