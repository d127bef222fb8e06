"""The tickets counted by status through the aggregation engine, with the statements it ran (the
index-count tests and the engine's property test both ask which path the count took)."""
from __future__ import annotations

from sqlalchemy import event

from recordbase.storage.aggregation import AggregationEngine, Dimension, Metric


def counts(core, **store_kw) -> tuple[dict, list[str], str]:
    """{value: count} of the tickets by status, the statements run, the database's dialect."""
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)
    with core.store(**store_kw) as store:
        bind = store.session.get_bind()
        event.listen(bind, "before_cursor_execute", seen)
        try:
            res = AggregationEngine(store).run("ticket", [Dimension("status")], [Metric("count")])
        finally:
            event.remove(bind, "before_cursor_execute", seen)
    return {r.keys[0]: r.values["count"] for r in res.rows}, statements, bind.dialect.name
