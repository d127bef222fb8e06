"""Creating many records at once: :meth:`RecordStore.create_many` (imports, the batch API).

Every value goes through the same :meth:`RecordStore.clean` as :meth:`RecordStore.create`
(field types, required, defaults, links to live records, users), uniqueness is checked
against live records and within the batch (those lookups, a query each per batch, are in
:mod:`.batch_checks`), autonumbers are reserved in one step, rows are
written in one go with ids chosen beforehand (executemany on SQLite, COPY on PostgreSQL),
many-links with one more statement; each record's own computed values are computed before the
INSERT and written by it (:mod:`.new_records`), what the records change elsewhere is recomputed
through the recompute engine once for the batch, and one ``RecordCreated`` event per
record is emitted through :meth:`RecordStore.emit` — so automation rules run for imported
records as for any other. What differs
from calling ``create`` in a loop is only the number of round trips to the database.

Problems are reported per row (index in the batch) and field; with ``skip_invalid`` the valid
rows are written and the invalid ones returned with their problems, otherwise nothing is
written and a ValidationError lists them all.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field as dc_field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Sequence

from sqlalchemy import func, insert, select, text, update

from ..errors import TransitionRequired, ValidationError
from ..metamodel.runtime import TypeDef
from ..models import Counter, utcnow
from ..metamodel import statistics
from .batch_checks import CHUNK, _chunks, batch_lookups  # noqa: F401 (CHUNK: the size of a batch's IN lists)
from .batch_checks import check_unique_batch as _check_unique_batch
from .condition_guard import condition_check
from .events import RecordCreated
from .fast_insert import insert_plan
from . import new_records
from .reading import Record
from .write_plan import WritePlan, refusable_write, write_plan
from ..workflow import guard
from ..workflow.service import workflow_of

if TYPE_CHECKING:
    from .record_store import RecordStore

@dataclass
class BatchResult:
    #: the new record's id per input row (None for a row that was not written)
    ids: list[Optional[int]] = dc_field(default_factory=list)
    #: input row index -> {field: [messages]}
    errors: dict[int, dict[str, list[str]]] = dc_field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(1 for i in self.ids if i is not None)


def _reserve_numbers(store: "RecordStore", field_id: int, n: int) -> int:
    """Reserve ``n`` autonumbers in one step; returns the first."""
    stmt = update(Counter).where(Counter.field_id == field_id).values(value=Counter.value + n).returning(Counter.value)
    end = store.session.execute(stmt).scalar()
    if end is None:
        store.session.add(Counter(field_id=field_id, value=n))
        store.session.flush()
        end = n
    return end - n + 1


def create_many(store: "RecordStore", type_name: str, rows: list, skip_invalid: bool = False,
                row_names: Optional[Sequence[str]] = None) -> BatchResult:
    typedef = store.type(type_name)
    plan = write_plan(store, typedef)
    rows = list(rows)
    result = BatchResult(ids=[None] * len(rows))
    errors = result.errors
    cleaned: list[tuple[int, dict]] = []
    clean = plan.clean
    wf_create = guard.check_create if workflow_of(store.session, typedef) is not None else None
    with batch_lookups(store, typedef, rows):
        for i, values in enumerate(rows):
            try:
                row = clean(values, True)
                if wf_create is not None:
                    wf_create(store, typedef, row)  # workflow: a new record starts in the initial state
                cleaned.append((i, row))
            except ValidationError as exc:
                errors[i] = exc.details if isinstance(exc.details, dict) else {"record": [exc.message]}
            except TransitionRequired as exc:
                if not skip_invalid:
                    raise  # the whole batch: 409, nothing written
                errors[i] = {exc.details["field"]: [exc.message]}
    conditions = condition_check(store, typedef)
    if conditions is not None:
        base = plan.new_values(utcnow(), store.user_id)
        for i, c in cleaned:
            written = plan.record_values(base, c)
            if not conditions.conditions.reads_computed:  # (else: once recomputed, below)
                problems = conditions.problems(None, written, rows[i])
                if problems:
                    errors.setdefault(i, {}).update(problems)
            c.update(conditions.clears(written))
    if plan.unique:
        _check_unique_batch(store, typedef, cleaned, errors, row_names)
    if errors and not skip_invalid:
        i, problems = next(iter(sorted(errors.items())))
        name, msgs = next(iter(problems.items()))
        raise ValidationError(
            f"{len(errors)} of {len(rows)} {type_name} records are not valid; the first, record {i + 1}: {name}: {msgs[0]}",
            {"records": [{"index": k, "errors": v} for k, v in sorted(errors.items())]})
    good = [(i, c) for i, c in cleaned if i not in errors] if errors else cleaned
    if not good:
        return result

    t = typedef.table
    now = utcnow()
    user_id = store.user_id
    local_now = store.local_now()
    autos = plan.autonumbers
    first_numbers = {f.name: _reserve_numbers(store, f.id, len(good)) for f in autos}
    for n, (i, c) in enumerate(good):
        for f in autos:
            c[f.name] = f.ftype.generate(f, first_numbers[f.name] + n, local_now)
    new_ids = _new_ids(store, t, len(good))
    needs_recompute = plan.computed or store.recomputer._has_upstream(type_name)
    records: list[Record] = []
    computed: list[str] = []
    if needs_recompute:  # each record as reading it back would give it, its own computed values before its INSERT
        base = plan.new_values(now, user_id)
        records = [Record(type_name, rid, 1, now, now, user_id, user_id, None, plan.record_values(base, c))
                   for (i, c), rid in zip(good, new_ids)]
        if plan.computed:
            computed = store.recomputer.graph.local_plan(type_name, None)
            for (i, c), record, values in zip(good, records, new_records.compute(store.recomputer, typedef,
                                                                                records, computed)):
                c.update(values)
                record.values.update(values)
    _insert_with_ids(store, plan, [c for i, c in good], now, new_ids)
    loads = store.__dict__.get(_LOADS)
    if loads is None:
        statistics.refresh_after_load(store.session.connection(), t.name, len(new_ids), max(new_ids))
    else:  # (statistics_once: refreshed at the end of the block)
        loads[t.name] = (loads.get(t.name, (0, 0))[0] + len(new_ids), max(new_ids))
    links = []
    for (i, c), rid in zip(good, new_ids):
        result.ids[i] = rid
        for f in plan.many_links:
            if c.get(f.name):
                links.append((f.name, [{"source_id": rid, "target_id": tid, "position": p}
                                       for p, tid in enumerate(c[f.name])]))
    by_field: dict[str, list[dict]] = {}
    for name, items in links:
        by_field.setdefault(name, []).extend(items)
    for name, items in by_field.items():
        for chunk in _chunks(items, 2000):
            store.session.execute(insert(typedef.junctions[name]), chunk)

    if needs_recompute:
        changed = store.recomputer.after_create_many(type_name, records, computed)  # (what they change elsewhere)
        _emit_recomputed(store, typedef, records, changed, conditions, rows, good)
    else:
        # each record as reading it back would give it (no re-read: nothing computed changes it)
        base = plan.new_values(now, user_id)
        values_of = plan.record_values
        events = (RecordCreated(type_name, rid, user_id, {}, values_of(base, c)) for (i, c), rid in zip(good, new_ids))
        if _fires_on_create(store, type_name):
            for event in events:
                store.emit(event)
        else:  # what emit() would do when no rule acts on a create of this type: keep the events
            store.events.extend(events)
    return result


_LOADS = "_rb_deferred_loads"


@contextmanager
def statistics_once(store: "RecordStore") -> Iterator[dict[str, tuple[int, int]]]:
    """Within the block, the planner statistics :func:`create_many` refreshes after a load are
    refreshed once, at its end, for everything it loaded (``statistics.refresh_after_load``).

    An import writes its rows a batch at a time: each batch checking whether the table doubled
    ran ANALYZE as it did (1k, 2k, 4k ... rows: an eighth of a 20,000-row import's create_many on
    PostgreSQL), and left statistics of the table at its last doubling. Yields table name ->
    (rows added, last id); a caller whose writes are undone (a refused import, a dry run) clears
    it. Nothing is refreshed when the block raises (its writes are rolled back)."""
    if store.__dict__.get(_LOADS) is not None:  # (inside another: that one refreshes)
        yield store.__dict__[_LOADS]
        return
    loads: dict[str, tuple[int, int]] = {}
    store.__dict__[_LOADS] = loads
    try:
        yield loads
    finally:
        store.__dict__[_LOADS] = None
    for table_name, (added, last_id) in loads.items():
        statistics.refresh_after_load(store.session.connection(), table_name, added, last_id)


def _refuse_by_condition(conditions: Any, typedef: TypeDef, record: Any, given: Any, index: int) -> None:
    """A created record's field conditions that read computed values, checked once they are computed:
    a record that breaks one refuses the whole batch (its rows are written by then)."""
    problems = conditions.problems(None, record.values, given)
    if problems:
        name, msgs = next(iter(problems.items()))
        raise ValidationError(f"record {index + 1}: {name}: {msgs[0]}",
                              {"records": [{"index": index, "errors": problems}]})


def _emit_recomputed(store: "RecordStore", typedef: TypeDef, records: list[Record], changed: set[int],
                     conditions: Any, given: list, good: list[tuple[int, dict]]) -> None:
    """Each new record's ``RecordCreated``, with its values as reading it back gives them at that point.

    A chunk of 500 at a time, as when the records were read back after their INSERT: a chunk's
    records the recompute changed after the INSERT (their lookups of what the batch changed
    elsewhere) are read again, and once a rule on create wrote records, every later chunk is."""
    t = typedef.table
    index_of = {rid: i for (i, c), rid in zip(good, (r.id for r in records))}
    reads_computed = conditions is not None and conditions.conditions.reads_computed
    fires = _fires_on_create(store, typedef.name)
    wrote = False
    for chunk in _chunks(records):
        stale = [r.id for r in chunk if wrote or r.id in changed]
        if stale:
            again = store.session.execute(select(t).where(t.c.id.in_(stale))).all()
            fresh = {r.id: r for r in store._records(typedef, again)}
            chunk = [fresh.get(r.id, r) for r in chunk]
        for record in chunk:
            if reads_computed:
                _refuse_by_condition(conditions, typedef, record, given[index_of[record.id]], index_of[record.id])
            event = RecordCreated(typedef.name, record.id, store.user_id, {}, dict(record.values))
            if fires:
                wrote = store.emit(event) or wrote
            else:  # what emit() does when no rule acts on a create of this type
                store.events.append(event)


def _fires_on_create(store: "RecordStore", type_name: str) -> bool:
    """Whether a rule acts on creates of the type (else emitting is only keeping the event)."""
    engine = store._automation()
    if engine is None:
        return False
    rules = engine.rules_for(type_name)
    return rules is not None and bool(rules.for_action("create"))


def _insert_with_ids(store: "RecordStore", plan: WritePlan, records: list[dict], now: Any, new_ids: list[int]) -> None:
    """Insert the records with the ids chosen beforehand (:func:`_new_ids`), in order.

    With the ids known, the rows go to the driver in one go (:mod:`.fast_insert`: executemany
    on SQLite, COPY on PostgreSQL) instead of an INSERT ... RETURNING in parameter order, which
    SQLAlchemy runs one row per statement on SQLite and as multi-row statements on PostgreSQL
    that psycopg must rewrite whole. Each value goes through its field type's ``to_db`` and its
    column's bind conversion; the shared system values once."""
    t = plan.typedef.table
    system = ("version", "created_at", "updated_at", "created_by", "updated_by")
    ins = insert_plan(store.session, t, ["id"] + [f.column_name for f in plan.own_columns] + list(system))
    keys = ins.keys  # the order rows give their values in
    slot = {k: n for n, k in enumerate(keys)}
    procs = dict(zip(keys, ins.processors))
    #: field name -> (position, its value's conversion to what the driver gets, or None: as it is)
    columns = {name: (slot[col], _converter(to_db, f, procs[col]))
               for name, (col, to_db, f) in plan.columns.items() if col in slot}
    user_id = store.user_id
    base: list[Any] = [None] * len(keys)
    for k, v in zip(system, (1, now, now, user_id, user_id)):
        base[slot[k]] = ins.convert(k, v)
    id_slot = slot["id"]
    rows = []
    for rid, c in zip(new_ids, records):
        row = base.copy()
        row[id_slot] = rid
        for name, v in c.items():
            col = columns.get(name)
            if col is not None:  # (to_db(None) is None for every type)
                row[col[0]] = v if v is None or col[1] is None else col[1](v)
        rows.append(row)
    conflict = "The records conflict with other records (a unique value is taken)"
    with refusable_write(store.session, plan, conflict, statements=len(rows)):
        for chunk in _chunks(rows, 2000):
            ins.execute(store.session, chunk)


