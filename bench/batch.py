"""Bulk writes through the HTTP batch endpoint against raw ``executemany`` (issue 20 §2).

    python bench/batch.py                          # 20,000 rows per round, temporary SQLite file
    python bench/batch.py --database-url postgresql://postgres@127.0.0.1:5432/bench

A real ``recordbase serve`` (one worker) gets ``POST /api/v1/records/<type>/batch`` with 1,000
records a request from one client (bodies encoded beforehand); the baseline writes the same values
with SQLAlchemy Core ``executemany`` into an identical hand-made table (same columns, types and
indexes), 1,000 rows and a commit per transaction — the same unit of work. Rounds alternate (which
goes first alternates too) and each side's best round is compared: target ≥ 0.2× raw rows/s.
Every check is on in the product's path: validation, unique values, links, rules, history.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from processes import free_port, recordbase_command  # noqa: E402
from records_data import hand_made_table, make_values, raw_row, type_definition  # noqa: E402
from server import start  # noqa: E402

BATCH = 1000


def prepare(url: str, folder: Path, rounds: int) -> tuple[str, list[str], object, int]:
    """A token, the names of ``rounds`` empty record types, the first type's TypeDef and the owner's id."""
    from bench_app import bench_app
    from recordbase.auth import create_token
    from recordbase.metamodel.service import MetamodelService
    from recordbase.models import User

    app, plat, user_id = bench_app(url, folder / "instance", "bench@example.com", "bench-password-1")
    names = [f"bat_{os.getpid()}_{k}" for k in range(rounds)]
    with plat.sessions.begin() as s:
        token = create_token(s, s.get(User, user_id), name="batch-bench")
        for name in names:
            MetamodelService(s).create_type(type_definition(name))
    with plat.sessions.begin() as s:
        typedef = plat.schema_cache.get(s).get(names[0])
    plat.engine.dispose()
    return token, names, typedef, user_id


def post_batches(port: int, type_name: str, token: str, bodies: list[bytes]) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    t0 = time.perf_counter()
    for body in bodies:
        conn.request("POST", f"/api/v1/records/{type_name}/batch", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 201:
            raise RuntimeError(f"{resp.status}: {data[:500]!r}")
    took = time.perf_counter() - t0
    conn.close()
    return took


def insert_raw(engine, table, rows: list[dict]) -> float:
    t0 = time.perf_counter()
    for start_at in range(0, len(rows), BATCH):
        with engine.begin() as conn:
            conn.execute(insert(table), rows[start_at:start_at + BATCH])
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=20_000, help="rows per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rb-batch-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    token, names, typedef, user_id = prepare(url, folder, args.rounds)
    engine = create_engine(url)
    raw_tables = []
    for k in range(args.rounds):
        t = hand_made_table(typedef, f"raw_batch_{os.getpid()}_{k}")
        t.metadata.create_all(engine)
        raw_tables.append(t)
    rng = random.Random(3)
    values = [make_values(rng, i) for i in range(args.rows)]
    bodies = [json.dumps({"records": [{"fields": v} for v in values[i:i + BATCH]]}).encode()
              for i in range(0, args.rows, BATCH)]
    now = datetime.now(timezone.utc)
    rows = [raw_row(v, typedef, now, user_id) for v in values]
    port = free_port()
    env = dict(os.environ, RECORDBASE_DATABASE_URL=url)
    server = start([*recordbase_command(), "serve", "--port", str(port), "--workers", "1", "--threads", "1",
                    "--no-worker"], env, folder, port, folder / "serve.log")
    api_s, raw_s = [], []
    try:
        for k in range(args.rounds):
            sides = [(api_s, lambda: post_batches(port, names[k], token, bodies)),
                     (raw_s, lambda: insert_raw(engine, raw_tables[k], rows))]
            for times, run in (sides if k % 2 == 0 else sides[::-1]):
                times.append(run())
            print(f"  round {k + 1}: API {args.rows / api_s[-1]:,.0f} rows/s, raw {args.rows / raw_s[-1]:,.0f} rows/s",
                  flush=True)
    finally:
        server.terminate()
        server.wait(20)
        if args.database_url:
            with engine.begin() as conn:
                for t in raw_tables:
                    conn.execute(text(f"DROP TABLE IF EXISTS {t.name}"))
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    api, raw = args.rows / min(api_s), args.rows / min(raw_s)
    dialect = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"\n{dialect}: {args.rows:,} rows per round, {BATCH} per request/transaction, best of {args.rounds}")
    print(f"  raw executemany      {raw:>10,.0f} rows/s")
    print(f"  HTTP batch endpoint  {api:>10,.0f} rows/s   {api / raw:.3f}x raw (target >= 0.2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
