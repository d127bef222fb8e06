"""The /v0 API exercised with the real pyairtable client against a live server."""
from __future__ import annotations

from datetime import date

import pytest
import requests
from pyairtable.formulas import AND, EQ, GTE, NOT, Field, match

from .helpers import BASE


def seed(suppliers, n: int = 25) -> list[dict]:
    statuses = ["Active", "Paused", "Closed"]
    return suppliers.batch_create([
        {"Name": f"Supplier {i:02d}", "Score": i * 4, "Status": statuses[i % 3], "Since": f"2026-01-{i + 1:02d}",
         "Backup": i % 5 == 0, "On time": 0.5 + i / 100, "Tags": ["cleaning"] if i % 2 else ["it", "catering"]}
        for i in range(n)])


def test_create_and_record_shape(suppliers):
    rec = suppliers.create({"Name": "Acme", "Score": 93, "Status": "Active", "Since": "2026-01-05", "Backup": True,
                            "On time": 0.85, "Tags": ["it"], "Manager": {"email": "mgr@example.com"},
                            "Deposit": 1200.5})
    assert rec["id"].startswith("rec") and len(rec["id"]) == 17
    assert rec["createdTime"].endswith("Z")
    f = rec["fields"]
    assert f["Name"] == "Acme" and f["Score"] == 93 and f["Status"] == "Active" and f["Since"] == "2026-01-05"
    assert f["Backup"] is True and f["On time"] == 0.85 and f["Tags"] == ["it"] and f["Deposit"] == 1200.5
    assert f["Manager"]["email"] == "mgr@example.com" and f["Manager"]["name"] == "Zhang San"
    assert f["Grade"] == "A"  # a formula field, computed on write
    empty = suppliers.create({"Name": "Empty"})
    assert set(empty["fields"]) == {"Name", "Grade"}  # empty values are left out, as Airtable does
    assert suppliers.get(rec["id"]) == rec


