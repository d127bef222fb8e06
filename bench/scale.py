"""Flat pages for every indexed sort (issue 20, section 1): the API page at each size against 10,000.

    python bench/scale.py                                   # 10,000 and 1,000,000 records, temporary SQLite file
    python bench/scale.py --rows 10000,100000               # other sizes (10,000 is always the baseline)
    python bench/scale.py --database-url postgresql://postgres@127.0.0.1:5432/bench --ten-million
    python bench/scale.py --database-url postgresql://... --reuse df6c6c   # time the types a --keep run left

One record type grows to each size in turn, loaded through the product's own bulk path
(``RecordStore.create_many``, ``--batch`` records a transaction: validation, history and events
included): an indexed number with many equal values (101 distinct scores, a few empty), an indexed
date, an indexed single select (filtered on) and an unindexed text. At each size it times (median of
``--repeat`` runs, Flask test client with a bearer token, no cookies) a 50-record
``GET /api/v1/records/<type>`` page for each shape: sort ascending and descending on the indexed
number, without and with a filter on the select, the first page and a page deep in the order (a
cursor in the middle of it); the indexed date both ways; and what a sort on the unindexed text
answers (refused above ``RECORDBASE_UNINDEXED_SORT_MAX_ROWS``); and the admin list's pages
(``scale_admin.py``: a column sort on the number both ways, with and without the filter, its first
page and page 50, and the default page). It prints each page's time at each size and its ratio to the
same page of a second type of 10,000 records, timed alternately with it (so that the machine's other
load weighs on both alike; target: at most 1.5x).

A PostgreSQL database given with --database-url is upgraded and gets the benchmark's type, which is
removed again at the end (--keep keeps it; --reuse times the kept types again, at their size, without
loading).
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy import func, select

from recordbase.auth import create_token
from recordbase.context import platform
from recordbase.models import User
from recordbase.metamodel.service import MetamodelService
from recordbase.storage import RecordStore, sort_guard
from recordbase.storage.query import encode_cursor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import bench_app, release  # noqa: E402  (beside this script)
from scale_admin import AdminPages  # noqa: E402
from timing import interleaved_medians, median_ms  # noqa: E402

STAGES = ["new", "open", "review", "won", "lost"]
EMAIL, PASSWORD = "scale-bench@example.com", "scale-bench-password"
PAGE = 50
BASELINE = 10_000


def type_definition(name: str) -> dict:
    return {"name": name, "label": f"Scale {name}", "primary_field": "note", "fields": [
        {"name": "score", "label": "Score", "type": "number", "indexed": True},
        {"name": "day", "label": "Day", "type": "date", "indexed": True},
        {"name": "stage", "label": "Stage", "type": "single_select", "indexed": True,
         "options": {"choices": STAGES}},
        {"name": "note", "label": "Note", "type": "text"},
    ]}


def values(rng: random.Random, i: int) -> dict:
    return {"score": None if rng.random() < 0.02 else rng.randrange(101),
            "day": (date(2024, 1, 1) + timedelta(days=rng.randrange(1000))).isoformat(),
            "stage": rng.choice(STAGES), "note": f"note {i} {rng.randrange(10**6)}"}


class Scale:
    """Two types of the same shape: ``base`` stays at 10,000 records, ``main`` grows to each size;
    each page of ``main`` is timed alternately with the same page of ``base`` (the ratio holds under
    the machine's other load)."""

    def __init__(self, url: str, instance: Path, repeat: int, batch: int, reuse: Optional[str] = None):
        self.repeat, self.batch = repeat, batch
        self.app, plat, self.user_id = bench_app(url, instance, EMAIL, PASSWORD)
        self.engine, self.sessions = plat.engine, plat.sessions
        with self.sessions.begin() as s:
            self.token = create_token(s, s.get(User, self.user_id), name="scale bench")
        suffix = reuse or uuid.uuid4().hex[:6]
        self.base, self.main = f"scale_base_{suffix}", f"scale_{suffix}"
        self.loaded = {self.base: 0, self.main: 0}
        for name in (self.base, self.main):
            with self.sessions.begin() as s:
                if reuse:
                    self.loaded[name] = s.execute(select(func.count()).select_from(
                        platform(self.app).schema_cache.get(s).get(name).table)).scalar()
                else:
                    MetamodelService(s).create_type(type_definition(name))
        self.api = self.app.test_client(use_cookies=False)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.admin = AdminPages(self.app, EMAIL, PASSWORD)
        self.rng = random.Random(20)

    def load_to(self, name: str, n: int) -> float:
        """Grow a type to ``n`` records through create_many; the load rate (records/s)."""
        t0, start = time.perf_counter(), self.loaded[name]
        while self.loaded[name] < n:
            k = min(self.batch, n - self.loaded[name])
            rows = [values(self.rng, self.loaded[name] + j) for j in range(k)]
            with self.sessions.begin() as s:
                store = RecordStore(s, platform(self.app).schema_cache.get(s), user_id=self.user_id)
                store.create_many(name, rows)
            self.loaded[name] += k
        return (self.loaded[name] - start) / max(time.perf_counter() - t0, 1e-9)

    def deep_cursor(self, name: str, sort: str) -> str:
        """A cursor in the middle of the order (as following ``next_cursor`` there would give)."""
        with self.sessions() as s:
            typedef = platform(self.app).schema_cache.get(s).get(name)
        sorts = [(sort.lstrip("-"), sort.startswith("-"))]
        return encode_cursor([50], self.loaded[name] // 2, sorts, typedef)

    def shapes(self) -> list[tuple[str, Callable[[str], dict]]]:
        """(label, the page's parameters for a type)."""
        won = '{"field": "stage", "op": "eq", "value": "won"}'
        out: list[tuple[str, Callable[[str], dict]]] = []
        for sort in ("score", "-score"):
            for label, flt in (("", None), (" filter stage=won", won)):
                base = {"sort": sort, **({"filter": flt} if flt else {})}
                out.append((f"sort={sort}{label}, first page", lambda name, base=base: base))
                out.append((f"sort={sort}{label}, deep page",
                            lambda name, base=base, sort=sort: {**base, "cursor": self.deep_cursor(name, sort)}))
        for sort, flt in (("day", None), ("-day", None), ("-day", won)):
            params = {"sort": sort, **({"filter": flt} if flt else {})}
            out.append((f"sort={sort}{' filter stage=won' if flt else ''}, first page", lambda name, p=params: p))
        return out

    def page(self, name: str, params: dict) -> tuple[Callable[[], Any], int]:
        """A page request, and the status of its first answer."""
        url, query = f"/api/v1/records/{name}", {**params, "limit": PAGE}
        resp = self.api.get(url, query_string=query, headers=self.headers)
        if resp.status_code == 200:
            assert len(resp.get_json()["records"]) == PAGE, params
        return (lambda: self.api.get(url, query_string=query, headers=self.headers)), resp.status_code

    def time_shape(self, params_of: Callable[[str], dict]) -> tuple[float, float, int]:
        """(ms of the page at 10,000, ms at the current size, status at the current size)."""
        base, _ = self.page(self.base, params_of(self.base))
        main, status = self.page(self.main, params_of(self.main))
        if status != 200:
            return median_ms(base, self.repeat), float("nan"), status
        if self.loaded[self.main] == self.loaded[self.base]:
            ms = median_ms(main, self.repeat)
            return ms, ms, 200
        return (*interleaved_medians(base, main, self.repeat), 200)

    def time_admin(self, url_of: Callable[[str], str]) -> tuple[float, float, int]:
        """As :meth:`time_shape`, for an admin list page."""
        base, main = self.admin.page(url_of(self.base)), self.admin.page(url_of(self.main))
        if self.loaded[self.main] == self.loaded[self.base]:
            ms = median_ms(main, self.repeat)
            return ms, ms, 200
        return (*interleaved_medians(base, main, self.repeat), 200)

    def check_admin_order(self) -> None:
        """The admin's score column orders as the API's ``sort=score`` (its first page)."""
        for desc in (False, True):
            resp = self.api.get(f"/api/v1/records/{self.main}", headers=self.headers,
                                query_string={"sort": ("-" if desc else "") + "score", "limit": 20})
            assert self.admin.first_ids(self.main, desc) == [r["id"] for r in resp.get_json()["records"]], desc

    def unindexed(self) -> str:
        sort_guard.forget_estimates()  # (the size it measured before this load is kept a minute)
        resp = self.api.get(f"/api/v1/records/{self.main}", query_string={"sort": "note", "limit": PAGE},
                            headers=self.headers)
        body = resp.get_json()
        return f"{resp.status_code} {body['error']['code']}" if resp.status_code != 200 else "200 (sorted)"

    def cleanup(self) -> None:
        for name in (self.base, self.main):
            with self.sessions.begin() as s:
                service = MetamodelService(s)
                service.delete_type(name)
                service.purge_type(name)


def parse_sizes(items: list[str]) -> list[int]:
    return sorted({int(x.replace("_", "")) for item in items for x in item.split(",") if x.strip()})


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", action="append", default=[], help="sizes, comma-separated (default 10000,1000000)")
    ap.add_argument("--ten-million", action="store_true", help="add 10,000,000 (meant for PostgreSQL)")
    ap.add_argument("--database-url", help="PostgreSQL (or SQLite) URL; default: a temporary SQLite file")
    ap.add_argument("--repeat", type=int, default=50, help="timed runs per page (median)")
    ap.add_argument("--batch", type=int, default=5000, help="records per create_many transaction")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark's type (and the temporary SQLite file)")
    ap.add_argument("--reuse", metavar="SUFFIX", help="time the types a --keep run left (scale_base_SUFFIX, "
                    "scale_SUFFIX) at their size; kept afterwards")
    args = ap.parse_args(argv)
    sizes = parse_sizes(args.rows) or [10_000, 1_000_000]
    if args.ten_million:
        sizes = sorted(set(sizes) | {10_000_000})
    if sizes[0] != BASELINE:
        sizes.insert(0, BASELINE)
    tmp = Path(tempfile.mkdtemp(prefix="recordbase-scale-"))
    url = args.database_url or f"sqlite:///{tmp / 'scale.db'}"
    bench = Scale(url, tmp / "instance", args.repeat, args.batch, args.reuse)
    if args.reuse:
        sizes, args.keep = [bench.loaded[bench.main]], True
    try:
        table, refused = run(bench, sizes)
    finally:
        release(bench, tmp, args.database_url, args.keep)
    report(url.split(":", 1)[0], sizes, table, refused)
    return 0


def run(bench: Scale, sizes: list[int]) -> tuple[dict, dict]:
    """{shape: {size: (ms at 10,000, ms at the size, status)}} and {size: what the unindexed sort answered}."""
    table: dict[str, dict[int, tuple[float, float, int]]] = {}
    refused: dict[int, str] = {}
    bench.load_to(bench.base, BASELINE)
    for n in sizes:
        rate = bench.load_to(bench.main, n)
        print(f"{n:>11,} records loaded ({rate:,.0f} records/s through create_many)", flush=True)
        for label, params_of in bench.shapes():
            table.setdefault(label, {})[n] = bench.time_shape(params_of)
        bench.check_admin_order()
        for label, url_of in bench.admin.shapes():
            table.setdefault(label, {})[n] = bench.time_admin(url_of)
        refused[n] = bench.unindexed()
    return table, refused


def report(backend: str, sizes: list[int], table: dict, refused: dict) -> None:
    print(f"\n{backend}: median ms of a {PAGE}-record API page (admin: 20 records), and its ratio to the same "
          "page at 10,000 (timed alternately; target at most 1.5x)")
    print(f"{'shape':<60}" + "".join(f"{n:>22,}" for n in sizes))
    for label, by_size in table.items():
        cells = []
        for n in sizes:
            base, ms, status = by_size[n]
            cells.append(f"HTTP {status}" if status != 200 else f"{ms:.2f} ({ms / base:4.2f}x)")
        print(f"{label:<60}" + "".join(f"{c:>22}" for c in cells))
    print(f"{'sort=note (unindexed), first page':<60}" + "".join(f"{refused[n]:>22}" for n in sizes))


if __name__ == "__main__":
    sys.exit(main())
