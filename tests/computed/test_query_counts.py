"""Incremental recompute: one child write costs the same number of SQL statements whether its
parent has 10 children or 200 (no statement per sibling, no full recompute)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from recordbase.context import platform


@contextmanager
def counting(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _table(svc, type_name: str) -> str:
    return svc.schema().get(type_name).table.name


def _table_of(statement: str) -> str:
    """The table an UPDATE writes."""
    return statement.split()[1].strip('"')


def build(svc, mode: str) -> dict[str, int]:
    svc.create_type("parent", [{"name": "name", "label": "Name", "type": "text"}])
    child_fields = [{"name": "name", "label": "Name", "type": "text"},
                    {"name": "amount", "label": "Amount", "type": "number"}]
    if mode == "reverse":
        child_fields.append({"name": "parent", "label": "Parent", "type": "link", "options": {"target": "parent"}})
    svc.create_type("child", child_fields)
    link = "child.parent"
    if mode == "many":
        svc.add_field("parent", {"name": "children", "label": "Children", "type": "link",
                                 "options": {"target": "child", "many": True, "on_delete": "unlink"}})
        link = "children"
    svc.add_field("parent", {"name": "total", "label": "Total", "type": "rollup",
                             "options": {"link": link, "target_field": "amount", "function": "sum"}})
    svc.add_field("parent", {"name": "n", "label": "N", "type": "count", "options": {"link": link}})
    svc.add_field("parent", {"name": "band", "label": "Band", "type": "formula",
                             "options": {"expression": 'IF({total} > 1000, "big", "small")'}})
    ids = {}
    with svc.store() as st:
        for name, size in (("small", 10), ("large", 200)):
            pid = st.create("parent", {"name": name}).id
            kids = [st.create("child", {"name": f"{name}{i}", "amount": i, **({"parent": pid} if mode == "reverse" else {})}).id
                    for i in range(size)]
            if mode == "many":
                st.update("parent", pid, {"children": kids})
            ids[name], ids[name + "_child"] = pid, kids[3]
    return ids


@pytest.mark.parametrize("mode", ["reverse", "many"])
def test_child_write_statement_count_is_independent_of_sibling_count(app, svc, mode):
    ids = build(svc, mode)
    engine = platform(app).engine
    counts = {}
    for name in ("small", "large"):
        with svc.store() as st:
            before = st.get("parent", ids[name]).values["total"]
        with counting(engine) as stmts:
            with svc.store() as st:
                st.update("child", ids[name + "_child"], {"amount": 1003})
        counts[("update", name)] = len(stmts)
        with svc.store() as st:
            p = st.get("parent", ids[name]).values
            assert p["total"] == before + 1000 and p["band"] == "big"
        if mode == "reverse":
            with counting(engine) as stmts:
                with svc.store() as st:
                    st.create("child", {"name": "new", "amount": 1, "parent": ids[name]})
            counts[("create", name)] = len(stmts)
            # the parent's rollups are updated once; the new child is only inserted (it has nothing computed)
            assert [_table_of(s) for s in stmts if s.lstrip().upper().startswith("UPDATE")] == [_table(svc, "parent")]
        with counting(engine) as stmts:
            with svc.store() as st:
                st.delete("child", ids[name + "_child"])
        counts[("delete", name)] = len(stmts)
        with svc.store() as st:
            assert st.get("parent", ids[name]).values["total"] == before - 3 + (1 if mode == "reverse" else 0)
    print(counts)
    for op in ("update", "create", "delete"):
        if (op, "small") in counts:
            assert counts[(op, "small")] == counts[(op, "large")], (op, counts)
    assert counts[("update", "small")] <= 20, counts


def test_unrelated_write_costs_no_recompute_statements(app, svc):
    ids = build(svc, "reverse")
    engine = platform(app).engine
    with counting(engine) as with_dep:
        with svc.store() as st:
            st.update("child", ids["small_child"], {"amount": 5})
    with counting(engine) as without:
        with svc.store() as st:
            st.update("child", ids["small_child"], {"name": "renamed"})
    # the name is read by no computed field: nothing beyond the write itself
    assert len(without) < len(with_dep), (without, with_dep)
    assert not any("rb_rec_" in s and s.lstrip().upper().startswith("UPDATE") and "f_" in s and "version" not in s
                   for s in without), without


def test_a_batch_of_children_recomputes_their_parent_once(app, svc):
    """create_many (imports, the batch API) recomputes a parent's rollups once for the batch, not
    once per new child: the statement count does not grow with the batch, and the values are right."""
    ids = build(svc, "reverse")
    engine = platform(app).engine
    counts = {}
    for n in (20, 200):
        rows = [{"name": f"b{i}", "amount": 1, "parent": ids["large"]} for i in range(n)]
        with svc.store() as st:
            before = st.get("parent", ids["large"]).values
        with counting(engine) as stmts:
            with svc.store() as st:
                st.create_many("child", rows)
        with svc.store() as st:
            after = st.get("parent", ids["large"]).values
        assert after["total"] == before["total"] + n and after["n"] == before["n"] + n
        counts[n] = sum(1 for s in stmts if "rb_rec_" in s and s.lstrip().upper().startswith("SELECT"))
        # the new children are neither read back nor updated: only their parent is
        assert [_table_of(s) for s in stmts if s.lstrip().upper().startswith("UPDATE")] == [_table(svc, "parent")]
    assert counts[200] == counts[20], counts


def test_a_batch_of_records_with_their_own_computed_fields_costs_no_statement_per_record(app, svc):
    """New records' own lookups, rollups, counts and formulas are computed before their INSERT, a page
    at a time (one read of the linked records per lookup; none for a rollup or count over a reverse
    link: nothing links to a new record), and go into the INSERT: the new rows are neither read back
    nor updated, the statement count does not grow with the batch, and each record's values are right."""
    ids = build(svc, "reverse")
    svc.add_field("child", {"name": "parent_name", "label": "Parent name", "type": "lookup",
                            "options": {"link": "parent", "target_field": "name"}})
    svc.add_field("child", {"name": "double", "label": "Double", "type": "formula",
                            "options": {"expression": "{amount} * 2"}})
    engine = platform(app).engine
    counts = {}
    for n in (20, 200):
        with counting(engine) as stmts:
            with svc.store() as st:
                made = st.create_many("parent", [{"name": f"p{i}"} for i in range(n)]).ids
                kids = st.create_many("child", [{"name": f"k{i}", "amount": i, "parent": made[i % 2]}
                                                for i in range(n)]).ids
        counts[n] = sum(1 for s in stmts if "rb_rec_" in s)
        child = _table(svc, "child")
        assert not any(s.lstrip().upper().startswith("SELECT") and f"{child}.version" in s for s in stmts), stmts
        # only the two parents the children link to are updated (their rollups), once for the batch
        assert [_table_of(s) for s in stmts if s.lstrip().upper().startswith("UPDATE")] == [_table(svc, "parent")]
        with svc.store() as st:
            parents = {r.id: r.values for r in st.list("parent", filter={"field": "id", "op": "in", "value": made[:2]}).records}
            assert parents[made[0]]["n"] == (n + 1) // 2 and parents[made[1]]["n"] == n // 2
            assert parents[made[0]]["total"] == sum(range(0, n, 2))
            assert all(st.get("parent", p).values["n"] == 0 and st.get("parent", p).values["total"] == 0
                       and st.get("parent", p).values["band"] == "small" for p in made[2:5])
            for i in (0, 1, n - 1):
                values = st.get("child", kids[i]).values
                assert values["parent_name"] == f"p{i % 2}" and values["double"] == 2 * i, values
    assert counts[200] == counts[20], counts
