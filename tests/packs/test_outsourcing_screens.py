"""The outsourcing pack's screens as a business user meets them after installing it with its sample
data: average scores with two places, a contract's service category (a lookup of a select) and the
formula levels (risk high/medium/low, inspection pass/fail) by their labels in the page's language
and as badges in the pack's colours, contract values with the yuan sign; the export says the same;
an upgrade from the version without choices and places brings them; a pack export keeps them."""
from __future__ import annotations

import copy
import csv
import html
import io
import json
import re

import pytest

from recordbase import create_app
from recordbase.context import platform
from recordbase.packs import load
from recordbase.packs.exporter import export

from .helpers import metamodel_dump

RED, AMBER, GREEN = "#d62728", "#ff7f0e", "#2ca02c"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def pack(outsourcing_with_samples):
    return outsourcing_with_samples


@pytest.fixture(scope="module")
def client(pack, tmp_path_factory):
    app = create_app({"DATABASE_URL": pack.url, "TESTING": True, "SECRET_KEY": "t",
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("inst"))})
    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login/", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code in (302, 303)
    yield client
    platform(app).engine.dispose()


def language(client, code: str) -> None:
    page = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(f"/admin/lang/{code}", data={"csrf_token": token})


def get(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


def seen(page: str) -> str:
    """The page's text as read (no tags, attributes or the hidden filter data)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<(div|span)[^>]*id="filter-[a-z-]*data"[^>]*>.*?</\1>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def table(page: str) -> str:
    """The text of the list's records (the type's description above it is another matter)."""
    return seen(re.search(r"<table\b.*?</table>", page, re.S).group(0))


def test_average_scores_show_and_are_stored_with_two_places(pack, client):
    scores = [r["avg_score"] for r in pack.rows("supplier") if r["avg_score"] is not None]
    assert scores and all(round(s, 2) == s for s in scores)
    language(client, "en")
    text = seen(get(client, "/admin/records/supplier/?page_size=100"))
    assert not re.search(r"\b\d+\.\d{3,}\b", text)  # no 98.96666666666667
    supplier = next(r for r in pack.rows("supplier") if r["avg_score"] is not None)
    details = seen(get(client, f"/admin/records/supplier/details/?id={supplier['id']}"))
    assert f"{supplier['avg_score']:.2f}" in details


def test_chinese_pages_show_labels_and_badges_not_keys(pack, client):
    language(client, "zh")
    contracts = get(client, "/admin/records/contract/?page_size=100")
    text = seen(contracts)
    assert "IT运维" in text and "it_support" not in text and "software_testing" not in text
    assert re.search(r"¥\d{1,3}(,\d{3})+\.\d{2}", text) and "CNY" not in text
    risks = get(client, "/admin/records/risk/?page_size=100")
    levels = {r["level"] for r in pack.rows("risk")}
    assert levels >= {"high", "low"}
    for level, label, colour in (("high", "高", RED), ("medium", "中", AMBER), ("low", "低", GREEN)):
        if level in levels:
            assert re.search(rf'<span class="badge rb-choice" style="background: {colour}; color: #[0-9a-f]{{6}}">'
                             rf'{label}</span>', risks), level
    assert not re.search(r"\b(high|medium|low)\b", table(risks))
    inspections = get(client, "/admin/records/inspection/?page_size=100")
    results = {r["result"] for r in pack.rows("inspection")} - {None}
    assert results == {"pass", "fail"}
    assert f'style="background: {GREEN}; color: #000000">合格</span>' in inspections
    assert f'style="background: {RED}; color: #ffffff">不合格</span>' in inspections
    assert not re.search(r"\b(pass|fail)\b", table(inspections))
    # the edit form shows a computed level as the lists do
    risk = next(r for r in pack.rows("risk") if r["level"] == "high")
    assert 'value="高"' in get(client, f"/admin/records/risk/edit/?id={risk['id']}")


def test_the_export_speaks_the_users_language(pack, client):
    language(client, "zh")
    risks = list(csv.reader(io.StringIO(get(client, "/admin/records/risk/export/csv/").lstrip("\ufeff"))))
    col = risks[0].index("等级")
    assert {row[col] for row in risks[1:]} <= {"高", "中", "低", ""}
    contracts = list(csv.reader(io.StringIO(get(client, "/admin/records/contract/export/csv/").lstrip("\ufeff"))))
    assert "IT运维" in {row[contracts[0].index("服务类别")] for row in contracts[1:]}
    suppliers = get(client, "/admin/records/supplier/export/csv/")
    assert not re.search(r"\d+\.\d{3,}", suppliers)


def test_a_pack_export_keeps_the_choices_and_places(pack):
    with pack.sessions() as s:
        exported, _left_out = export(s, ["supplier", "risk", "inspection"], pack_id="copy")
    fields = {(t["name"], f["name"]): f for t in exported["types"] for f in t["fields"]}
    assert fields[("supplier", "avg_score")]["options"]["places"] == 2
    assert [c["label_zh"] for c in fields[("risk", "level")]["options"]["choices"]] == ["高", "中", "低"]
    assert [c["color"] for c in fields[("inspection", "result")]["options"]["choices"]] == [GREEN, RED]


def test_an_upgrade_from_the_version_without_choices_brings_them(other_db):
    current = load("outsourcing")
    old = copy.deepcopy(current.manifest)
    old["version"] = "1.0.0"
    for t in old["types"]:
        for f in t["fields"]:
            for key in ("choices", "places"):
                if f["type"] in ("formula", "rollup", "lookup"):
                    f.get("options", {}).pop(key, None)
    previous = copy.copy(current)
    previous.manifest = old
    uid = other_db.user("admin@example.com")
    other_db.install(previous, sample_data=True, user_id=uid)
    assert "choices" not in {f["name"]: f for f in metamodel_dump(other_db.sessions)["risk"]["fields"]}["level"]["options"]
    report = other_db.install(load("outsourcing"), sample_data=True, user_id=uid)
    assert report.mode == "upgrade" and {"risk.level", "inspection.result", "supplier.avg_score"} <= set(report.updated)
    meta = metamodel_dump(other_db.sessions)
    level = {f["name"]: f for f in meta["risk"]["fields"]}["level"]
    assert [c["value"] for c in level["options"]["choices"]] == ["high", "medium", "low"]
    scores = [r["avg_score"] for r in other_db.rows("supplier") if r["avg_score"] is not None]
    assert scores and all(round(s, 2) == s for s in scores)  # recomputed with the places
    assert json.loads(json.dumps(level))  # (plain JSON)
