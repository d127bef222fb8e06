"""MetamodelService, fields: names, labels, options, flags, indexes, trash/restore/purge, reorder, transactional DDL.
The helpers and the ``shared`` fixture are in ``conftest.py``."""
from __future__ import annotations

import pytest

from recordbase.errors import Conflict, NotFound, RecordbaseError, ValidationError

from .helpers import indexes, supplier


# -- API names, labels -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,message", [
    ("Score", "lowercase identifier"),
    ("total score", "lowercase identifier"),
    ("9lives", "lowercase identifier"),
    ("id", "reserved"),
    ("version", "reserved"),
    ("created_at", "reserved"),
    ("deleted_at", "reserved"),
])
def test_field_name_rules(shared, name, message):
    with pytest.raises(ValidationError) as exc:
        shared.add_field("supplier", {"name": name, "label": "X", "type": "text"})
    assert message in exc.value.message
    assert repr(name) in exc.value.message or f"'{name}'" in exc.value.message


def test_relabel_keeps_name_and_data(core):
    supplier(core)
    rid = core.create("supplier", {"name": "Acme", "score": 7}).id
    with core.meta() as m:
        m.update_field("supplier", "score", {"label": "Rating points", "label_zh": "评分点"})
        m.update_type("supplier", {"label": "Vendor", "label_zh": "供货商"})
    t = core.schema().get("supplier")
    assert t.label == "Vendor" and t.label_zh == "供货商"
    assert t.field("score").label == "Rating points" and t.field("score").label_zh == "评分点"
    assert core.values("supplier", rid) == {"name": "Acme", "score": 7.0}
    with pytest.raises(ValidationError) as exc:
        with core.meta() as m:
            m.update_field("supplier", "score", {"name": "points"})
    assert "cannot change" in exc.value.message
    with pytest.raises(ValidationError):
        with core.meta() as m:
            m.update_type("supplier", {"name": "vendor"})


# -- options and flags -----------------------------------------------------------------------------

@pytest.mark.parametrize("data,problem", [
    ({"type": "single_select", "options": {"choices": ["a", "a"]}}, "duplicate value 'a'"),
    ({"type": "single_select", "options": {"choices": [{"value": "a", "color": "not a colour"}]}}, "options.choices[0]"),
    ({"type": "single_select"}, "choices"),
    ({"type": "link", "options": {"target": "ghost"}}, "no record type named 'ghost'"),
    ({"type": "autonumber", "options": {"pattern": "CT-{YYYY}"}}, "counter"),
    ({"type": "number", "options": {"precision": 99}}, "options.precision"),
    ({"type": "text", "options": {"choices": ["a"]}}, "choices"),
])
def test_options_validated(shared, data, problem):
    before = shared.version()
    with pytest.raises(ValidationError) as exc:
        shared.add_field("supplier", dict({"name": "x", "label": "X"}, **data))
    assert any(problem in p for p in exc.value.details["options"]), exc.value.details
    assert shared.version() == before
    assert shared.schema().get("supplier").field("x") is None


@pytest.mark.parametrize("data,key", [
    ({"type": "boolean", "unique": True}, "unique"),
    ({"type": "multi_select", "options": {"choices": ["a"]}, "unique": True}, "unique"),
    ({"type": "long_text", "unique": True}, "unique"),
    ({"type": "attachment", "unique": True}, "unique"),
    ({"type": "link", "options": {"target": "supplier", "many": True}, "unique": True}, "unique"),
    ({"type": "autonumber", "required": True}, "required"),
    ({"type": "attachment", "indexed": True}, "indexed"),
    ({"type": "link", "options": {"target": "supplier", "many": True}, "indexed": True}, "indexed"),
    ({"type": "number", "default": "lots"}, "default"),
    ({"type": "single_select", "options": {"choices": ["a"]}, "default": "b"}, "default"),
    ({"type": "date", "default": "2026-02-30"}, "default"),
    ({"type": "autonumber", "default": "x"}, "default"),
])
def test_flag_rules(shared, data, key):
    with pytest.raises(ValidationError) as exc:
        shared.add_field("supplier", dict({"name": "x", "label": "X"}, **data))
    assert key in exc.value.details
    assert shared.schema().get("supplier").field("x") is None


