"""What a write through the API costs the database (issue 20 §2 and §3): the statements of a create,
an update and a batch, counted and named, so that a query creeping back into the write path (the
rules' version read on its own, the record read twice by an update, a statement per record of a
batch) fails here. Every check stays on: the type has a required field, a unique field, a link and
an enabled rule, and history is written.

Counted are the statements SQLAlchemy sends (an ``executemany`` once) and the reads the store runs
on the driver (:mod:`recordbase.storage.driver_query`: the record an update reads); the token
lookup (also on the driver, before the write) and the transaction's BEGIN and COMMIT are not
counted here. On PostgreSQL, writers hold the schema row ``FOR KEY SHARE``: two writers hold it
at once, a structure change waits for both.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import event, text

from recordbase.context import platform
from recordbase.metamodel import schema_lock

from .helpers import make_type, ok


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """The statements sent meanwhile, each as its leading words (``SELECT rb_rec_2``, ``INSERT INTO rb_record_history``)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        words = re.sub(r"\s+", " ", statement).strip()
        m = re.match(r"SELECT (\w+)\.", words) or re.match(r"SELECT .*? FROM (\w+)", words)
        if m:
            label = f"SELECT {m.group(1)}"
        else:
            m = re.match(r"INSERT INTO \w+|UPDATE \w+|RELEASE SAVEPOINT|\w+", words)
            label = m.group(0) if m else words[:40]
        seen.append(label + (" FOR KEY SHARE" if "FOR KEY SHARE" in words else ""))

    from recordbase.storage.driver_query import DriverStatement

    original = DriverStatement.parameters

    def parameters(self, *args, **kw):  # the store's reads past SQLAlchemy: each works out its values once
        if writing and seen:  # (after the write's first statement: not the token lookup)
            note(None, None, self.sql, None, None, False)
        return original(self, *args, **kw)

    engine = platform(app).engine
    event.listen(engine, "before_cursor_execute", note)
    DriverStatement.parameters, writing = parameters, False
    try:
        writing = True
        yield seen
    finally:
        writing = False
        DriverStatement.parameters = original
        event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def vendor(api):
    make_type(api, "org", [{"name": "name", "label": "Name", "type": "text"}])
    make_type(api, "vendor", [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "code", "label": "Code", "type": "text", "unique": True},
        {"name": "score", "label": "Score", "type": "number"},
        {"name": "org", "label": "Org", "type": "link", "options": {"target": "org"}}])
    ok(api.post("/api/v1/rules", json={"name": "never", "type": "vendor", "enabled": True,
                                       "trigger": {"on": "record_updated", "fields": ["score"]},
                                       "condition": {"field": "score", "op": "lt", "value": -1000},
                                       "actions": [{"do": "update_record", "values": {"name": "low"}}]}), 201)
    return ok(api.post("/api/v1/records/org", json={"fields": {"name": "Acme"}}), 201)["id"]


def _postgresql(app) -> bool:
    return platform(app).engine.dialect.name == "postgresql"


def _record_table(app, name: str) -> str:
    with platform(app).sessions() as s:
        return platform(app).schema_cache.get(s).get(name).table.name


