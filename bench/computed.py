"""Computed-field recompute cost (issue 3, deliverable 7): child writes with and without a rollup.

    python bench/computed.py                                   # 1,000 parents x 100 children, 10,000 updates, SQLite
    python bench/computed.py --parents 100 --updates 1000      # smaller
    python bench/computed.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    python bench/computed.py --link many                       # parents list their children in a many-link
    python bench/computed.py --profile                         # where the time of a computed write goes

Two identical schemas, each a parent type and a child type (name, amount, link to the parent):
the computed one adds to the parent a rollup ``total`` (sum of the children's amount) and a formula
over it (``band``). By default the parent aggregates its children through the reverse side of the
child's one-link (``options.link = "child.parent"``); ``--link many`` links the other way, with a
many-link on the parent. Each schema gets N parents with M children each, then the same random
child updates run through ``RecordStore.update``, one transaction each, alternating between the two
schemas so background load affects both alike. It reports the time per child write (median and
mean) with and without computed fields (target: at most 2x), and the number of SQL statements per
child write, which must be the same for every write (incremental recompute: constant, independent of
how many children a parent has) — it is also measured on a parent with 10x as many children.

A database given with --database-url is upgraded and gets the benchmark's types, which are purged
at the end (--keep keeps them).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform as pyplatform
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from sqlalchemy import event, func, insert, select

from recordbase import create_app
from recordbase.auth import create_user, find_user
from recordbase.context import platform
from recordbase.database_setup import upgrade_database
from recordbase.metamodel.runtime import SchemaCache
from recordbase.metamodel.service import MetamodelService
from recordbase.storage import RecordStore
from bench_app import release  # noqa: E402  (beside this script)

TARGET_RATIO = 2.0
BENCH_EMAIL = "bench@example.com"
INSERT_CHUNK = 2000


@dataclass
class Side:
    """One schema: its type names, record ids, and what its writes cost."""

    label: str
    parent: str
    child: str
    parent_ids: list[int] = field(default_factory=list)
    child_ids: list[int] = field(default_factory=list)
    child_parent: dict[int, int] = field(default_factory=dict)
    amounts: dict[int, int] = field(default_factory=dict)  # child id -> its current amount
    times: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)


class Bench:
    def __init__(self, url: str, instance: Path, link: str, seed: int):
        self.url, self.link, self.rng = url, link, random.Random(seed)
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance)})
        self.engine = platform(self.app).engine
        self.sessions = platform(self.app).sessions
        upgrade_database(self.engine)
        with self.sessions.begin() as s:
            user = find_user(s, BENCH_EMAIL) or create_user(s, BENCH_EMAIL, "bench-password-123", role="owner")
            self.user_id = user.id
        self.cache = SchemaCache()
        self.suffix = uuid.uuid4().hex[:6]
        self.created: list[str] = []
        self._count = 0
        event.listen(self.engine, "before_cursor_execute", self._on_statement)

    def _on_statement(self, *args, **kw) -> None:
        self._count += 1

    # -- set-up ----------------------------------------------------------------------------
    def make_schema(self, label: str, computed: bool) -> Side:
        side = Side(label, f"bparent_{label}_{self.suffix}", f"bchild_{label}_{self.suffix}")
        with self.sessions.begin() as s:
            svc = MetamodelService(s)
            svc.create_type({"name": side.parent, "label": f"Bench parent {label}",
                             "fields": [{"name": "name", "label": "Name", "type": "text"}]})
            self.created.append(side.parent)
            child_fields = [{"name": "name", "label": "Name", "type": "text"},
                            {"name": "amount", "label": "Amount", "type": "number"}]
            if self.link == "reverse":
                child_fields.append({"name": "parent", "label": "Parent", "type": "link",
                                     "options": {"target": side.parent}})
            svc.create_type({"name": side.child, "label": f"Bench child {label}", "fields": child_fields})
            self.created.append(side.child)
            if self.link == "many":
                svc.add_field(side.parent, {"name": "children", "label": "Children", "type": "link",
                                            "options": {"target": side.child, "many": True, "on_delete": "unlink"}})
        return side

    def add_computed(self, side: Side) -> float:
        """Add the rollup and the formula to the parent (backfilling every parent); the seconds it took."""
        link = f"{side.child}.parent" if self.link == "reverse" else "children"
        t0 = time.perf_counter()
        with self.sessions.begin() as s:
            svc = MetamodelService(s)
            svc.add_field(side.parent, {"name": "total", "label": "Total", "type": "rollup",
                                        "options": {"link": link, "target_field": "amount", "function": "sum"}})
            svc.add_field(side.parent, {"name": "band", "label": "Band", "type": "formula",
                                        "options": {"expression": 'IF({total} >= 5000, "high", IF({total} >= 2500, '
                                                                  '"medium", "low"))'}})
        return time.perf_counter() - t0

    def populate(self, side: Side, parents: int, children: int, extra_children: int = 0) -> None:
        """Bulk-insert the rows (Core executemany): set-up, not what is measured.

        The last parent gets ``extra_children`` more children (the statement-count check)."""
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        system = {"version": 1, "created_at": now, "updated_at": now, "created_by": self.user_id,
                  "updated_by": self.user_id}
        with self.sessions.begin() as s:
            schema = self.cache.get(s)
            pt, ct = schema.get(side.parent), schema.get(side.child)
            pname = pt.field("name").column_name
            cname, camount = ct.field("name").column_name, ct.field("amount").column_name
            start = s.scalar(select(func.coalesce(func.max(pt.table.c.id), 0)))
            s.execute(insert(pt.table), [{pname: f"parent {i}", **system} for i in range(parents)])
            side.parent_ids = list(s.scalars(select(pt.table.c.id).where(pt.table.c.id > start).order_by(pt.table.c.id)))
            plan = [(pid, k) for pid in side.parent_ids for k in range(children)]
            plan += [(side.parent_ids[-1], children + k) for k in range(extra_children)]
            cstart = s.scalar(select(func.coalesce(func.max(ct.table.c.id), 0)))
            clink = ct.field("parent").column_name if self.link == "reverse" else None
            rows = []
            for n, (pid, k) in enumerate(plan):
                row = {cname: f"child {pid}-{k}", camount: (n * 37) % 100, **system}  # the same on both sides
                if clink:
                    row[clink] = pid
                rows.append(row)
            for i in range(0, len(rows), INSERT_CHUNK):
                s.execute(insert(ct.table), rows[i:i + INSERT_CHUNK])
            ids = list(s.scalars(select(ct.table.c.id).where(ct.table.c.id > cstart).order_by(ct.table.c.id)))
            side.child_ids = ids
            side.child_parent = {cid: pid for cid, (pid, _) in zip(ids, plan)}
            side.amounts = {cid: (n * 37) % 100 for n, cid in enumerate(ids)}
            if self.link == "many":
                j = pt.junctions["children"]
                pos: Counter = Counter()
                links = []
                for cid, (pid, _) in zip(ids, plan):
                    links.append({"source_id": pid, "target_id": cid, "position": pos[pid]})
                    pos[pid] += 1
                for i in range(0, len(links), INSERT_CHUNK):
                    s.execute(insert(j), links[i:i + INSERT_CHUNK])

    # -- the measured write ----------------------------------------------------------------
    def write(self, side: Side, child_id: int, amount: int, record: bool = True) -> tuple[float, int]:
        """Update one child's amount (always to a new value, so that the parent's total changes)."""
        if amount == side.amounts[child_id]:
            amount = (amount + 1) % 100
        side.amounts[child_id] = amount
        self._count = 0
        t0 = time.perf_counter()
        with self.sessions.begin() as s:
            store = RecordStore(s, self.cache.get(s), user_id=self.user_id)
            store.update(side.child, child_id, {"amount": amount})
        elapsed = time.perf_counter() - t0
        n = self._count
        if record:
            side.times.append(elapsed)
            side.statements.append(n)
        return elapsed, n

    def run_updates(self, plain: Side, comp: Side, updates: int, children: int) -> None:
        n_regular = len(plain.parent_ids) * children  # the extra children of the last parent are not updated here
        picks = [(self.rng.randrange(n_regular), self.rng.randrange(0, 100)) for _ in range(updates)]
        for k in range(min(20, updates)):  # warm up both (statement caches, schema cache)
            i, amount = picks[k]
            self.write(plain, plain.child_ids[i], amount, record=False)
            self.write(comp, comp.child_ids[i], amount, record=False)
        for n, (i, amount) in enumerate(picks):
            first, second = (plain, comp) if n % 2 == 0 else (comp, plain)
            self.write(first, first.child_ids[i], amount)
            self.write(second, second.child_ids[i], amount)

    def statements_on_big_parent(self, side: Side, children: int) -> tuple[int, int]:
        """Statements for one write to a child of a regular parent and of the parent with 10x the children."""
        small_child = side.child_ids[0]
        big_child = side.child_ids[-1]
        return self.write(side, small_child, 1, record=False)[1], self.write(side, big_child, 1, record=False)[1]

    def verify(self, side: Side, sample: int = 50) -> int:
        """Parents whose stored total differs from the children's sum, on a sample (0 = all correct)."""
        bad = 0
        with self.sessions.begin() as s:
            schema = self.cache.get(s)
            pt, ct = schema.get(side.parent), schema.get(side.child)
            amount = ct.table.c[ct.field("amount").column_name]
            total_col = pt.table.c[pt.field("total").column_name]
            band_col = pt.table.c[pt.field("band").column_name]
            for pid in self.rng.sample(side.parent_ids, min(sample, len(side.parent_ids))):
                kids = [c for c, p in side.child_parent.items() if p == pid]
                want = sum(s.scalars(select(amount).where(ct.table.c.id.in_(kids))))
                got, band = s.execute(select(total_col, band_col).where(pt.table.c.id == pid)).one()
                want_band = "high" if want >= 5000 else "medium" if want >= 2500 else "low"
                if got != want or band != want_band:
                    bad += 1
        return bad

    sort = "cumulative"

    def profile(self, side: Side, n: int) -> str:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            i = self.rng.randrange(len(side.child_ids))
            self.write(side, side.child_ids[i], self.rng.randrange(100), record=False)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(self.sort).print_stats(40)
        return out.getvalue()

    def cleanup(self) -> None:
        for name in reversed(self.created):
            with self.sessions.begin() as s:
                svc = MetamodelService(s)
                svc.delete_type(name)
                svc.purge_type(name)


