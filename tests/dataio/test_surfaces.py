"""The CLI commands and the API endpoints for import, batch and export."""
from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from openpyxl import load_workbook

from recordbase.cli import cli

from .helpers import records
from .files import csv_bytes, supplier_workbook

HEAD = ["Name", "Since", "Deposit", "Service category"]


def run_cli(database_url, *args):
    return CliRunner().invoke(cli, ["--database-url", database_url, *args], catch_exceptions=False)


# -- CLI -----------------------------------------------------------------------------------
def test_cli_import_with_progress_and_summary(database_url, types, store_in, tmp_path):
    path = tmp_path / "suppliers.xlsx"
    path.write_bytes(supplier_workbook())
    result = run_cli(database_url, "import", "supplier", str(path))
    assert result.exit_code == 0, result.output
    assert "3 rows read: 3 records were created, 0 updated" in result.output
    assert "Rows" in result.output  # the progress bar
    assert len(records(store_in)) == 3
    again = run_cli(database_url, "import", "supplier", str(path), "--key", "name")
    assert "0 records were created, 3 updated" in again.output
    assert len(records(store_in)) == 3


def test_cli_refuses_a_bad_file_whole_and_writes_the_error_report(database_url, types, store_in, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes([HEAD, ["A", "2026-01-05", "1", "保洁"], ["B", "2026-13-01", "2", "保洁"]]))
    errors = tmp_path / "errors.csv"
    result = run_cli(database_url, "import", "supplier", str(path), "--errors", str(errors))
    assert result.exit_code == 1
    assert "row 3 column 'Since': value '2026-13-01': '2026-13-01' is not a real date" in result.output
    assert "Nothing was imported" in result.output
    assert records(store_in) == []
    rows = list(csv.reader(io.StringIO(errors.read_text("utf-8-sig"))))
    assert rows == [["row", "column", "field", "value", "reason"],
                    ["3", "Since", "since", "2026-13-01", "'2026-13-01' is not a real date"]]
    result = run_cli(database_url, "import", "supplier", str(path), "--skip-bad-rows")
    assert result.exit_code == 0 and "1 rows skipped" in result.output
    assert [r.values["name"] for r in records(store_in)] == ["A"]


def test_cli_dry_run_day_first_sheet_and_mapping(database_url, types, store_in, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes([["Company", "Since"], ["A", "05/01/2026"]]))
    result = run_cli(database_url, "import", "supplier", str(path), "--dry-run", "--map", "Company=name")
    assert result.exit_code == 1 and "day-first or month-first" in result.output
    result = run_cli(database_url, "import", "supplier", str(path), "--dry-run", "--day-first", "--map", "Company=name")
    assert result.exit_code == 0 and "would be created" in result.output and records(store_in) == []
    result = run_cli(database_url, "import", "supplier", str(path), "--day-first", "--map", "Company=供应商名称")
    assert result.exit_code == 0
    assert str(records(store_in)[0].values["since"]) == "2026-01-05"


def test_cli_new_type_from_the_data(database_url, types, store_in, tmp_path):
    path = tmp_path / "inspections.csv"
    path.write_bytes(csv_bytes([["Site", "检查日期", "Passed", "Score", "Result"],
                                ["North", "2026-01-05", "是", "95%", "pass"], ["South", "2026/1/6", "否", "80%", "fail"],
                                ["East", "2026年1月7日", "是", "88%", "pass"], ["West", "2026-01-08", "否", "70%", "fail"]]))
    result = run_cli(database_url, "import", "inspection", str(path), "--new-type", "--yes")
    assert result.exit_code == 0, result.output
    assert "field_2" in result.output and "4 records were created" in result.output
    with store_in() as store:
        t = store.type("inspection")
        assert [(f.name, f.field_type) for f in t.fields] == [
            ("site", "text"), ("field_2", "date"), ("passed", "boolean"), ("score", "percent"),
            ("result", "single_select")]
        assert t.field("field_2").label_zh == "检查日期"


