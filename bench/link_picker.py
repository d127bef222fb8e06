"""The link picker's search (``admin/records/picker.py``) on a target type of 10k to 1M records.

Each size: the records are loaded through ``RecordStore.create_many``; then the picker's searches
are timed (median of repeated runs) against the same SELECT written by hand in raw SQL on the
same table (the floor any implementation meets), and the ratio printed:

- ``first page``: an empty search, the first 20 targets by id;
- ``next page``: the page after a cursor (keyset: as fast as the first);
- ``common text``: text most titles contain (the first 20 matches by id come at once);
- ``last record``: the title of the very last record (a substring search reads every title:
  the one search whose time grows with the table).

Run: ``python bench/link_picker.py [--sizes 10000,100000,1000000] [--database-url URL]``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from bench_app import bench_app, release  # noqa: E402
from recordbase.admin.records.picker import PAGE, search_page  # noqa: E402
from recordbase.metamodel.runtime import load_schema, read_version  # noqa: E402
from recordbase.metamodel.service import MetamodelService  # noqa: E402
from recordbase.storage import RecordStore  # noqa: E402

CHUNK = 20_000


def timed(fn, repeat: int = 7) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1000


def load(plat, n: int) -> str:
    name = f"target_{n}"
    with plat.sessions.begin() as s:
        MetamodelService(s).create_type({"name": name, "label": "Target", "primary_field": "title", "fields": [
            {"name": "title", "label": "Title", "type": "text", "indexed": True},
            {"name": "note", "label": "Note", "type": "text"}]})
    for start in range(0, n, CHUNK):
        with plat.sessions.begin() as s:
            store = RecordStore(s, load_schema(s, read_version(s)))
            store.create_many(name, [{"title": f"Supplier {i:07d}", "note": "x"}
                                     for i in range(start + 1, min(n, start + CHUNK) + 1)])
    with plat.engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.execute(text("ANALYZE"))
    return name


def run(plat, n: int) -> None:
    name = load(plat, n)
    with plat.sessions() as s:
        store = RecordStore(s, load_schema(s, read_version(s)))
        typedef = store.type(name)
        table, col = typedef.table.name, typedef.field("title").column_name
        deep_cursor = search_page(store, name, "Supplier 0")[1]  # the second page's cursor
        last = f"Supplier {n:07d}"
        like = "ILIKE" if s.get_bind().dialect.name == "postgresql" else "LIKE"  # each one's built-in, no lower()
        raw = {
            "first page": (f"SELECT id, {col} FROM {table} WHERE deleted_at IS NULL ORDER BY id LIMIT {PAGE + 1}", {}),
            "common text": (f"SELECT id, {col} FROM {table} WHERE deleted_at IS NULL AND {col} {like} :p "
                            f"ORDER BY id LIMIT {PAGE + 1}", {"p": "%Supplier 0%"}),
            "last record": (f"SELECT id, {col} FROM {table} WHERE deleted_at IS NULL AND {col} {like} :p "
                            f"ORDER BY id LIMIT {PAGE + 1}", {"p": f"%{last}%"}),
        }
        ours = {
            "first page": lambda: search_page(store, name, ""),
            "next page": lambda: search_page(store, name, "Supplier 0", after=deep_cursor),
            "common text": lambda: search_page(store, name, "Supplier 0"),
            "last record": lambda: search_page(store, name, last),
        }
        assert search_page(store, name, last)[0][0][1] == last  # the last record is found
        print(f"\n{n:>9,} records ({plat.engine.dialect.name})")
        for label, fn in ours.items():
            ms = timed(fn)
            sql, params = raw.get(label, raw["first page"])
            base = timed(lambda: s.execute(text(sql), params).all())
            print(f"  {label:<12} picker {ms:8.2f} ms   raw SQL {base:8.2f} ms   ratio {ms / base:5.2f}")
        s.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rb-picker-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    app, plat, _uid = bench_app(url, tmp / "instance", "bench@example.com", "bench password 1")
    try:
        for n in (int(x) for x in args.sizes.split(",")):
            run(plat, n)
    finally:
        release(plat, tmp, args.database_url, args.keep)


if __name__ == "__main__":
    main()
