"""The issue's acceptance, on the outsourcing pack's own types: a Chinese supplier list imports with
no manual fixes, re-importing with a key updates, a contract file with one impossible date is
refused whole with that row and column named."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest

from recordbase.auth import create_user
from recordbase.dataio import ImportOptions, open_table, run_import
from recordbase.metamodel.runtime import load_schema, read_version
from recordbase.packs import catalog
from recordbase.packs.installer import install
from recordbase.storage import RecordStore

from .files import xlsx_bytes

SUPPLIERS = [
    ["供应商名单（2026）"] + [None] * 11,
    ["名称", "服务类别", "状态", "备选供应商", "统一社会信用代码", "从业年限", "人员规模", "资质认证", "联系人", "联系电话",
     "联系邮箱", "供应商负责人"],
    ["华洁保洁服务有限公司", "保洁", "潜在", "否", "91310000MA1FL0001X", "８", "=100+20", "ISO 9001、ISO 14001", "王芳",
     13800138000, "wang@huajie.cn", "采购经理"],
    [None] * 12,
    ["味美餐饮管理有限公司", "餐饮", "潜在", "是", "91310000MA1FL0002Y", 12, 300, "ISO 9001", "李强", "021-6666 8888",
     "li@weimei.cn", "buyer@example.com"],
    ["速达物流", "物流", "潜在", "✓", "91310000MA1FL0003Z", "5", "1,200", "", "赵磊", "", "", ""],
]
CONTRACTS = [
    ["合同名称", "供应商", "开始日期", "结束日期"],
    ["保洁服务合同", "华洁保洁服务有限公司", date(2026, 1, 5), "2026/12/31"],
    ["餐饮服务合同", "味美餐饮管理有限公司", "2026年1月5日", "2027-01-04"],
    ["物流合同", "速达物流", "2026-02-30", "2026-12-31"],
]


@pytest.fixture
def pack(sessions):
    with sessions.begin() as s:
        create_user(s, "buyer@example.com", None, role="editor", display_name="采购经理")
        install(s, next(p for p in catalog() if p.id == "outsourcing"))

    @contextmanager
    def store_in():
        with sessions.begin() as s:
            yield RecordStore(s, load_schema(s, read_version(s)))

    return store_in


def test_supplier_list_imports_into_the_pack_and_reimports_as_updates(pack):
    with pack() as store:
        report = run_import(store, "supplier", open_table(xlsx_bytes(SUPPLIERS, merges=("A1:L1",), cached={"G3": 120}),
                                                          "供应商.xlsx"))
    assert report.committed and (report.created, report.error_count) == (3, 0), report.to_json()
    assert all(m.field is not None for m in report.mapping)
    with pack() as store:
        got = {r.values["name"]: r.values for r in store.list("supplier", limit=10).records}
    hj = got["华洁保洁服务有限公司"]
    # (the supplier workflow: new suppliers start as prospects, their admission is a transition)
    assert (hj["service_category"], hj["status"], hj["is_backup"]) == ("cleaning", "prospect", False)
    assert hj["years_experience"] == 8 and hj["headcount"] == 120 and hj["contact_phone"] == "13800138000"
    assert len(hj["certifications"]) == 2 and hj["manager"] is not None
    assert got["速达物流"]["is_backup"] is True and got["速达物流"]["headcount"] == 1200
    with pack() as store:
        again = run_import(store, "supplier", open_table(xlsx_bytes(SUPPLIERS, cached={"G3": 120}), "供应商.xlsx"),
                           ImportOptions(key="统一社会信用代码"))
    assert (again.created, again.updated) == (0, 3)
    with pack() as store:
        assert store.count("supplier") == 3


def test_contract_file_with_one_impossible_date_is_refused_whole(pack):
    with pack() as store:
        run_import(store, "supplier", open_table(xlsx_bytes(SUPPLIERS, cached={"G3": 120}), "供应商.xlsx"))
    with pack() as store:
        report = run_import(store, "contract", open_table(xlsx_bytes(CONTRACTS), "合同.xlsx"))
    assert not report.ok and not report.committed
    assert [(e.row, e.column, e.value) for e in report.errors] == [(4, "开始日期", "2026-02-30")]
    with pack() as store:
        assert store.count("contract") == 0
        report = run_import(store, "contract", open_table(xlsx_bytes(CONTRACTS[:3]), "合同.xlsx"))
    assert report.created == 2, report.to_json()
    with pack() as store:
        rows = {r.values["title"]: r.values for r in store.list("contract", limit=10).records}
    assert rows["餐饮服务合同"]["start_date"] == date(2026, 1, 5) and rows["保洁服务合同"]["end_date"] == date(2026, 12, 31)
    assert rows["保洁服务合同"]["contract_no"].startswith("CT-")  # autonumbers given by the batch write
