"""How close to raw SQL can any Flask view serve ``bench/records.py``'s API page? (issue 2, target (b))

    python bench/api_floor.py                     # 10,000 rows, temporary SQLite file
    python bench/api_floor.py --rows 100000 --database-url postgresql://postgres@127.0.0.1:5432/bench

On the record type and data of ``bench/records.py`` it times, alternately, through the same Flask test
client as that benchmark:

1. the raw page query through the DB-API (the benchmark's baseline);
2. an empty Flask route (a bare app, no extensions): what the test client and Flask cost per request;
3. the least any real API view must do, hand-written in a bare Flask app: read the bearer token's
   user (one query), run the page query, and answer the rows as JSON (orjson) with no conversion of
   any value (dates, decimals and booleans go out as the driver gives them, which is wrong), no
   access policy, no filter language, no cursor;
4. Recordbase's ``GET /api/v1/records/<type>``.

The ratio of (3) to (1) is a floor for the API page target of issue 2 (at most 3x the raw query):
an implementation on Flask that does more than (3) cannot be faster than it.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import quote

import orjson
from flask import Flask, Response, request
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records import Bench  # noqa: E402
from records_data import FILTER_VALUE, make_values  # noqa: E402
from timing import without_gc  # noqa: E402


def bare_app(bench: Bench, typedef: Any) -> Flask:
    """A Flask app with the empty route and the hand-written page view, on one pooled DB-API connection."""
    marker = "%s" if bench.engine.dialect.name == "postgresql" else "?"
    c = {f.name: f.column_name for f in typedef.fields}
    page_sql = (f"SELECT * FROM {typedef.table.name} WHERE deleted_at IS NULL AND {c['status']} = {marker} "
                f"ORDER BY {c['amount']}, id LIMIT 51")
    token_sql = ("SELECT u.id, u.email, u.role, t.read_only FROM rb_user u JOIN rb_api_token t ON u.id = t.user_id "
                 f"WHERE t.token_hash = {marker} AND t.revoked_at IS NULL")
    names = [f.name for f in typedef.fields]
    raw = bench.engine.raw_connection()
    app = Flask("api_floor")

    @app.get("/empty")
    def empty():
        return {"ok": True}

    @app.get("/page")
    def page():
        token = request.headers.get("Authorization", "")[7:]
        cur = raw.cursor()
        cur.execute(token_sql, (hashlib.sha256(token.encode()).hexdigest(),))
        user = cur.fetchone()
        if user is None:
            return Response(status=401)
        cur.execute(page_sql, (request.args["status"],))
        rows = cur.fetchall()
        cur.close()
        raw.rollback()
        records = [{"id": r[0], "version": r[1], "created_at": r[2], "updated_at": r[3], "created_by": user[1],
                    "updated_by": user[1], "fields": dict(zip(names, r[7:]))} for r in rows[:50]]
        return Response(orjson.dumps({"records": records}, default=str), mimetype="application/json")

    app.raw_connection = raw  # type: ignore[attr-defined]
    return app


def medians(calls: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Median ms of each call, the calls taking turns (background load affects all alike)."""
    for fn in calls.values():
        for _ in range(5):
            fn()
    times: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeat):
        for name, fn in calls.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def run(bench: Bench, rows: int, repeat: int) -> dict[str, float]:
    name = f"floor_{rows}_{bench.suffix}"
    typedef = bench.create_type(name)
    bench.created.append((name, ""))
    rng = random.Random(rows)
    print(f"  [{rows:,} rows] creating the records ...", flush=True)
    bench.insert_many(name, [make_values(rng, i) for i in range(rows)])
    with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"{'VACUUM ' if bench.engine.dialect.name == 'postgresql' else ''}ANALYZE"))
    app = bare_app(bench, typedef)
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {bench.token}"}
    page_url = f"/page?status={quote(FILTER_VALUE)}"
    assert len(client.get(page_url, headers=headers).get_json()["records"]) == 50
    api = bench.api_page(name)
    raw = bench.raw_page(typedef)
    try:
        print(f"  [{rows:,} rows] timing ...", flush=True)
        return without_gc(medians, {
            "raw SQL page (DB-API)": raw,
            "empty Flask route": lambda: client.get("/empty", headers=headers),
            "hand-written bare view": lambda: client.get(page_url, headers=headers),
            "Recordbase API page": api,
        }, repeat)
    finally:
        raw.close()
        app.raw_connection.close()


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url", help="PostgreSQL (or SQLite) URL; default: a temporary SQLite file")
    ap.add_argument("--repeat", type=int, default=300, help="timed runs of each (median)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="recordbase-floor-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    bench = Bench(url, tmp / "instance", args.repeat, None, False)
    try:
        result = run(bench, args.rows, args.repeat)
    finally:
        if args.database_url:
            bench.cleanup()
        bench.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    base = result["raw SQL page (DB-API)"]
    print(f"\n{bench.engine.dialect.name}, {args.rows:,} rows, median of {args.repeat} alternating runs")
    for label, ms in result.items():
        print(f"  {label:<28} {ms:7.3f} ms  {ms / base:5.2f}x raw")
    print("  (the hand-written view is a floor: it converts no value and applies no policy; target <= 3.0x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
