"""Record-store, API and admin speed against raw SQL (issue 2, deliverable 11).

    python bench/records.py                       # 10,000 and 100,000 rows, temporary SQLite file
    python bench/records.py --rows 1000000        # 1M rows (10,000 is added as the scaling baseline)
    python bench/records.py --database-url postgresql://postgres@127.0.0.1:5432/bench

For each size N it creates a record type with ten fields of mixed types (one of
them indexed) and an identical hand-made table, then measures:

(a) insert throughput through ``RecordStore.create_many`` (1,000 records per
    transaction; validation, history and events included) against SQLAlchemy
    Core ``executemany`` into the hand-made table (target: at least 0.5x the raw
    rate); each timed ``--rounds`` times (default 3, up to 100,000 rows), alternately,
    into empty tables, the best of each compared; ``RecordStore.create`` one by one
    is shown beside it;
(b) the median time of ``GET /api/v1/records/<type>`` (Flask test client, no
    cookies, the answer checked once outside the timed runs) for one 50-row
    page filtered on the select field and sorted on the indexed field, against
    the same query in raw SQL through the DB-API (target: at most 3x); beside
    it, an authenticated request that reads no records (``GET /api/v1/me``):
    the fixed cost of any API request;
(c) the median time of the admin list page ``/admin/records/<type>/``, signed in;
and the page times at each larger N against the smallest (target: at most 1.5x).

A PostgreSQL database given with --database-url is upgraded and gets the
benchmark's types and tables, which are removed again at the end (--keep keeps them).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import re
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

from recordbase import create_app
from recordbase.auth import create_token, create_user, find_user
from recordbase.context import platform
from recordbase.database_setup import upgrade_database
from recordbase.metamodel.runtime import RuntimeSchema, TypeDef
from recordbase.metamodel.service import MetamodelService
from recordbase.storage import RecordStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records_data import (FILTER_VALUE, hand_made_table, make_values, raw_row,  # noqa: E402  (beside this script)
                          type_definition)
from records_report import Result, report  # noqa: E402
from bench_app import release  # noqa: E402
from timing import interleaved_medians, median_ms, without_gc  # noqa: E402

BATCH = 1000
BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "bench-password-123"



class Bench:
    def __init__(self, url: str, instance: Path, repeat: int, create_rows: Optional[int], profile: bool,
                 rounds: int = 3):
        self.url, self.repeat, self.create_rows, self.profile = url, repeat, create_rows, profile
        self.rounds = max(1, rounds)
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance),
                               "WTF_CSRF_ENABLED": True})
        self.engine = platform(self.app).engine
        self.sessions = platform(self.app).sessions
        upgrade_database(self.engine)
        with self.sessions.begin() as s:
            user = find_user(s, BENCH_EMAIL) or create_user(s, BENCH_EMAIL, BENCH_PASSWORD, role="owner")
            self.user_id = user.id
            self.token = create_token(s, user, name="bench")
        self.suffix = uuid.uuid4().hex[:6]
        self.created: list[tuple[str, str]] = []  # (type name, raw table name)
        self.api = self.app.test_client(use_cookies=False)  # an API client sends its token, no cookies
        self.admin = self._signed_in_admin()

    # -- set-up ------------------------------------------------------------------------
    def _signed_in_admin(self):
        client = self.app.test_client()
        page = client.get("/admin/login/")
        if page.status_code != 200:
            return None
        html = page.get_data(as_text=True)
        m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html)
        resp = client.post("/admin/login/", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD,
                                                  "csrf_token": m.group(1) if m else ""})
        return client if resp.status_code in (302, 303) else None

    def schema(self, s: Session) -> RuntimeSchema:
        """The runtime schema as a running app gets it: the app's per-process cache, checked against
        the version stored in the database (a new type or field is seen at once)."""
        return platform(self.app).schema_cache.get(s)

    def create_type(self, name: str) -> TypeDef:
        with self.sessions.begin() as s:
            MetamodelService(s).create_type(type_definition(name))
        with self.sessions.begin() as s:
            return self.schema(s).get(name)

    # -- (a) inserts ---------------------------------------------------------------------
    def insert_through_store(self, name: str, values: list[dict]) -> float:
        """Seconds to create every record through RecordStore, BATCH records per transaction."""
        t0 = time.perf_counter()
        for start in range(0, len(values), BATCH):
            with self.sessions.begin() as s:
                store = RecordStore(s, self.schema(s), user_id=self.user_id)
                for v in values[start:start + BATCH]:
                    store.create(name, v)
        return time.perf_counter() - t0

    def insert_many(self, name: str, values: list[dict]) -> float:
        """Seconds to create every record through ``RecordStore.create_many``, BATCH records per transaction."""
        t0 = time.perf_counter()
        for start in range(0, len(values), BATCH):
            with self.sessions.begin() as s:
                store = RecordStore(s, self.schema(s), user_id=self.user_id)
                store.create_many(name, values[start:start + BATCH])
        return time.perf_counter() - t0

    def insert_raw(self, table: Table, rows: list[dict]) -> float:
        t0 = time.perf_counter()
        for start in range(0, len(rows), BATCH):
            with self.engine.begin() as conn:
                conn.execute(insert(table), rows[start:start + BATCH])
        return time.perf_counter() - t0

    def insert_rounds(self, n: int, name: str, typedef: TypeDef, table: Table, values: list[dict],
                      rows: list[dict]) -> tuple[list[float], list[float]]:
        """Seconds per round of raw executemany and of ``create_many``, each round into an empty table.

        Both are timed ``self.rounds`` times, alternately (which goes first alternates too), and the
        report takes each one's best (the usual estimate on a machine that other work disturbs, as
        ``timeit`` advises), each with Python's cycle collector off, as ``timeit`` times:
        ``create_many`` pauses it itself, and with
        it on, the raw path's time depended on how many young objects the process happened to hold
        (0.07 to 0.22 s for the same 10,000 rows here). The first round fills the benchmark's own
        type and table; later rounds go to fresh ones, created before the clock starts."""
        rounds = self.rounds if n <= 100_000 else 1
        raw_s: list[float] = []
        many_s: list[float] = []
        type_name, raw_name = name, table.name
        first_raw = table.name
        for k in range(rounds):
            if k:  # a fresh, empty type and table for this round
                type_name, raw_name = f"{name}_r{k}", f"{first_raw}_r{k}"
                self.create_type(type_name)
                fresh = hand_made_table(typedef, raw_name)  # the first type's column names, as ``rows`` has them
                fresh.metadata.create_all(self.engine)
                self.created.append((type_name, raw_name))
                table = fresh
            print(f"  [{n:,} rows] round {k + 1}/{rounds}: raw executemany and RecordStore.create_many ...",
                  flush=True)
            sides = [(raw_s, lambda: self.insert_raw(table, rows)), (many_s, lambda: self.insert_many(type_name, values))]
            for times, write in (sides if k % 2 == 0 else sides[::-1]):  # which goes first alternates
                times.append(without_gc(write))
            self.check_filled(table.name, typedef.field("title").column_name, n)
            with self.sessions.begin() as s:
                stored = self.schema(s).get(type_name)
            self.check_filled(stored.table.name, stored.field("title").column_name, n)
            if k:  # the extra round's type and table are not needed further
                self.drop(type_name, raw_name)
                self.created.remove((type_name, raw_name))
        return raw_s, many_s

    def check_filled(self, table_name: str, column: str, n: int) -> None:
        """Both sides really wrote ``n`` whole rows (a column-name mismatch would silently write NULLs)."""
        with self.engine.connect() as conn:
            got = conn.execute(text(f"SELECT count(*) FROM {table_name} WHERE {column} IS NOT NULL")).scalar()
        if got != n:
            raise SystemExit(f"{table_name}: {got} rows with a title, expected {n}")

    def profile_store(self, typedef: TypeDef, values: list[dict]) -> str:
        name = f"bench_profile_{self.suffix}"
        self.create_type(name)
        self.created.append((name, ""))
        prof = cProfile.Profile()
        prof.enable()
        self.insert_through_store(name, values[:BATCH])
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
        return out.getvalue()

    # -- (b) and (c) pages -----------------------------------------------------------------
    def api_page(self, name: str) -> Callable[[], Any]:
        """One GET of the page, as timed: the request and its whole answer (the test client runs the app and
        reads the body); the body is checked once beforehand (:meth:`api_body`), not parsed on every run."""
        flt = quote(json.dumps({"field": "status", "op": "eq", "value": FILTER_VALUE}))
        return self._get(f"/api/v1/records/{name}?filter={flt}&sort=amount&limit=50")

    def api_floor(self) -> Callable[[], Any]:
        """An authenticated GET that reads no record (``/api/v1/me``): what any API request costs."""
        return self._get("/api/v1/me")

    def _get(self, url: str) -> Callable[[], Any]:
        headers = {"Authorization": f"Bearer {self.token}"}

        def call():
            resp = self.api.get(url, headers=headers)
            if resp.status_code != 200:
                raise SystemExit(f"GET {url} answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
            return resp
        return call

    @staticmethod
    def api_body(call: Callable[[], Any]) -> dict:
        body = call().get_json()
        assert len(body["records"]) == 50, len(body["records"])
        return body

    def raw_page(self, typedef: TypeDef) -> Callable[[], Any]:
        """The hand-written query a developer would write for the same page, through the DB-API."""
        c = {f.name: f.column_name for f in typedef.fields}
        marker = "%s" if self.engine.dialect.name == "postgresql" else "?"
        sql = (f"SELECT * FROM {typedef.table.name} WHERE deleted_at IS NULL AND {c['status']} = {marker} "
               f"ORDER BY {c['amount']}, id LIMIT 51")
        raw = self.engine.raw_connection()

        def call():
            cur = raw.cursor()
            cur.execute(sql, (FILTER_VALUE,))
            rows = cur.fetchall()
            cur.close()
            raw.rollback()
            assert len(rows) == 51
            return rows
        call.close = raw.close  # type: ignore[attr-defined]
        return call

    def admin_page(self, name: str) -> Optional[Callable[[], Any]]:
        if self.admin is None:
            return None
        url = f"/admin/records/{name}/"

        def call():
            resp = self.admin.get(url)
            if resp.status_code != 200:
                raise RuntimeError(f"GET {url} answered {resp.status_code}")
            return resp
        return call

    # -- one size --------------------------------------------------------------------------
    def run(self, n: int) -> Result:
        res = Result(rows=n)
        name = f"bench_{n}_{self.suffix}"
        raw_name = f"bench_raw_{n}_{self.suffix}"
        typedef = self.create_type(name)
        table = hand_made_table(typedef, raw_name)
        table.metadata.create_all(self.engine)
        self.created.append((name, raw_name))
        rng = random.Random(n)
        values = [make_values(rng, i) for i in range(n)]
        from recordbase.models import utcnow

        now = utcnow()
        rows = [raw_row(v, typedef, now, self.user_id) for v in values]

        res.raw_runs, res.many_runs = self.insert_rounds(n, name, typedef, table, values, rows)
        res.raw_rate, res.many_rate = n / min(res.raw_runs), n / min(res.many_runs)
        k = min(n, self.create_rows or 10_000)
        loop_type = f"bench_loop_{n}_{self.suffix}"
        self.create_type(loop_type)
        self.created.append((loop_type, ""))
        print(f"  [{n:,} rows] RecordStore.create x {k:,} (into a second type) ...", flush=True)
        res.store_rows, res.store_rate = k, k / self.insert_through_store(loop_type, values[:k])
        if res.store_rows < n:
            res.notes.append(f"create() measured on {res.store_rows:,} rows")
        if self.engine.dialect.name == "postgresql":
            # VACUUM too: else autovacuum, set off by the inserts, may run on these tables while pages are timed
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"VACUUM ANALYZE {typedef.table.name}"))
                conn.execute(text(f"VACUUM ANALYZE {raw_name}"))
        else:
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE"))

        print(f"  [{n:,} rows] pages ...", flush=True)
        api = self.api_page(name)
        raw = self.raw_page(typedef)
        expected = [r[0] for r in raw()[:50]]
        got = [r["id"] for r in self.api_body(api)["records"]]
        if got != expected:
            res.notes.append("API page differs from the raw SQL page (NULL ordering?)")
        res.api_ms, res.raw_sql_ms = interleaved_medians(api, raw, self.repeat)
        res.floor_ms = median_ms(self.api_floor(), self.repeat)
        raw.close()
        admin = self.admin_page(name)
        if admin is None:
            res.admin_note = "admin sign-in unavailable"
        else:
            try:
                res.admin_ms = median_ms(admin, max(5, self.repeat // 2), warmup=2)
            except RuntimeError as exc:
                res.admin_note = str(exc)
        if self.profile:
            print(self.profile_store(typedef, values))
        return res

    def cleanup(self) -> None:
        for name, raw_name in self.created:
            self.drop(name, raw_name)
        self.engine.dispose()

    def drop(self, name: str, raw_name: str) -> None:
        """Remove one of the benchmark's types (purged) and hand-made tables ("" for none)."""
        if name:
            with self.sessions.begin() as s:
                svc = MetamodelService(s)
                svc.delete_type(name)
                svc.purge_type(name)
        if raw_name:
            with self.engine.begin() as conn:
                conn.execute(text(f"DROP TABLE IF EXISTS {raw_name}"))


