"""Importing messy real-world files: the acceptance supplier list, encodings, delimiters, XLSX quirks."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recordbase.dataio import ImportOptions, open_table, run_import
from recordbase.dataio.readers import ReadError

from .helpers import records
from .files import csv_bytes, supplier_workbook, xlsx_bytes


def test_acceptance_supplier_workbook_imports_without_fixes(store_in):
    table = open_table(supplier_workbook(), "suppliers.xlsx")
    assert table.headers == ["供应商名称", "服务类别", "备选供应商", "合作开始日期", "保证金", "人数", "准时率",
                             "联系方式 联系电话", "联系方式 联系邮箱", "负责人"]
    with store_in() as store:
        report = run_import(store, "supplier", table)
    assert report.ok and report.committed, report.to_json()
    assert (report.rows, report.created, report.error_count) == (3, 3, 0)
    assert all(m.field is not None for m in report.mapping)
    got = {r.values["name"]: r.values for r in records(store_in)}
    clean, food, logi = got["洁净服务有限公司"], got["美味餐饮"], got["快运物流"]
    assert clean["since"] == food["since"] == logi["since"] == date(2026, 1, 5)
    assert clean["deposit"] == Decimal("1200.00") and food["deposit"] == Decimal("3500.50")
    assert logi["deposit"] == Decimal("1200.00")
    assert (clean["is_backup"], food["is_backup"], logi["is_backup"]) == (False, True, True)
    assert (clean["service_category"], food["service_category"], logi["service_category"]) == (
        "cleaning", "catering", "logistics")
    assert food["headcount"] == 15  # a formula: its cached value
    assert logi["headcount"] == 15  # full-width digits
    assert (clean["on_time"], food["on_time"], logi["on_time"]) == (85, 90, 95)  # 0.95 in a % cell is 95 %
    assert clean["contact_phone"] == "13800138000" and food["contact_phone"] == "021-5555 1234"
    assert clean["manager"] == food["manager"] is not None and logi["manager"] is None  # by name and by e-mail


def test_error_rows_are_the_file_rows(store_in):
    """Row numbers are those Excel shows (title and two header rows above; an empty row skipped)."""
    table = open_table(supplier_workbook(), "s.xlsx")
    rows = list(table.rows())
    assert [n for n, _ in rows] == [4, 5, 7]


@pytest.mark.parametrize("encoding,bom,delimiter", [
    ("utf-8", False, ","), ("utf-8", True, ","), ("gbk", False, ","), ("gb18030", False, ";"),
    ("utf-8", True, "\t"), ("gbk", False, "\t"), ("utf-8", False, ";"),
])
def test_csv_encodings_and_delimiters(store_in, encoding, bom, delimiter):
    rows = [["供应商名称", "服务类别", "保证金", "合作开始日期", "备选供应商"],
            ["华东保洁", "保洁", "￥1,200", "2026年1月5日", "是"],
            ["北方餐饮; 分公司", "餐饮", "3,500.5", "2026/1/6", "否"]]
    data = csv_bytes(rows, encoding=encoding, delimiter=delimiter, bom=bom)
    table = open_table(data, "s.csv")
    assert table.delimiter == delimiter
    assert table.headers[0] == "供应商名称"
    with store_in() as store:
        report = run_import(store, "supplier", table)
    assert report.created == 2, report.to_json()
    got = {r.values["name"]: r.values for r in records(store_in)}
    assert got["华东保洁"]["deposit"] == Decimal("1200.00") and got["华东保洁"]["is_backup"] is True
    assert got["北方餐饮; 分公司"]["since"] == date(2026, 1, 6)


def test_gbk_file_is_decoded_not_mangled():
    data = csv_bytes([["名称", "备注"], ["上海洁净", "含税价格￥"]], encoding="gbk")
    table = open_table(data, "x.csv")
    assert table.encoding == "gb18030"
    assert list(table.rows()) == [(2, ["上海洁净", "含税价格￥"])]


def test_full_width_digits_and_amount_forms(store_in):
    rows = [["Name", "Deposit", "Headcount", "On-time rate"],
            ["A", "￥１，２００", "１２", "８５％"],
            ["B", "CNY 2,000.00", "1,234", "0.5%"],
            ["C", "(300)", "  7 ", "100%"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "x.csv"))
    assert report.created == 3, report.to_json()
    got = {r.values["name"]: r.values for r in records(store_in)}
    assert got["A"]["deposit"] == Decimal("1200.00") and got["A"]["headcount"] == 12 and got["A"]["on_time"] == 85
    assert got["B"]["deposit"] == Decimal("2000.00") and got["B"]["headcount"] == 1234
    assert got["C"]["deposit"] == Decimal("-300.00") and got["C"]["headcount"] == 7


@pytest.mark.parametrize("order,expected", [("dmy", date(2026, 1, 5)), ("mdy", date(2026, 5, 1))])
def test_ambiguous_dates_follow_the_declared_order(store_in, order, expected):
    rows = [["Name", "Since"], ["A", "05/01/2026"], ["B", "25/12/2026"], ["C", "12/25/2026"], ["D", "2026-03-04"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "x.csv"), ImportOptions(date_order=order))
    assert report.created == 4, report.to_json()
    got = {r.values["name"]: r.values["since"] for r in records(store_in)}
    assert got == {"A": expected, "B": date(2026, 12, 25), "C": date(2026, 12, 25), "D": date(2026, 3, 4)}


def test_ambiguous_date_without_a_declared_order_is_refused(store_in):
    rows = [["Name", "Since"], ["A", "05/01/2026"], ["B", "25/12/2026"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "x.csv"))
    assert not report.ok and not report.committed and report.created == 0
    assert [(e.row, e.column, e.value) for e in report.errors] == [(2, "Since", "05/01/2026")]
    assert "day-first or month-first" in report.errors[0].reason


def test_excel_serial_dates_and_compact_dates(store_in):
    rows = [["Name", "Since"], ["A", 46027], ["B", "46028"], ["C", "20260107"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(xlsx_bytes(rows), "x.xlsx"))
    assert report.created == 3, report.to_json()
    got = {r.values["name"]: r.values["since"] for r in records(store_in)}
    assert got == {"A": date(2026, 1, 5), "B": date(2026, 1, 6), "C": date(2026, 1, 7)}


def test_named_sheet_and_first_sheet(store_in):
    data = xlsx_bytes([["Name", "Headcount"], ["Only here", 3]], sheet="Suppliers", extra_sheets=("Notes",))
    first = open_table(data, "x.xlsx")
    assert first.sheet == "Notes" and first.sheets == ["Notes", "Suppliers"]
    table = open_table(data, "x.xlsx", sheet="suppliers")
    assert table.sheet == "Suppliers"
    with store_in() as store:
        assert run_import(store, "supplier", table).created == 1
    with pytest.raises(ReadError, match="no sheet named 'Missing'"):
        open_table(data, "x.xlsx", sheet="Missing")


def test_not_a_workbook_is_a_clear_error():
    with pytest.raises(ReadError, match="not a readable .xlsx"):
        open_table(b"PK\x03\x04 not really a zip", "x.xlsx")


def test_empty_rows_and_trailing_empty_columns_are_ignored(store_in):
    rows = [["Name", "Headcount", "", ""], ["", "", "", ""], ["A", "1", "", ""], [",", "", "", ""], ["B", "2", "", ""],
            ["", "", "", ""]]
    data = csv_bytes([r for r in rows if r != [",", "", "", ""]])
    table = open_table(data, "x.csv")
    assert table.headers == ["Name", "Headcount"]
    with store_in() as store:
        report = run_import(store, "supplier", table)
    assert (report.rows, report.created) == (2, 2)


def test_multi_select_and_many_links_split_on_chinese_separators(store_in):
    with store_in() as store:
        run_import(store, "supplier", open_table(csv_bytes([["Name"], ["甲公司"], ["乙公司"], ["丙, 有限公司"]]), "s.csv"))
    rows = [["合同名称", "供应商", "备选", "金额"],
            ["C1", "甲公司", "乙公司、丙, 有限公司", "¥10,000"],
            ["C2", " 乙公司 ", "甲公司；乙公司", "20000"]]
    with store_in() as store:
        report = run_import(store, "contract", open_table(csv_bytes(rows), "c.csv"))
    assert report.created == 2, report.to_json()
    ids = {r.values["name"]: r.id for r in records(store_in)}
    got = {r.values["title"]: r.values for r in records(store_in, "contract")}
    assert got["C1"]["supplier"] == ids["甲公司"]
    assert got["C1"]["backups"] == [ids["乙公司"], ids["丙, 有限公司"]]
    assert got["C2"]["supplier"] == ids["乙公司"] and got["C2"]["backups"] == [ids["甲公司"], ids["乙公司"]]
    rows = [["Name", "Certifications"], ["X", "ISO 9001、CMMI"], ["Y", "iso 27001\nISO 14001"]]
    with store_in() as store:
        report = run_import(store, "supplier", open_table(csv_bytes(rows), "s.csv"))
    assert report.created == 2, report.to_json()
    got = {r.values["name"]: r.values for r in records(store_in)}
    assert got["X"]["certifications"] == ["ISO 9001", "CMMI"]
    assert got["Y"]["certifications"] == ["ISO 27001", "ISO 14001"]


def test_a_formula_without_a_saved_result_is_refused_with_its_cell(store_in):
    """openpyxl and other libraries write formulas without calculating them: such a cell is not an empty value."""
    data = xlsx_bytes([["供应商名称", "人数"], ["甲", 3], ["乙", "=B2*5"], ["丙", "=B2*2"]], cached={"B4": 6})
    table = open_table(data, "s.xlsx")
    with store_in() as store:
        report = run_import(store, "supplier", table)
    assert not report.ok and not report.committed and records(store_in) == []
    [error] = report.errors
    assert (error.row, error.column, error.field, error.value) == (3, "人数", "headcount", "=B2*5")
    assert "no calculated result" in error.reason
    with store_in() as store:  # skipping bad rows imports the others, the cached result included
        report = run_import(store, "supplier", open_table(data, "s.xlsx"), ImportOptions(skip_bad_rows=True))
    assert report.committed and sorted((r.values["name"], r.values["headcount"]) for r in records(store_in)) == \
        [("丙", 6), ("甲", 3)]