def summary(times: list[float]) -> tuple[float, float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), statistics.fmean(ms), ms[int(len(ms) * 0.95) - 1] if ms else 0.0


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", help="PostgreSQL (or SQLite) URL; default: a temporary SQLite file")
    ap.add_argument("--parents", type=int, default=1000)
    ap.add_argument("--children", type=int, default=100, help="children per parent")
    ap.add_argument("--updates", type=int, default=10_000, help="child updates per schema")
    ap.add_argument("--link", choices=("reverse", "many"), default="reverse",
                    help="reverse: the child's one-link, aggregated from its reverse side (default); "
                         "many: a many-link on the parent")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of 1,000 computed child writes")
    ap.add_argument("--profile-sort", default="cumulative", help="pstats sort key for --profile (e.g. tottime)")
    ap.add_argument("--keep", action="store_true", help="keep the types (and the temporary SQLite file)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="recordbase-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    backend = url.split(":", 1)[0] + ("" if args.database_url else f" (temporary file {tmp / 'bench.db'})")
    bench = Bench(url, tmp / "instance", args.link, args.seed)
    bench.sort = args.profile_sort
    try:
        t0 = time.perf_counter()
        plain = bench.make_schema("plain", computed=False)
        comp = bench.make_schema("computed", computed=True)
        extra = args.children * 9  # one parent with 10x the children, for the statement-count check
        bench.populate(plain, args.parents, args.children, extra)
        bench.populate(comp, args.parents, args.children, extra)
        setup = time.perf_counter() - t0
        backfill = bench.add_computed(comp)
        t0 = time.perf_counter()
        bench.run_updates(plain, comp, args.updates, args.children)
        run = time.perf_counter() - t0
        small, big = bench.statements_on_big_parent(comp, args.children)
        plain_small, plain_big = bench.statements_on_big_parent(plain, args.children)
        wrong = bench.verify(comp)
        prof = bench.profile(comp, min(1000, args.updates)) if args.profile else ""
    finally:
        release(bench, tmp, args.database_url, args.keep)

    p_med, p_mean, p95 = summary(plain.times)
    c_med, c_mean, c95 = summary(comp.times)
    ratio_med, ratio_mean = c_med / p_med, c_mean / p_mean
    stmts_plain, stmts_comp = sorted(set(plain.statements)), sorted(set(comp.statements))
    constant = len(stmts_comp) == 1 and small == big
    ok_ratio = ratio_mean <= TARGET_RATIO and ratio_med <= TARGET_RATIO
    print()
    print(f"Recordbase computed-field benchmark: {backend}, Python {pyplatform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    print(f"{args.parents:,} parents x {args.children:,} children (+1 parent with {args.children + extra:,}); "
          f"link: {args.link}; {args.updates:,} random child updates per schema through RecordStore.update, "
          f"one transaction each (set-up {setup:.1f} s, run {run:.1f} s)")
    print(f"Computed schema: parent.total = rollup sum(child.amount), parent.band = formula IF({{total}} ...); "
          f"adding both backfilled {args.parents:,} parents in {backfill:.2f} s")
    print()
    print(f"  {'per child write':<28} {'median ms':>10} {'mean ms':>9} {'p95 ms':>8} {'SQL statements':>15}")
    print(f"  {'no computed fields':<28} {p_med:>10.3f} {p_mean:>9.3f} {p95:>8.3f} "
          f"{'/'.join(map(str, stmts_plain)):>15}")
    print(f"  {'rollup + formula on parent':<28} {c_med:>10.3f} {c_mean:>9.3f} {c95:>8.3f} "
          f"{'/'.join(map(str, stmts_comp)):>15}")
    print(f"  {'ratio':<28} {ratio_med:>9.2f}x {ratio_mean:>8.2f}x {c95 / p95:>7.2f}x "
          f"{'+' + str(stmts_comp[0] - stmts_plain[0]) if stmts_comp and stmts_plain else '':>15}")
    print()
    print(f"  time ratio (computed / plain), target <= {TARGET_RATIO}x: "
          f"{'met' if ok_ratio else 'NOT MET'} (median {ratio_med:.2f}x, mean {ratio_mean:.2f}x)")
    print(f"  SQL statements per child write: {'constant' if constant else 'NOT constant'} — "
          f"{'/'.join(map(str, stmts_comp))} over {len(comp.statements):,} writes; a child of a parent with "
          f"{args.children:,} children: {small}, with {args.children + extra:,}: {big} "
          f"(no computed fields: {plain_small} and {plain_big})")
    print(f"  stored totals checked against SUM() on 50 random parents: "
          f"{'all correct' if not wrong else f'{wrong} WRONG'}")
    if prof:
        print()
        print(prof)
    return 0 if ok_ratio and constant and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
