"""SELECTs run on the driver (``recordbase.storage.driver_query``) give exactly what ``session.execute``
gives: the same rows, the same Python values, the same errors."""
from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy import exc as sa_exc

from recordbase.storage import driver_query
from recordbase.storage.driver_query import fetch_all, fetch_driver_rows


def _through_sqlalchemy(session, stmt, params=None):
    result = session.execute(stmt, params)
    return tuple(result.keys()), [tuple(r) for r in result.all()]


def test_every_field_type_reads_as_sqlalchemy_reads_it(core, every_type):
    with core.store() as s:
        table = s.type(every_type).table
        stmt = select(table).order_by(table.c.id)
        keys, rows = fetch_all(s.session, stmt)
        assert (keys, rows) == _through_sqlalchemy(s.session, stmt)
        assert len(rows) == 3
        # the same values, and of the same Python types (Decimal, date, datetime, bool ...)
        for got, expected in zip(rows, _through_sqlalchemy(s.session, stmt)[1]):
            assert [type(v) for v in got] == [type(v) for v in expected]


def test_a_cached_shape_takes_each_statement_s_own_values(core, every_type):
    """Statements of one shape share a compiled statement; each runs with its own values."""
    with core.store() as s:
        t = s.type(every_type).table
        title = t.c[s.type(every_type).field("title").column_name]
        for wanted in ("full", "empty", "whole", "none of them"):
            stmt = select(t.c.id, title).where(title == wanted).limit(5)
            assert fetch_all(s.session, stmt) == _through_sqlalchemy(s.session, stmt)
            assert [r[1] for r in fetch_all(s.session, stmt)[1]] == ([] if wanted == "none of them" else [wanted])


def test_bound_placeholders_take_the_given_values(core, every_type):
    with core.store() as s:
        t = s.type(every_type).table
        stmt = select(t.c.id).where(t.c.id == bindparam("rid"))
        for rid in (1, 2, 99):
            assert fetch_all(s.session, stmt, {"rid": rid}) == _through_sqlalchemy(s.session, stmt, {"rid": rid})


def test_expanding_in_lists_go_through_sqlalchemy(core, every_type):
    """``IN`` lists are rendered at execution; such a statement runs through SQLAlchemy, with the same answer."""
    with core.store() as s:
        t = s.type(every_type).table
        for ids in ([1], [1, 3], [2, 3, 4, 5]):
            stmt = select(t.c.id).where(t.c.id.in_(ids)).order_by(t.c.id)
            assert fetch_all(s.session, stmt) == _through_sqlalchemy(s.session, stmt)
        key = stmt._generate_cache_key().key
        assert any(k[-1] == key and v is None for k, v in driver_query._STATEMENTS.items())


def test_processors_are_those_sqlalchemy_applies(core, every_type):
    with core.store() as s:
        t = s.type(every_type).table
        fetched = fetch_driver_rows(s.session, select(t).order_by(t.c.id))
        assert len(fetched.processors) == len(fetched.keys) == len(t.c)
        assert fetched.rows() == _through_sqlalchemy(s.session, select(t).order_by(t.c.id))[1]
        assert fetched.row(fetched.raw[0]) == fetched.rows()[0]


def test_driver_errors_are_sqlalchemy_errors(core, every_type):
    """A failing statement raises the SQLAlchemy error ``session.execute`` raises for it, and the session
    can roll back and go on."""
    t = core.schema().get(every_type).table
    stmt = select(t.c.id).where(text("no_such_column = 1"))
    with core.sessions() as session:
        with pytest.raises(sa_exc.DBAPIError) as expected:
            session.execute(stmt)
        session.rollback()
        with pytest.raises(sa_exc.DBAPIError) as caught:
            fetch_all(session, stmt)
        assert type(caught.value) is type(expected.value)
        assert type(caught.value.orig) is type(expected.value.orig)
        assert "no_such_column" in str(caught.value)
        session.rollback()
        assert len(fetch_all(session, select(t.c.id))[1]) == 3


def test_a_lost_connection_is_invalidated(core, every_type, sessions):
    """A connection the server closed is not given back to the pool: the next session works."""
    with core.sessions() as session:
        conn = session.connection()
        if conn.dialect.name != "postgresql":
            pytest.skip("a server that closes a connection is PostgreSQL's case")
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with sessions() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        t = core.schema().get(every_type).table
        with pytest.raises(sa_exc.DBAPIError) as caught:
            fetch_all(session, select(t.c.id))
        assert caught.value.connection_invalidated
    with core.sessions() as session:
        assert len(fetch_all(session, select(core.schema().get(every_type).table.c.id))[1]) == 3
