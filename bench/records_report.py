"""The results of ``bench/records.py`` and their report against the targets of issue 2."""
from __future__ import annotations

import os
import platform as pyplatform
from dataclasses import dataclass, field
from typing import Optional

TARGET_INSERT = 0.5   # store rate / raw rate, at least
TARGET_API = 3.0      # API page time / raw SQL time, at most
TARGET_SCALING = 1.5  # page time at N / page time at the smallest N, at most


@dataclass
class Result:
    rows: int
    store_rows: int = 0
    store_rate: float = 0.0
    raw_rate: float = 0.0
    many_rate: float = 0.0
    raw_runs: list[float] = field(default_factory=list)  # seconds per insert round (the rate is the best)
    many_runs: list[float] = field(default_factory=list)
    api_ms: float = 0.0
    raw_sql_ms: float = 0.0
    floor_ms: float = 0.0  # an authenticated request that reads no record
    admin_ms: Optional[float] = None
    admin_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def insert_ratio(self) -> float:
        """The record store's best path (create_many when the store has it) against raw executemany."""
        best = self.many_rate or self.store_rate
        return best / self.raw_rate if self.raw_rate else 0.0

    @property
    def api_ratio(self) -> float:
        return self.api_ms / self.raw_sql_ms if self.raw_sql_ms else 0.0


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def report(results: list[Result], backend: str) -> bool:
    print()
    print(f"Recordbase benchmark: {backend}, Python {pyplatform.python_version()}, {os.cpu_count()} CPUs")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load > (os.cpu_count() or 1) * 0.75:
        print(f"WARNING: load average {load:.1f} on {os.cpu_count()} CPUs: other work competed for the CPU; "
              "timings are inflated and noisy")
    print("(a) insert, 1,000 records per transaction, vs Core executemany into an identical hand-made table")
    print(f"    {'rows':>10} {'path':<22} {'rows/s':>10} {'raw rows/s':>11} {'ratio':>7}")
    all_ok = True
    for r in results:
        if r.many_rate:  # always (the store has create_many)
            ok = r.insert_ratio >= TARGET_INSERT
            all_ok &= ok
            print(f"    {r.rows:>10,} {'store.create_many':<22} {r.many_rate:>10,.0f} {r.raw_rate:>11,.0f} "
                  f"{r.many_rate / r.raw_rate:>6.2f}x  target >= {TARGET_INSERT}x: {verdict(ok)}")
            if len(r.many_runs) > 1:
                print(f"    {'':>10} best of {len(r.many_runs)} alternating rounds; seconds per round: raw "
                      + ", ".join(f"{x:.3f}" for x in r.raw_runs) + "; create_many "
                      + ", ".join(f"{x:.3f}" for x in r.many_runs))
            print(f"    {'':>10} {'store.create (1 by 1)':<22} {r.store_rate:>10,.0f} {'':>11} "
                  f"{r.store_rate / r.raw_rate:>6.2f}x  (per-record path{'; ' + '; '.join(r.notes) if r.notes else ''})")
    print("(b) GET /api/v1/records/<type>: 50 rows, filter status=eq, sort by the indexed number; median")
    print(f"    {'rows':>10} {'API ms':>9} {'raw SQL ms':>11} {'ratio':>7}  target <= {TARGET_API}x")
    for r in results:
        ok = r.api_ratio <= TARGET_API
        all_ok &= ok
        print(f"    {r.rows:>10,} {r.api_ms:>9.2f} {r.raw_sql_ms:>11.3f} {r.api_ratio:>6.1f}x  {verdict(ok)}"
              f"   (GET /api/v1/me, no records: {r.floor_ms:.2f} ms = {r.floor_ms / r.raw_sql_ms:.1f}x)")
    print("(c) admin list page /admin/records/<type>/ (signed in); median")
    for r in results:
        shown = f"{r.admin_ms:9.2f} ms" if r.admin_ms is not None else f"      n/a ({r.admin_note})"
        print(f"    {r.rows:>10,} {shown}")
    base = results[0]
    if len(results) > 1:
        print(f"Scaling: page time at N vs at {base.rows:,} rows; target <= {TARGET_SCALING}x")
        for r in results[1:]:
            api_x = r.api_ms / base.api_ms
            ok = api_x <= TARGET_SCALING
            all_ok &= ok
            line = f"    {r.rows:>10,}  API {api_x:5.2f}x {verdict(ok)}"
            if r.admin_ms is not None and base.admin_ms is not None:
                admin_x = r.admin_ms / base.admin_ms
                ok = admin_x <= TARGET_SCALING
                all_ok &= ok
                line += f"   admin {admin_x:5.2f}x {verdict(ok)}"
            else:
                all_ok = False
                line += "   admin n/a"
            print(line)
    print("All targets met." if all_ok else "Some targets are NOT met (see above).")
    return all_ok