def test_list_with_formula_filters_and_sorting(suppliers):
    seed(suppliers)
    got = suppliers.all(formula="{Score} >= 50", sort=["-Score"])
    assert [r["fields"]["Score"] for r in got] == list(range(96, 48, -4))
    got = suppliers.all(formula=match({"Status": "Paused"}), sort=["Name"])
    assert [r["fields"]["Name"] for r in got] == [f"Supplier {i:02d}" for i in range(1, 25, 3)]
    got = suppliers.all(formula=AND(GTE(Field("Score"), 40), NOT(EQ(Field("Status"), "Closed"))), sort=["Score"])
    assert [r["fields"]["Score"] for r in got] == [s for s in range(40, 100, 4) if (s // 4) % 3 != 2]
    got = suppliers.all(formula=match({"Since": date(2026, 1, 3)}))
    assert [r["fields"]["Name"] for r in got] == ["Supplier 02"]
    got = suppliers.all(formula="AND({Backup}, {Score} > 0)")
    assert [r["fields"]["Score"] for r in got] == [20, 40, 60, 80]
    # not expressible in SQL: evaluated in Python over the candidates
    got = suppliers.all(formula="AND(FIND('1', {Name}) > 0, {Score} < 60)", sort=["Name"])
    assert [r["fields"]["Name"] for r in got] == ["Supplier 01", "Supplier 10", "Supplier 11", "Supplier 12",
                                                  "Supplier 13", "Supplier 14"]
    got = suppliers.all(formula="{Grade} = 'A'", sort=["-Score"])
    assert [r["fields"]["Score"] for r in got] == [96, 92]
    got = suppliers.all(formula="OR(LEN({Name}) < 5, MOD({Score}, 40) = 0)")
    assert sorted(r["fields"]["Score"] for r in got) == [0, 40, 80]
    # Chinese labels name the same fields; sort by two fields
    got = suppliers.all(formula="{状态} = '暂停'", sort=["Status", "-Score"])
    assert [r["fields"]["Score"] for r in got][:2] == [88, 76]


def test_pagination_offsets_and_max_records(suppliers):
    seed(suppliers)
    pages = list(suppliers.iterate(page_size=10))
    assert [len(p) for p in pages] == [10, 10, 5]
    names = [r["fields"]["Name"] for p in pages for r in p]
    assert names == [f"Supplier {i:02d}" for i in range(25)]
    assert len(suppliers.all(page_size=7)) == 25
    got = suppliers.all(page_size=5, max_records=12, sort=["-Score"])
    assert [r["fields"]["Score"] for r in got] == list(range(96, 48, -4))
    assert [len(p) for p in suppliers.iterate(page_size=4, formula="{Score} < 60")] == [4, 4, 4, 3]
    # pages of a Python-evaluated formula
    pages = list(suppliers.iterate(page_size=3, formula="FIND('2', {Name}) > 0"))
    assert sum(len(p) for p in pages) == 7 and all(len(p) <= 3 for p in pages)
    first = suppliers.first(formula="{Score} = 8")
    assert first["fields"]["Name"] == "Supplier 02"


def test_fields_view_cell_format_and_field_ids(suppliers, at_api):
    seed(suppliers, 3)
    got = suppliers.all(fields=["Name", "Score"], view="Grid view", sort=["Name"])
    assert got[1]["fields"] == {"Name": "Supplier 01", "Score": 4}
    schema = suppliers.schema()
    score_id = schema.field("Score").id
    by_id = suppliers.all(fields=["Score"], use_field_ids=True, sort=["Name"])
    assert by_id[2]["fields"] == {score_id: 8}
    text = suppliers.all(cell_format="string", time_zone="UTC", user_locale="en", sort=["Name"], fields=["Status", "Since"])
    assert text[1]["fields"] == {"Status": "Paused", "Since": "2026-01-02"}


def test_update_replace_upsert_and_delete(suppliers):
    a, b, c = seed(suppliers, 3)
    upd = suppliers.update(a["id"], {"Score": 77, "Status": "closed"})
    assert upd["fields"]["Score"] == 77 and upd["fields"]["Status"] == "Closed" and upd["fields"]["Name"] == "Supplier 00"
    rep = suppliers.update(b["id"], {"Name": "Only name"}, replace=True)
    assert set(rep["fields"]) == {"Name", "Grade"}
    many = suppliers.batch_update([{"id": a["id"], "fields": {"Score": 1}}, {"id": c["id"], "fields": {"Score": 2}}])
    assert [r["fields"]["Score"] for r in many] == [1, 2]
    res = suppliers.batch_upsert([{"fields": {"Name": "Supplier 02", "Score": 99}},
                                  {"fields": {"Name": "Brand new", "Score": 5}}], key_fields=["Name"])
    assert res["updatedRecords"] == [c["id"]] and len(res["createdRecords"]) == 1
    assert suppliers.get(c["id"])["fields"]["Score"] == 99
    assert len(suppliers.all()) == 4
    res = suppliers.batch_upsert([{"fields": {"Name": "Brand new", "Score": 6}}], key_fields=["Name"])
    assert res["createdRecords"] == [] and len(suppliers.all()) == 4
    assert suppliers.delete(a["id"]) == {"id": a["id"], "deleted": True}
    deleted = suppliers.batch_delete([b["id"], c["id"]])
    assert [d["id"] for d in deleted] == [b["id"], c["id"]] and all(d["deleted"] for d in deleted)
    assert [r["fields"]["Name"] for r in suppliers.all()] == ["Brand new"]
    with pytest.raises(requests.HTTPError) as err:
        suppliers.get(a["id"])
    assert err.value.response.status_code == 404


def test_batches_over_ten_are_chunked_by_the_client_and_refused_by_the_server(suppliers, at_api, server, token):
    created = seed(suppliers, 23)  # pyairtable sends 3 requests of at most 10
    assert len(created) == 23
    resp = requests.post(f"{server}/v0/{BASE}/Supplier", headers={"Authorization": f"Bearer {token}"},
                         json={"records": [{"fields": {"Name": f"x{i}"}} for i in range(11)]}, timeout=10)
    assert resp.status_code == 422 and resp.json()["error"]["type"] == "INVALID_RECORDS"


def test_links_typecast_and_table_addressing(at_api, suppliers):
    a, b = seed(suppliers, 2)
    contracts = at_api.table(BASE, "合同")
    c = contracts.create({"Title": "C1", "Supplier": [a["id"]], "Other suppliers": [a["id"], b["id"]]})
    assert c["fields"]["Supplier"] == [a["id"]] and c["fields"]["Other suppliers"] == [a["id"], b["id"]]
    c2 = contracts.create({"Title": "C2", "Supplier": ["Supplier 01"], "Other suppliers": "Supplier 00, Supplier 01"},
                          typecast=True)
    assert c2["fields"]["Supplier"] == [b["id"]] and c2["fields"]["Other suppliers"] == [a["id"], b["id"]]
    with pytest.raises(requests.HTTPError) as err:
        contracts.create({"Title": "C3", "Supplier": ["Supplier 01"]})
    assert err.value.response.status_code == 422
    assert err.value.response.json()["error"]["type"] == "INVALID_VALUE_FOR_COLUMN"
    typed = suppliers.create({"Name": "T", "Score": "1,200", "Backup": "是", "Since": "2026年1月5日"}, typecast=True)
    assert typed["fields"]["Score"] == 1200 and typed["fields"]["Backup"] is True and typed["fields"]["Since"] == "2026-01-05"
    with pytest.raises(requests.HTTPError) as err:
        suppliers.create({"Name": "T", "Score": "12"})
    assert err.value.response.status_code == 422
    table_id = suppliers.schema().id
    by_id = at_api.table(BASE, table_id)
    assert len(by_id.all()) == 3
    assert contracts.all(formula="RECORD_ID() = '%s'" % c2["id"])[0]["fields"]["Title"] == "C2"


def test_schema_and_bases(at_api, suppliers):
    bases = at_api.bases()
    assert [b.id for b in bases] == [BASE] and bases[0].name == "Recordbase"
    schema = at_api.base(BASE).schema()
    t = schema.table("Supplier")
    assert t.id.startswith("tbl") and t.primary_field_id == t.field("Name").id
    types = {f.name: f.type for f in t.fields}
    assert types == {"Name": "singleLineText", "Score": "number", "Status": "singleSelect", "Since": "date",
                     "Backup": "checkbox", "On time": "percent", "Tags": "multipleSelects",
                     "Manager": "singleCollaborator", "Deposit": "currency", "Grade": "formula"}
    assert [c.name for c in t.field("Status").options.choices] == ["Active", "Paused", "Closed"]
    assert t.field("Deposit").options.symbol == "¥"
    link = schema.table("Contract").field("Supplier")
    assert link.type == "multipleRecordLinks" and link.options.linked_table_id == t.id
    assert link.options.prefers_single_record_link is True


def test_errors_in_airtable_shape(suppliers, server, token, sessions):
    def call(method, path, **kw):
        return requests.request(method, f"{server}/v0/{path}", timeout=10,
                                headers={"Authorization": f"Bearer {token}"} | kw.pop("headers", {}), **kw)

    r = requests.get(f"{server}/v0/{BASE}/Supplier", timeout=10)
    assert r.status_code == 401 and r.json() == {"error": {"type": "AUTHENTICATION_REQUIRED",
                                                           "message": "Authentication required"}}
    r = call("GET", f"{BASE}/Nope")
    assert r.status_code == 404 and r.json()["error"]["type"] == "TABLE_NOT_FOUND"
    r = call("POST", f"{BASE}/Supplier", json={"fields": {"Nope": 1}})
    assert r.status_code == 422 and r.json()["error"] == {"type": "UNKNOWN_FIELD_NAME", "message": 'Unknown field name: "Nope"'}
    r = call("GET", f"{BASE}/Supplier", params={"filterByFormula": "{Nope} = 1"})
    assert r.status_code == 422 and r.json()["error"]["type"] == "INVALID_FILTER_BY_FORMULA"
    r = call("GET", f"{BASE}/Supplier", params={"filterByFormula": "{Score} >"})
    assert r.status_code == 422 and r.json()["error"]["type"] == "INVALID_FILTER_BY_FORMULA"
    r = call("GET", f"{BASE}/Supplier", params={"offset": "itrgarbage"})
    assert r.status_code == 422 and r.json()["error"]["type"] == "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"
    r = call("POST", f"{BASE}/Supplier", json={"fields": {"Score": 3}})
    assert r.status_code == 422 and r.json()["error"]["message"] == 'Field "Name" is required'
    # in English, as Airtable's, for a user whose language is Chinese too
    from sqlalchemy import update

    from recordbase.models import User
    with sessions.begin() as s:
        s.execute(update(User).values(locale="zh"))
    r = call("POST", f"{BASE}/Supplier", json={"fields": {"Score": 3}})
    assert r.status_code == 422 and r.json()["error"]["message"] == 'Field "Name" is required'
    r = call("POST", f"{BASE}/Supplier", json={"fields": {"Name": "x", "Since": "2025-02-30"}})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith('Field "Since" cannot accept')
    assert "'2025-02-30' is not a real date" in r.json()["error"]["message"]
    r = call("GET", f"{BASE}/Supplier/recnotarecord")
    assert r.status_code == 404 and set(r.json()) == {"error"}
    r = call("GET", f"{BASE}/Supplier", params={"pageSize": 101})
    assert r.status_code == 422
    r = call("POST", f"{BASE}/Supplier", data="not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "INVALID_REQUEST_UNKNOWN"
    r = call("GET", "nothing/here/at/all/really")
    assert r.status_code == 404 and r.json()["error"]["type"] == "NOT_FOUND"


def test_read_only_token_cannot_write(server, sessions, suppliers):
    from recordbase.auth import create_token, find_user

    with sessions.begin() as s:
        ro = create_token(s, find_user(s, "mgr@example.com"), name="ro", read_only=True)
    r = requests.post(f"{server}/v0/{BASE}/Supplier", headers={"Authorization": f"Bearer {ro}"},
                      json={"fields": {"Name": "x"}}, timeout=10)
    assert r.status_code == 403 and r.json()["error"]["type"] == "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND"
    r = requests.get(f"{server}/v0/{BASE}/Supplier", headers={"Authorization": f"Bearer {ro}"}, timeout=10)
    assert r.status_code == 200


def test_attachments_read_from_a_record_can_be_written_back(app, api, airtable_types, token):
    """A client reads a record and sends its attachments back unchanged (as pyairtable's
    ``update`` does with a fetched record): the ids it got must name the files."""
    import io

    assert api.post("/api/v1/types/supplier/fields",
                    json={"name": "files", "label": "Files", "type": "attachment"}).status_code == 201
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    up = client.post("/api/v1/attachments", headers=headers, content_type="multipart/form-data",
                     data={"type": "supplier", "field": "files", "file": [(io.BytesIO(b"x"), "a.pdf", "application/pdf")]})
    key = up.get_json()["attachments"][0]["key"]
    rec = client.post(f"/v0/{BASE}/Supplier", headers=headers,
                      json={"fields": {"Name": "x", "Files": [{"id": "att" + key}]}}).get_json()
    files = rec["fields"]["Files"]
    assert [f["filename"] for f in files] == ["a.pdf"]
    again = client.patch(f"/v0/{BASE}/Supplier/{rec['id']}", headers=headers, json={"fields": {"Files": files}})
    assert again.status_code == 200, again.get_data(as_text=True)
    assert [f["filename"] for f in again.get_json()["fields"]["Files"]] == ["a.pdf"]


def test_the_schema_describes_fields_in_the_token_users_language(app, api, airtable_types, sessions):
    """Field and table names stay as clients address them; descriptions, read by people, follow the token
    user's language when there is one in it (``help_text_zh``), else the English one."""
    from recordbase.auth import create_token, create_user

    assert api.patch("/api/v1/types/supplier/fields/score", json={
        "help_text": "Out of 100, from the quarterly review", "help_text_zh": "满分 100，来自季度评估"}).status_code == 200
    assert api.patch("/api/v1/types/supplier/fields/since", json={"help_text": "First contract"}).status_code == 200
    assert api.patch("/api/v1/types/supplier", json={"description": "Who we buy from",
                                                     "description_zh": "我们的供应商"}).status_code == 200
    with sessions.begin() as s:
        zh = create_token(s, create_user(s, "li@example.com", None, role="editor", locale="zh_Hans_CN"), name="zh")
        en = create_token(s, create_user(s, "jo@example.com", None, role="editor", locale="en"), name="en")

    def supplier_table(token: str) -> dict:
        resp = app.test_client().get(f"/v0/meta/bases/{BASE}/tables", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return next(t for t in resp.get_json()["tables"] if t["name"] == "Supplier")

    chinese, english = supplier_table(zh), supplier_table(en)
    described = {f["name"]: f.get("description") for f in chinese["fields"]}
    assert described["Score"] == "满分 100，来自季度评估"
    assert described["Since"] == "First contract"  # no Chinese text: the English one
    assert described["Name"] is None
    assert chinese["description"] == "我们的供应商" and english["description"] == "Who we buy from"
    assert {f["name"]: f.get("description") for f in english["fields"]}["Score"] == "Out of 100, from the quarterly review"
    assert [f["name"] for f in chinese["fields"]] == [f["name"] for f in english["fields"]]  # names unchanged
    assert chinese["fields"][2]["options"] == english["fields"][2]["options"]  # choices too (Status)
