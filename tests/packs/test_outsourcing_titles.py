"""Record titles on the outsourcing pack's screens (evaluation items named by their KPI and
result, never 'Evaluation item #133'), title formats in packs (checked, installed, exported),
and through the metamodel API."""
from __future__ import annotations

import html
import re

import pytest

from recordbase.packs import PackError, from_json
from recordbase.packs.exporter import export
from recordbase.packs.validator import validate
from recordbase.storage.titles import RecordTitles

from .packdata import mini_pack
from .test_outsourcing_screens import client, get, language, pack, seen  # noqa: F401 (fixtures)


def _item_titles(pack) -> dict[int, str]:
    kpis = {r["id"]: r["name"] for r in pack.rows("kpi")}
    return {r["id"]: f"{kpis[r['kpi']]} · {float(r['actual']):,.2f}".rstrip()
            for r in pack.rows("evaluation_item") if r["kpi"] and r["actual"] is not None}


def test_evaluation_items_are_named_by_kpi_and_result(pack):
    expected = _item_titles(pack)
    assert expected
    with pack.sessions() as s:
        titles = RecordTitles(pack.store(s)).of("evaluation_item", list(expected))
    # the actual values are decimals shown with their places; the KPI by its own title (its name)
    for rid, title in titles.items():
        kpi_name = expected[rid].split(" · ")[0]
        assert title.startswith(kpi_name + " · ") and re.search(r"\d\.\d{2}$", title), title


def test_an_evaluations_page_names_its_items_and_the_inbox_of_titles(pack, client):
    language(client, "en")
    evaluation = next(r for r in pack.rows("evaluation") if r["items"])
    page = seen(get(client, f"/admin/records/evaluation/details/?id={evaluation['id']}"))
    assert "Evaluation item #" not in page and not re.search(r"#\d+\b", page.split("History")[0])
    items = [r for r in pack.rows("evaluation_item") if r["evaluation"] == evaluation["id"]]
    kpis = {r["id"]: r["name"] for r in pack.rows("kpi")}
    assert all(kpis[i["kpi"]] in page for i in items)
    listing = html.unescape(get(client, "/admin/records/evaluation_item/?page_size=100"))
    assert not re.search(r">\s*#\d+\s*<", listing)  # link cells show titles, not ids
    language(client, "zh")
    evaluations = seen(get(client, "/admin/records/evaluation_item/?page_size=100"))
    assert "绩效考核 #" not in evaluations


def test_a_pack_export_keeps_title_formats(pack):
    with pack.sessions() as s:
        exported, _left_out = export(s, ["evaluation", "evaluation_item", "kpi", "contract", "supplier"],
                                     pack_id="copy")
    formats = {t["name"]: t.get("title_format") for t in exported["types"]}
    assert formats["evaluation_item"] == "{kpi} · {actual}"
    assert formats["kpi"] is None


def test_a_pack_title_format_naming_no_field_is_refused():
    p = mini_pack()
    p["types"][1]["title_format"] = "{title} · {company}"
    validate(from_json(p))
    p["types"][1]["title_format"] = "{title} · {nothing}"
    with pytest.raises(PackError) as info:
        validate(from_json(p))
    assert any(e["path"].endswith("title_format") and "nothing" in e["message"] for e in info.value.details["errors"])


def test_the_metamodel_api_keeps_and_checks_a_title_format(api):
    resp = api.post("/api/v1/types", json={"name": "deal", "label": "Deal", "fields": [
        {"name": "title", "label": "Title", "type": "text"},
        {"name": "stage", "label": "Stage", "type": "single_select",
         "options": {"choices": [{"value": "new", "label": "New", "label_zh": "新"}]}}],
        "title_format": "{title} ({stage})"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["title_format"] == "{title} ({stage})"
    bad = api.patch("/api/v1/types/deal", json={"title_format": "{title} {nope}"})
    assert bad.status_code == 422 and "nope" in str(bad.get_json())
    spec = api.get("/api/v1/openapi.json").get_json()
    assert "title_format" in spec["components"]["schemas"]["RecordType"]["properties"]
    assert api.patch("/api/v1/types/deal", json={"title_format": None}).status_code == 200
    assert api.get("/api/v1/types/deal").get_json()["title_format"] is None
