"""A read-only request's connection (``recordbase.db.read_only_engine``) keeps its isolation level when
``end_read_transaction`` begins its next transaction on a connection that was lost and replaced."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from recordbase.db import end_read_transaction, read_only_engine


def test_a_replaced_connection_reads_as_the_read_only_engine_says(sessions):
    engine = read_only_engine(sessions.kw["bind"])
    conn = engine.connect()
    try:
        conn.begin()
        conn.invalidate()  # (what a server restart does to the pooled connection a request met)
        end_read_transaction(Session(bind=conn), begin_again=True)
        assert conn.in_transaction()
        assert conn.execute(text("SELECT 1")).scalar() == 1
        if conn.dialect.name == "postgresql":  # AUTOCOMMIT again, not a transaction holding its tables' locks
            assert conn.connection.dbapi_connection.autocommit is True
    finally:
        conn.close()
