"""The recompute engine: keeps formula, lookup, rollup and count columns correct.

After every write the record store calls :meth:`Recomputer.after_write`. It
recomputes, in the same transaction, exactly the computed fields that depend on
what changed: first on the written record (in dependency order), then on the
records of other types that aggregate or look up this one — found through the
link, before and after the change — and onwards from those, breadth first.
A child write costs a fixed number of queries however many siblings it has:
one to find each affected parent, one to aggregate, one to load and one to
update it. Computed columns are written directly and do not bump ``version``
(nobody edits them, so they cannot conflict).
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Optional

from sqlalchemy import select, update

from ..metamodel.dependencies import EXISTS, LinkPath, graph_for
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.filters import compile_filter
from ..metamodel.runtime import TypeDef, is_many_link

if TYPE_CHECKING:
    from .record_store import Record, RecordStore

MAX_ROUNDS = 32
BATCH = 500


class Recomputer:
    def __init__(self, store: "RecordStore"):
        self.store = store
        self.session = store.session
        self.schema = store.schema
        self.graph = graph_for(store.schema)
        self._last_values: dict[str, Any] = {}

    # -- entry points ------------------------------------------------------------
    def after_write(self, type_name: str, record_id: int, before: dict, after: dict,
                    changed: Optional[Iterable[str]], exists_changed: bool = False) -> bool:
        """``changed`` None means every field (a new record). True when the written record itself changed."""
        typedef = self.schema.get(type_name)
        if not any(f.ftype.computed for f in typedef.fields) and not self._has_upstream(type_name):
            return False
        own_changed = False
        changed_set = set(changed) if changed is not None else {f.name for f in typedef.fields}
        plan = self.graph.local_plan(type_name, None if changed is None else changed_set)
        if plan:
            recomputed = self.recompute_record(typedef, record_id, plan)
            own_changed = bool(recomputed)
            changed_set |= recomputed
            after = {**after, **self._last_values}
        if exists_changed:
            changed_set.add(EXISTS)
        queue: "OrderedDict[tuple[str, int], set[str]]" = OrderedDict()
        self._enqueue_upstream(queue, type_name, record_id, before, after, changed_set)
        rounds = 0
        while queue:
            rounds += 1
            if rounds > MAX_ROUNDS * 1000:
                break
            (owner, rid), fields = queue.popitem(last=False)
            otype = self.schema.get(owner)
            plan = [n for n in self.graph.local_plan(owner, fields) if n not in fields]
            order = [n for n in self.graph.local_plan(owner, None) if n in fields or n in plan]
            try:
                old = self.store.get(owner, rid)
            except Exception:
                continue  # the record is gone (trashed): nothing to keep up to date
            recomputed = self.recompute_record(otype, rid, order, record=old)
            if recomputed:
                if (owner, rid) == (type_name, record_id):
                    own_changed = True
                self._enqueue_upstream(queue, owner, rid, old.values, {**old.values, **self._last_values}, recomputed)
        return own_changed

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

    # -- one record --------------------------------------------------------------
    def recompute_record(self, typedef: TypeDef, record_id: int, names: list[str],
                         record: Optional["Record"] = None) -> set[str]:
        """Recompute ``names`` (in order) on one record; write and return the ones whose value changed."""
        self._last_values = {}
        if not names:
            return set()
        record = record or self.store.get(typedef.name, record_id)
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
        if changed:
            t = typedef.table
            row = {typedef.field(n).column_name: typedef.field(n).ftype.to_db(v, typedef.field(n)) if v is not None else None
                   for n, v in changed.items()}
            self.session.execute(update(t).where(t.c.id == record.id).values(row))
        self._last_values = changed
        return set(changed)

    def compute(self, typedef: TypeDef, f: FieldDef, record: "Record", values: dict) -> Any:
        from ..metamodel.computed_fields import evaluate_formula

        try:
            if f.field_type == "formula":
                raw = evaluate_formula(f, values, record.id, self.store)
            else:
                raw = self.aggregate(typedef, f, record, values)
            return f.ftype.coerce(raw, f)
        except (ValueError, ArithmeticError, TypeError, OverflowError):
            return None

    # -- lookups, rollups, counts -----------------------------------------------------
    def source_rows(self, f: FieldDef, path: LinkPath, record_id: int, values: dict,
                    column_field: Optional[FieldDef]) -> list[Any]:
        """The target field's values on the source records reached through ``path`` (in link order)."""
        src = self.schema.get(path.source)
        t = src.table
        col = src.column(column_field) if column_field is not None else t.c.id
        cond = [t.c.deleted_at.is_(None)]
        if f.options.get("filter"):
            compiled = compile_filter(f.options["filter"], src, self.store.ctx)
            if compiled is not None:
                cond.append(compiled.sql())
        if path.reverse:
            lf = src.field(path.link_field)
            if is_many_link(lf):
                j = src.junctions[lf.name]
                q = select(t.c.id, col).join(j, j.c.source_id == t.c.id).where(j.c.target_id == record_id, *cond)
            else:
                q = select(t.c.id, col).where(t.c[lf.column_name] == record_id, *cond)
            rows = self.session.execute(q.order_by(t.c.id)).all()
        else:
            linked = values.get(path.link_field)
            ids = linked if isinstance(linked, list) else ([] if linked is None else [linked])
            if not ids:
                return []
            rows = self.session.execute(select(t.c.id, col).where(t.c.id.in_(ids), *cond)).all()
            pos = {i: n for n, i in enumerate(ids)}
            rows.sort(key=lambda r: pos.get(r[0], 0))
        if column_field is None:
            return [r[0] for r in rows]
        return [column_field.ftype.from_db(r[1], column_field) if not column_field.ftype.system_column else r[1]
                for r in rows]

    def aggregate(self, typedef: TypeDef, f: FieldDef, record: "Record", values: dict) -> Any:
        from ..metamodel.dependencies import link_path

        path = link_path(self.schema, typedef, f.options["link"])
        src = self.schema.get(path.source)
        target = src.field(f.options["target_field"]) if f.options.get("target_field") else None
        items = self.source_rows(f, path, record.id, values, target)
        if f.field_type == "count":
            return len(items)
        if f.field_type == "lookup":
            if not path.reverse and not path.many:
                return items[0] if items else None
            return [target.ftype.format(v, target, self.store.ctx) for v in items if v not in (None, "", [])]
        return rollup(f.options["function"], items, target, self.store)

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
        while True:
            ids = list(self.session.scalars(select(t.c.id).where(t.c.id > last, t.c.deleted_at.is_(None))
                                            .order_by(t.c.id).limit(BATCH)))
            if not ids:
                break
            page = self.store._records(typedef, self.session.execute(select(t).where(t.c.id.in_(ids))
                                                                    .order_by(t.c.id)).all())
            for rec in page:
                changed = self.recompute_record(typedef, rec.id, order, record=rec)
                if changed and propagate:
                    queue: "OrderedDict[tuple[str, int], set[str]]" = OrderedDict()
                    self._enqueue_upstream(queue, type_name, rec.id, rec.values,
                                           {**rec.values, **self._last_values}, changed)
                    for (owner, rid), fields in queue.items():
                        self.after_write(owner, rid, {}, {}, fields)
                count += 1
            last = ids[-1]
        return count


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) != Decimal(str(b))
    return a != b


def _num(v: Any) -> Optional[Decimal]:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float, Decimal)):
        return Decimal(str(v))
    return None


def rollup(function: str, items: list, target: Optional[FieldDef], store: "RecordStore") -> Any:
    present = [v for v in items if v not in (None, "", [])]
    if function == "count":
        return len(items)
    if function == "count_nonempty":
        return len(present)
    if function in ("sum", "avg"):
        nums = [n for n in (_num(v) for v in present) if n is not None]
        if not nums:
            return 0 if function == "sum" else None
        total = sum(nums, Decimal(0))
        return total if function == "sum" else total / len(nums)
    if function in ("min", "max", "earliest", "latest"):
        if not present:
            return None
        pick = min if function in ("min", "earliest") else max
        return pick(present)
    if function == "concat":
        return ", ".join(target.ftype.format(v, target, store.ctx) if target else str(v) for v in present)
    if function == "and":
        return all(bool(v) for v in items) if items else None
    if function == "or":
        return any(bool(v) for v in items) if items else None
    raise ValueError(f"unknown rollup function {function}")
