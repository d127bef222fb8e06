"""Planner statistics of record tables, and a cheap estimate of their size.

SQLite's planner has no statistics until ``ANALYZE`` runs: on a large table it may then pick an
index on a filtered field over the sort's index and sort every matching row. The record store
refreshes them (:func:`refresh_after_load`) after a bulk load that grew the table by a quarter
or more (``create_many``: imports, the batch API) and the schema manager after it creates an
index; ``analysis_limit`` keeps each ``ANALYZE`` to a sample, so it costs milliseconds at any size.
PostgreSQL's autovacuum analyses tables after such loads by itself.

:func:`estimated_rows` is what the list's refusal of large unindexed sorts measures
(``RECORDBASE_UNINDEXED_SORT_MAX_ROWS``): the planner's own row count (``sqlite_stat1``,
``pg_class.reltuples``) or, when the table was never analysed, its highest id — never a COUNT.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import Table, func, select, text

ANALYZE_MIN_ROWS = 500  # a smaller batch never changes a plan enough to be worth it
ANALYSIS_LIMIT = 1000   # rows sampled per index by SQLite's ANALYZE


def analyze(conn: Any, name: str) -> None:
    """``ANALYZE`` a table or an index (SQLite; sampled)."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    conn.exec_driver_sql(f'ANALYZE "{name}"')  # (a table or an index of ours: never user text)


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
    """Analyse the table after a bulk load that may have outgrown its statistics (SQLite; True when done)."""
    if conn.dialect.name != "sqlite" or added < ANALYZE_MIN_ROWS:
        return False
    known = planner_rows(conn, table_name)
    if known is not None and last_id < known * 1.25:
        return False
    analyze(conn, table_name)
    return True