def test_a_create_and_an_update_send_one_statement_per_check(app, api, vendor):
    table, org_table = _record_table(app, "vendor"), _record_table(app, "org")
    ok(api.post("/api/v1/records/vendor", json={"fields": {"name": "warm", "code": "w", "org": vendor}}), 201)
    held = " FOR KEY SHARE" if _postgresql(app) else ""  # (PostgreSQL: the link's target held, no savepoint)
    with statements(app) as seen:
        created = ok(api.post("/api/v1/records/vendor",
                              json={"fields": {"name": "A", "code": "a", "score": 1, "org": vendor}}), 201)
    assert seen == ["SELECT rb_schema_state" + held,  # with the rules' version
                    f"SELECT {org_table}" + held,  # the link's target is live
                    f"SELECT {table}",  # the code is not taken
                    f"INSERT INTO {table}",
                    "INSERT INTO rb_record_history"]
    with statements(app) as seen:
        updated = ok(api.patch(f"/api/v1/records/vendor/{created['id']}",
                               json={"version": created["version"], "fields": {"score": 2}}))
    assert updated["fields"]["score"] == 2 and updated["version"] == created["version"] + 1
    assert seen == ["SELECT rb_schema_state" + held,
                    f"SELECT {table}",  # the record, read once (its 404, its version, its values before)
                    f"UPDATE {table}",  # (no unique value written: no savepoint)
                    "INSERT INTO rb_record_history"]
    with statements(app) as seen:
        ok(api.patch(f"/api/v1/records/vendor/{created['id']}",
                     json={"version": updated["version"], "fields": {"code": "b"}}))
    write = ["SAVEPOINT", f"UPDATE {table}", "RELEASE SAVEPOINT"] if _postgresql(app) else [f"UPDATE {table}"]
    assert seen == ["SELECT rb_schema_state" + held, f"SELECT {table}", f"SELECT {table}", *write,
                    "INSERT INTO rb_record_history"]


def test_a_unique_value_taken_after_the_check_is_refused_by_field_and_the_transaction_goes_on(app, api, vendor,
                                                                                             monkeypatch):
    """Another writer commits the same value between the create's check and its INSERT: on PostgreSQL
    the INSERT gives no id (no savepoint was taken), the create is a 422 naming the field, and the
    transaction still works; on SQLite the one write lock rules the race out."""
    if not _postgresql(app):
        pytest.skip("SQLite writers take turns")
    from recordbase.errors import ValidationError
    from recordbase.storage import RecordStore

    ok(api.post("/api/v1/records/vendor", json={"fields": {"name": "First", "code": "taken"}}), 201)
    plat = platform(app)
    checks = []
    original = RecordStore._check_unique

    def late(self, *args, **kw):  # the first check runs before the other writer's commit: it sees nothing
        checks.append(1)
        if len(checks) > 1:
            return original(self, *args, **kw)
    monkeypatch.setattr(RecordStore, "_check_unique", late)
    with plat.sessions() as s:
        store = RecordStore(s, plat.schema_cache.get(s))
        with pytest.raises(ValidationError) as refused:
            store.create("vendor", {"name": "Second", "code": "taken", "org": vendor})
        assert refused.value.details == {"code": ["must be unique: this value is already taken"]}
        store.create("vendor", {"name": "Third", "code": "free", "org": vendor})
        s.commit()
    names = sorted(r["fields"]["name"] for r in ok(api.get("/api/v1/records/vendor"))["records"])
    assert names == ["First", "Third"]


def test_a_batch_sends_the_same_statements_for_30_records_as_for_300(app, api, vendor):
    """(On PostgreSQL the rows go by COPY from 20 rows on, which SQLAlchemy does not see: its
    statements are the ones around it.)"""
    table, org_table = _record_table(app, "vendor"), _record_table(app, "org")
    ok(api.post("/api/v1/records/vendor/batch", json={"records": [{"fields": {"name": "warm"}}]}), 201)
    if _postgresql(app):
        expected = ["SELECT rb_schema_state FOR KEY SHARE", f"SELECT {org_table}", f"SELECT {table}",
                    "SELECT generate_series",  # the new ids, from the sequence
                    "SAVEPOINT", "RELEASE SAVEPOINT",  # (the records and their history by COPY)
                    f"SELECT {table}"]  # the answer's records, read back by id range on the driver
    else:
        expected = ["SELECT rb_schema_state", f"SELECT {org_table}", f"SELECT {table}",
                    f"SELECT {table}", "SELECT sqlite_master", "SELECT sqlite_sequence",  # the last id given
                    "SAVEPOINT", f"INSERT INTO {table}", "RELEASE SAVEPOINT",
                    f"SELECT {table}",  # the answer's records, read back by id range on the driver
                    "INSERT INTO rb_record_history"]
    for n in (30, 300):
        body = {"records": [{"fields": {"name": f"r{i}", "code": f"{n}-{i}", "score": i, "org": vendor}}
                            for i in range(n)]}
        with statements(app) as seen:
            res = ok(api.post("/api/v1/records/vendor/batch", json=body), 201)
        assert len(res["records"]) == n
        assert seen == expected, n


