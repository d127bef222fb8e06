"""Instructions per request (callgrind: deterministic on a shared machine) of the API's list page,
get-one, create and update against the hand-written view of ``bench/server.py``
(``handwritten_app.py``), each WSGI app called in-process the way gunicorn calls it (a WSGI environ,
the body iterated and closed).

    python bench/request_instructions.py                      # list and get, 10,000 rows, SQLite file
    python bench/request_instructions.py --ops create,update  # the writes
    python bench/request_instructions.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    python bench/request_instructions.py --profile list       # also keep callgrind's profile of it
    python bench/request_instructions.py --no-valgrind        # wall-clock medians, interleaved

The data are made once through the product (``server.prepare``); then each (app, operation) runs in
a process of its own under ``valgrind --tool=callgrind --instr-atstart=no``: the app is built and
warmed up uninstrumented, then ``--requests`` requests are counted between callgrind client
requests (a tiny C helper compiled on the fly with the system's ``cc`` and valgrind's headers).
The figure is instructions per request of the Python process (the database server's work on
PostgreSQL is not in it; SQLite's is, as it runs in the process).

A create POSTs one fixed valid body (``records_data.make_values``, as ``server.py`` sends; every
request makes a new record). An update PATCHes ``amount`` of record ``i`` with the version it has:
the versions are read (uninstrumented, through the app's GET) before counting, and each 200 adds one,
so no response is parsed inside the count.
"""
from __future__ import annotations

import argparse
import ctypes
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

HELPER_C = r"""
#include <valgrind/callgrind.h>
void rb_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void rb_zero(void) { CALLGRIND_ZERO_STATS; }
void rb_dump(void) { CALLGRIND_DUMP_STATS_AT("measured"); }
"""

OPS = ("list", "get")
ALL_OPS = ("list", "get", "create", "update")


def helper(folder: Path) -> ctypes.CDLL:
    lib = folder / "rb_callgrind.so"
    if not lib.exists():
        src = folder / "rb_callgrind.c"
        src.write_text(HELPER_C)
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(lib), str(src)], check=True)
    return ctypes.CDLL(str(lib))


def make_app(cfg: dict, target: str, folder: Path) -> Any:
    if target == "recordbase":
        from recordbase import create_app

        return create_app({"DATABASE_URL": cfg["database_url"], "INSTANCE_PATH": str(folder / "instance"),
                           "SECRET_KEY": "bench"})
    os.environ["BENCH_CONFIG"] = str(folder / "config.json")
    from handwritten_app import create_app as handwritten

    return handwritten()


def caller(app: Any, cfg: dict, target: str, op: str) -> Callable[[int], int]:
    """A function running one request (of record id ``i`` for a get or an update) through ``app`` as
    gunicorn would, answering the status code."""
    from werkzeug.test import EnvironBuilder

    from records_data import make_values

    prefix = f"/api/v1/records/{cfg['type']}" if target == "recordbase" else "/records"
    headers = {"Authorization": f"Bearer {cfg['token']}", "Host": "127.0.0.1"}
    base = EnvironBuilder(path=prefix, headers=headers).get_environ()

    def environ_for(path: str, query: str) -> dict:
        uri = f"{path}?{query}" if query else path
        return dict(base, PATH_INFO=path, QUERY_STRING=query, REQUEST_URI=uri, RAW_URI=uri)

    status = []
    chunks: list[bytes] = []

    def start_response(s: str, h: list, exc_info: Any = None) -> None:
        status.append(s)

    def run(env: dict, payload: bytes) -> int:
        env = dict(env, **{"wsgi.input": io.BytesIO(payload)})
        if payload:
            env.update(REQUEST_METHOD="POST" if op == "create" else "PATCH",
                       CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(payload)))
        body = app(env, start_response)
        try:
            for chunk in body:
                chunks.append(chunk)
        finally:
            if hasattr(body, "close"):
                body.close()
        return int(status.pop()[:3])

    created = json.dumps({"fields": make_values(random.Random(1), 1)}).encode()
    versions: dict[int, int] = {}

    def version(i: int) -> int:
        """(uninstrumented: see ``prime``) record ``i``'s version, read through the app."""
        chunks.clear()
        code = run(environ_for(f"{prefix}/{i}", ""), b"")
        assert code == 200, (code, b"".join(chunks)[:300])
        return json.loads(b"".join(chunks))["version"]

    def call(i: int) -> int:
        chunks.clear()
        if op == "list":
            return run(environ_for(prefix, "sort=amount&limit=50" if target == "recordbase" else ""), b"")
        if op == "create":
            return run(environ_for(prefix, ""), created)
        if op == "update":
            if i not in versions:
                versions[i] = version(i)
            amount = (i * 7919 + versions[i]) % 10**6
            payload = b'{"version": %d, "fields": {"amount": %d}}' % (versions[i], amount)
            code = run(environ_for(f"{prefix}/{i}", ""), payload)
            versions[i] += code == 200
            return code
        return run(environ_for(f"{prefix}/{i}", ""), b"")

    def prime(ids: Any) -> None:
        """Read the versions of the records an update will write, before anything is counted."""
        for i in ids if op == "update" else ():
            if i not in versions:
                versions[i] = version(i)

    call.prime = prime  # type: ignore[attr-defined]
    return call