# -- report -------------------------------------------------------------------------------
def parse_sizes(values: list[str]) -> list[int]:
    sizes: set[int] = set()
    for v in values:
        for part in v.split(","):
            part = part.strip().lower().replace("_", "")
            if part:
                mult = {"k": 1000, "m": 1_000_000}.get(part[-1], 1)
                sizes.add(int(float(part.rstrip("km")) * mult))
    return sorted(sizes)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", action="append", default=[],
                    help="rows per run; repeat or comma-separate (default 10000,100000). 10,000 is added as the "
                         "scaling baseline when every size is larger.")
    ap.add_argument("--database-url", help="PostgreSQL (or SQLite) URL; default: a temporary SQLite file")
    ap.add_argument("--repeat", type=int, default=200, help="timed runs per page (median)")
    ap.add_argument("--create-rows", type=int, default=None,
                    help="rows per size created one by one with RecordStore.create, into a second type "
                         "(default: 10,000)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="insert rounds per size up to 100,000 rows, raw and store alternately; the best of each "
                         "is reported (default 3; 1 above 100,000 rows)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of 1,000 RecordStore.create calls")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the database objects (and the temporary SQLite file)")
    args = ap.parse_args(argv)

    sizes = parse_sizes(args.rows) or [10_000, 100_000]
    if min(sizes) > 10_000:
        sizes.insert(0, 10_000)
    tmp = Path(tempfile.mkdtemp(prefix="recordbase-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    backend = url.split(":", 1)[0] + ("" if args.database_url else f" (temporary file {tmp / 'bench.db'})")
    bench = Bench(url, tmp / "instance", args.repeat, args.create_rows, args.profile, args.rounds)
    results = []
    try:
        for n in sizes:
            results.append(bench.run(n))
    finally:
        release(bench, tmp, args.database_url, args.keep)
    ok = report(results, backend)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"backend": backend, "results": [
            dict(asdict(r), insert_ratio=r.insert_ratio, api_ratio=r.api_ratio) for r in results]}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
