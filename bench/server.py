"""The request path through real servers (issue 20 §3): ``recordbase serve`` against a hand-written
Flask view (``handwritten_app.py``) under the same gunicorn configuration, over the same table.

    python bench/server.py                                   # 10,000 rows, temporary SQLite file
    python bench/server.py --database-url postgresql://postgres@127.0.0.1:5432/bench --rows 100000

For list (first page, sorted on an indexed number), get one, create and update it runs rounds of
``--seconds`` against each server in turn (interleaved: background load hits both alike), at
concurrency 1 and 8 (client processes, one connection each), and prints requests/s, p50 and p99
and the ratios: latency ratio at concurrency 1 (target: list and get ≤ 1.5×, create and update
≤ 2.5×) and throughput ratio at concurrency 8 (target ≥ 0.67×).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from processes import free_port, recordbase_command  # noqa: E402
from records_data import make_values, type_definition  # noqa: E402

OPERATIONS = ("list", "get", "create", "update")


def prepare(url: str, folder: Path, rows: int) -> dict:
    """The type, its rows and a token, made through the product (API batch); the hand-written app's config."""
    from bench_app import bench_app
    from recordbase.auth import create_token

    app, plat, user_id = bench_app(url, folder / "instance", "bench@example.com", "bench-password-1")
    with plat.sessions.begin() as s:
        from recordbase.models import User
        token = create_token(s, s.get(User, user_id), name="server-bench")
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {token}"}
    name = f"srv_{os.getpid()}"
    res = client.post("/api/v1/types", json=type_definition(name), headers=headers)
    assert res.status_code == 201, res.get_json()
    rng = random.Random(7)
    for start in range(0, rows, 1000):
        batch = [{"fields": make_values(rng, i)} for i in range(start, min(rows, start + 1000))]
        res = client.post(f"/api/v1/records/{name}/batch", json={"records": batch}, headers=headers)
        assert res.status_code in (200, 201), res.get_json()
    with plat.sessions.begin() as s:
        td = plat.schema_cache.get(s).get(name)
    columns = {f.name: f.column_name for f in td.fields if f.column_name and not f.ftype.system_column}
    with plat.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        from sqlalchemy import text
        conn.execute(text("ANALYZE"))
    plat.engine.dispose()
    return {"database_url": url, "table": td.table.name, "columns": columns,
            "sort_column": columns["amount"], "type": name, "token": token, "rows": rows}


def start(cmd: list[str], env: dict, cwd: Path, port: int, log: Path) -> subprocess.Popen:
    out = open(log, "w")
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/nothing")
            c.getresponse().read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()[-2000:])
            time.sleep(0.2)
    raise RuntimeError(f"no answer on {port}: {log.read_text()[-2000:]}")


def _client(args: tuple) -> list[float]:
    """One client process: its own connection, requests for ``seconds``; latencies in ms."""
    port, prefix, op, token, seconds, ids, seed = args
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    versions: dict[int, int] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        body = None
        if op == "list":
            method, path = "GET", f"{prefix}?sort=amount&limit=50" if prefix.startswith("/api") else prefix
        elif op == "get":
            method, path = "GET", f"{prefix}/{rng.choice(ids)}"
        elif op == "create":
            method, path = "POST", prefix
            body = json.dumps({"fields": make_values(rng, rng.randrange(10**6))})
        else:
            rid = ids[len(out) % len(ids)]
            if rid not in versions:
                conn.request("GET", f"{prefix}/{rid}", headers=headers)
                versions[rid] = json.loads(conn.getresponse().read())["version"]
            method, path = "PATCH", f"{prefix}/{rid}"
            body = json.dumps({"version": versions[rid], "fields": {"amount": rng.randrange(10**6)}})
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        out.append((time.perf_counter() - t0) * 1000)
        if resp.status >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:300]!r}")
        if op == "update":
            versions[rid] = json.loads(data)["version"]
    conn.close()
    return out


def measure(pool: mp.Pool, port: int, prefix: str, op: str, token: str, seconds: float, conc: int,
            ids: list[int], seed: int) -> tuple[float, list[float]]:
    """(requests/s, latencies) of ``conc`` clients for ``seconds``; update clients get disjoint ids."""
    jobs = []
    for i in range(conc):
        mine = ids[i::conc] if op == "update" else ids
        jobs.append((port, prefix, op, token, seconds, mine, seed * 100 + i))
    results = pool.map(_client, jobs)
    lat = [x for r in results for x in r]
    return len(lat) / seconds, lat


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--seconds", type=float, default=3.0, help="per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ops", default=",".join(OPERATIONS))
    ap.add_argument("--concurrency", default="1,8")
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rb-server-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    print(f"preparing {args.rows:,} rows ...", flush=True)
    cfg = prepare(url, folder, args.rows)
    (folder / "config.json").write_text(json.dumps(cfg))
    env = dict(os.environ, RECORDBASE_DATABASE_URL=url, BENCH_CONFIG=str(folder / "config.json"),
               PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    p_rb, p_hw = free_port(), free_port()
    procs = [
        start([*recordbase_command(), "serve", "--port", str(p_rb), "--workers", str(args.workers),
               "--threads", str(args.threads), "--no-worker"], env, folder, p_rb, folder / "rb.log"),
        start([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{p_hw}", "-w", str(args.workers),
               "--threads", str(args.threads), "-k", "gthread" if args.threads > 1 else "sync",
               "handwritten_app:create_app()"], env, HERE, p_hw, folder / "hw.log"),
    ]
    targets = {"recordbase": (p_rb, f"/api/v1/records/{cfg['type']}"), "hand-written": (p_hw, "/records")}
    ids = list(range(1, min(args.rows, 5000) + 1))
    results: dict[tuple, list] = {}
    try:
        with mp.get_context("fork").Pool(max(int(c) for c in args.concurrency.split(","))) as pool:
            for conc in (int(c) for c in args.concurrency.split(",")):
                for op in args.ops.split(","):
                    for r in range(args.rounds):
                        for name, (port, prefix) in targets.items():
                            rps, lat = measure(pool, port, prefix, op, cfg["token"], args.seconds, conc, ids, r)
                            results.setdefault((conc, op, name), []).append((rps, lat))
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
        if args.database_url:
            from sqlalchemy import create_engine, text
            eng = create_engine(url)
            with eng.begin() as c:
                c.execute(text(f"DROP TABLE IF EXISTS {cfg['table']}"))
            eng.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    dialect = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"\n{dialect}, {args.rows:,} rows, gunicorn --workers {args.workers} --threads {args.threads}, "
          f"{args.rounds} interleaved rounds of {args.seconds:g} s")
    print(f"{'conc':>4} {'op':<7} {'server':<13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for conc in (int(c) for c in args.concurrency.split(",")):
        for op in args.ops.split(","):
            row = {}
            for name in targets:
                runs = results[(conc, op, name)]
                lat = [x for _, l in runs for x in l]
                row[name] = (statistics.mean(r for r, _ in runs), pct(lat, 0.5), pct(lat, 0.99))
                print(f"{conc:>4} {op:<7} {name:<13} {row[name][0]:>8.0f} {row[name][1]:>8.2f} {row[name][2]:>8.2f}")
            rb, hw = row["recordbase"], row["hand-written"]
            print(f"{'':>4} {'':<7} {'ratio':<13} {rb[0] / hw[0]:>7.2f}x {rb[1] / hw[1]:>7.2f}x {rb[2] / hw[2]:>7.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
