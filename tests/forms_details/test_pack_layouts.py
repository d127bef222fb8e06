"""Form layouts in packs: installed with the pack, kept when the user changed them, exported."""
from __future__ import annotations

import json
from pathlib import Path

from .helpers import ok

PACK = json.loads((Path(__file__).parents[2] / "templates_catalog" / "outsourcing" / "pack.json").read_text("utf-8"))


def test_the_outsourcing_pack_installs_its_layouts_and_exports_them(api):
    api = api
    ok(api.post("/api/v1/packs/install", json={"pack": "outsourcing"}), 201)
    supplier = ok(api.get("/api/v1/types/supplier/layout"))
    basics = supplier["sections"][0]
    assert basics == {"key": "Basics / 基本信息", "label": "Basics", "label_zh": "基本信息", "columns": 2}
    evaluation = ok(api.get("/api/v1/types/evaluation/layout"))
    assert evaluation["related"][0]["type"] == "evaluation_item" and evaluation["related"][0]["inline"] is True
    # the user changes a layout; a re-install keeps theirs
    mine = {"sections": [{"key": "Basics / 基本信息", "label": "Mine"}]}
    ok(api.put("/api/v1/types/supplier/layout", json=mine))
    again = ok(api.post("/api/v1/packs/install", json={"pack": "outsourcing"}), 200)
    assert ok(api.get("/api/v1/types/supplier/layout")) == mine, again
    # export: the layouts of the exported types; related tables of other types left out
    exported = ok(api.post("/api/v1/packs/export", json={"types": ["evaluation", "evaluation_item", "contract",
                                                                      "supplier"]}))
    layouts = {entry["type"]: entry for entry in exported["pack"]["form_layouts"]}
    assert layouts["evaluation"]["related"] == evaluation["related"]
    assert layouts["supplier"] == {"type": "supplier", **mine}
    assert "related" not in layouts["contract"] and layouts["contract"]["sections"]  # kpi is not exported
    assert any("form layout" in json.dumps(x) for x in exported["left_out"])


def test_a_pack_layout_is_checked(api):
    bad = {"format": 1, "id": "tiny", "version": "1.0.0", "name": "Tiny",
           "types": [{"name": "thing", "label": "Thing", "fields": [{"name": "title", "label": "Title", "type": "text"}]}],
           "form_layouts": [{"type": "thing", "sections": [{"key": "a", "label": "A", "columns": 5}]}]}
    resp = api.post("/api/v1/packs/install", json={"manifest": bad})
    assert resp.status_code == 422 and "form_layouts" in resp.get_data(as_text=True)
    assert PACK["form_layouts"]  # the shipped pack has some
