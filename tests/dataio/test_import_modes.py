"""All-or-nothing and skip modes, the error report, dry run and preview, upsert, links by name."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from recordbase.dataio import ImportOptions, open_table, run_import
from recordbase.errors import ValidationError

from .helpers import records
from .files import csv_bytes, xlsx_bytes

BAD_FILE = [
    ["供应商名称", "合作开始日期", "保证金", "服务类别", "联系邮箱"],
    ["好公司一", "2026-01-05", "¥1,200", "保洁", "a@x.cn"],
    ["坏日期公司", "2026-02-30", "100", "餐饮", "b@x.cn"],
    ["好公司二", "2026/3/1", "200", "物流", "c@x.cn"],
    ["", "2026-03-02", "abc", "园艺", "not-an-email"],
    ["好公司三", "2026年4月1日", "300", "其他", ""],
]


def test_one_impossible_date_refuses_the_whole_file(store_in):
    rows = [BAD_FILE[0], BAD_FILE[1], BAD_FILE[2], BAD_FILE[3]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(xlsx_bytes(rows), "s.xlsx"))
    assert not report.ok and not report.committed
    assert [(e.row, e.column, e.value) for e in report.errors] == [(3, "合作开始日期", "2026-02-30")]
    assert "not a real date" in report.errors[0].reason
    assert "Nothing was imported" in report.summary()
    assert records(store_in) == []  # nothing written, not even the good rows


def test_error_report_names_every_problem_with_row_and_column(store_in):
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(BAD_FILE), "s.csv"))
    assert records(store_in) == []
    got = sorted((e.row, e.column, e.value) for e in report.errors)
    assert got == sorted([(3, "合作开始日期", "2026-02-30"), (5, "保证金", "abc"), (5, "服务类别", "园艺"),
                          (5, "供应商名称", ""), (5, "联系邮箱", "not-an-email")])
    assert report.bad_rows == {3, 5} and report.error_count == 5
    reasons = {e.column: e.reason for e in report.errors if e.row == 5}
    assert reasons["供应商名称"] == "is required" and "not a number" in reasons["保证金"]
    # the downloadable CSV holds the same rows
    text = report.errors_csv()
    assert text.startswith("\ufeffrow,column,field,value,reason")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted((int(r[0]), r[1]) for r in parsed[1:]) == sorted((e.row, e.column) for e in report.errors)


def test_skip_bad_rows_writes_the_good_ones_and_reports_the_skipped(store_in):
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(BAD_FILE), "s.csv"),
                            ImportOptions(skip_bad_rows=True))
    assert report.ok and report.committed
    assert (report.rows, report.created, report.skipped) == (5, 3, 2)
    assert sorted(r.values["name"] for r in records(store_in)) == ["好公司一", "好公司三", "好公司二"]
    assert {e.row for e in report.errors} == {3, 5}
    assert "2 rows skipped" in report.summary()


def test_dry_run_writes_nothing_and_previews_rows_as_stored(store_in):
    rows = BAD_FILE[:2] + BAD_FILE[3:4]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"), ImportOptions(dry_run=True))
    assert report.ok and not report.committed and report.created == 2
    assert records(store_in) == []
    first = report.preview[0]
    assert first["row"] == 2 and first["action"] == "create"
    assert first["record"]["fields"]["deposit"] == 1200 and first["record"]["fields"]["since"] == "2026-01-05"
    assert first["record"]["fields"]["service_category"] == "cleaning"
    assert "dry run" in report.summary()


def test_unique_values_are_checked_within_the_file_and_against_stored_records(store_in):
    with store_in() as store:
        store.create("supplier", {"name": "Old", "credit_code": "C-1"})
    rows = [["Name", "Credit code"], ["A", "C-1"], ["B", "C-2"], ["C", "C-2"], ["D", "C-3"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"), ImportOptions(skip_bad_rows=True))
    assert report.created == 2
    assert [(e.row, e.column) for e in report.errors] == [(2, "Credit code"), (4, "Credit code")]  # in row order
    assert report.errors[0].reason == "must be unique: this value is already taken"  # no stored record's id
    assert report.errors[1].reason == "must be unique: row 3 has the same value"  # the file's row, not the batch's


def test_upsert_with_a_key_updates_instead_of_duplicating(store_in):
    first = [["Name", "Credit code", "Headcount", "Deposit"], ["A", "K1", "1", "100"], ["B", "K2", "2", "200"]]
    with store_in() as store:
        assert run_import(store, "supplier", open_table(csv_bytes(first), "s.csv"), ImportOptions(key="credit_code")).created == 2
    again = [["统一社会信用代码", "供应商名称", "人数"], ["K2", "B renamed", "20"], ["K3", "C", "3"], ["K1", "A", ""]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(again), "s.csv"),
                            ImportOptions(key="统一社会信用代码"))
    assert (report.created, report.updated) == (1, 2), report.to_json()
    got = {r.values["credit_code"]: r.values for r in records(store_in)}
    assert len(got) == 3 and len(records(store_in)) == 3
    assert got["K2"]["name"] == "B renamed" and got["K2"]["headcount"] == 20
    assert got["K2"]["deposit"] == Decimal("200.00")  # a column not in the file is left alone
    assert got["K1"]["headcount"] is None  # a blank cell clears the value
    # the same key twice in one file: the second row updates what the first created
    twice = [["Name", "Credit code", "Headcount"], ["D", "K4", "1"], ["D2", "K4", "2"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(twice), "s.csv"), ImportOptions(key="credit_code"))
    assert (report.created, report.updated) == (1, 1)
    got = {r.values["credit_code"]: r.values for r in records(store_in)}
    assert got["K4"]["name"] == "D2" and got["K4"]["headcount"] == 2


def test_upsert_key_by_name(store_in):
    with store_in() as store:
        run_import(store, "supplier", open_table(csv_bytes([["Name", "Headcount"], ["A", "1"]]), "s.csv"))
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes([["Name", "Headcount"], ["A", "5"]]), "s.csv"),
                            ImportOptions(key="name"))
    assert (report.created, report.updated) == (0, 1)
    assert [r.values["headcount"] for r in records(store_in)] == [5]


def test_links_by_primary_field_and_the_errors_of_unknown_names(store_in):
    with store_in() as store:
        run_import(store, "supplier", open_table(csv_bytes([["Name"], ["甲公司"], ["乙公司"], ["乙公司"]]), "s.csv"))
    rows = [["Title", "Supplier"], ["C1", "甲公司"], ["C2", "丁公司"], ["C3", "乙公司"], ["C4", "#1"]]
    with store_in() as store:
        report = run_import(store, "contract", open_table(csv_bytes(rows), "c.csv"), ImportOptions(skip_bad_rows=True))
    assert report.created == 2
    errs = {(e.row, e.column): e.reason for e in report.errors}
    assert errs[(3, "Supplier")] == "no supplier record named '丁公司'"
    assert "names 2 supplier records" in errs[(4, "Supplier")]
    got = {r.values["title"]: r.values["supplier"] for r in records(store_in, "contract")}
    assert got == {"C1": 1, "C4": 1}


def test_mapping_is_editable(store_in):
    rows = [["Company", "People", "Since"], ["A", "3", "2026-01-01"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"),
                            ImportOptions(mapping={"Company": "name", "People": "人数", "Since": None}))
    assert report.created == 1
    assert [(m.header, m.field.name if m.field else None) for m in report.mapping] == [
        ("Company", "name"), ("People", "headcount"), ("Since", None)]
    r = records(store_in)[0]
    assert r.values["headcount"] == 3 and r.values["since"] is None
    with store_in() as store, pytest.raises(ValidationError, match="no field 'nope'"):
        run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"), ImportOptions(mapping={"Company": "nope"}))


def test_a_file_without_the_required_column_is_refused_up_front(store_in):
    with store_in() as store, pytest.raises(ValidationError, match="no column for the required field"):
        run_import(store, "supplier", open_table(csv_bytes([["Headcount"], ["3"]]), "s.csv"))


def test_progress_is_reported(store_in):
    rows = [["Name", "Headcount"]] + [[f"S{i}", str(i)] for i in range(2500)]
    seen = []
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"),
                            ImportOptions(batch_size=1000), progress=lambda done, total: seen.append((done, total)))
    assert report.created == 2500
    assert [d for d, _ in seen] == [1000, 2000, 2500, 2500]
    assert seen[0][1] >= 2500  # the estimate from the file


def test_events_are_emitted_for_imported_records_and_dropped_on_rollback(store_in):
    rows = [["Name"], ["A"], ["B"]]
    with store_in() as store:
        run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"))
        assert [(e.action, e.after["name"]) for e in store.events] == [("create", "A"), ("create", "B")]
    with store_in() as store:
        run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"), ImportOptions(dry_run=True))
        assert store.events == []
    with store_in() as store:
        engine = store.rule_engine
        run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"), ImportOptions(run_rules=False))
        assert len(store.events) == 2 and store.rule_engine is engine  # history still sees them; rules did not run
