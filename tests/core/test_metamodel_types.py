"""MetamodelService, record types: names, payloads, create with fields, primary field, trash/restore/purge,
transactional DDL and the schema version. The helpers and the ``shared`` fixture are in ``conftest.py``."""
from __future__ import annotations

import pytest

from recordbase.errors import Conflict, NotFound, ValidationError
from recordbase.metamodel.runtime import table_name

from .helpers import supplier, type_json


# -- API names and payloads ------------------------------------------------------------------------

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


# -- labels, create with fields, primary field -----------------------------------------------------

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


# -- trash, restore, purge -------------------------------------------------------------------------

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


# -- transactional DDL, schema version -------------------------------------------------------------

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


def test_every_change_bumps_the_version(core):
    v = core.version()
    supplier(core)
    core.add_field("supplier", {"name": "x", "label": "X", "type": "text"})
    with core.meta() as m:
        m.update_field("supplier", "x", {"label": "Ex"})
        m.delete_field("supplier", "x")
    assert core.version() == v + 4


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
