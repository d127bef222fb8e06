"""A read-only request's connection (``recordbase.db.read_only_engine``) keeps its isolation level when
``end_read_transaction`` begins its next transaction on a connection that was lost and replaced."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from recordbase.db import READING, bound_connection, end_read_transaction, read_only_engine


def test_a_replaced_connection_reads_as_the_read_only_engine_says(sessions):
    engine = read_only_engine(sessions.kw["bind"])
    conn = engine.connect()
    try:
        conn.begin()
        conn.invalidate()  # (what a server restart does to the pooled connection a request met)
        session = Session(bind=conn)
        end_read_transaction(session, begin_again=True)
        assert session.info[READING] and bound_connection(session) is conn  # its next read transaction is open
        if conn.dialect.name == "sqlite":  # (begun at the driver: a plain BEGIN)
            assert conn.connection.dbapi_connection.in_transaction
        assert conn.execute(text("SELECT 1")).scalar() == 1
        if conn.dialect.name == "postgresql":  # AUTOCOMMIT again, not a transaction holding its tables' locks
            assert conn.connection.dbapi_connection.autocommit is True
    finally:
        conn.close()
