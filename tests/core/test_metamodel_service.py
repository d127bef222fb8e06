"""MetamodelService: names, labels, options, flags, trash/restore/purge, reorder, transactional DDL."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from recordbase.errors import Conflict, NotFound, RecordbaseError, ValidationError
from recordbase.metamodel.runtime import table_name
from recordbase.metamodel.service import type_to_json


def supplier(core, extra=()):
    core.create_type("supplier", [
        {"name": "name", "label": "Name", "label_zh": "名称", "type": "text", "required": True},
        {"name": "score", "label": "Score", "label_zh": "得分", "type": "number"},
        *extra,
    ], label="Supplier", label_zh="供应商")


def type_json(core, name):
    with core.meta() as m:
        return type_to_json(m.type_model(name))


def indexes(core, type_name):
    """{column: unique?} for the single-column indexes of a type's table."""
    t = core.schema().get(type_name)
    with core.sessions() as s:
        return {ix["column_names"][0]: bool(ix["unique"]) for ix in inspect(s.connection()).get_indexes(t.table.name)}


@pytest.fixture(scope="module")
def shared(module_core):
    """A database with the supplier type, shared by the module's cases that must change nothing."""
    supplier(module_core)
    return module_core


# -- API names -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,message", [
    ("Supplier", "lowercase identifier"),
    ("my supplier", "lowercase identifier"),
    ("1supplier", "lowercase identifier"),
    ("_supplier", "lowercase identifier"),
    ("供应商", "lowercase identifier"),
    ("supplier-x", "lowercase identifier"),
    ("a" * 64, "lowercase identifier"),
    ("", "name"),
    ("id", "reserved"),
    ("version", "reserved"),
    ("records", "reserved"),
])
def test_type_name_rules(shared, name, message):
    before, tables = shared.version(), shared.tables()
    with pytest.raises(ValidationError) as exc:
        shared.create_type(name, [])
    assert message in exc.value.message
    assert "name" in exc.value.details
    assert shared.version() == before and shared.tables() == tables


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


def test_duplicate_names_including_trashed(core):
    supplier(core)
    with pytest.raises(Conflict) as exc:
        core.create_type("supplier", [])
    assert "'supplier' already exists" in exc.value.message
    with pytest.raises(Conflict) as exc:
        core.add_field("supplier", {"name": "score", "label": "Again", "type": "text"})
    assert "already has a field named 'score'" in exc.value.message
    # a trashed field still holds its name (it can be restored)
    with core.meta() as m:
        m.delete_field("supplier", "score")
    with pytest.raises(Conflict) as exc:
        core.add_field("supplier", {"name": "score", "label": "Again", "type": "text"})
    assert "trash" in exc.value.message
    # the same for a trashed type
    with core.meta() as m:
        m.delete_type("supplier")
    with pytest.raises(Conflict) as exc:
        core.create_type("supplier", [])
    assert "trash" in exc.value.message


def test_duplicate_field_names_in_one_create_call(core):
    with pytest.raises(Conflict):
        core.create_type("t", [{"name": "a", "label": "A", "type": "text"}, {"name": "a", "label": "A2", "type": "number"}])
    assert "t" not in core.schema().types


def test_payload_errors_name_the_attribute(core):
    with pytest.raises(ValidationError) as exc:
        core.create_type("t", [], colour="red")
    assert exc.value.details == {"colour": ["unknown attribute"]}
    with pytest.raises(ValidationError) as exc:
        with core.meta() as m:
            m.create_type({"name": "t"})
    assert "label" in exc.value.details
    supplier(core)
    with pytest.raises(ValidationError) as exc:
        core.add_field("supplier", {"name": "x", "label": "X"})
    assert "type" in exc.value.details
    with pytest.raises(ValidationError) as exc:
        core.add_field("supplier", {"name": "x", "label": "X", "type": "spreadsheet"})
    assert "spreadsheet" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        core.add_field("supplier", {"name": "x", "label": "X", "type": "text", "required": "yes"})
    assert "required" in exc.value.details


# -- labels, create with fields ---------------------------------------------------------------------

def test_create_type_with_fields_in_one_call_and_chinese_labels(core):
    before = core.version()
    supplier(core, [{"name": "status", "label": "Status", "label_zh": "状态", "type": "single_select",
                     "options": {"choices": ["active", "paused"]}, "default": "active"}])
    assert core.version() == before + 1   # one change, one version
    t = core.schema().get("supplier")
    assert t.label == "Supplier" and t.label_zh == "供应商" and t.display_label("zh_Hans") == "供应商"
    assert [f.name for f in t.fields] == ["name", "score", "status"]
    assert [f.position for f in t.fields] == [0, 1, 2]
    assert t.field("score").display_label("zh") == "得分"
    assert t.field("status").default == "active"
    cols = core.columns(table_name(t.id))
    assert {"id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at"} <= cols
    assert {f.column_name for f in t.fields} <= cols
    js = type_json(core, "supplier")
    assert js["label_zh"] == "供应商" and [f["name"] for f in js["fields"]] == ["name", "score", "status"]


def test_primary_field(core):
    supplier(core)
    with core.meta() as m:
        m.update_type("supplier", {"primary_field": "name"})
    assert core.schema().get("supplier").title_field.name == "name"
    with pytest.raises(NotFound):
        with core.meta() as m:
            m.update_type("supplier", {"primary_field": "nope"})


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


# -- options and flags ------------------------------------------------------------------------------

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


# -- trash, restore, purge ------------------------------------------------------------------------

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