def test_unique_and_indexed_create_indexes(core):
    supplier(core, [{"name": "code", "label": "Code", "type": "text", "unique": True},
                    {"name": "due", "label": "Due", "type": "date", "indexed": True}])
    core.create_type("contract", [{"name": "supplier", "label": "Supplier", "type": "link",
                                   "options": {"target": "supplier"}}])
    t, c = core.schema().get("supplier"), core.schema().get("contract")
    ix = indexes(core, "supplier")
    assert ix[t.field("code").column_name] is True
    assert ix[t.field("due").column_name] is False
    assert t.field("score").column_name not in ix
    assert indexes(core, "contract")[c.field("supplier").column_name] is False   # links are indexed
    with core.meta() as m:
        m.update_field("supplier", "score", {"indexed": True})
        m.update_field("supplier", "due", {"indexed": False})
        m.update_field("supplier", "code", {"unique": False})
    ix = indexes(core, "supplier")
    assert ix.get(t.field("score").column_name) is False
    assert t.field("due").column_name not in ix
    assert t.field("code").column_name not in ix


def test_making_a_field_unique_with_duplicates_is_refused(core):
    supplier(core)
    a = core.create("supplier", {"name": "A", "score": 1}).id
    b = core.create("supplier", {"name": "B", "score": 1}).id
    core.create("supplier", {"name": "C", "score": 2})
    before = core.version()
    with pytest.raises(RecordbaseError) as exc:
        with core.meta() as m:
            m.update_field("supplier", "score", {"unique": True})
    assert exc.value.status == 409
    assert str(a) in exc.value.message and str(b) in exc.value.message
    assert core.version() == before
    assert core.schema().get("supplier").field("score").unique is False
    # a trashed duplicate does not count: the unique index covers live records only
    with core.store() as st:
        st.delete("supplier", b)
    with core.meta() as m:
        m.update_field("supplier", "score", {"unique": True})
    assert core.schema().get("supplier").field("score").unique is True


# -- trash, restore, purge -------------------------------------------------------------------------

def test_delete_field_goes_to_trash_and_restore_brings_data_back(core):
    supplier(core)
    rid = core.create("supplier", {"name": "Acme", "score": 9}).id
    t = core.schema().get("supplier")
    col = t.field("score").column_name
    with core.meta() as m:
        m.delete_field("supplier", "score")
    assert core.schema().get("supplier").field("score") is None
    assert core.values("supplier", rid) == {"name": "Acme"}
    assert col in core.columns(t.table.name)             # the data stays until purged
    with core.meta() as m:
        trash = m.trash()
    assert [(f["type"], f["name"]) for f in trash["fields"]] == [("supplier", "score")]
    # a record written while the field is trashed keeps its hands off the column
    rid2 = core.create("supplier", {"name": "Beta"}).id
    with core.meta() as m:
        m.restore_field("supplier", "score")
    assert core.values("supplier", rid) == {"name": "Acme", "score": 9.0}
    assert core.values("supplier", rid2) == {"name": "Beta", "score": None}


def test_purge_field_drops_the_column(core):
    supplier(core, [{"name": "code", "label": "Code", "type": "text", "unique": True, "indexed": True}])
    core.create("supplier", {"name": "Acme", "score": 9, "code": "A1"})
    t = core.schema().get("supplier")
    with pytest.raises(Conflict):
        with core.meta() as m:
            m.purge_field("supplier", "score")     # not in the trash yet
    with core.meta() as m:
        m.delete_field("supplier", "score")
        m.delete_field("supplier", "code")
    with core.meta() as m:
        m.purge_field("supplier", "score")
        m.purge_field("supplier", "code")
    cols = core.columns(t.table.name)
    assert t.field("score").column_name not in cols and t.field("code").column_name not in cols
    assert t.field("name").column_name in cols
    with core.meta() as m:
        assert m.trash()["fields"] == []
    with pytest.raises(NotFound):
        with core.meta() as m:
            m.restore_field("supplier", "score")
    # the name is free again
    core.add_field("supplier", {"name": "score", "label": "Score", "type": "text"})
    assert core.values("supplier", 1)["score"] is None


def test_purge_field_many_link_drops_its_junction(core):
    supplier(core)
    core.add_field("supplier", {"name": "peers", "label": "Peers", "type": "link",
                                "options": {"target": "supplier", "many": True}})
    jname = f"rb_link_{core.schema().get('supplier').field('peers').id}"
    a = core.create("supplier", {"name": "A"}).id
    core.create("supplier", {"name": "B", "peers": [a]})
    with core.meta() as m:
        m.update_type("supplier", {"primary_field": "name"})
        m.delete_field("supplier", "peers")
        m.delete_field("supplier", "name")
    assert core.schema().get("supplier").primary_field is None     # a trashed field is no longer the title
    with core.meta() as m:
        m.purge_field("supplier", "peers")
    assert jname not in core.tables()


