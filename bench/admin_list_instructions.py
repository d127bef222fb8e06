"""Instructions per request (callgrind: deterministic on a shared machine) of the admin list page
against the stock Flask-Admin view of ``bench/admin_list.py``, over the same table (issue 20 §3).

    python bench/admin_list_instructions.py                    # 10,000 records, temporary SQLite file
    python bench/admin_list_instructions.py --rows 100000 --requests 20
    python bench/admin_list_instructions.py --database-url postgresql://postgres@127.0.0.1:5432/bench

The records are made once (``admin_list.Bench``); then each page runs in a process of its own under
``valgrind --tool=callgrind --instr-atstart=no``: the app is built, signed in and warmed up
uninstrumented, then ``--requests`` pages are counted (the helper of ``request_instructions.py``).
Requests go through Flask's test client for both pages, as in ``admin_list.py``. On PostgreSQL the
server's work is not in the figure; SQLite's is (it runs in the process).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def child(folder: Path, page: str, requests: int, warmup: int) -> None:
    """Under valgrind: build the app and the page uninstrumented, then count ``requests`` pages."""
    from admin_list import Bench
    from request_instructions import helper

    cfg = json.loads((folder / "config.json").read_text())
    lib = helper(folder)
    bench = Bench(cfg["url"], folder / "instance", 1, parties=False)
    call = bench.ours(cfg["rich"]) if page == "ours" else bench.stock(cfg["rich"])
    for _ in range(warmup):
        call()
    lib.rb_start()
    for _ in range(5):  # (instrumented code is translated anew: not counted)
        call()
    lib.rb_zero()
    for _ in range(requests):
        call()
    lib.rb_dump()


def under_valgrind(folder: Path, page: str, requests: int, warmup: int) -> float:
    from request_instructions import callgrind

    return callgrind(folder, __file__, page, [page, str(requests), str(warmup)], requests)


def main(argv: Any = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--database-url")
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        folder, page, requests, warmup = args.child
        child(Path(folder), page, int(requests), int(warmup))
        return 0
    from admin_list import Bench

    folder = Path(tempfile.mkdtemp(prefix="rb-bench-admin-instr-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    bench = Bench(url, folder / "instance", 1)
    rich, _plain = bench.make(args.rows)
    bench.plat.engine.dispose()
    (folder / "config.json").write_text(json.dumps({"url": url, "rich": rich}))
    ours = under_valgrind(folder, "ours", args.requests, args.warmup)
    stock = under_valgrind(folder, "stock", args.requests, args.warmup)
    print(f"{args.rows:>9,} records: our list {ours / 1e6:5.2f} M instructions a page, stock ModelView "
          f"{stock / 1e6:5.2f} M (ours/stock {ours / stock:4.2f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
