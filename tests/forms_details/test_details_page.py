"""The details page: title heading, fields by section, related records as tables with "add", and
inline child rows of master-detail tables (each an ordinary record write: rights, version, validation)."""
from __future__ import annotations

import re

from .helpers import csrf_token_from, ok, records, text

INLINE = {"related": [{"type": "evaluation_item", "field": "evaluation", "columns": ["kpi", "score", "weighted"],
                       "inline": True}]}


def _evaluation(world) -> tuple[int, int]:
    kpi = ok(world.post("/api/v1/records/kpi", json={"fields": {"name": "On time"}}), 201)["id"]
    ev = ok(world.post("/api/v1/records/evaluation", json={"fields": {"evaluation_no": "EV-7"}}), 201)["id"]
    return ev, kpi


def _item(world, ev: int, kpi: int, score: int) -> dict:
    return ok(world.post("/api/v1/records/evaluation_item", json={"fields": {
        "evaluation": ev, "kpi": kpi, "score": score}}), 201)


def post_row(client, page: str, type_name: str, data: dict):
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    return client.post(f"/admin/records/{type_name}/child-row/", data={"csrf_token": token, **data})


def test_details_page_shows_title_sections_and_related_tables(world, admin_client):
    ev, kpi = _evaluation(world)
    _item(world, ev, kpi, 80)
    page = text(admin_client.get(f"/admin/records/evaluation/details/?id={ev}"))
    assert 'class="rb-record-title mb-3">EV-7' in page
    assert page.index('data-section="basics"') < page.index('data-field="period"') < page.index('data-field="notes"')
    related = page[page.index('data-related="evaluation_item.evaluation"'):]
    # default columns: the item type's first list columns, without the link back
    heads = re.findall(r"<th>([^<]+)</th>", related[:related.index("</thead>")])
    assert heads == ["KPI", "Score", "Weight", "Weighted"]
    assert "On time" in related and "160" in related
    add = re.search(r'class="btn btn-sm btn-outline-primary ml-2 rb-add" href="([^"]+)"', related).group(1)
    assert f"set_evaluation={ev}" in add.replace("&amp;", "&")
    new = text(admin_client.get(add.replace("&amp;", "&")))
    assert f'<option selected value="{ev}">EV-7</option>' in new


def test_child_rows_are_added_edited_and_deleted_in_place(app, world, admin_client):
    ev, kpi = _evaluation(world)
    ok(world.put("/api/v1/types/evaluation/layout", json=INLINE))
    item = _item(world, ev, kpi, 70)
    url = f"/admin/records/evaluation/details/?id={ev}"
    page = text(admin_client.get(url))
    assert "data-rb-child-panel" in page and 'data-rb-row-action="add"' in page
    assert re.search(r'data-rb-edit-row data-rb-id="%d" data-rb-version="1"' % item["id"], page)
    # add: the link back comes with the row
    resp = post_row(admin_client, page, "evaluation_item", {
        "RB_ACTION": "create", "RB_FIELDS": "kpi,score,evaluation", "kpi": str(kpi), "score": "95",
        "evaluation": str(ev)})
    assert resp.status_code == 200 and resp.get_json()["ok"], text(resp)
    new = [r for r in records(app, "evaluation_item") if r.values["score"] == 95]
    assert new and new[0].values["evaluation"] == ev and new[0].values["weighted"] == 190
    # a value the field type refuses: the problem beside its input, nothing written
    resp = post_row(admin_client, page, "evaluation_item", {
        "RB_ACTION": "update", "RB_FIELDS": "score", "id": str(item["id"]), "RB_VERSION": "1", "score": "lots"})
    assert resp.status_code == 422 and "score" in resp.get_json()["errors"]
    # edit: only the posted inputs change (the KPI the row does not post stays)
    resp = post_row(admin_client, page, "evaluation_item", {
        "RB_ACTION": "update", "RB_FIELDS": "score", "id": str(item["id"]), "RB_VERSION": "1", "score": "75"})
    assert resp.status_code == 200 and resp.get_json()["version"] == 2, text(resp)
    [changed] = [r for r in records(app, "evaluation_item") if r.id == item["id"]]
    assert changed.values["score"] == 75 and changed.values["kpi"] == kpi
    # the same stale version again: refused, not overwritten
    resp = post_row(admin_client, page, "evaluation_item", {
        "RB_ACTION": "update", "RB_FIELDS": "score", "id": str(item["id"]), "RB_VERSION": "1", "score": "10"})
    assert resp.status_code == 409 and not resp.get_json()["ok"]
    # a required input emptied: the store's message beside it
    resp = post_row(admin_client, page, "evaluation_item", {
        "RB_ACTION": "create", "RB_FIELDS": "score", "score": "5"})
    assert resp.status_code == 422 and "evaluation" in resp.get_json()["errors"]
    # delete: to the trash
    resp = post_row(admin_client, page, "evaluation_item", {"RB_ACTION": "delete", "id": str(item["id"])})
    assert resp.status_code == 200 and resp.get_json()["ok"]
    assert item["id"] not in [r.id for r in records(app, "evaluation_item")]
    # without the CSRF token: refused
    resp = admin_client.post("/admin/records/evaluation_item/child-row/", data={"RB_ACTION": "delete", "id": "1"})
    assert resp.status_code in (400, 403) or "csrf" in text(resp).lower()