def test_a_new_records_own_computed_values_are_written_by_its_insert(app, api, vendor):
    """A formula and a lookup on the type: a create and a batch send what they send without them and
    one read of the linked records for the lookup (before the INSERT), never a read-back or an UPDATE
    of the new rows; the values are right."""
    for field in ({"name": "double", "label": "Double", "type": "formula", "options": {"expression": "{score} * 2"}},
                  {"name": "org_name", "label": "Org name", "type": "lookup",
                   "options": {"link": "org", "target_field": "name"}}):
        ok(api.post("/api/v1/types/vendor/fields", json=field), 201)
    table, org_table = _record_table(app, "vendor"), _record_table(app, "org")
    ok(api.post("/api/v1/records/vendor", json={"fields": {"name": "warm", "code": "w", "org": vendor}}), 201)
    held = " FOR KEY SHARE" if _postgresql(app) else ""
    with statements(app) as seen:
        created = ok(api.post("/api/v1/records/vendor",
                              json={"fields": {"name": "A", "code": "a", "score": 4, "org": vendor}}), 201)
    assert created["fields"]["double"] == 8 and created["fields"]["org_name"] == "Acme"
    assert seen == ["SELECT rb_schema_state" + held, f"SELECT {org_table}" + held, f"SELECT {table}",
                    f"SELECT {org_table}",  # the lookup's linked record
                    f"INSERT INTO {table}", "INSERT INTO rb_record_history"]
    if _postgresql(app):
        expected = ["SELECT rb_schema_state FOR KEY SHARE", f"SELECT {org_table}", f"SELECT {table}",
                    "SELECT generate_series", f"SELECT {org_table}", "SAVEPOINT", "RELEASE SAVEPOINT",
                    f"SELECT {table}"]
    else:
        expected = ["SELECT rb_schema_state", f"SELECT {org_table}", f"SELECT {table}",
                    f"SELECT {table}", "SELECT sqlite_master", "SELECT sqlite_sequence",
                    f"SELECT {org_table}",  # the lookup's linked records, once for the batch
                    "SAVEPOINT", f"INSERT INTO {table}", "RELEASE SAVEPOINT",
                    f"SELECT {table}", "INSERT INTO rb_record_history"]
    for n in (30, 300):
        body = {"records": [{"fields": {"name": f"r{i}", "code": f"{n}-{i}", "score": i, "org": vendor}}
                            for i in range(n)]}
        with statements(app) as seen:
            res = ok(api.post("/api/v1/records/vendor/batch", json=body), 201)
        assert [(r["fields"]["double"], r["fields"]["org_name"]) for r in res["records"]] == \
            [(2 * i, "Acme") for i in range(n)]
        assert seen == expected, n


def test_two_writers_hold_the_schema_at_once_and_a_structure_change_waits_for_them(app):
    if not _postgresql(app):
        pytest.skip("SQLite has one writer at a time")
    sessions = platform(app).sessions
    with sessions() as first, sessions() as second, sessions() as change:
        schema_lock.hold(first)
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        assert schema_lock.hold(second) is not None  # FOR KEY SHARE: not waiting for the first writer
        change.execute(text("SET LOCAL lock_timeout = '200ms'"))
        with pytest.raises(Exception, match="lock timeout"):
            schema_lock.exclude_writers(change)  # FOR UPDATE: waits for the writers
