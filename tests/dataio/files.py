"""Builders of messy real-world files for the import tests."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any, Optional

from openpyxl import Workbook


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8", delimiter: str = ",", bom: bool = False) -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list[Any]], merges: tuple[str, ...] = (), cached: Optional[dict[str, Any]] = None,
               sheet: str = "Sheet1", extra_sheets: tuple[str, ...] = (), formats: Optional[dict[str, str]] = None,
               start_row: int = 1) -> bytes:
    """An XLSX workbook; ``cached`` gives formula cells ('F4') the value Excel would have saved."""
    wb = Workbook()
    for name in extra_sheets:
        other = wb.create_sheet(name)
        other.append(["Not this", "sheet"])
    ws = wb.active
    ws.title = sheet
    if extra_sheets:  # put the data sheet second, so that 'first sheet' and 'named sheet' differ
        wb.move_sheet(ws, offset=len(extra_sheets))
    for r, row in enumerate(rows, start=start_row):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    for fmt_cell, fmt in (formats or {}).items():
        ws[fmt_cell].number_format = fmt
    for m in merges:
        ws.merge_cells(m)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    if cached:
        data = _add_cached_values(data, cached)
    return data


def _add_cached_values(data: bytes, cached: dict[str, Any]) -> bytes:
    """openpyxl writes formulas without results; Excel files carry both. Add the results."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = content.decode("utf-8")
                for ref, value in cached.items():
                    text = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?',
                                  lambda m: f"{m.group(1)}{m.group(2)}<v>{value}</v>", text)
                content = text.encode("utf-8")
            dst.writestr(item, content)
    return out.getvalue()


SUPPLIER_HEADER_ZH = ["供应商名称", "服务类别", "备选供应商", "合作开始日期", "保证金", "人数", "准时率", "联系电话",
                      "联系邮箱", "负责人"]


def supplier_workbook() -> bytes:
    """The acceptance file: Chinese headers under a merged title, a two-row header with merged
    cells, dates written three ways, ¥ amounts, 是/否, a formula, an empty row."""
    rows = [
        ["2026 年供应商名单", None, None, None, None, None, None, None, None, None],
        ["供应商名称", "服务类别", "备选供应商", "合作开始日期", "保证金", "人数", "准时率", "联系方式", None, "负责人"],
        [None, None, None, None, None, None, None, "联系电话", "联系邮箱", None],
        ["洁净服务有限公司", "保洁", "否", date(2026, 1, 5), "¥1,200", 12, "85%", 13800138000, "a@clean.cn", "李伟"],
        ["美味餐饮", "餐饮", "是", "2026/1/5", "￥3,500.50", "=10+5", "90%", "021-5555 1234", "b@food.cn",
         "li.wei@example.com"],
        [None, None, None, None, None, None, None, None, None, None],
        ["快运物流", "Logistics", "✓", "2026年1月5日", 1200, "１５", 0.95, None, None, None],
    ]
    merges = ("A1:J1", "H2:I2") + tuple(f"{c}2:{c}3" for c in "ABCDEFGJ")
    return xlsx_bytes(rows, merges=merges, cached={"F5": 15}, formats={"G7": "0%"})
