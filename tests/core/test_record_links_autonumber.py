"""Links (one and many, restrict/unlink, reverse side) and autonumbers (sequence, pattern, backfill)."""
from __future__ import annotations

from datetime import datetime

import pytest

from recordbase.errors import Conflict, ValidationError


@pytest.fixture
def linked(core):
    core.create_type("supplier", [{"name": "name", "label": "Name", "type": "text"}])
    core.create_type("contract", [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
        {"name": "parties", "label": "Parties", "type": "link", "options": {"target": "supplier", "many": True}},
        {"name": "backup", "label": "Backup", "type": "link", "options": {"target": "supplier", "on_delete": "unlink"}},
        {"name": "watchers", "label": "Watchers", "type": "link",
         "options": {"target": "supplier", "many": True, "on_delete": "unlink"}},
    ])
    ids = [core.create("supplier", {"name": n}).id for n in ("A", "B", "C")]
    return ids


def test_one_and_many_links(core, linked):
    a, b, c = linked
    with pytest.raises(ValidationError, match="more than once"):  # a list is uniqueItems, as documented
        core.create("contract", {"title": "T", "supplier": a, "parties": [c, a, c, str(b)]})
    rec = core.create("contract", {"title": "T", "supplier": a, "parties": [c, a, str(b)]})
    assert rec.values["supplier"] == a
    assert rec.values["parties"] == [c, a, b]          # order kept
    assert rec.values["watchers"] == [] and rec.values["backup"] is None
    with core.store() as st:
        assert st.to_json(rec)["fields"]["parties"] == [c, a, b]
        st.update("contract", rec.id, {"parties": [b]})
    assert core.values("contract", rec.id)["parties"] == [b]
    with core.store() as st:   # unlink clears
        st.update("contract", rec.id, {"supplier": None, "parties": []})
    assert core.values("contract", rec.id)["supplier"] is None
    assert core.values("contract", rec.id)["parties"] == []


def test_unknown_and_trashed_targets_refused(core, linked):
    a, b, c = linked
    with pytest.raises(ValidationError) as exc:
        core.create("contract", {"title": "T", "supplier": 999, "parties": [a, 998, 997]})
    assert exc.value.details["supplier"] == ["no supplier record with id 999"]
    assert exc.value.details["parties"] == ["no supplier record with id 997, 998"]
    with core.store() as st:
        st.delete("supplier", c)
    with pytest.raises(ValidationError) as exc:
        core.create("contract", {"title": "T", "supplier": c})
    assert "no supplier record with id" in exc.value.details["supplier"][0]
    with pytest.raises(ValidationError):
        core.create("contract", {"title": "T", "parties": [a, c]})
    with pytest.raises(ValidationError):
        core.create("contract", {"title": "T", "supplier": "abc"})


def test_links_to_another_types_id_space_are_refused(core, linked):
    core.create_type("other", [{"name": "x", "label": "X", "type": "text"}])
    for _ in range(5):
        core.create("other", {"x": "o"})
    with pytest.raises(ValidationError):
        core.create("contract", {"title": "T", "supplier": 5})   # 'other' has 5, 'supplier' does not


def test_restrict_refuses_delete_with_details(core, linked):
    a, b, c = linked
    core.create("contract", {"title": "T1", "supplier": a})
    core.create("contract", {"title": "T2", "supplier": a, "parties": [a, b]})
    with pytest.raises(Conflict) as exc:
        with core.store() as st:
            st.delete("supplier", a)
    assert exc.value.code == "restricted" and exc.value.status == 409
    assert sorted(exc.value.details["linked_from"], key=lambda d: d["field"]) == [
        {"type": "contract", "field": "parties", "count": 1},
        {"type": "contract", "field": "supplier", "count": 2},
    ]
    assert "2 contract record(s) through 'supplier'" in exc.value.message
    assert core.get("supplier", a).deleted_at is None
    # links from trashed records do not restrict
    with pytest.raises(Conflict):
        with core.store() as st:
            st.delete("supplier", b)
    with core.store() as st:
        st.delete("contract", 2)
        st.delete("supplier", b)


def test_unlink_on_delete(core, linked):
    a, b, c = linked
    rec = core.create("contract", {"title": "T", "backup": a, "watchers": [a, b]})
    with core.store() as st:
        st.delete("supplier", a)
    after = core.get("contract", rec.id)
    assert after.values["backup"] is None and after.values["watchers"] == [b]
    assert after.version == rec.version + 1   # the unlinked record changed: readers holding version 1 must reload
    with core.store() as st:
        st.restore("supplier", a)
    back = core.get("contract", rec.id)   # the trash is undone whole: the links come back
    assert back.values["backup"] == a and back.values["watchers"] == [b, a]  # (put back last)
    assert back.version == after.version + 1