def test_cli_export_csv_and_xlsx(database_url, types, store_in, tmp_path):
    with store_in() as store:
        store.create("supplier", {"name": "=HYPERLINK(\"http://evil\")", "deposit": "1200", "service_category": "cleaning",
                                  "is_backup": True, "since": "2026-01-05", "contact_phone": "+86 21 5555 0101",
                                  "notes": "-minus @home"})
        store.create("supplier", {"name": "洁净公司", "deposit": "3500.5", "service_category": "catering"})
    out = tmp_path / "s.csv"
    result = run_cli(database_url, "export", "supplier", "-o", str(out), "--lang", "zh",
                     "--filter", json.dumps({"field": "deposit", "op": "gt", "value": 1000}), "--sort", "-deposit")
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["供应商名称", "服务类别", "备选供应商", "合作开始日期", "保证金"]
    assert rows[1][:5] == ["洁净公司", "餐饮", "否", "", "¥3,500.50"]
    assert rows[2][0] == "'=HYPERLINK(\"http://evil\")" and rows[2][2] == "是"
    xlsx = tmp_path / "s.xlsx"
    assert run_cli(database_url, "export", "supplier", "-o", str(xlsx)).exit_code == 0
    ws = load_workbook(xlsx).active
    got = list(ws.values)
    assert got[0][:5] == ("Name", "Service category", "Backup supplier", "Since", "Deposit")
    assert got[1][0] == "'=HYPERLINK(\"http://evil\")" and got[1][4] == 1200
    assert got[1][3].date().isoformat() == "2026-01-05"
    assert ws["A2"].data_type == "s"  # text, never a formula
    # what was exported imports back unchanged (labels as headers, formatted values, and without the
    # apostrophe that kept a spreadsheet from running a text: '=…, '+86 …, '-…)
    before = sorted((tuple(sorted(r.values.items())) for r in records(store_in)), key=str)
    with store_in() as store:
        for r in store.list("supplier").records:
            store.delete("supplier", r.id)
            store.purge("supplier", r.id)
    for exported in (out, xlsx):
        result = run_cli(database_url, "import", "supplier", str(exported), "--key", "name")
        assert result.exit_code == 0, result.output
        after = sorted((tuple(sorted(r.values.items())) for r in records(store_in)), key=str)
        assert after == before


