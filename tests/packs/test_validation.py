"""The pack schema and validator: every shipped pack is accepted; broken packs are refused as a
whole, each problem named by its JSON path, and nothing is installed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recordbase.packs import PackError, catalog_names, from_json, load
from recordbase.packs.models import Pack, PackItem
from recordbase.packs.validator import validate

from .packdata import mini_pack


@pytest.mark.parametrize("name", catalog_names())
def test_every_shipped_pack_is_valid(name):
    plan = validate(load(name))
    assert plan.id == name
    m = plan.manifest
    assert m.get("name_zh"), "every pack is bilingual"
    for t in m["types"]:
        assert t.get("label_zh"), t["name"]
        for f in t["fields"]:
            assert f.get("label_zh"), f"{t['name']}.{f['name']}"
            for c in (f.get("options") or {}).get("choices", []):
                assert isinstance(c, dict) and c.get("label_zh"), f"{t['name']}.{f['name']}: {c}"
    for r in m.get("rules") or []:
        assert r.get("name_zh"), r["name"]
        for a in r["actions"]:
            if a["do"] == "notify":
                assert a.get("message_zh"), r["name"]
    for v in m.get("views") or []:
        assert v.get("name_zh"), v["name"]
    assert any(f["type"] in ("formula", "lookup", "rollup", "count") for t in m["types"] for f in t["fields"])
    assert m.get("rules") and any(f["type"] == "link" for t in m["types"] for f in t["fields"])


def test_shipped_packs_are_there():
    assert {"outsourcing", "crm", "equipment", "helpdesk"} <= set(catalog_names())


def _problems(pack: dict, instance=None) -> list[dict]:
    with pytest.raises(PackError) as info:
        validate(from_json(pack), instance)
    details = info.value.details
    assert details["path"] == details["errors"][0]["path"]
    return details["errors"]


def _paths(pack: dict) -> dict[str, str]:
    return {p["path"]: p["message"] for p in _problems(pack)}


def test_missing_link_target():
    p = mini_pack()
    p["types"][1]["fields"][1]["options"]["target"] = "firm"
    paths = _paths(p)
    assert "no record type named 'firm'" in paths["$.types[1].fields[1].options.target"]


def test_unknown_field_type():
    p = mini_pack()
    p["types"][0]["fields"][2]["type"] = "memo"
    paths = _paths(p)
    assert paths["$.types[0].fields[2].type"] == "unknown field type 'memo'"


def test_bad_formula():
    p = mini_pack()
    p["types"][1]["fields"][4]["options"]["expression"] = "{Amount} * {nope}"
    paths = _paths(p)
    assert "nope" in paths["$.types[1].fields[4].options.expression"]
    p["types"][1]["fields"][4]["options"]["expression"] = "{Amount} * ("
    assert "$.types[1].fields[4].options.expression" in _paths(p)


def test_duplicate_api_names():
    p = mini_pack()
    p["types"][1]["fields"].append({"name": "amount", "label": "Amount again", "type": "number"})
    paths = _paths(p)
    assert "duplicate field name 'amount'" in paths["$.types[1].fields[7].name"]
    p = mini_pack()
    p["types"].append({"name": "company", "label": "Company 2", "fields": [{"name": "x", "label": "X", "type": "text"}]})
    paths = _paths(p)
    assert "duplicate record type name 'company'" in paths["$.types[2].name"]


def test_all_problems_are_reported_together():
    p = mini_pack()
    p["types"][1]["fields"][1]["options"]["target"] = "firm"
    p["types"][0]["fields"][2]["type"] = "memo"
    p["types"][0]["fields"][1]["options"]["choices"].append({"value": "gold"})
    paths = _paths(p)
    assert {"$.types[1].fields[1].options.target", "$.types[0].fields[2].type",
            "$.types[0].fields[1].options.choices"} <= set(paths)
    assert paths["$.types[0].fields[1].options.choices"] == "duplicate value 'gold'"


def test_shape_errors_from_the_json_schema():
    p = mini_pack()
    del p["id"]
    p["types"][0]["fields"][0]["name"] = "Bad Name"
    p["types"][0]["colour"] = "red"
    paths = _paths(p)
    assert "'id' is a required property" in paths["$"]
    assert "$.types[0].fields[0].name" in paths
    assert "unknown attribute" in paths["$.types[0]"]


def test_lookup_rollup_and_cycles():
    p = mini_pack()
    p["types"][0]["fields"][4]["options"]["target_field"] = "nothing"
    assert _paths(p)["$.types[0].fields[4].options.target_field"] == "'deal' has no field 'nothing'"
    p = mini_pack()
    p["types"][1]["fields"].append({"name": "a", "label": "A", "type": "formula", "options": {"expression": "{b} + 1"}})
    p["types"][1]["fields"].append({"name": "b", "label": "B", "type": "formula", "options": {"expression": "{a} + 1"}})
    paths = _paths(p)
    assert "cycle" in paths["$.types[1].fields[7].options"] and "cycle" in paths["$.types[1].fields[8].options"]


def test_rules_views_and_sample_data_are_checked():
    p = mini_pack()
    p["rules"][0]["actions"][0]["values"] = {"rank": "gold"}
    p["views"][0]["filter"] = {"field": "amount", "op": "gte", "value": "lots"}
    p["views"][0]["columns"].append("colour")
    p["sample_data"][1]["records"][0]["fields"]["company"] = "Initech"
    p["sample_data"][1]["records"][1]["fields"]["close_date"] = {"$date": "next week"}
    paths = _paths(p)
    assert "no field 'rank'" in paths["$.rules[0].actions[0].values.rank"]
    assert "$.views[0].filter.value" in paths
    assert "no field 'colour'" in paths["$.views[0].columns[3]"]
    assert "key 'Initech'" in paths["$.sample_data[1].records[0].fields.company"]
    assert "relative date" in paths["$.sample_data[1].records[1].fields.close_date"]


def test_a_link_may_target_a_type_of_the_instance(db):
    from recordbase.metamodel.service import MetamodelService

    with db.sessions.begin() as s:
        MetamodelService(s).create_type({"name": "firm", "label": "Firm", "fields": [
            {"name": "name", "label": "Name", "type": "text"}]})
    p = mini_pack()
    p["types"][1]["fields"][1]["options"]["target"] = "firm"
    p["types"][0]["fields"].pop(4)  # the rollup over deal.company would now point at firm
    p["rules"] = []
    p["sample_data"][1]["records"] = []
    with db.sessions() as s:
        validate(from_json(p), db.store(s).schema)
    with pytest.raises(PackError):
        validate(from_json(p))  # without the instance, 'firm' is unknown


@pytest.mark.parametrize("breakage", ["link", "type", "formula", "duplicate", "sample"])
def test_an_invalid_pack_installs_nothing(db, breakage):
    p = mini_pack()
    if breakage == "link":
        p["types"][1]["fields"][1]["options"]["target"] = "firm"
    elif breakage == "type":
        p["types"][1]["fields"][6]["type"] = "dropdown"
    elif breakage == "formula":
        p["types"][1]["fields"][4]["options"]["expression"] = "SUMX({Amount})"
    elif breakage == "duplicate":
        p["types"][1]["fields"][3]["name"] = "amount"
    else:
        p["sample_data"][1]["records"][1]["fields"]["amount"] = "a lot"
    before = db.type_names(include_deleted=True)
    with pytest.raises(PackError) as info:
        db.install(p, sample_data=True)
    assert info.value.details["errors"]
    assert db.type_names(include_deleted=True) == before
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Pack)) == 0
        assert s.scalar(select(func.count()).select_from(PackItem)) == 0