def test_child_rows_follow_the_users_rights(app, world, person):
    ev, kpi = _evaluation(world)
    ok(world.put("/api/v1/types/evaluation/layout", json=INLINE))
    item = _item(world, ev, kpi, 70)
    reader = person({"name": "reader", "label": "Reader", "permissions": {
        "evaluation": {"actions": ["read"]}, "evaluation_item": {"actions": ["read"]}, "kpi": {"actions": ["read"]}}})
    page = text(reader.get(f"/admin/records/evaluation/details/?id={ev}"))
    assert "On time" in page and 'data-rb-row-action="edit"' not in page and 'data-rb-row-action="add"' not in page
    token = csrf_token_from(page)
    for data in ({"RB_ACTION": "create", "RB_FIELDS": "score,evaluation", "score": "1", "evaluation": str(ev)},
                 {"RB_ACTION": "update", "RB_FIELDS": "score", "id": str(item["id"]), "RB_VERSION": "1", "score": "1"},
                 {"RB_ACTION": "delete", "id": str(item["id"])}):
        resp = reader.post("/admin/records/evaluation_item/child-row/", data={"csrf_token": token, **data})
        assert resp.status_code == 403 and not resp.get_json()["ok"], (data, text(resp))
    assert [r.values["score"] for r in records(app, "evaluation_item")] == [70]
    # items hidden from a role: no table at all; a hidden column is not shown
    partial = person({"name": "partial", "label": "Partial", "permissions": {
        "evaluation": {"actions": ["read"]}, "evaluation_item": {"actions": ["read", "update"],
                                                               "hidden_fields": ["score", "weighted"]},
        "kpi": {"actions": ["read"]}}})
    page = text(partial.get(f"/admin/records/evaluation/details/?id={ev}"))
    related = page[page.index('data-related="evaluation_item.evaluation"'):]
    assert "Score" not in related and "Weighted" not in related and "On time" in related
    token = csrf_token_from(page)
    resp = partial.post("/admin/records/evaluation_item/child-row/", data={
        "csrf_token": token, "RB_ACTION": "update", "RB_FIELDS": "score", "id": str(item["id"]), "RB_VERSION": "1",
        "score": "3"})
    assert [r.values["score"] for r in records(app, "evaluation_item")] == [70]  # a hidden field is never written
    none = person({"name": "none", "label": "None", "permissions": {"evaluation": {"actions": ["read"]}}})
    page = text(none.get(f"/admin/records/evaluation/details/?id={ev}"))
    assert 'data-related="evaluation_item.evaluation"' not in page and "On time" not in page


def test_a_backlink_tables_cells_look_as_in_the_list(world, admin_client, switch_language):
    """A backlink table shows a select as its coloured badge (its label in the page's language), a
    formula's number in its places and a currency with its symbol, as the list and the details page do."""
    ok(world.post("/api/v1/types/evaluation_item/fields", json={
        "name": "level", "label": "Level", "type": "single_select", "options": {"choices": [
            {"value": "high", "label": "High", "label_zh": "高", "color": "#d62728"}, {"value": "low", "label": "Low"}]}}), 201)
    ok(world.post("/api/v1/types/evaluation_item/fields", json={
        "name": "fee", "label": "Fee", "type": "currency", "options": {"code": "CNY"}}), 201)
    ok(world.put("/api/v1/types/evaluation/layout", json={"related": [
        {"type": "evaluation_item", "field": "evaluation", "columns": ["kpi", "level", "fee", "weighted"]}]}))
    ev, kpi = _evaluation(world)
    ok(world.post("/api/v1/records/evaluation_item", json={"fields": {
        "evaluation": ev, "kpi": kpi, "score": 40.125, "level": "high", "fee": "420000"}}), 201)
    page = text(admin_client.get(f"/admin/records/evaluation/details/?id={ev}"))
    related = page[page.index('data-related="evaluation_item.evaluation"'):]
    related = related[:related.index("</section>")]
    cells = re.findall(r"<td>(.*?)</td>", related, re.S)
    assert cells[0] == "On time"  # the link by its record's title
    assert re.fullmatch(r'<span class="badge rb-choice" style="[^"]*#d62728[^"]*">High</span>', cells[1]), cells[1]
    assert cells[2] == "¥420,000.00" and cells[3] == "80.25", cells
    switch_language(admin_client, "zh")
    page = text(admin_client.get(f"/admin/records/evaluation/details/?id={ev}"))
    assert re.search(r'<span class="badge rb-choice" style="[^"]*">高</span>', page)