# -- API -----------------------------------------------------------------------------------
def test_api_import_returns_the_report(api, types, store_in):
    resp = api.post("/api/v1/records/supplier/import",
                    data={"file": (io.BytesIO(supplier_workbook()), "suppliers.xlsx")},
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["created"] == 3 and body["committed"] and body["errors"] == []
    assert body["mapping"][0] == {"column": 1, "header": "供应商名称", "field": "name", "field_label": "Name",
                                  "reason": None}
    assert body["preview"][0]["record"]["fields"]["name"] == "洁净服务有限公司"
    assert len(records(store_in)) == 3


def test_api_import_refused_and_error_csv(api, types, store_in):
    data = csv_bytes([HEAD, ["A", "2026-01-05", "1", "保洁"], ["B", "2026-02-30", "x", "保洁"]])
    resp = api.post("/api/v1/records/supplier/import", data={"file": (io.BytesIO(data), "s.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 422
    body = resp.get_json()
    assert not body["ok"] and not body["committed"] and body["created"] == 0
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "Since"), (3, "Deposit")]
    assert records(store_in) == []
    resp = api.post("/api/v1/records/supplier/import?report=csv", data={"file": (io.BytesIO(data), "s.csv")},
                    content_type="multipart/form-data")
    assert resp.mimetype == "text/csv" and resp.data.startswith(b"\xef\xbb\xbfrow,column")
    resp = api.post("/api/v1/records/supplier/import",
                    data={"file": (io.BytesIO(data), "s.csv"), "skip_bad_rows": "1", "mapping": json.dumps({"Deposit": None})},
                    content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.get_json()["created"] == 1 and resp.get_json()["skipped"] == 1


def test_api_import_needs_a_file_and_a_token(api, types):
    resp = api.post("/api/v1/records/supplier/import", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"] == {"file": ["is required"]}
    resp = api.client.post("/api/v1/records/supplier/import")
    assert resp.status_code == 401


def test_api_infer_and_create_type(api, types):
    data = csv_bytes([["Site", "Date", "OK"], ["N", "2026-01-05", "yes"], ["S", "2026-01-06", "no"]])
    resp = api.post("/api/v1/import/infer", data={"file": (io.BytesIO(data), "x.csv"), "name": "site_check"},
                    content_type="multipart/form-data")
    assert resp.status_code == 200
    assert [f["type"] for f in resp.get_json()["fields"]] == ["text", "date", "boolean"]
    resp = api.post("/api/v1/records/site_check/import?create_type=1", data={"file": (io.BytesIO(data), "x.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["created"] == 2
    assert api.get("/api/v1/types/site_check").status_code == 200


def test_api_batch_all_or_nothing_and_skip(api, types, store_in):
    good = [{"fields": {"name": f"S{i}", "deposit": i}} for i in range(1000)]
    resp = api.post("/api/v1/records/supplier/batch", json={"records": good})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["created"] == 1000 and body["records"][999]["fields"]["name"] == "S999"
    assert api.post("/api/v1/records/supplier/batch", json={"records": good + good[:1]}).status_code == 422
    bad = [{"fields": {"name": "ok"}}, {"fields": {"deposit": "abc"}}, {"fields": {"name": "x", "nope": 1}}]
    resp = api.post("/api/v1/records/supplier/batch", json={"records": bad})
    assert resp.status_code == 422
    details = resp.get_json()["error"]["details"]["records"]
    assert [d["index"] for d in details] == [1, 2]
    assert details[0]["errors"]["name"] == ["is required"] and "not a number" in details[0]["errors"]["deposit"][0]
    assert len(records(store_in)) == 1000
    resp = api.post("/api/v1/records/supplier/batch", json={"records": bad, "skip_invalid": True})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["created"] == 1 and body["records"][1] is None and [e["index"] for e in body["errors"]] == [1, 2]


def test_api_export_filtered_sorted(api, types, store_in):
    with store_in() as store:
        for name, dep in (("A", 10), ("B", 3000), ("C", 2000), ("@SUM(1)", 5000)):
            store.create("supplier", {"name": name, "deposit": dep})
    resp = api.get("/api/v1/records/supplier/export", query_string={
        "format": "csv", "filter": json.dumps({"field": "deposit", "op": "gte", "value": 1000}), "sort": "-deposit",
        "fields": "name,deposit"})
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].endswith('supplier.csv"')
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows == [["Name", "Deposit"], ["'@SUM(1)", "¥5,000.00"], ["B", "¥3,000.00"], ["C", "¥2,000.00"]]
    resp = api.get("/api/v1/records/supplier/export?format=xlsx&lang=zh&sort=name")
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert [c.value for c in ws[1]][:2] == ["供应商名称", "服务类别"] and ws.title == "供应商"
    assert api.get("/api/v1/records/supplier/export?format=pdf").status_code == 400
    assert api.get("/api/v1/records/supplier/export?sort=nope").status_code == 400


def test_automation_rules_and_computed_fields_run_for_imported_records(api, types, store_in):
    rule = {"name": "big suppliers are backups", "type": "supplier", "enabled": True,
            "trigger": {"on": "record_created"}, "condition": {"field": "headcount", "op": "gt", "value": 10},
            "actions": [{"do": "update_record", "values": {"is_backup": True}}]}
    assert api.post("/api/v1/rules", json=rule).status_code == 201
    formula = {"name": "size", "label": "Size", "type": "formula",
               "options": {"expression": "IF({Headcount} > 10, 'big', 'small')"}}
    assert api.post("/api/v1/types/supplier/fields", json=formula).status_code == 201
    data = csv_bytes([["Name", "Headcount"], ["Big", "50"], ["Small", "3"]])
    resp = api.post("/api/v1/records/supplier/import", data={"file": (io.BytesIO(data), "s.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    got = {r.values["name"]: (r.values["is_backup"], r.values["size"]) for r in records(store_in)}
    assert got == {"Big": (True, "big"), "Small": (False, "small")}
    data = csv_bytes([["Name", "Headcount"], ["Big two", "60"]])
    resp = api.post("/api/v1/records/supplier/import", data={"file": (io.BytesIO(data), "s.csv"), "run_rules": "0"},
                    content_type="multipart/form-data")
    assert resp.status_code == 200
    assert {r.values["name"]: r.values["is_backup"] for r in records(store_in)}["Big two"] is False


def test_an_autonumber_is_a_key_to_update_exported_records(api, types, store_in, sessions):
    """An export's number column (an autonumber, written by Recordbase alone) matches the records
    to update; a number no record has is reported, never created under another number."""
    from recordbase.metamodel.service import MetamodelService

    with sessions.begin() as s:
        MetamodelService(s).add_field("contract", {"name": "contract_no", "label": "Contract no.", "label_zh": "合同编号",
                                                  "type": "autonumber", "options": {"pattern": "CT-{0000}"}})
    with store_in() as store:
        for title in ("Alpha", "Beta"):
            store.create("contract", {"title": title, "value": "100"})
    resp = api.get("/api/v1/records/contract/export", query_string={"format": "csv", "lang": "zh", "sort": "id"})
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    header = rows[0]
    assert "合同编号" in header and rows[1][header.index("合同编号")] == "CT-0001"
    rows[1][header.index("金额")] = "250"
    rows.append(list(rows[2]))
    rows[3][header.index("合同编号")] = "CT-9999"
    data = io.StringIO()
    csv.writer(data).writerows(rows)
    resp = api.post("/api/v1/records/contract/import?key=contract_no&skip_bad_rows=1",
                    data={"file": (io.BytesIO(data.getvalue().encode("utf-8-sig")), "c.csv")},
                    content_type="multipart/form-data")
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert (body["created"], body["updated"]) == (0, 2)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(4, "contract_no")]
    got = {r.values["contract_no"]: r.values["value"] for r in records(store_in, "contract")}
    assert got == {"CT-0001": 250, "CT-0002": 100}
