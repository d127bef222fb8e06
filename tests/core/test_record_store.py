"""RecordStore: CRUD, validation, required, unique, defaults, optimistic locking, users, events."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from recordbase.errors import Conflict, NotFound, ValidationError, VersionConflict
from recordbase.storage.events import RecordCreated, RecordDeleted, RecordRestored, RecordUpdated

from services import add_user

CHOICES = {"choices": ["new", {"value": "active", "label": "Active", "label_zh": "合作中"}, "closed"]}


@pytest.fixture
def supplier(core):
    core.create_type("supplier", [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "code", "label": "Code", "type": "text", "unique": True},
        {"name": "score", "label": "Score", "type": "number"},
        {"name": "budget", "label": "Budget", "type": "currency", "options": {"code": "CNY"}},
        {"name": "status", "label": "Status", "type": "single_select", "options": CHOICES, "default": "new"},
        {"name": "tags", "label": "Tags", "type": "multi_select", "options": {"choices": ["x", "y", "z"]}},
        {"name": "since", "label": "Since", "type": "date"},
        {"name": "email", "label": "Email", "type": "email"},
        {"name": "preferred", "label": "Preferred", "type": "boolean", "default": True},
        {"name": "manager", "label": "Manager", "type": "user"},
    ])
    return "supplier"


def count_rows(core, type_name):
    t = core.schema().get(type_name).table
    with core.sessions() as s:
        return s.scalar(select(func.count()).select_from(t))


def test_create_get_and_json(core, supplier, owner):
    rec = core.create(supplier, {"name": " Acme ", "code": "A1", "score": "1,234.5", "budget": "¥2,000",
                                 "status": "合作中", "tags": ["z", "x"], "since": "2026年1月5日",
                                 "email": "a@acme.cn", "manager": owner.email.upper()})
    assert rec.id >= 1 and rec.version == 1
    assert rec.values == {"name": "Acme", "code": "A1", "score": 1234.5, "budget": Decimal("2000.00"),
                          "status": "active", "tags": ["x", "z"], "since": date(2026, 1, 5), "email": "a@acme.cn",
                          "preferred": True, "manager": owner.id}
    assert rec.created_by == owner.id and rec.updated_by == owner.id
    assert abs(rec.created_at - datetime.utcnow()) < timedelta(minutes=1)
    again = core.get(supplier, rec.id)
    assert again.values == rec.values
    with core.store() as st:
        js = st.to_json(again)
    assert js["id"] == rec.id and js["version"] == 1
    assert js["created_by"] == owner.email and js["created_at"].endswith("+00:00")
    assert js["fields"]["manager"] == owner.email
    assert js["fields"]["since"] == "2026-01-05"
    assert js["fields"]["tags"] == ["x", "z"]
    assert js["fields"]["budget"] == 2000
    with core.store() as st:
        assert st.to_json(again, fields=["name"])["fields"] == {"name": "Acme"}


def test_validation_lists_every_bad_field_and_stores_nothing(core, supplier):
    with pytest.raises(ValidationError) as exc:
        core.create(supplier, {"score": "lots", "status": "unknown", "email": "nope", "since": "2026-02-30",
                               "ghost": 1, "tags": ["x", "w"], "manager": "nobody@example.com"})
    d = exc.value.details
    assert set(d) == {"name", "score", "status", "email", "since", "ghost", "tags", "manager"}
    assert d["name"] == ["is required"]
    assert "not a number" in d["score"][0]
    assert "not one of the choices" in d["status"][0]
    assert "not a real date" in d["since"][0]
    assert "unknown field" in d["ghost"][0]
    assert "nobody@example.com" in d["manager"][0]
    assert "and 7 more" in exc.value.message
    assert count_rows(core, supplier) == 0


@pytest.mark.parametrize("value", [None, "", "   ", []])
def test_required(core, supplier, value):
    with pytest.raises(ValidationError) as exc:
        core.create(supplier, {"name": value})
    assert exc.value.details == {"name": ["is required"]}
    rid = core.create(supplier, {"name": "Acme"}).id
    with pytest.raises(ValidationError):
        with core.store() as st:
            st.update(supplier, rid, {"name": value})
    with core.store() as st:   # an update that leaves the required field alone is fine
        st.update(supplier, rid, {"score": 3})
    assert core.values(supplier, rid)["name"] == "Acme"


def test_read_only_and_system_values_refused(core, supplier):
    core.add_field(supplier, {"name": "ref", "label": "Ref", "type": "autonumber"})
    with pytest.raises(ValidationError) as exc:
        core.create(supplier, {"name": "A", "ref": "X-1"})
    assert exc.value.details == {"ref": ["is read-only"]}
    with pytest.raises(ValidationError) as exc:
        core.create(supplier, {"name": "A", "id": 99, "version": 5})
    assert set(exc.value.details) == {"id", "version"}
    with pytest.raises(ValidationError):
        with core.store() as st:
            st.create(supplier, ["not", "a", "dict"])


def test_defaults(core, supplier):
    rec = core.create(supplier, {"name": "A"})
    assert rec.values["status"] == "new" and rec.values["preferred"] is True
    rec = core.create(supplier, {"name": "B", "status": "closed", "preferred": False})
    assert rec.values["status"] == "closed" and rec.values["preferred"] is False
    rec = core.create(supplier, {"name": "C", "status": None})   # an explicit empty value wins over the default
    assert rec.values["status"] is None
    # a default does not apply on update
    with core.store() as st:
        after = st.update(supplier, rec.id, {"score": 1})
    assert after.values["status"] is None


def test_unique_and_trash(core, supplier):
    a = core.create(supplier, {"name": "A", "code": "X1"}).id
    with pytest.raises(ValidationError) as exc:
        core.create(supplier, {"name": "B", "code": "X1"})
    assert exc.value.details["code"] == ["must be unique: this value is already taken"]  # never which record
    b = core.create(supplier, {"name": "B", "code": "X2"}).id
    with pytest.raises(ValidationError):
        with core.store() as st:
            st.update(supplier, b, {"code": "X1"})
    with core.store() as st:
        st.update(supplier, a, {"code": "X1", "score": 1})   # its own value is no conflict
    # empty values never conflict
    core.create(supplier, {"name": "C"})
    core.create(supplier, {"name": "D", "code": ""})
    # a trashed record's value can be reused...
    with core.store() as st:
        st.delete(supplier, a)
    c = core.create(supplier, {"name": "C2", "code": "X1"}).id
    # ...and restoring it then conflicts
    with pytest.raises(ValidationError) as exc:
        with core.store() as st:
            st.restore(supplier, a)
    assert exc.value.details["code"] == ["must be unique: this value is already taken"]
    assert str(c) not in exc.value.message
    assert core.get(supplier, a, include_deleted=True).deleted_at is not None
    with core.store() as st:
        st.update(supplier, c, {"code": "X3"})
        st.restore(supplier, a)
    assert core.values(supplier, a)["code"] == "X1"


def test_unique_index_backs_the_check(core, supplier):
    """The database itself refuses a duplicate that slips past the pre-check (two writers)."""
    core.create(supplier, {"name": "A", "code": "X1"})
    with core.store() as st:
        st._check_unique = lambda *a, **k: None
        with pytest.raises(ValidationError) as exc:
            st.create(supplier, {"name": "B", "code": "X1"})
        assert "unique" in exc.value.message
        st.create(supplier, {"name": "B", "code": "X9"})   # the transaction is still usable
    with core.store() as st:
        assert [(r.values["name"], r.values["code"]) for r in st.list(supplier).records] == [("A", "X1"), ("B", "X9")]


def test_update_delete_restore_purge(core, supplier, owner):
    rid = core.create(supplier, {"name": "A", "score": 1, "tags": ["x"]}).id
    other = add_user(core.sessions, "editor@example.com")
    with core.store(user_id=other) as st:
        rec = st.update(supplier, rid, {"score": "2", "tags": "y, x"}, version=1)
    assert rec.version == 2 and rec.values["score"] == 2.0 and rec.values["tags"] == ["x", "y"]
    assert rec.created_by == owner.id and rec.updated_by == other
    assert rec.updated_at >= rec.created_at
    with core.store() as st:
        st.delete(supplier, rid, version=2)
    with pytest.raises(NotFound):
        core.get(supplier, rid)
    assert core.ids(supplier) == []
    with core.store() as st:
        assert [r.id for r in st.list(supplier, trash=True).records] == [rid]
        assert st.count(supplier) == 0 and st.count(supplier, trash=True) == 1
    with pytest.raises(NotFound):
        with core.store() as st:
            st.update(supplier, rid, {"score": 3})
    with core.store() as st:
        rec = st.restore(supplier, rid)
    assert rec.version == 4 and rec.values["score"] == 2.0
    with pytest.raises(Conflict):
        with core.store() as st:
            st.purge(supplier, rid)          # not in the trash
    with core.store() as st:
        st.delete(supplier, rid)
        st.purge(supplier, rid)
    with pytest.raises(NotFound):
        core.get(supplier, rid, include_deleted=True)
    assert count_rows(core, supplier) == 0
    # the purged record's id is never given again (its history names it), on SQLite too
    assert core.create(supplier, {"name": "B"}).id > rid


def test_create_many_never_gives_a_purged_id_again(core, supplier):
    """``create_many`` chooses ids itself on SQLite (and PostgreSQL): not from max(id), which
    falls back when the newest records are purged, but after every id ever given."""
    first = core.create(supplier, {"name": "A"}).id
    newest = [r for r in _create_many(core, supplier, [{"name": "B"}, {"name": "C"}])]
    with core.store() as st:
        for rid in newest:
            st.delete(supplier, rid)
            st.purge(supplier, rid)
    again = _create_many(core, supplier, [{"name": "D"}, {"name": "E"}])
    assert min(again) > max(newest) > first
    assert core.create(supplier, {"name": "F"}).id > max(again)


def _create_many(core, type_name, rows):
    with core.store() as st:
        result = st.create_many(type_name, rows)
    assert result.created == len(rows)
    return result.ids


def test_get_unknown_id(core, supplier):
    rid = core.create(supplier, {"name": "A"}).id
    for bad_id in ["abc", None, 999, "1; DROP TABLE x", 1.5, -1]:
        with pytest.raises(NotFound):
            core.get(supplier, bad_id)
    assert core.get(supplier, str(rid)).id == rid


def test_unknown_type(core):
    with pytest.raises(NotFound):
        core.create("nope", {})


def test_optimistic_locking(core, supplier):
    rid = core.create(supplier, {"name": "A", "score": 1}).id
    # two users read version 1; the first write wins, the second is a conflict
    with core.store() as st:
        st.update(supplier, rid, {"score": 2}, version=1)
    with pytest.raises(VersionConflict) as exc:
        with core.store() as st:
            st.update(supplier, rid, {"score": 3, "name": "B"}, version=1)
    assert exc.value.status == 409 and exc.value.details == {"current_version": 2}
    rec = core.get(supplier, rid)
    assert rec.values["score"] == 2.0 and rec.values["name"] == "A" and rec.version == 2
    with pytest.raises(VersionConflict):
        with core.store() as st:
            st.delete(supplier, rid, version=1)
    assert core.get(supplier, rid).version == 2
    with core.store() as st:
        assert st.update(supplier, rid, {"score": 4}, version=2).version == 3


def test_concurrent_writer_between_read_and_write_is_a_conflict(core, supplier):
    """The version check is in the UPDATE itself, not only in the read before it."""
    rid = core.create(supplier, {"name": "A", "score": 1}).id
    with core.store() as st:
        stale = st.get(supplier, rid)
        real_get = st.get

        def get_then_someone_writes(*a, **k):
            st.get = real_get
            rec = real_get(*a, **k)
            t = st.type(supplier).table
            st.session.execute(t.update().where(t.c.id == rid).values(version=t.c.version + 1))
            return rec

        st.get = get_then_someone_writes
        with pytest.raises(VersionConflict):
            st.update(supplier, rid, {"score": 9}, version=stale.version)
    assert core.values(supplier, rid)["score"] == 1.0


def test_user_fields_by_email(core, supplier, owner):
    other = add_user(core.sessions, "Li.Lei@Example.com", display_name="李雷")
    rid = core.create(supplier, {"name": "A", "manager": "li.lei@example.com"}).id
    assert core.values(supplier, rid)["manager"] == other
    with core.store() as st:
        st.update(supplier, rid, {"manager": "@me"})
        assert st.to_json(st.get(supplier, rid))["fields"]["manager"] == owner.email
        st.update(supplier, rid, {"manager": None})
    assert core.values(supplier, rid)["manager"] is None


def test_events(core, supplier):
    with core.store() as st:
        rec = st.create(supplier, {"name": "A", "score": 1})
        st.update(supplier, rec.id, {"score": 2})
        st.delete(supplier, rec.id)
        st.restore(supplier, rec.id)
        events = list(st.events)
    assert [type(e) for e in events] == [RecordCreated, RecordUpdated, RecordDeleted, RecordRestored]
    assert [e.action for e in events] == ["create", "update", "delete", "restore"]
    assert all(e.record_id == rec.id and e.type_name == supplier for e in events)
    assert events[1].changed_fields() == ["score"]
    assert events[1].before["score"] == 1.0 and events[1].after["score"] == 2.0
    assert events[0].before == {} and events[0].after["name"] == "A"


def test_failed_write_in_a_batch_rolls_back_the_batch(core, supplier):
    with pytest.raises(ValidationError):
        with core.store() as st:
            st.create(supplier, {"name": "A"})
            st.create(supplier, {"name": "B", "score": "bad"})
    assert count_rows(core, supplier) == 0


def test_field_added_later_and_values_of_many_types_round_trip(core, supplier):
    rid = core.create(supplier, {"name": "A"}).id
    core.add_field(supplier, {"name": "hours", "label": "Hours", "type": "duration"})
    core.add_field(supplier, {"name": "site", "label": "Site", "type": "url"})
    core.add_field(supplier, {"name": "at", "label": "At", "type": "datetime"})
    core.add_field(supplier, {"name": "pct", "label": "Pct", "type": "percent"})
    core.add_field(supplier, {"name": "stars", "label": "Stars", "type": "rating", "options": {"max": 10}})
    core.add_field(supplier, {"name": "notes", "label": "Notes", "type": "long_text"})
    core.add_field(supplier, {"name": "tel", "label": "Tel", "type": "phone"})
    core.add_field(supplier, {"name": "amount", "label": "Amount", "type": "decimal", "options": {"precision": 8}})
    core.add_field(supplier, {"name": "big", "label": "Big", "type": "currency"})
    assert core.values(supplier, rid)["hours"] is None
    with core.store() as st:
        rec = st.update(supplier, rid, {"hours": "1h 30m", "site": "https://acme.cn", "at": "2026-01-05T10:00:00+08:00",
                                        "pct": "85%", "stars": 9, "notes": "多行\n文本", "tel": "+86 10 1234 5678",
                                        "amount": "1234567.12345678", "big": "9999999999999.99"})
        js = st.to_json(rec)["fields"]
    assert rec.values["hours"] == 5400 and rec.values["at"] == datetime(2026, 1, 5, 2, 0)
    # exact on both databases, up to 15 significant digits
    assert rec.values["amount"] == Decimal("1234567.12345678") and rec.values["big"] == Decimal("9999999999999.99")
    assert core.values(supplier, rid)["amount"] == Decimal("1234567.12345678")
    assert js["at"] == "2026-01-05T02:00:00+00:00" and js["hours"] == 5400 and js["pct"] == 85 and js["stars"] == 9
    with pytest.raises(ValidationError) as exc:
        with core.store() as st:
            st.update(supplier, rid, {"amount": "12345678"})
    assert "smaller than" in exc.value.details["amount"][0]


@pytest.mark.parametrize("size", [3, 25], ids=["executemany", "bulk"])
def test_create_many_losing_a_race_for_a_unique_value_writes_nothing(core, supplier, monkeypatch, size):
    """A value taken by another writer between create_many's uniqueness check and its write (here: the
    check skipped) is refused by the database's unique index: a ValidationError, none of the batch
    written, and the transaction still usable (the batch's savepoint rolled back). ``size`` 25 takes
    the bulk path (COPY on PostgreSQL)."""
    from recordbase.storage import batch

    taken = core.create(supplier, {"name": "A", "code": "TAKEN"}).id
    monkeypatch.setattr(batch, "_check_unique_batch", lambda *args: None)
    rows = [{"name": f"N{i}", "code": f"C{i}"} for i in range(size - 1)] + [{"name": "Late", "code": "TAKEN"}]
    with core.store() as st:
        with pytest.raises(ValidationError) as exc:
            st.create_many(supplier, rows)
        assert "unique" in exc.value.message
        later = st.create(supplier, {"name": "After", "code": "FREE"}).id  # same transaction, still usable
    assert sorted(core.ids(supplier)) == sorted([taken, later])
