"""Lookups and formulas over links at their edges: users, multi-selects, many-link targets, and
records that disappear from a link when what they link to is trashed (``on_delete: unlink``)."""
from __future__ import annotations

from .helpers import error


def setup_types(rest):
    rest.make_type("tag", [{"name": "name", "label": "Name", "type": "text"}])
    rest.make_type("proj", [{"name": "name", "label": "Name", "type": "text"},
                            {"name": "owner", "label": "Owner", "type": "user"},
                            {"name": "tags", "label": "Tags", "type": "link", "options": {"target": "tag", "many": True}},
                            {"name": "kind", "label": "Kind", "type": "multi_select", "options": {"choices": ["a", "b"]}}])
    rest.make_type("task", [{"name": "title", "label": "Title", "type": "text"},
                            {"name": "proj", "label": "Proj", "type": "link",
                             "options": {"target": "proj", "on_delete": "unlink"}}])
    for tf in ("owner", "kind", "name"):
        rest.add_field("task", {"name": "p_" + tf, "label": "Project " + tf, "type": "lookup",
                                "options": {"link": "proj", "target_field": tf}})
    rest.add_field("task", {"name": "has_proj", "label": "Has project", "type": "formula",
                            "options": {"expression": 'IF({proj}, "yes", "no")'}})
    rest.add_field("proj", {"name": "owners", "label": "Owners", "type": "rollup",
                            "options": {"link": "task.proj", "target_field": "p_owner", "function": "concat"}})


def test_lookups_of_users_and_multi_selects(rest):
    setup_types(rest)
    p = rest.create("proj", name="P", owner="owner@example.com", kind=["a", "b"])["id"]
    t = rest.create("task", title="t", proj=p)["id"]
    v = rest.values("task", t)
    assert v["p_owner"] == "owner@example.com" and v["p_kind"] == "a, b" and v["p_name"] == "P"
    assert v["has_proj"] == "yes"
    assert rest.values("proj", p)["owners"] == "owner@example.com"
    rest.update("proj", p, owner=None, kind=["b"])
    v = rest.values("task", t)
    assert v["p_owner"] is None and v["p_kind"] == "b"


def test_a_many_link_cannot_be_a_lookup_target(rest):
    setup_types(rest)
    err = error(rest.api.post("/api/v1/types/task/fields", json={
        "name": "p_tags", "label": "Project tags", "type": "lookup", "options": {"link": "proj", "target_field": "tags"}}), 422)
    assert "proj.tags" in err["message"] and "many-link" in err["message"], err
    # lookups go through a many-link instead
    rest.add_field("proj", {"name": "tag_names", "label": "Tag names", "type": "lookup",
                            "options": {"link": "tags", "target_field": "name"}})
    a, b = rest.create("tag", name="alpha")["id"], rest.create("tag", name="beta")["id"]
    p = rest.create("proj", name="P", tags=[b, a])["id"]
    assert rest.values("proj", p)["tag_names"] == "beta, alpha"  # in link order
    rest.update("tag", a, name="ALPHA")
    assert rest.values("proj", p)["tag_names"] == "beta, ALPHA"


def test_trashing_a_linked_record_that_unlinks_updates_the_records_that_linked_to_it(rest):
    setup_types(rest)
    p = rest.create("proj", name="P", owner="owner@example.com")["id"]
    t = rest.create("task", title="t", proj=p)["id"]
    rest.delete("proj", p)  # on_delete: unlink clears task.proj
    v = rest.values("task", t)
    assert v["proj"] is None and v["p_name"] is None and v["p_owner"] is None and v["has_proj"] == "no"


def test_trashing_a_child_unlinked_from_a_parents_many_link_updates_the_parent(rest):
    rest.make_type("item", [{"name": "qty", "label": "Qty", "type": "number"}])
    rest.make_type("box", [{"name": "items", "label": "Items", "type": "link",
                            "options": {"target": "item", "many": True, "on_delete": "unlink"}}])
    rest.add_field("box", {"name": "qty", "label": "Qty", "type": "rollup",
                           "options": {"link": "items", "target_field": "qty", "function": "sum"}})
    i1, i2 = rest.create("item", qty=2)["id"], rest.create("item", qty=5)["id"]
    box = rest.create("box", items=[i1, i2])["id"]
    assert rest.values("box", box)["qty"] == 7
    rest.delete("item", i2)
    assert rest.values("box", box)["qty"] == 2 and rest.values("box", box)["items"] == [i1]