def test_purged_autonumber_leaves_no_counter_behind(core):
    """A new field may get a purged field's id back (SQLite reuses the highest row id): it starts at 1."""
    supplier(core)
    core.create("supplier", {"name": "A"})
    for _ in range(2):
        core.add_field("supplier", {"name": "ref", "label": "Ref", "type": "autonumber"})
        core.create("supplier", {"name": "B"})
        with core.meta() as m:
            m.delete_field("supplier", "ref")
        with core.meta() as m:
            m.purge_field("supplier", "ref")
    core.add_field("supplier", {"name": "ref", "label": "Ref", "type": "autonumber"})
    with core.store() as st:
        refs = [r.values["ref"] for r in st.list("supplier").records]
    assert refs == ["1", "2", "3"]
    assert core.create("supplier", {"name": "C"}).values["ref"] == "4"


# -- order and positions ---------------------------------------------------------------------------

def test_reorder_fields_and_sections(core):
    supplier(core, [{"name": "email", "label": "Email", "type": "email"},
                    {"name": "phone", "label": "Phone", "type": "phone"}])
    with core.meta() as m:
        m.reorder_fields("supplier", ["phone", "name"], sections={"phone": "Contact", "name": "Main"})
    t = core.schema().get("supplier")
    assert [f.name for f in t.fields] == ["phone", "name", "score", "email"]
    assert t.field("phone").section == "Contact" and t.field("email").section is None
    with pytest.raises(ValidationError) as exc:
        with core.meta() as m:
            m.reorder_fields("supplier", ["phone", "ghost"])
    assert "ghost" in exc.value.message
    assert [f.name for f in core.schema().get("supplier").fields] == ["phone", "name", "score", "email"]


def test_added_field_positions_follow(core):
    supplier(core)
    core.add_field("supplier", {"name": "later", "label": "Later", "type": "text"})
    assert [f.name for f in core.schema().get("supplier").fields][-1] == "later"


# -- transactional DDL -----------------------------------------------------------------------------

def test_failed_field_change_after_ddl_rolls_back(core):
    """An error raised after the DDL ran (here: by the caller) undoes the DDL too."""
    supplier(core)
    core.create("supplier", {"name": "Acme", "score": 3})
    t = core.schema().get("supplier")
    before_version, before_cols, before_ix = core.version(), core.columns(t.table.name), indexes(core, "supplier")
    with pytest.raises(RuntimeError):
        with core.meta() as m:
            m.add_field("supplier", {"name": "extra", "label": "Extra", "type": "number", "indexed": True})
            m.update_field("supplier", "score", {"type": "text"})
            m.delete_field("supplier", "name")
            raise RuntimeError("the request failed later")
    assert core.version() == before_version
    assert core.columns(t.table.name) == before_cols
    t2 = core.schema().get("supplier")
    assert [(f.name, f.field_type) for f in t2.fields] == [("name", "text"), ("score", "number")]
    assert core.values("supplier", 1) == {"name": "Acme", "score": 3.0}
    assert indexes(core, "supplier") == before_ix


def test_partial_unique_index_survives_table_rebuilds(core):
    """SQLite rebuilds the table to drop or retype a column; the unique index must stay 'live records only'."""
    supplier(core, [{"name": "code", "label": "Code", "type": "text", "unique": True}])
    a = core.create("supplier", {"name": "A", "code": "X1"}).id
    with core.store() as st:
        st.delete("supplier", a)
    core.create("supplier", {"name": "B", "code": "X1"})        # a trashed record's value is free
    with core.meta() as m:
        m.delete_field("supplier", "score")
    with core.meta() as m:
        m.purge_field("supplier", "score")                        # rebuilds the table on SQLite
    core.add_field("supplier", {"name": "n", "label": "N", "type": "text"})
    with core.meta() as m:
        m.update_field("supplier", "n", {"type": "number"})       # rebuilds it again
    ix = indexes(core, "supplier")
    assert ix[core.schema().get("supplier").field("code").column_name] is True
    with pytest.raises(ValidationError):
        core.create("supplier", {"name": "C", "code": "X1"})
    with core.store() as st:
        st.delete("supplier", 2)
    core.create("supplier", {"name": "D", "code": "X1"})        # still only live records count