def child(folder: Path, target: str, op: str, requests: int, warmup: int) -> None:
    """Under valgrind: build and warm the app uninstrumented, then count ``requests`` requests."""
    cfg = json.loads((folder / "config.json").read_text())
    lib = helper(folder)
    app = make_app(cfg, target, folder)
    call = caller(app, cfg, target, op)
    ids = list(range(1, min(cfg["rows"], 5000) + 1))
    rng = random.Random(1)
    ok = 201 if op == "create" else 200
    warm = [rng.choice(ids) for k in range(warmup + 20)]
    counted = [ids[(k * 7919) % len(ids)] for k in range(requests)]
    call.prime(warm + counted)  # type: ignore[attr-defined]
    for i in warm[:warmup]:
        assert call(i) == ok
    lib.rb_start()
    for i in warm[warmup:]:  # (instrumented code is translated anew: not counted)
        call(i)
    lib.rb_zero()
    codes = [call(i) for i in counted]
    lib.rb_dump()
    if set(codes) != {ok}:
        raise SystemExit(f"{target} {op}: statuses {sorted(set(codes))}, expected {ok}")


def instructions(out_file: Path) -> int:
    for line in out_file.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no total in {out_file}")


def callgrind(folder: Path, script: str, name: str, child_args: list[str], requests: int,
              keep: Path | None = None) -> float:
    """Instructions per request of ``script --child <folder> <child_args>`` run under callgrind (its
    counted part: ``requests`` requests between the helper's calls); ``keep``: a folder to copy the
    profile to (``callgrind.<name>.out``)."""
    out = folder / f"cg.{name}"
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p",
           sys.executable, script, "--child", str(folder), *child_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONHASHSEED="0"))
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    dumps = sorted(folder.glob(f"cg.{name}.*.1"))
    if not dumps:
        raise RuntimeError(f"no callgrind dump: {proc.stderr[-2000:]}")
    if keep is not None:
        shutil.copy(dumps[-1], keep / f"callgrind.{name}.out")
    total = instructions(dumps[-1])
    for f in folder.glob(f"cg.{name}.*"):
        f.unlink()
    return total / requests


def under_valgrind(folder: Path, target: str, op: str, requests: int, warmup: int, keep: Path | None) -> float:
    return callgrind(folder, __file__, f"{target}.{op}", [target, op, str(requests), str(warmup)], requests, keep)


def wall_clock(folder: Path, cfg: dict, ops: list[str], repeat: int) -> dict:
    calls = {}
    for target in ("recordbase", "hand-written"):
        app = make_app(cfg, "recordbase" if target == "recordbase" else "handwritten", folder)
        for op in ops:
            calls[(op, target)] = caller(app, cfg, "recordbase" if target == "recordbase" else "handwritten", op)
    times: dict = {k: [] for k in calls}
    n = min(cfg["rows"], 5000)
    for k, fn in calls.items():
        fn.prime(range(1, n + 1))  # type: ignore[attr-defined]
        for i in range(30):
            fn(i + 1)
    for r in range(repeat):
        for k, fn in calls.items():
            t0 = time.perf_counter()
            fn(1 + (r * 7919) % n)
            times[k].append((time.perf_counter() - t0) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        folder, target, op, requests, warmup = argv[1:6]
        child(Path(folder), target, op, int(requests), int(warmup))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--ops", default=",".join(OPS), help=f"any of {','.join(ALL_OPS)}")
    ap.add_argument("--requests", type=int, default=200, help="requests counted per (app, operation)")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--profile", default="", help="operations whose callgrind profiles are kept (in the cwd)")
    ap.add_argument("--no-valgrind", action="store_true", help="wall-clock medians in-process instead")
    ap.add_argument("--repeat", type=int, default=500, help="(--no-valgrind) timed runs of each")
    ap.add_argument("--folder", help="reuse (or make and keep) the prepared data in this folder")
    args = ap.parse_args(argv)
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="rb-instr-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    ops = args.ops.split(",")
    if (folder / "config.json").exists():
        cfg = json.loads((folder / "config.json").read_text())
    else:
        from server import prepare

        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        print(f"preparing {args.rows:,} rows ...", flush=True)
        cfg = prepare(url, folder, args.rows)
        (folder / "config.json").write_text(json.dumps(cfg))
    dialect = "postgresql" if cfg["database_url"].startswith("postgres") else "sqlite"
    try:
        if args.no_valgrind:
            result = wall_clock(folder, cfg, ops, args.repeat)
            print(f"\n{dialect}, {cfg['rows']:,} rows, median ms of {args.repeat} interleaved in-process requests")
            for op in ops:
                rb, hw = result[(op, "recordbase")], result[(op, "hand-written")]
                print(f"  {op:<6} recordbase {rb:7.3f} ms   hand-written {hw:7.3f} ms   ratio {rb / hw:5.2f}x")
            return 0
        keep = Path.cwd() if args.profile else None
        print(f"\n{dialect}, {cfg['rows']:,} rows, instructions per request (callgrind, {args.requests} requests)")
        for op in ops:
            rb = under_valgrind(folder, "recordbase", op, args.requests, args.warmup,
                                keep if op in args.profile.split(",") else None)
            hw = under_valgrind(folder, "handwritten", op, args.requests, args.warmup, None)
            print(f"  {op:<6} recordbase {rb / 1e6:6.3f} M   hand-written {hw / 1e6:6.3f} M   ratio {rb / hw:5.2f}x",
                  flush=True)
    finally:
        if not args.folder:
            if args.database_url:
                from sqlalchemy import create_engine, text

                eng = create_engine(cfg["database_url"])
                with eng.begin() as c:
                    c.execute(text(f"DROP TABLE IF EXISTS {cfg['table']}"))
                eng.dispose()
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
