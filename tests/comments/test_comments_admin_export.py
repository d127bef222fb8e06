"""The admin list's CSV and XLSX exports end with the comment count, as the API's export does."""
from __future__ import annotations

import io

import openpyxl



def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)[:800]
    return resp.get_json()


def test_the_admin_export_counts_comments(api, admin_client):
    _ok(api.post("/api/v1/types", json={"name": "site", "label": "Site", "label_zh": "场所", "primary_field": "name",
                                        "fields": [{"name": "name", "label": "Name", "type": "text"}]}), 201)
    ids = {n: _ok(api.post("/api/v1/records/site", json={"fields": {"name": n}}), 201)["id"]
           for n in ("North", "South")}
    before = admin_client.get("/admin/records/site/export/csv/").get_data(as_text=True)
    assert "Comments" not in before.splitlines()[0]  # no comment yet: the export reads as before
    for body in ("Roof leaks", "Fixed on Friday"):
        _ok(api.post(f"/api/v1/records/site/{ids['North']}/comments", json={"body": body}), 201)

    lines = admin_client.get("/admin/records/site/export/csv/").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].endswith(",Comments")
    header = lines[0].split(",")
    counts = {row.split(",")[header.index("Name")]: row.split(",")[-1] for row in lines[1:]}
    assert counts == {"North": "2", "South": "0"}

    resp = admin_client.get("/admin/records/site/export/xlsx/")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "Comments"
    name_at = list(rows[0]).index("Name")
    assert {r[name_at]: str(r[-1]) for r in rows[1:]} == {"North": "2", "South": "0"}
