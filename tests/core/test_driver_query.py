"""SELECTs run on the driver (``recordbase.storage.driver_query``) give exactly what ``session.execute``
gives: the same rows, the same Python values, the same errors."""
from __future__ import annotations

import pytest
from sqlalchemy import bindparam, create_engine, func, literal_column, select, text
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


def test_a_server_restart_fails_one_read_not_one_per_pooled_connection(core, every_type, sessions):
    """When the server drops every connection (a restart, a failover), the first read to meet a dead
    one fails and the pool's other connections are thrown away with it, as SQLAlchemy does for its
    own statements: the following reads get new connections."""
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("a server that closes connections is PostgreSQL's case")
    table = core.schema().get(every_type).table
    held = [sessions() for _ in range(3)]
    pids = [s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar() for s in held]
    for s in held:
        s.close()  # three connections back in the pool
    killer = create_engine(sessions.kw["bind"].url)
    with killer.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    failures = 0
    for _ in range(3):
        with sessions() as session:
            try:
                assert len(fetch_all(session, select(table.c.id))[1]) == 3
            except sa_exc.DBAPIError as exc:
                assert exc.connection_invalidated
                failures += 1
    assert failures == 1


def test_a_bad_parameter_is_a_statement_error(core, every_type):
    """A value the driver cannot take is raised as SQLAlchemy raises it, naming the statement."""
    t = core.schema().get(every_type).table
    stmt = select(t.c.id).where(t.c.id == bindparam("rid"))
    with core.sessions() as session:
        with pytest.raises(sa_exc.StatementError) as expected:
            session.execute(stmt, {"rid": object()})
        session.rollback()
        with pytest.raises(sa_exc.StatementError) as caught:
            fetch_all(session, stmt, {"rid": object()})
        assert type(caught.value) is type(expected.value) and "rb_rec_" in str(caught.value)


def test_only_columns_and_labels_run_on_the_driver(core, every_type):
    """Unlabelled expressions, ``*`` and text go through SQLAlchemy, which names their columns."""
    t = core.schema().get(every_type).table
    with core.sessions() as session:
        for stmt in (select(func.count(t.c.id)), select(t.c.id, literal_column("1")),
                     select(t.c.id.label("x"), t.c.version.label("x")), select(text("id FROM " + t.name))):
            assert fetch_all(session, stmt) == _through_sqlalchemy(session, stmt)
        labelled = select(func.count(t.c.id).label("n"))
        assert fetch_all(session, labelled) == (("n",), [(3,)])
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


def test_only_a_statement_asked_to_be_prepared_is_prepared(core, every_type):
    """PostgreSQL: the token lookup's statement (over tables that never change while the app runs) is
    prepared on its connection when asked (``prepare=True``); a record table's statements never are,
    however often they run (a field's type change would break their plan)."""
    with core.store() as s:
        conn = s.session.connection()
        if conn.dialect.name != "postgresql":
            pytest.skip("prepared statements are PostgreSQL's")
        table = s.type(every_type).table
        fixed = select(literal_column("1").label("one")).where(bindparam("x", type_=table.c.id.type) > 0)
        record = select(table.c.id).where(table.c.id > bindparam("x")).order_by(table.c.id)

        def prepared() -> list[str]:
            return [r[0] for r in conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements")]
        assert prepared() == []
        for k in range(20):
            fetch_all(s.session, record, {"x": k})
            fetch_all(s.session, fixed, {"x": k + 1}, prepare=True)
        found = prepared()
        assert len(found) == 1 and "1 AS one" in found[0] and table.name not in found[0]
