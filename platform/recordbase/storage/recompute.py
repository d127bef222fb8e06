"""The recompute engine: keeps formula, lookup, rollup and count columns correct.

After every write the record store calls :meth:`Recomputer.after_write`. It
recomputes, in the same transaction, exactly the computed fields that depend on
what changed: first on the written record (in dependency order; a new record's
own are computed before its INSERT, :mod:`.new_records`), then on the
records of other types that aggregate or look up this one — found through the
link, before and after the change — and onwards from those, breadth first.
A child write costs a fixed number of queries however many siblings it has:
one to find each affected parent, one to aggregate, one to load and one to
update it. Computed columns are written directly and do not bump ``version``
(nobody edits them, so they cannot conflict).

Many records at once (a backfill when a computed field is added or changed, the
``recordbase recompute`` refresh, a change that reaches many records) go in
pages of ``batch`` records: one query loads a page, one per lookup, rollup or
count reads the sources of the whole page, and one executemany writes what
changed; the records of other types they affect are recomputed once, at the end.

What a lookup, rollup or count field's value is (its source records and their reduction) is
worked out by the :class:`~.aggregates.Aggregates` mixin.
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Collection, Iterable, Optional

from sqlalchemy import bindparam, select, update

from ..metamodel.dependencies import EXISTS, LinkPath, graph_for
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.formula import budget as formula_budget
from ..metamodel.runtime import TypeDef, is_many_link
from .aggregates import Aggregates

if TYPE_CHECKING:
    from .record_store import Record, RecordStore

MAX_ROUNDS = 32
BATCH = 500


class Recomputer(Aggregates):
    def __init__(self, store: "RecordStore"):
        self.store = store
        self.session = store.session
        self.schema = store.schema
        self.graph = graph_for(store.schema)
        self._last_values: dict[str, Any] = {}
        #: the instant TODAY() and NOW() see (None: the clock at each evaluation); a refresh job sets one
        self.now: Optional[datetime] = None
        #: records per page when backfilling and when recomputing many records of a type at once
        self.batch = BATCH
        #: records whose computed values were written (a count, for reports)
        self.written = 0
        #: the formula budget, read once per store (a request or a job) rather than per record
        self.formula_budget = formula_budget.current()
        #: field name -> {record id: source values}, read for a whole page at once while backfilling
        self._prefetched: dict[str, dict[int, list]] = {}
        #: (type, id) of a record being trashed -> the records its unlinking touches (see before_delete)
        self._pending: dict[tuple[str, int], "OrderedDict[tuple[str, int], set[str]]"] = {}

    # -- entry points ------------------------------------------------------------
    def after_write(self, type_name: str, record_id: int, before: dict, after: dict,
                    changed: Optional[Iterable[str]], exists_changed: bool = False,
                    computed: Collection[str] = ()) -> bool:
        """``changed`` None means every field (a new record). True when the written record itself changed.
        ``computed``: its own computed fields already computed before its INSERT (:mod:`.new_records`),
        their values in ``after``: not computed again."""
        typedef = self.schema.get(type_name)
        if not any(f.ftype.computed for f in typedef.fields) and not self._has_upstream(type_name) \
                and (type_name, record_id) not in self._pending:
            return False
        own_changed = False
        changed_set = set(changed) if changed is not None else {f.name for f in typedef.fields}
        if changed is not None and not exists_changed:
            # an update also sets the last-modified time and user: fields showing them changed too
            changed_set |= {f.name for f in typedef.fields if f.field_type in ("updated_at", "updated_by")}
        plan = self.graph.local_plan(type_name, None if changed is None else changed_set)
        if computed:
            plan = [n for n in plan if n not in computed]
        if plan:
            recomputed = self.recompute_record(typedef, record_id, plan)
            own_changed = bool(recomputed)
            changed_set |= recomputed
            after = {**after, **self._last_values}
        if exists_changed:
            changed_set.add(EXISTS)
        queue: "OrderedDict[tuple[str, int], set[str]]" = OrderedDict()
        self._enqueue_upstream(queue, type_name, record_id, before, after, changed_set)
        for key, fields in self._pending.pop((type_name, record_id), {}).items():
            queue.setdefault(key, set()).update(fields)
        if self._drain(queue, (type_name, record_id)):
            own_changed = True
        return own_changed

    def after_create_many(self, type_name: str, records: list, computed: Collection[str] = ()) -> set[int]:
        """:meth:`after_write` for a batch of new records (as reading them back gives them): each one's
        own computed fields, a page at a time, then what they change elsewhere (a supplier's rollups
        over its new contracts) recomputed once for the batch instead of once per record. The ids of
        the new records whose values changed. ``computed``: own fields already computed before the
        INSERT (:mod:`.new_records`), their values in the records: not computed again."""
        typedef = self.schema.get(type_name)
        if not any(f.ftype.computed for f in typedef.fields) and not self._has_upstream(type_name) \
                and not any((type_name, r.id) in self._pending for r in records):
            return set()
        every = {f.name for f in typedef.fields}
        plan = [n for n in self.graph.local_plan(type_name, None) if n not in computed]
        changed: set[int] = set()
        queue: "OrderedDict[tuple[str, int], set[str]]" = OrderedDict()
        for start in range(0, len(records), self.batch):
            # a page as a backfill does it: the sources of its lookups, rollups and counts read in one
            # query each, its values written in one executemany (not a load, queries and an UPDATE a record)
            page = records[start:start + self.batch]
            rows: list[tuple[int, dict]] = []
            afters: dict[int, dict] = {}
            self._prefetched = self._prefetch(typedef, plan, page) if plan and len(page) > 1 else {}
            try:
                for record in page:
                    after = dict(record.values)
                    if plan:
                        recomputed = self.recompute_record(typedef, record.id, plan, record=record, write=False)
                        if recomputed:
                            changed.add(record.id)
                            rows.append((record.id, self._last_values))
                        after = {**after, **self._last_values}
                    afters[record.id] = after
            finally:
                self._prefetched = {}
            self._write_rows(typedef, rows)
            # (every field of a new record is new: the same records upstream for each, found at once)
            for up in self.graph.upstream(type_name, every):
                for rid in self._affected_many(up.path, afters):
                    queue.setdefault((up.owner, rid), set()).add(up.field)
            for record in page:
                for key, fields in self._pending.pop((type_name, record.id), {}).items():
                    queue.setdefault(key, set()).update(fields)
        origins = {(type_name, r.id) for r in records}
        changed |= {rid for _t, rid in self._drain_all(queue, origins)}
        return changed

    def _drain(self, queue: "OrderedDict[tuple[str, int], set[str]]", origin: Optional[tuple[str, int]] = None) -> bool:
        return bool(self._drain_all(queue, {origin} if origin is not None else set()))

    def _drain_all(self, queue: "OrderedDict[tuple[str, int], set[str]]", origins: set) -> set:
        """Recompute the queued (type, id) -> computed fields, breadth first, following what changes.

        Round by round: the records of one type that need the same fields are done together, up to
        BATCH at a time (one query loads them, one per lookup/rollup/count reads their sources, one
        writes them); what they change is queued for the next round. The ``origins`` (type, id)
        among those that changed are returned."""
        changed_origins: set = set()
        rounds = 0
        while queue and rounds < MAX_ROUNDS * 1000:
            rounds += 1
            groups: "OrderedDict[tuple[str, frozenset], list[int]]" = OrderedDict()
            for (owner, rid), fields in queue.items():
                groups.setdefault((owner, frozenset(fields)), []).append(rid)
            queue = OrderedDict()
            for (owner, fields), ids in groups.items():
                otype = self.schema.get(owner)
                plan = [n for n in self.graph.local_plan(owner, fields) if n not in fields]
                order = [n for n in self.graph.local_plan(owner, None) if n in fields or n in plan]
                for i in range(0, len(ids), self.batch):
                    changed_origins |= self._recompute_batch(otype, ids[i:i + self.batch], order, queue, origins)
        return changed_origins

    def _recompute_batch(self, otype: TypeDef, batch: list[int], order: list[str],
                         queue: "OrderedDict[tuple[str, int], set[str]]", origins: set) -> set:
        records = self._load(otype, batch)  # trashed records are not loaded: nothing to keep up to date
        rows: list[tuple[int, dict]] = []
        changed_origins: set = set()
        self._prefetched = self._prefetch(otype, order, records) if len(records) > 1 else {}
        try:
            for old in records:
                recomputed = self.recompute_record(otype, old.id, order, record=old, write=False)
                if recomputed:
                    rows.append((old.id, self._last_values))
                    if (otype.name, old.id) in origins:
                        changed_origins.add((otype.name, old.id))
                    self._enqueue_upstream(queue, otype.name, old.id, old.values,
                                           {**old.values, **self._last_values}, recomputed)
        finally:
            self._prefetched = {}
        self._write_rows(otype, rows)
        return changed_origins

    def _load(self, typedef: TypeDef, ids: list[int]) -> list["Record"]:
        """Live records by id, read directly: computed values cover every record, whoever writes
        (a rollup counts the children its writer may not see), so no access policy applies here."""
        t = typedef.table
        if len(ids) == 1:
            q, params = select(t).where(t.c.id == ids[0]), {}
        else:
            q, params = select(t).where(t.c.id.in_(bindparam("rb_ids", expanding=True))), {"rb_ids": ids}
        return self.store._records(typedef, self.session.execute(
            q.where(t.c.deleted_at.is_(None)).order_by(t.c.id), params).all())

    def before_delete(self, type_name: str, record_id: int) -> None:
        """Call before trashing a record unlinks it (links with ``on_delete: unlink``).

        Unlinking removes the record from other records' many-links and clears one-links to it,
        after which nothing leads from the record to them any more. Remember those records and
        the computed fields that read the link (aggregates over it, formulas on it); the
        :meth:`after_write` of the delete recomputes them."""
        typedef = self.schema.get(type_name)
        pending: "OrderedDict[tuple[str, int], set[str]]" = OrderedDict()
        for src, f in self.schema.backlinks(typedef):
            if f.options.get("on_delete", "restrict") != "unlink":
                continue
            fields = self.graph.local_plan(src.name, {f.name})
            if not fields:
                continue
            st = src.table
            if is_many_link(f):
                j = src.junctions[f.name]
                q = select(j.c.source_id).where(j.c.target_id == record_id)
            else:
                q = select(st.c.id).where(st.c[f.column_name] == record_id, st.c.deleted_at.is_(None))
            for rid in self.session.scalars(q):
                pending.setdefault((src.name, rid), set()).update(fields)
        if pending:
            self._pending[(type_name, record_id)] = pending

    def _has_upstream(self, type_name: str) -> bool:
        return any(k[0] == type_name for k in self.graph.upstream_of)

    def _enqueue_upstream(self, queue, type_name: str, record_id: int, before: dict, after: dict,
                          changed: set[str]) -> None:
        for up in self.graph.upstream(type_name, changed):
            for rid in self._affected(up.path, record_id, before, after):
                queue.setdefault((up.owner, rid), set()).add(up.field)

    def _affected(self, path: LinkPath, source_id: int, before: dict, after: dict) -> set[int]:
        """Ids of ``path.owner`` records whose aggregate includes (or included) the source record."""
        if path.reverse:
            ids: set[int] = set()
            for values in (before, after):
                v = values.get(path.link_field)
                if isinstance(v, list):
                    ids.update(v)
                elif v is not None:
                    ids.add(v)
            return ids
        owner = self.schema.get(path.owner)
        f = owner.field(path.link_field)
        t = owner.table
        if is_many_link(f):
            j = owner.junctions[f.name]
            q = select(j.c.source_id).where(j.c.target_id == source_id)
        else:
            q = select(t.c.id).where(t.c[f.column_name] == source_id)
        return set(self.session.scalars(q))

    def _affected_many(self, path: LinkPath, afters: dict[int, dict]) -> set[int]:
        """:meth:`_affected` for new source records (id -> values) at once: one query, not one each."""
        if path.reverse:
            return {i for values in afters.values() for i in self._affected(path, 0, {}, values)}
        owner = self.schema.get(path.owner)
        f = owner.field(path.link_field)
        if is_many_link(f):
            j = owner.junctions[f.name]
            col, q = j.c.target_id, select(j.c.source_id)
        else:
            col = owner.table.c[f.column_name]
            q = select(owner.table.c.id)
        return set(self.session.scalars(q.where(col.in_(bindparam("rb_ids", expanding=True))),
                                        {"rb_ids": list(afters)}))

    # -- one record --------------------------------------------------------------
    def recompute_record(self, typedef: TypeDef, record_id: int, names: list[str],
                         record: Optional["Record"] = None, write: bool = True) -> set[str]:
        """Recompute ``names`` (in order) on one record; write and return the ones whose value changed.

        The new values are left in ``self._last_values``; with ``write=False`` the caller writes them."""
        self._last_values = {}
        if not names:
            return set()
        if record is None:
            loaded = self._load(typedef, [record_id])
            if not loaded:
                return set()
            record = loaded[0]
        values = dict(record.values)
        changed: dict[str, Any] = {}
        for name in names:
            f = typedef.field(name)
            if f is None:
                continue
            new = self.compute(typedef, f, record, values)
            if _differs(values.get(name), new):
                changed[name] = new
            values[name] = new
        if changed and write:
            self.written += 1
            t = typedef.table
            self.session.execute(update(t).where(t.c.id == record.id).values(_db_row(typedef, changed)))
        self._last_values = changed
        return set(changed)

    def _write_rows(self, typedef: TypeDef, rows: list[tuple[int, dict]]) -> None:
        """Write computed values of many records: one executemany per set of changed columns."""
        t = typedef.table
        self.written += len(rows)
        groups: dict[tuple[str, ...], list[dict]] = {}
        for rid, changed in rows:
            row = _db_row(typedef, changed)
            groups.setdefault(tuple(sorted(row)), []).append({"rb_id": rid, **{"v_" + c: v for c, v in row.items()}})
        for cols, params in groups.items():
            stmt = update(t).where(t.c.id == bindparam("rb_id")).values({c: bindparam("v_" + c) for c in cols})
            self.session.connection().execute(stmt, params)

    def compute(self, typedef: TypeDef, f: FieldDef, record: "Record", values: dict) -> Any:
        from ..metamodel.computed_fields import evaluate_formula

        try:
            if f.field_type == "formula":
                raw = evaluate_formula(f, values, record.id, self.store, now=self.now, budget=self.formula_budget)
            else:
                raw = self.aggregate(typedef, f, record, values)
            return f.ftype.coerce(raw, f)
        except (ValueError, ArithmeticError, TypeError, OverflowError):
            return None

    # -- bulk ---------------------------------------------------------------------
    def backfill(self, type_name: str, names: Optional[list[str]] = None, propagate: bool = True) -> int:
        """Recompute ``names`` (default: every computed field) on every live record, in batches."""
        typedef = self.schema.get(type_name)
        order = self.graph.local_plan(type_name, None)
        if names is not None:
            wanted = set(names) | set(self.graph.local_plan(type_name, names))
            order = [n for n in order if n in wanted]
        if not order:
            return 0
        t = typedef.table
        last = 0
        count = 0
        # the records of other types that aggregate or look up what changes: each done once, at the end
        queue: "OrderedDict[tuple[str, int], set[str]]" = OrderedDict()
        while True:
            ids = list(self.session.scalars(select(t.c.id).where(t.c.id > last, t.c.deleted_at.is_(None))
                                            .order_by(t.c.id).limit(self.batch)))
            if not ids:
                break
            page = self._load(typedef, ids)
            rows: list[tuple[int, dict]] = []
            self._prefetched = self._prefetch(typedef, order, page)
            try:
                for rec in page:
                    changed = self.recompute_record(typedef, rec.id, order, record=rec, write=False)
                    if changed:
                        rows.append((rec.id, self._last_values))
                        if propagate:
                            self._enqueue_upstream(queue, type_name, rec.id, rec.values,
                                                   {**rec.values, **self._last_values}, changed)
                    count += 1
            finally:
                self._prefetched = {}
            self._write_rows(typedef, rows)
            last = ids[-1]
        self._drain(queue)
        return count


def _db_row(typedef: TypeDef, changed: dict) -> dict:
    """Column name -> database value for computed values by field name."""
    out = {}
    for n, v in changed.items():
        f = typedef.field(n)
        out[f.column_name] = f.ftype.to_db(v, f) if v is not None else None
    return out


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) != Decimal(str(b))
    return a != b
