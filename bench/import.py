"""Import speed and memory against raw SQL (issue 7, deliverable 6).

    python bench/import.py                 # 100,000 rows x 10 columns, CSV and XLSX, temporary SQLite file
    python bench/import.py --rows 20000    # smaller
    python bench/import.py --database-url postgresql://postgres@127.0.0.1:5432/bench

It writes a CSV and an XLSX file of N rows x 10 columns of the kinds business files hold
(Chinese text, '¥1,200' amounts, dates written 2026/1/5 and 2026年1月5日, 是/否, choices by
Chinese label, e-mails, 85% rates), then, each in a fresh child process so that its peak
memory is its own, measures:

(a) ``recordbase import``'s engine (:func:`recordbase.dataio.run_import`: read, map, parse,
    validate through the field types, write through ``RecordStore.create_many``, one
    transaction) on the CSV and on the XLSX file;
(b) the raw rate: the same rows, already parsed into Python values, inserted with SQLAlchemy
    Core ``executemany`` into a hand-made table of the same shape, in one transaction.

It prints rows/s, the ratio import/raw, and the child's peak resident memory
(``resource.ru_maxrss``), against the targets: CSV < 20 s, XLSX < 60 s, memory < 500 MB.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

TARGET_CSV_S = 20.0
TARGET_XLSX_S = 60.0
TARGET_MB = 500.0

CHOICES = [("cleaning", "保洁"), ("catering", "餐饮"), ("logistics", "物流"), ("it_support", "IT运维"),
           ("translation", "翻译")]
HEADERS = ["供应商名称", "服务类别", "合作开始日期", "保证金", "人数", "准时率", "备选供应商", "联系邮箱", "评分", "备注"]


def type_definition(name: str) -> dict:
    return {"name": name, "label": f"Bench {name}", "label_zh": "导入基准", "primary_field": "name", "fields": [
        {"name": "name", "label": "Name", "label_zh": "供应商名称", "type": "text", "required": True},
        {"name": "category", "label": "Category", "label_zh": "服务类别", "type": "single_select",
         "options": {"choices": [{"value": v, "label": v.title(), "label_zh": z} for v, z in CHOICES]}},
        {"name": "since", "label": "Since", "label_zh": "合作开始日期", "type": "date"},
        {"name": "deposit", "label": "Deposit", "label_zh": "保证金", "type": "currency", "options": {"code": "CNY"}},
        {"name": "headcount", "label": "Headcount", "label_zh": "人数", "type": "number"},
        {"name": "on_time", "label": "On time", "label_zh": "准时率", "type": "percent"},
        {"name": "is_backup", "label": "Backup", "label_zh": "备选供应商", "type": "boolean"},
        {"name": "email", "label": "Email", "label_zh": "联系邮箱", "type": "email"},
        {"name": "stars", "label": "Stars", "label_zh": "评分", "type": "rating", "options": {"max": 5}},
        {"name": "notes", "label": "Notes", "label_zh": "备注", "type": "long_text"},
    ]}


def make_rows(n: int, seed: int = 7):
    rnd = random.Random(seed)
    start = date(2020, 1, 1)
    for i in range(n):
        d = start + timedelta(days=rnd.randrange(2500))
        form = i % 3
        ds = d.isoformat() if form == 0 else (f"{d.year}/{d.month}/{d.day}" if form == 1 else f"{d.year}年{d.month}月{d.day}日")
        amount = rnd.randrange(100, 10_000_000) / 100
        yield [f"供应商{i:06d} 服务有限公司", CHOICES[i % 5][1], ds, f"¥{amount:,.2f}", str(rnd.randrange(1, 500)),
               f"{rnd.randrange(50, 100)}%", "是" if i % 4 == 0 else "否", f"contact{i}@example.cn",
               str(rnd.randrange(0, 6)), "合同备注 " * rnd.randrange(0, 8)]


def parsed_rows(n: int):
    """The same rows as Python values (what the raw insert gets: no parsing at all)."""
    rnd = random.Random(7)
    start = date(2020, 1, 1)
    for i in range(n):
        d = start + timedelta(days=rnd.randrange(2500))
        amount = Decimal(rnd.randrange(100, 10_000_000)) / 100
        yield {"name": f"供应商{i:06d} 服务有限公司", "category": CHOICES[i % 5][0], "since": d, "deposit": amount,
               "headcount": float(rnd.randrange(1, 500)), "on_time": float(rnd.randrange(50, 100)),
               "is_backup": i % 4 == 0, "email": f"contact{i}@example.cn", "stars": rnd.randrange(0, 6),
               "notes": "合同备注 " * rnd.randrange(0, 8)}


def write_csv(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(make_rows(n))


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("供应商")
    ws.append(HEADERS)
    for row in make_rows(n):
        ws.append(row)
    wb.save(path)
    _add_dimension(path, f"A1:J{n + 1}")


def _add_dimension(path: Path, ref: str) -> None:
    """Excel (and openpyxl's normal mode) write the sheet's <dimension>; write-only mode does not,
    and openpyxl then scans the whole sheet on opening it. Make the file look as Excel saves it."""
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and b"<dimension" not in data[:2000]:
                data = data.replace(b"<sheetViews>", f'<dimension ref="{ref}" /><sheetViews>'.encode(), 1)
            dst.writestr(item, data)
    tmp.replace(path)


# -- children ------------------------------------------------------------------------------------
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_import(url: str, type_name: str, path: str) -> dict:
    from recordbase.dataio import ImportOptions, open_table, run_import
    from recordbase.db import make_engine, make_sessionmaker
    from recordbase.metamodel.runtime import load_schema, read_version
    from recordbase.storage import RecordStore

    engine = make_engine(url)
    base_mb = _peak_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    with make_sessionmaker(engine).begin() as session:
        store = RecordStore(session, load_schema(session, read_version(session)))
        table = open_table(path)
        report = run_import(store, type_name, table, ImportOptions(batch_size=1000))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "rows": report.rows, "created": report.created, "errors": report.error_count,
            "first_errors": [e.to_json() for e in report.errors[:3]], "peak_mb": _peak_mb(), "base_mb": base_mb}


def child_raw(url: str, n: int) -> dict:
    from sqlalchemy import (Boolean, Column, Date, DateTime, Float, Integer, MetaData, Numeric, String, Table, Text,
                            insert)

    from recordbase.db import make_engine

    engine = make_engine(url)
    md = MetaData()
    t = Table(f"bench_raw_{os.getpid()}", md, Column("id", Integer, primary_key=True),
              Column("version", Integer), Column("created_at", DateTime), Column("updated_at", DateTime),
              Column("created_by", Integer), Column("updated_by", Integer), Column("deleted_at", DateTime),
              Column("name", String(255)), Column("category", String(100)), Column("since", Date),
              Column("deposit", Numeric(20, 2)), Column("headcount", Float), Column("on_time", Float),
              Column("is_backup", Boolean), Column("email", String(255)), Column("stars", Integer), Column("notes", Text))
    md.create_all(engine)
    from datetime import datetime

    now = datetime.utcnow()
    rows = [dict(r, version=1, created_at=now, updated_at=now, created_by=None, updated_by=None, deleted_at=None)
            for r in parsed_rows(n)]
    t0, c0 = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        for i in range(0, len(rows), 1000):
            conn.execute(insert(t), rows[i:i + 1000])
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    md.drop_all(engine)
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "rows": n, "peak_mb": _peak_mb()}


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        res = child_import(rest[0], rest[1], rest[2]) if kind == "import" else child_raw(rest[0], int(rest[1]))
        print(json.dumps(res))
        return

    from recordbase.database_setup import upgrade_database
    from recordbase.db import make_engine, make_sessionmaker
    from recordbase.metamodel.service import MetamodelService

    work = Path(tempfile.mkdtemp(prefix="rb-import-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    n = args.rows
    try:
        engine = make_engine(url)
        upgrade_database(engine)
        with make_sessionmaker(engine).begin() as s:
            svc = MetamodelService(s)
            for name in ("bench_csv", "bench_xlsx"):
                svc.create_type(type_definition(name))
        engine.dispose()
        csv_path, xlsx_path = work / "suppliers.csv", work / "suppliers.xlsx"
        t0 = time.perf_counter()
        write_csv(csv_path, n)
        write_xlsx(xlsx_path, n)
        print(f"Recordbase import benchmark: {n:,} rows x 10 columns on {url.split(':')[0]}"
              f" (files written in {time.perf_counter() - t0:.1f} s: CSV {csv_path.stat().st_size / 1e6:.1f} MB,"
              f" XLSX {xlsx_path.stat().st_size / 1e6:.1f} MB)")
        raw = run_child("raw", url, str(n))
        raw_rate = n / raw["seconds"]
        print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times grow with other work on the"
              f" machine; CPU seconds do not)")
        print(f"  raw executemany (parsed values)   {raw['seconds']:7.2f} s  ({raw['cpu']:6.2f} s CPU)"
              f"  {raw_rate:9,.0f} rows/s")
        ok = True
        for kind, path, target in (("CSV", csv_path, TARGET_CSV_S), ("XLSX", xlsx_path, TARGET_XLSX_S)):
            res = run_child("import", url, f"bench_{kind.lower()}", str(path))
            if res["created"] != n:
                print(f"  {kind}: only {res['created']} of {n} rows imported; first problems: {res['first_errors']}")
                ok = False
            rate = n / res["seconds"]
            within = res["seconds"] < target * n / 100_000 and res["peak_mb"] < TARGET_MB
            ok &= within
            print(f"  import {kind:<4} (read+parse+validate+write) {res['seconds']:7.2f} s  ({res['cpu']:6.2f} s CPU)"
                  f"  {rate:9,.0f} rows/s"
                  f"  ratio {rate / raw_rate:5.2f}x raw  peak memory {res['peak_mb']:6.0f} MB"
                  f"  [target < {target * n / 100_000:.0f} s, < {TARGET_MB:.0f} MB: {'ok' if within else 'MISSED'}]")
        print("All targets met." if ok else "Some targets were missed.")
    finally:
        if not args.database_url:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
