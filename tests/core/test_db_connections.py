"""Engine set-up: SQLite's BEGIN IMMEDIATE straight to the driver, PostgreSQL's ping of idle pooled connections."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from recordbase import db
from recordbase.db import make_engine

PG_URL = os.environ.get("RECORDBASE_TEST_DATABASE_URL")


def test_sqlite_transactions_take_the_write_lock_and_report_lock_errors_as_sqlalchemy_does(tmp_path):
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    first = make_engine(url)
    with first.begin() as c:
        c.execute(text("CREATE TABLE t (a INTEGER)"))
    second = make_engine(url)
    event.listen(second, "connect", lambda dbapi_conn, _rec: dbapi_conn.execute("PRAGMA busy_timeout=50"))
    try:
        with first.begin() as c:
            c.execute(text("SELECT a FROM t")).all()  # a read, yet the write lock is taken at BEGIN
            with pytest.raises(OperationalError, match="locked"):
                with second.begin() as c2:
                    c2.execute(text("SELECT 1"))
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (RECORDBASE_TEST_DATABASE_URL)")
def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(database_url, monkeypatch):
    engine = make_engine(database_url)
    pings = []
    event.listen(engine, "checkout", lambda *a: pings.append(1))
    try:
        with engine.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as c:  # given back a moment ago: used as it is, no ping
            assert c.execute(text("SELECT pg_backend_pid()")).scalar() == pid
        killer = make_engine(database_url)
        with killer.connect() as k:
            k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # as if it had been idle for a while
        with engine.connect() as c:  # the dead connection is found by the ping and replaced
            assert c.execute(text("SELECT 1")).scalar() == 1
            assert c.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        engine.dispose()


def test_brief_lock_wait_gives_up_quickly_and_restores_the_timeout(tmp_path):
    """A write that may be skipped (a token's last-used time) waits ~50 ms for SQLite's write lock
    instead of 30 s, and the connection's timeout is the usual one again afterwards."""
    import time

    from recordbase.db import BUSY_TIMEOUT_MS, WRITE_ALLOWED, brief_lock_wait, make_sessionmaker, read_only_engine

    url = f"sqlite:///{tmp_path / 'brief.db'}"
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (a INTEGER)"))
    writer = make_engine(url)
    sessions = make_sessionmaker(read_only_engine(engine))
    try:
        with writer.begin() as w:
            w.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock until the block ends
            with sessions() as s:
                assert s.execute(text("SELECT count(*) FROM t")).scalar() == 0  # a read does not wait
                s.rollback()
                started = time.monotonic()
                with pytest.raises(OperationalError, match="locked"):
                    with brief_lock_wait(s, ms=50):
                        s.execute(text("UPDATE t SET a = 2"), execution_options={WRITE_ALLOWED: True})
                assert time.monotonic() - started < 5
                driver = s.connection().connection.dbapi_connection
                assert driver.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    finally:
        writer.dispose()
        engine.dispose()
