"""Lookup, rollup and count values: the source records reached through a link, and their reduction.

A mixin of :class:`~recordbase.storage.recompute.Recomputer` (kept apart to keep one module per
concern): the recompute engine decides *which* computed fields of *which* records to recompute and
writes them; this module works out *what* an aggregate field's value is. It reads the target
field's values on the records a link reaches (for one record, or for a whole page in one query)
and reduces them with :func:`rollup`. It uses the recomputer's ``store``, ``schema``, ``session``
and ``_prefetched`` (source values read for a page while backfilling).
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import bindparam, select

from ..metamodel.dependencies import LinkPath
from ..metamodel.fieldtypes import FieldDef
from ..metamodel.filters import compile_filter
from ..metamodel.runtime import TypeDef, is_many_link

if TYPE_CHECKING:
    from .record_store import Record, RecordStore


class Aggregates:
    """Lookups, rollups and counts of :class:`~recordbase.storage.recompute.Recomputer`."""

    def source_rows(self, f: FieldDef, path: LinkPath, record_id: int, values: dict,
                    column_field: Optional[FieldDef]) -> list[Any]:
        """The target field's values on the source records reached through ``path`` (in link order)."""
        return self.source_rows_many(f, path, [(record_id, values)], column_field)[record_id]

    def source_rows_many(self, f: FieldDef, path: LinkPath, owners: list[tuple[int, dict]],
                         column_field: Optional[FieldDef]) -> dict[int, list[Any]]:
        """:meth:`source_rows` for several owner records (id, values) in one query: {owner id: values}."""
        src = self.schema.get(path.source)
        t = src.table
        col = src.column(column_field) if column_field is not None else t.c.id
        cond = [t.c.deleted_at.is_(None)]
        if f.options.get("filter"):
            compiled = compile_filter(f.options["filter"], src, self.store.ctx)
            if compiled is not None:
                cond.append(compiled.sql())
        out: dict[int, list] = {rid: [] for rid, _ in owners}
        if path.reverse:
            lf = src.field(path.link_field)
            ids = list(out)
            if is_many_link(lf):
                j = src.junctions[lf.name]
                owner_col = j.c.target_id
                q = select(t.c.id, col, owner_col).join(j, j.c.source_id == t.c.id)
            else:
                owner_col = t.c[lf.column_name]
                q = select(t.c.id, col, owner_col)
            q = q.where(owner_col == ids[0] if len(ids) == 1 else owner_col.in_(bindparam("rb_ids", expanding=True)),
                        *cond)
            for row in self.session.execute(q.order_by(t.c.id), {"rb_ids": ids} if len(ids) > 1 else {}):
                out[row[2]].append(row)
        else:
            wanted: dict[int, list[int]] = {}
            for rid, values in owners:
                linked = values.get(path.link_field)
                wanted[rid] = linked if isinstance(linked, list) else ([] if linked is None else [linked])
            every = sorted({i for ids in wanted.values() for i in ids})
            if every:
                # an expanding parameter: the statement is built and cached once, whatever the number of ids
                q = select(t.c.id, col).where(t.c.id.in_(bindparam("rb_ids", expanding=True)), *cond)
                found = {row[0]: row for row in self.session.execute(q, {"rb_ids": every})}
                for rid, ids in wanted.items():
                    out[rid] = [found[i] for i in ids if i in found]
        if column_field is None:
            return {rid: [r[0] for r in rows] for rid, rows in out.items()}
        conv = (lambda v: v) if column_field.ftype.system_column else \
            (lambda v: column_field.ftype.from_db(v, column_field))
        return {rid: [conv(r[1]) for r in rows] for rid, rows in out.items()}

    def _prefetch(self, typedef: TypeDef, names: list[str], page: list["Record"]) -> dict[str, dict[int, list]]:
        """The source values of every lookup, rollup and count in ``names`` for a page of records."""
        from ..metamodel.dependencies import link_path

        out = {}
        owners = [(r.id, r.values) for r in page]
        for name in names:
            f = typedef.field(name)
            if f is None or f.field_type == "formula":
                continue
            try:
                path = link_path(self.schema, typedef, f.options["link"])
            except ValueError:
                continue
            src = self.schema.get(path.source)
            target = src.field(f.options["target_field"]) if f.options.get("target_field") else None
            out[name] = self.source_rows_many(f, path, owners, target)
        return out

    def aggregate(self, typedef: TypeDef, f: FieldDef, record: "Record", values: dict) -> Any:
        from ..metamodel.computed_fields import USER_TYPES
        from ..metamodel.dependencies import link_path

        path = link_path(self.schema, typedef, f.options["link"])
        src = self.schema.get(path.source)
        target = src.field(f.options["target_field"]) if f.options.get("target_field") else None
        pre = self._prefetched.get(f.name)
        if pre is not None and record.id in pre:
            items = pre[record.id]
        else:
            items = self.source_rows(f, path, record.id, values, target)
        if target is not None and target.field_type in USER_TYPES:
            # a user is shown by e-mail everywhere (API, formulas): so are lookups and rollups of one
            items = [None if v is None else self.store.ctx.user_email(v) for v in items]
        if f.field_type == "count":
            return len(items)
        if f.field_type == "lookup":
            if not path.reverse and not path.many:
                return items[0] if items else None
            if target.ftype.choices_of(target):  # choices stay values: each reader sees their labels
                return [c for v in items if v not in (None, "", []) for c in (v if isinstance(v, list) else [v])]
            return [target.ftype.format(v, target, self.store.ctx) for v in items if v not in (None, "", [])]
        return rollup(f.options["function"], items, target, self.store)


def _num(v: Any) -> Optional[Decimal]:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))  # the shortest text of the float: 0.1 is 0.1, not 0.1000000000000000055...
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