def test_a_restore_puts_back_only_links_that_still_can_be(core, linked):
    """Links put back by a restore: not on a record deleted for good since, not over a single link
    set to another record since, not twice on a many-link that got it again; a purge forgets them."""
    a, b, c = linked
    one = core.create("contract", {"title": "one", "backup": a, "watchers": [a]}).id
    two = core.create("contract", {"title": "two", "backup": a, "watchers": [a, b]}).id
    gone = core.create("contract", {"title": "gone", "backup": a, "watchers": [a]}).id
    with core.store() as st:
        st.delete("supplier", a)
        st.update("contract", two, {"backup": b})      # a new backup since
        st.delete("contract", gone)
        st.purge("contract", gone)
    with core.store() as st:
        st.restore("supplier", a)
        st.update("contract", one, {"watchers": [a]})  # (already back: one link, not two)
    assert core.values("contract", one)["backup"] == a and core.values("contract", one)["watchers"] == [a]
    assert core.values("contract", two)["backup"] == b and core.values("contract", two)["watchers"] == [b, a]
    # trashed and purged: nothing is kept for it
    with core.store() as st:
        st.delete("supplier", b)
        st.purge("supplier", b)
        from sqlalchemy import func, select

        from recordbase.models import TrashedLink
        assert st.session.scalar(select(func.count()).select_from(TrashedLink)) == 0
    assert core.values("contract", two)["backup"] is None and core.values("contract", two)["watchers"] == [a]


def test_purge_clears_links(core, linked):
    a, b, c = linked
    with core.store() as st:
        st.delete("supplier", c)
    rid = core.create("contract", {"title": "T", "watchers": [a, b]}).id
    with core.store() as st:
        st.delete("supplier", b)
        st.purge("supplier", b)
        st.purge("supplier", c)
    assert core.values("contract", rid)["watchers"] == [a]


def test_reverse_side_via_backlinks(core, linked):
    schema = core.schema()
    back = [(t.name, f.name) for t, f in schema.backlinks(schema.get("supplier"))]
    assert back == [("contract", "supplier"), ("contract", "parties"), ("contract", "backup"), ("contract", "watchers")]
    assert schema.backlinks(schema.get("contract")) == []
    a, b, _ = linked
    r1 = core.create("contract", {"title": "T1", "supplier": a}).id
    r2 = core.create("contract", {"title": "T2", "parties": [b, a]}).id
    core.create("contract", {"title": "T3", "supplier": b})
    # the target's related records, through each backlink, with the filter language
    assert core.ids("contract", filter={"field": "supplier", "op": "eq", "value": a}) == [r1]
    assert core.ids("contract", filter={"field": "parties", "op": "contains", "value": a}) == [r2]


def test_self_link(core):
    core.create_type("person", [{"name": "name", "label": "Name", "type": "text"},
                                {"name": "boss", "label": "Boss", "type": "link", "options": {"target": "person"}},
                                {"name": "peers", "label": "Peers", "type": "link",
                                 "options": {"target": "person", "many": True}}])
    a = core.create("person", {"name": "A"}).id
    b = core.create("person", {"name": "B", "boss": a, "peers": [a]}).id
    assert core.values("person", b) == {"name": "B", "boss": a, "peers": [a]}
    with pytest.raises(Conflict):
        with core.store() as st:
            st.delete("person", a)
    with core.store() as st:   # a record linking to itself can still be trashed
        st.update("person", b, {"boss": b, "peers": [b]})
    with core.store() as st:
        st.delete("person", a)


def test_link_field_added_to_populated_type(core, linked):
    rid = core.create("contract", {"title": "T"}).id
    core.add_field("contract", {"name": "alt", "label": "Alt", "type": "link", "options": {"target": "supplier", "many": True}})
    assert core.values("contract", rid)["alt"] == []
    with core.store() as st:
        st.update("contract", rid, {"alt": [linked[0]]})
    assert core.values("contract", rid)["alt"] == [linked[0]]


# -- autonumber -------------------------------------------------------------------------------------

