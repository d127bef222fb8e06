"""A 10 MB file streamed through the importer, and guessing a new type's fields."""
from __future__ import annotations

import tracemalloc
from datetime import date

from recordbase.dataio import ImportOptions, infer_fields, open_table, run_import

from .files import csv_bytes, xlsx_bytes


def test_a_10_mb_gbk_file_imports_in_one_go(store_in, tmp_path):
    note = "服务范围包括日常保洁、垃圾清运、绿化养护及突发事件响应，按月考核。" * 10  # ~330 characters
    rows = [["供应商名称", "合作开始日期", "保证金", "备选供应商", "备注"]]
    for i in range(16000):
        rows.append([f"供应商{i:05d}", f"2026/{i % 12 + 1}/{i % 28 + 1}", f"￥{i * 10:,}", "是" if i % 2 else "否", note])
    data = csv_bytes(rows, encoding="gbk")
    assert len(data) > 10 * 1024 * 1024
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    del data, rows
    tracemalloc.start()
    with store_in() as store:
        table = open_table(path)
        assert table.encoding == "gb18030" and table.estimated_rows >= 16000
        report = run_import(store, "supplier", table, ImportOptions(batch_size=2000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (report.rows, report.created, report.error_count) == (16000, 16000, 0)
    assert peak < 200 * 1024 * 1024  # streamed: far less than the decoded file held many times over
    with store_in() as store:
        assert store.count("supplier") == 16000
        last = store.list("supplier", sort="-id", limit=1).records[0]
    assert last.values["name"] == "供应商15999" and last.values["notes"] == note
    assert last.values["since"] == date(2026, 15999 % 12 + 1, 15999 % 28 + 1)


def test_infer_fields_from_messy_values():
    rows = [["名称", "Start", "Amount", "Rate", "Active", "Email", "Site", "Level", "Comment", "Count"],
            ["A", "2026-01-05", "¥1,200", "85%", "是", "a@x.cn", "https://a.cn", "high", "x" * 300, "3"],
            ["B", "2026/1/6", "¥300", "90%", "否", "b@x.cn", "http://b.cn", "low", "short", "4"],
            ["C", "2026年1月7日", "¥1", "5%", "是", "c@x.cn", "https://c.cn", "high", "", "5.5"],
            ["D", "", "¥2", "", "", "", "", "low", "", ""]]
    fields = infer_fields(open_table(csv_bytes(rows), "x.csv"))
    assert [(f["name"], f["type"]) for f in fields] == [
        ("field_1", "text"), ("start", "date"), ("amount", "currency"), ("rate", "percent"), ("active", "boolean"),
        ("email", "email"), ("site", "url"), ("level", "single_select"), ("comment", "long_text"), ("count", "number")]
    assert fields[0]["label_zh"] == "名称" and fields[2]["options"] == {"code": "CNY"}
    assert fields[7]["options"] == {"choices": ["high", "low"]}


def test_infer_from_native_xlsx_values():
    from datetime import datetime

    rows = [["When", "Qty", "Done"], [datetime(2026, 1, 5, 9, 30), 3, True], [datetime(2026, 1, 6, 10, 0), 4.5, False]]
    fields = infer_fields(open_table(xlsx_bytes(rows), "x.xlsx"))
    assert [f["type"] for f in fields] == ["datetime", "number", "boolean"]
