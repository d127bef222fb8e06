"""A new record's own computed values, worked out before its INSERT (``RecordStore.create``, ``create_many``).

Inserting new records and then computing their formulas meant reading every row back, evaluating,
and writing every row a second time with an UPDATE (``create_many`` with one formula on the type ran
at half the speed of the same batch without it). Everything a new record's own computed fields read
is known before the INSERT:

- a formula reads fields of its own record: the values written (as reading the row back gives them,
  :meth:`~.write_plan.WritePlan.record_values`), the autonumbers reserved, the creation time and user;
- a lookup, rollup or count over one of the record's own links reads the linked records, which exist
  already: a link's value is checked live by the cleaning, and a record of the same batch has no id
  its writer could name;
- an aggregate over another record's link to this one (a reverse link, ``"type.field"``) reads no
  records: nothing links to a record not written yet (ids are never given twice — SQLite's
  AUTOINCREMENT counter, PostgreSQL's sequence — and a link is only written to a live record). It is
  computed over no records, without a query (a count is 0, a sum 0, as it was after the INSERT).

So the values go into the INSERT itself. Only ``RECORD_ID()`` needs the row when its id comes from
the INSERT (a single create: ``INSERT ... RETURNING``): such a formula, and the formulas reading it,
are computed after the INSERT as before (:func:`deferred`). ``create_many`` chooses its ids first,
so it computes every own field before. What new records change elsewhere (a supplier's rollup over
its new contracts, and what follows from it, their own lookups of it included) still needs their
rows and is recomputed after the INSERT (:meth:`~.recompute.Recomputer.after_create_many`,
``after_write``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ..errors import ValidationError
from ..metamodel.computed_fields import compiled_formula
from ..metamodel.dependencies import graph_for, link_path
from ..metamodel.runtime import RuntimeSchema, TypeDef
from .reading import Record

if TYPE_CHECKING:
    from .recompute import Recomputer
    from .record_store import RecordStore
    from .write_plan import WritePlan


def deferred(schema: RuntimeSchema, typedef: TypeDef) -> frozenset[str]:
    """The type's computed fields that need a new record's id from its INSERT: formulas calling
    ``RECORD_ID()`` and the formulas that read them (worked out once per snapshot)."""
    def build(td: TypeDef) -> frozenset[str]:
        out: set[str] = set()
        for name in graph_for(schema).local_plan(td.name, None):
            f = td.field(name)
            if f is None or f.field_type != "formula":
                continue
            try:
                uses_id = "RECORD_ID" in compiled_formula(schema, td, f).functions
            except ValidationError:  # (a formula that no longer compiles: left to the engine, as before)
                uses_id = True
            if uses_id or any(d in out for d in f.options.get("depends_on", [])):
                out.add(name)
        return frozenset(out)
    return typedef.memo("rb_new_record_deferred", build)


def compute(recomputer: "Recomputer", typedef: TypeDef, records: list[Record], names: list[str]) -> list[dict]:
    """Each new record's values of ``names`` (computed fields, in dependency order) that are not blank,
    as the recompute engine would write them after the INSERT; ``records`` (not written yet, their
    ``values`` as reading them back would give them) are left as they are.

    A page at a time: the records linked from a page read in one query per lookup, rollup or count,
    as a backfill reads them; aggregates over reverse links read nothing (see the module)."""
    out: list[dict] = []
    if not names:
        return [{} for _ in records]
    for start in range(0, len(records), recomputer.batch):
        page = records[start:start + recomputer.batch]
        recomputer._prefetched = _sources(recomputer, typedef, names, page)
        try:
            for record in page:
                recomputer.recompute_record(typedef, record.id, names, record=record, write=False)
                out.append(recomputer._last_values)
        finally:
            recomputer._prefetched = {}
    return out


def _sources(recomputer: "Recomputer", typedef: TypeDef, names: list[str], page: list[Record]) -> dict[str, dict]:
    """What the page's aggregates read: none for a reverse link; through the records' own links, in one
    query per field for the page (one record: left to the engine, which asks the same query)."""
    reverse = set()
    for name in names:
        f = typedef.field(name)
        if f is not None and f.field_type != "formula":
            try:
                if link_path(recomputer.schema, typedef, f.options["link"]).reverse:
                    reverse.add(name)
            except ValueError:
                continue  # (the engine computes it as before: blank)
    own = [n for n in names if n not in reverse]
    out = recomputer._prefetch(typedef, own, page) if len(page) > 1 else {}
    for name in reverse:
        out[name] = {r.id: [] for r in page}
    return out


def compute_one(store: "RecordStore", typedef: TypeDef, plan: "WritePlan", cleaned: dict, row: dict,
                now: Any) -> frozenset[str]:
    """A single create's own computed values before its INSERT, added to its ``cleaned`` values and to
    its ``row`` (column -> database value); the names computed (the rest, :func:`deferred`, are left
    to the engine after the INSERT)."""
    later = deferred(store.schema, typedef)
    names = [n for n in graph_for(store.schema).local_plan(typedef.name, None) if n not in later]
    if not names:
        return frozenset()
    user_id: Optional[int] = store.user_id
    record = Record(typedef.name, None, 1, now, now, user_id, user_id, None,  # type: ignore[arg-type]
                    plan.record_values(plan.new_values(now, user_id), cleaned))
    values = compute(store.recomputer, typedef, [record], names)[0]
    cleaned.update(values)
    row.update(plan.row_values(values))
    return frozenset(names)