def test_autonumber_sequence_and_pattern(core):
    core.create_type("contract", [{"name": "title", "label": "Title", "type": "text"},
                                  {"name": "seq", "label": "Seq", "type": "autonumber"},
                                  {"name": "ref", "label": "Ref", "type": "autonumber",
                                   "options": {"pattern": "CT-{YYYY}-{0000}"}}])
    year = datetime.now().year
    recs = [core.create("contract", {"title": f"t{i}"}) for i in range(3)]
    assert [r.values["seq"] for r in recs] == ["1", "2", "3"]
    assert [r.values["ref"] for r in recs] == [f"CT-{year}-0001", f"CT-{year}-0002", f"CT-{year}-0003"]
    # a purged record's number is never reused; a rolled-back create leaves no gap
    with core.store() as st:
        st.delete("contract", recs[2].id)
        st.purge("contract", recs[2].id)
    with pytest.raises(RuntimeError):
        with core.store() as st:
            st.create("contract", {"title": "rolled back"})
            raise RuntimeError
    nxt = core.create("contract", {"title": "t4"})
    assert nxt.values["seq"] == "4" and nxt.values["ref"] == f"CT-{year}-0004"
    # updates keep the number
    with core.store() as st:
        assert st.update("contract", nxt.id, {"title": "t4b"}).values["ref"] == f"CT-{year}-0004"
    # searchable and filterable as text
    assert core.ids("contract", search="0004") == [nxt.id]
    assert core.ids("contract", filter={"field": "ref", "op": "starts_with", "value": f"CT-{year}-000"}) == \
        [recs[0].id, recs[1].id, nxt.id]


def test_autonumber_backfill_when_added_to_a_type_with_records(core):
    core.create_type("contract", [{"name": "title", "label": "Title", "type": "text"}])
    ids = [core.create("contract", {"title": f"t{i}"}).id for i in range(3)]
    with core.store() as st:
        st.delete("contract", ids[1])     # trashed records get their number too (restore keeps it)
    core.add_field("contract", {"name": "ref", "label": "Ref", "type": "autonumber", "options": {"pattern": "C{000}"}})
    assert core.values("contract", ids[0])["ref"] == "C001"
    assert core.values("contract", ids[2])["ref"] == "C003"
    assert core.get("contract", ids[1], include_deleted=True).values["ref"] == "C002"
    assert core.create("contract", {"title": "new"}).values["ref"] == "C004"


def test_autonumber_counters_are_per_field(core):
    core.create_type("a", [{"name": "n", "label": "N", "type": "autonumber"}])
    core.create_type("b", [{"name": "n", "label": "N", "type": "autonumber"}])
    core.create("a", {})
    core.create("a", {})
    assert core.create("b", {}).values["n"] == "1"
    assert core.create("a", {}).values["n"] == "3"


def test_links_through_a_field_or_type_in_the_trash_come_back_with_them(core, linked):
    """The restore puts links back through a link field that is itself in the trash (its storage
    stays): restoring the field, or its type, shows them."""
    a, b, c = linked
    rec = core.create("contract", {"title": "T", "backup": a, "watchers": [a, b]}).id
    with core.store() as st:
        st.delete("supplier", a)
    with core.meta() as m:
        m.delete_field("contract", "backup")
        m.delete_type("contract")
    with core.store() as st:
        st.restore("supplier", a)
    with core.meta() as m:
        m.restore_type("contract")
        m.restore_field("contract", "backup")
    v = core.values("contract", rec)
    assert v["backup"] == a and v["watchers"] == [b, a]


def test_a_purged_link_field_takes_its_kept_links_with_it(core):
    """A field deleted for good forgets the links kept through it: a new field that gets its id
    (SQLite gives the last id out again) must not receive them."""
    core.create_type("supplier", [{"name": "name", "label": "Name", "type": "text"}])
    core.create_type("asset", [{"name": "n", "label": "N", "type": "text"}])
    core.create_type("contract", [{"name": "title", "label": "Title", "type": "text"}])
    with core.meta() as m:
        m.add_field("contract", {"name": "backup", "label": "Backup", "type": "link",
                                 "options": {"target": "supplier", "on_delete": "unlink"}})
    a = core.create("supplier", {"name": "A"}).id
    assets = [core.create("asset", {"n": str(i)}).id for i in range(3)]
    core.create("contract", {"title": "T", "backup": a})
    with core.store() as st:
        st.delete("supplier", a)
    with core.meta() as m:
        old_id = m.field_model(m.type_model("contract"), "backup").id
        m.delete_field("contract", "backup")
        m.purge_field("contract", "backup")
    with core.meta() as m:
        m.add_field("asset", {"name": "owner", "label": "Owner", "type": "link", "options": {"target": "supplier"}})
        new_id = m.field_model(m.type_model("asset"), "owner").id
    with core.sessions() as s:
        if s.get_bind().dialect.name == "sqlite":
            assert new_id == old_id  # the case in question (PostgreSQL's sequence never gives an id out again)
    with core.store() as st:
        st.restore("supplier", a)
    assert [core.values("asset", i)["owner"] for i in assets] == [None, None, None]