def test_delete_type_trash_restore_purge(core):
    supplier(core)
    rid = core.create("supplier", {"name": "Acme"}).id
    tname = core.schema().get("supplier").table.name
    with core.meta() as m:
        m.delete_type("supplier")
    assert "supplier" not in core.schema().types
    assert tname in core.tables()
    with core.meta() as m:
        assert [t["name"] for t in m.trash()["types"]] == ["supplier"]
    with pytest.raises(NotFound):
        core.add_field("supplier", {"name": "x", "label": "X", "type": "text"})
    with core.meta() as m:
        m.restore_type("supplier")
    assert core.values("supplier", rid)["name"] == "Acme"
    with pytest.raises(Conflict):
        with core.meta() as m:
            m.purge_type("supplier")     # not in the trash
    with core.meta() as m:
        m.delete_type("supplier")
    with core.meta() as m:
        m.purge_type("supplier")
    assert tname not in core.tables()
    core.create_type("supplier", [])   # the name is free again


def test_type_linked_from_another_cannot_be_trashed(core):
    supplier(core)
    core.create_type("contract", [{"name": "supplier", "label": "Supplier", "type": "link",
                                   "options": {"target": "supplier"}},
                                  {"name": "parties", "label": "Parties", "type": "link",
                                   "options": {"target": "supplier", "many": True}}])
    before = core.version()
    with pytest.raises(Conflict) as exc:
        with core.meta() as m:
            m.delete_type("supplier")
    assert exc.value.code == "restricted"
    assert sorted(exc.value.details["linked_from"]) == ["contract.parties", "contract.supplier"]
    assert core.version() == before and "supplier" in core.schema().types
    # a self-link does not block; removing the links does
    with core.meta() as m:
        m.delete_field("contract", "supplier")
        m.delete_field("contract", "parties")
    with core.meta() as m:
        m.delete_type("supplier")
    assert "supplier" not in core.schema().types
    # a link to a trashed type cannot be restored before its target
    with pytest.raises(Conflict):
        with core.meta() as m:
            m.restore_field("contract", "supplier")


def test_purge_type_with_many_links(core):
    supplier(core)
    core.create_type("tag", [{"name": "label", "label": "Label", "type": "text"},
                             {"name": "suppliers", "label": "Suppliers", "type": "link",
                              "options": {"target": "supplier", "many": True}}])
    s = core.create("supplier", {"name": "A"}).id
    core.create("tag", {"label": "x", "suppliers": [s]})
    jname = f"rb_link_{core.schema().get('tag').field('suppliers').id}"
    assert jname in core.tables()
    with core.meta() as m:
        m.delete_type("tag")
    with core.meta() as m:
        m.purge_type("tag")
    assert jname not in core.tables()
    with core.meta() as m:
        m.delete_type("supplier")     # nothing links to it any more


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


# -- transactional DDL ------------------------------------------------------------------------------

def test_failed_create_type_leaves_nothing_behind(core):
    supplier(core)
    before_version, before_tables = core.version(), core.tables()
    with pytest.raises(ValidationError):
        # the table and two columns are created before the third field fails
        core.create_type("contract", [{"name": "title", "label": "Title", "type": "text"},
                                      {"name": "supplier", "label": "Supplier", "type": "link",
                                       "options": {"target": "supplier", "many": True}},
                                      {"name": "status", "label": "Status", "type": "single_select",
                                       "options": {"choices": ["a", "a"]}}])
    assert core.version() == before_version
    assert core.tables() == before_tables
    assert "contract" not in core.schema().types
    core.create_type("contract", [{"name": "title", "label": "Title", "type": "text"}])   # the name is free


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


def test_every_change_bumps_the_version(core):
    v = core.version()
    supplier(core)
    core.add_field("supplier", {"name": "x", "label": "X", "type": "text"})
    with core.meta() as m:
        m.update_field("supplier", "x", {"label": "Ex"})
        m.delete_field("supplier", "x")
    assert core.version() == v + 4


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


def test_purging_a_type_purges_trashed_links_to_it(core):
    """A trashed link to a purged type could never be restored; purging the type removes it (and its junction)."""
    supplier(core)
    core.create_type("contract", [{"name": "title", "label": "Title", "type": "text"},
                                  {"name": "supplier", "label": "Supplier", "type": "link", "options": {"target": "supplier"}},
                                  {"name": "parties", "label": "Parties", "type": "link",
                                   "options": {"target": "supplier", "many": True}}])
    s = core.create("supplier", {"name": "A"}).id
    c = core.create("contract", {"title": "T", "supplier": s, "parties": [s]}).id
    contract = core.schema().get("contract")
    jname, col = f"rb_link_{contract.field('parties').id}", contract.field("supplier").column_name
    with core.meta() as m:
        m.delete_field("contract", "supplier")
        m.delete_field("contract", "parties")
        m.delete_type("supplier")
    with core.meta() as m:
        m.purge_type("supplier")
    assert jname not in core.tables()
    assert col not in core.columns(contract.table.name)
    with core.meta() as m:
        assert m.trash() == {"types": [], "fields": []}
    assert core.values("contract", c) == {"title": "T"}
    core.add_field("contract", {"name": "supplier", "label": "Supplier", "type": "text"})   # the name is free


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


def test_schema_cache_follows_the_version(core):
    """Two processes' caches: a change made through one is seen by the other on its next read."""
    from recordbase.metamodel.runtime import SchemaCache

    a, b = SchemaCache(), SchemaCache()
    with core.sessions() as s:
        first_a, first_b = a.get(s), b.get(s)
        assert a.get(s) is first_a
    supplier(core)
    with core.sessions() as s:
        assert "supplier" in b.get(s).types and "supplier" in a.get(s).types
        assert b.get(s).version == first_b.version + 1
    core.add_field("supplier", {"name": "x", "label": "X", "type": "text"})
    with core.sessions() as s:
        assert a.get(s).get("supplier").field("x") is not None


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
