"""Backfill: adding (or changing) a computed field fills it on every existing record, in batches."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import func, insert, select

N = 10_000
PARENTS = 100
LIMIT_SECONDS = 30  # the issue asks for "reasonable"; SQLite does this in a few seconds


def bulk_rows(svc, type_name: str, rows: list[dict]) -> None:
    """Insert raw rows (API names -> values) straight into the type's table: fast set-up for big tables."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with svc.store() as st:
        t = st.type(type_name)
        data = [{**{t.field(k).column_name: v for k, v in r.items()}, "version": 1, "created_at": now,
                 "updated_at": now} for r in rows]
        for i in range(0, len(data), 1000):
            st.session.execute(insert(t.table), data[i:i + 1000])


def column_values(svc, type_name: str, field: str) -> list:
    with svc.store() as st:
        t = st.type(type_name)
        return list(st.session.scalars(select(t.column(t.field(field))).order_by(t.table.c.id)))


def test_backfill_10k_records(svc, capsys):
    svc.create_type("account", [{"name": "name", "label": "Name", "type": "text"}])
    svc.create_type("line", [{"name": "qty", "label": "Qty", "type": "number"},
                             {"name": "price", "label": "Price", "type": "number"},
                             {"name": "account", "label": "Account", "type": "link", "options": {"target": "account"}}])
    bulk_rows(svc, "account", [{"name": f"a{i}"} for i in range(PARENTS)])
    bulk_rows(svc, "line", [{"qty": i % 7, "price": (i % 13) + 0.5, "account": (i % PARENTS) + 1} for i in range(N)])
    timings = {}

    t0 = time.perf_counter()
    svc.add_field("line", {"name": "amount", "label": "Amount", "type": "formula",
                           "options": {"expression": "{qty} * {price}"}})
    timings["formula on 10,000 lines"] = time.perf_counter() - t0
    amounts = column_values(svc, "line", "amount")
    assert len(amounts) == N and amounts[:3] == [0, 1.5, 5] and amounts[-1] == ((N - 1) % 7) * (((N - 1) % 13) + 0.5)

    t0 = time.perf_counter()
    svc.add_field("account", {"name": "total", "label": "Total", "type": "rollup",
                              "options": {"link": "line.account", "target_field": "amount", "function": "sum"}})
    timings["rollup on 100 accounts over 10,000 lines"] = time.perf_counter() - t0
    totals = column_values(svc, "account", "total")
    want = [sum((i % 7) * ((i % 13) + 0.5) for i in range(p, N, PARENTS)) for p in range(PARENTS)]
    assert totals == want

    t0 = time.perf_counter()
    svc.add_field("line", {"name": "account_name", "label": "Account name", "type": "lookup",
                           "options": {"link": "account", "target_field": "name"}})
    timings["lookup on 10,000 lines"] = time.perf_counter() - t0
    names = column_values(svc, "line", "account_name")
    assert names[0] == "a0" and names[-1] == f"a{(N - 1) % PARENTS}"

    # changing the lines' formula refreshes all 10,000 and, through them, every account's rollup
    t0 = time.perf_counter()
    with svc.meta() as m:
        m.update_field("line", "amount", {"options": {"expression": "{qty} * {price} * 2"}})
    timings["formula change on 10,000 lines + 100 rollups"] = time.perf_counter() - t0
    assert column_values(svc, "account", "total") == [w * 2 for w in want]

    with capsys.disabled():
        print()
        for what, secs in timings.items():
            print(f"  backfill: {what}: {secs:.2f} s")
    assert all(secs < LIMIT_SECONDS for secs in timings.values()), timings
    with svc.store() as st:
        t = st.type("line")
        assert st.session.scalar(select(func.count()).select_from(t.table).where(t.column(t.field("amount")).is_(None))) == 0