def _new_ids(store: "RecordStore", t: Any, n: int) -> list[int]:
    """``n`` ids for new records of table ``t``, never given before.

    SQLite has one writer and this transaction holds the write lock (BEGIN IMMEDIATE): the ids
    it would give are the next ones after :func:`_last_id_given`. PostgreSQL: ``n`` values of
    the id column's sequence, in one query (what the INSERTs would have drawn)."""
    session = store.session
    if session.get_bind().dialect.name == "sqlite":
        start = _last_id_given(store, t)
        return list(range(start + 1, start + 1 + n))
    table = session.get_bind().dialect.identifier_preparer.format_table(t)  # quoted, with its schema if any
    ids = list(session.scalars(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                               {"t": table, "n": n}))
    if n and ids[0] is None:
        raise RuntimeError(f"the id column of {t.name} has no sequence")
    return ids


def _last_id_given(store: "RecordStore", t: Any) -> int:
    """The highest id the SQLite table has ever given: its AUTOINCREMENT counter, or max(id) when higher.

    Not max(id) alone: when the newest records were purged it falls back, and their ids (which
    their history still names) would be given again. Inserting explicit ids moves the counter on."""
    session = store.session
    newest = session.scalar(select(func.max(t.c.id))) or 0
    if session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")).first():
        seq = session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": t.name}).scalar()
        return max(newest, int(seq or 0))
    return newest


def _converter(to_db: Optional[Callable], f: Any, proc: Optional[Callable]) -> Optional[Callable]:
    """A value's field-type ``to_db`` then its column's bind processor, as one function (None: neither)."""
    if to_db is None:
        return proc
    if proc is None:
        return lambda v: to_db(v, f)

    def convert(v: Any) -> Any:
        v = to_db(v, f)
        return v if v is None else proc(v)
    return convert
