"""Importing a table into a record type: the run (rows read, cells prepared, batched writes).

What it is asked and what it answers (:class:`ImportOptions`, :class:`ImportReport`) are in
:mod:`.import_report`; re-exported here.

:func:`run_import` reads the rows of a :class:`~.readers.Table` as a stream, prepares each
mapped cell (:mod:`.parsing`), and writes batches through the record store
(:meth:`RecordStore.create_many`, and :meth:`RecordStore.update` for rows whose key matches
an existing record), so every value is validated by its field type, computed fields are
recomputed and automation sees the usual events. The whole import runs in one SAVEPOINT of
the caller's transaction:

- all-or-nothing (the default): any bad row and the savepoint is rolled back, nothing is
  written, and the report lists every problem (row, column, value, reason);
- ``skip_bad_rows``: the good rows are written and the report lists the skipped ones;
- ``dry_run``: everything is written and checked exactly as for real, then rolled back; the
  report and its preview show what would be stored.

The planner statistics of the type's table are refreshed once, after the last batch, for all the
rows written (:func:`~recordbase.storage.batch.statistics_once`). The caller commits (a surface's
one unit of work).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Optional

from sqlalchemy import select

from ..errors import Forbidden, ValidationError
from ..i18n import translate
from ..metamodel.runtime import is_many_link
from ..storage.batch import statistics_once
from .import_report import ImportOptions, ImportReport, RowError
from .xlsx_fast import UncalculatedFormula
from .mapping import auto_map, find_field
from .parsing import Lookups, preparer
from .parsing import _text as text_preparer
from .parsing import unquoted
from .readers import Table
from .row_names import RowNames

__all__ = ["ImportOptions", "ImportReport", "Importer", "RowError", "key_fields", "run_import"]

Progress = Callable[[int, Optional[int]], None]
KEY_TYPES = frozenset({"text", "long_text", "email", "url", "phone", "number", "decimal", "currency", "percent",
                       "rating", "date", "datetime", "single_select", "autonumber", "duration", "boolean", "user",
                       "link"})


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def key_fields(typedef: Any) -> list:
    """The fields an import can match existing records on (one value per record)."""
    return [f for f in typedef.fields if f.field_type in KEY_TYPES and not is_many_link(f)]


class Importer:
    def __init__(self, store: Any, type_name: str, table: Table, options: Optional[ImportOptions] = None,
                 progress: Optional[Progress] = None):
        self.store = store
        # the type as the user sees it: a hidden field's column is mapped as an unknown one would be
        self.typedef = store.visible_type(type_name) if hasattr(store, "visible_type") else store.type(type_name)
        self.table = table
        self.options = options or ImportOptions()
        self.progress = progress
        self.report = ImportReport(type=self.typedef.name, format=table.format, sheet=table.sheet,
                                   encoding=table.encoding, delimiter=table.delimiter,
                                   mode="skip_bad_rows" if self.options.skip_bad_rows else "all_or_nothing",
                                   dry_run=self.options.dry_run)
        self.lookups = Lookups(store)
        key = find_field(self.typedef, self.options.key) if self.options.key else None
        self.mapping = auto_map(self.typedef, table.headers, self.options.mapping, key=key)
        self.report.mapping = self.mapping
        self.columns = {c.field.name: c.header for c in self.mapping if c.field}
        self.key_field = self._key_field()
        self.pending: list[tuple[int, dict, dict]] = []
        self.pending_keys: set = set()

    # -- set-up ---------------------------------------------------------------------------
    def _key_field(self):
        key = self.options.key
        if not key:
            return None
        f = find_field(self.typedef, key)
        if f is None:
            raise ValidationError(f"Record type '{self.typedef.name}' has no key field '{key}'", {"key": ["unknown field"]})
        if f.name not in self.columns:
            raise ValidationError(f"The key field '{f.name}' has no column in the file", {"key": ["not in the file"]})
        if f.field_type not in KEY_TYPES or is_many_link(f):
            raise ValidationError(f"A {f.field_type} field cannot be the key", {"key": ["unsuitable field type"]})
        self.report.key = f.name
        return f

    def _check_required(self) -> None:
        missing = [f for f in self.typedef.writable_fields()
                   if f.required and f.default is None and f.name not in self.columns]
        if missing and not self.key_field:
            names = ", ".join(f"{f.label} ({f.name})" for f in missing)
            raise ValidationError(f"The file has no column for the required field(s) {names}",
                                  {"mapping": {f.name: ["required, but no column maps to it"] for f in missing}})

    # -- errors ---------------------------------------------------------------------------
    def error(self, row: int, field: Optional[str], value: Any, reason: str) -> None:
        self.report.bad_rows.add(row)
        self.report.error_count += 1
        if len(self.report.errors) < self.options.max_errors:
            column = self.columns.get(field) if field else None
            self.report.errors.append(RowError(row, column, field, value, reason))

    def store_errors(self, row: int, raw: dict, problems: dict) -> None:
        for name, msgs in problems.items():
            for m in (msgs if isinstance(msgs, list) else [msgs]):
                self.error(row, name if name in self.columns or self.typedef.field(name) else None,
                           raw.get(name), str(m))

    # -- the run --------------------------------------------------------------------------
    def run(self) -> ImportReport:
        start = time.perf_counter()
        self._check_required()
        if not any(c.field for c in self.mapping):
            raise ValidationError(
                f"No column of the file matches a field of '{self.typedef.name}' "
                f"(columns: {', '.join(self.table.headers)})", {"mapping": ["no column matches a field"]})
        preps = [(c.index, c.field, preparer(c.field, self.lookups, self.options.date_order,
                                             c.index in self.table.percent_columns))
                 for c in self.mapping if c.field]
        preps = [(i, f, p, p is text_preparer) for i, f, p in preps]
        session = self.store.session
        events_before = len(self.store.events)
        rule_engine = getattr(self.store, "rule_engine", None)
        if not self.options.run_rules:
            self.store.rule_engine = None  # a Builder switched rules off: events still make history
        savepoint = session.begin_nested()
        try:
            # the planner statistics once, after the last batch (not as the table doubles batch by batch)
            with statistics_once(self.store) as loads:
                for number, cells in self.table.rows():
                    self.report.rows += 1
                    values: dict = {}
                    raw: dict = {}
                    bad: set = set()
                    for idx, f, prep, textual in preps:
                        cell = cells[idx]
                        raw[f.name] = cell
                        if cell.__class__ is str and cell[:1] == "'":
                            cell = unquoted(cell)
                        if textual and cell.__class__ is str:  # most cells: text the field type reads itself
                            if cell and not cell.isspace():
                                values[f.name] = cell
                            elif self.key_field is not None:
                                values[f.name] = None
                            continue
                        if cell.__class__ is UncalculatedFormula:
                            self.error(number, f.name, str(cell), "the cell holds a formula with no calculated result "
                                       "(the file was never opened and saved in Excel); save it in Excel, or paste "
                                       "the values")
                            bad.add(f.name)
                            continue
                        try:
                            v = prep(cell)
                        except ValueError as exc:
                            self.error(number, f.name, cell, str(exc))
                            bad.add(f.name)
                            continue
                        if (v is None or v == "" or v == []) and _blank(cell):  # (the cheap test first)
                            if self.key_field is None:
                                continue  # blank on a new record: the field's default applies
                            v = None if v == "" else v
                        values[f.name] = v
                    if bad:
                        self._check_rest(number, values, raw, bad)
                        continue
                    self._add(number, values, raw)
                self._flush()
                keep = self.report.ok and not self.options.dry_run
                if not keep:
                    loads.clear()  # (undone below: nothing new to analyse)
            self.report.errors.sort(key=lambda e: e.row)  # (rows checked in batches report out of order)
            if keep:
                savepoint.commit()
            else:
                savepoint.rollback()
                del self.store.events[events_before:]
                if not self.options.dry_run:  # refused: nothing was created or updated
                    self.report.created = self.report.updated = 0
            self.report.committed = keep
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            del self.store.events[events_before:]
            raise
        finally:
            if not self.options.run_rules:
                self.store.rule_engine = rule_engine
        self.report.seconds = time.perf_counter() - start
        if self.progress:
            self.progress(self.report.rows, self.report.rows)
        return self.report

    def _check_rest(self, number: int, values: dict, raw: dict, failed: set) -> None:
        """A row with unreadable cells is not written; still report what else is wrong with it."""
        if self.key_field is not None and self.key_field.ftype.read_only:
            values = {k: v for k, v in values.items() if k != self.key_field.name}  # (matched on, never written)
        try:
            self.store.clean(self.typedef, values, creating=self.key_field is None)
        except ValidationError as exc:
            if isinstance(exc.details, dict):
                self.store_errors(number, raw, {k: [m for m in v if not (k in failed and m == "is required")]
                                                for k, v in exc.details.items() if k not in failed})

    def _add(self, number: int, values: dict, raw: dict) -> None:
        if self.key_field is not None:
            k = values.get(self.key_field.name)
            try:
                k = repr(k) if not isinstance(k, list) else repr(tuple(k))
            except Exception:  # noqa: BLE001
                k = None
            if k in self.pending_keys:
                self._flush()  # the same key twice: the second row updates what the first created
            self.pending_keys.add(k)
        self.pending.append((number, values, raw))
        if len(self.pending) >= self.options.batch_size:
            self._flush()

    def _existing(self, rows: list[tuple[int, dict, dict]]) -> dict[int, Any]:
        """Row number -> the id of the live record whose key equals the row's key (or an error text)."""
        f = self.key_field
        t = self.typedef.table
        col = self.typedef.column(f)
        keys: dict[Any, list[int]] = {}
        out: dict[int, Any] = {}
        for number, values, _raw in rows:
            v = values.get(f.name)
            if v is None:
                continue
            try:  # (a key no one writes, an autonumber, is matched as written)
                cleaned = str(v).strip() if f.ftype.read_only else f.ftype.clean(v, f, self.store.ctx)
            except ValueError:
                continue  # the store reports the bad key value
            if cleaned in (None, ""):
                continue
            keys.setdefault(f.ftype.to_db(cleaned, f), []).append(number)
        items = list(keys)
        rows_cond = self.store.row_condition(self.typedef) if hasattr(self.store, "row_condition") else None
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            found: dict[Any, list[int]] = {}
            stmt = select(col, t.c.id).where(col.in_(chunk), t.c.deleted_at.is_(None)).order_by(t.c.id)
            if rows_cond is not None:  # a record outside the user's rows does not exist for them
                stmt = stmt.where(rows_cond)
            for value, rid in self.store.session.execute(stmt):
                found.setdefault(value, []).append(rid)
            for value, ids in found.items():
                numbers = keys.get(value)
                if numbers is None:
                    numbers = next((n for k, n in keys.items() if k == value), [])
                for n in numbers:
                    out[n] = ids[0] if len(ids) == 1 else f"{len(ids)} records have this {f.name}: {ids[:5]}"
        return out

    def _flush(self) -> None:
        rows, self.pending, self.pending_keys = self.pending, [], set()
        if not rows:
            return
        creates = rows
        if self.key_field is not None:
            existing = self._existing(rows)
            creates = []
            for number, values, raw in rows:
                match = existing.get(number)
                if match is None and self.key_field.ftype.read_only:
                    self.error(number, self.key_field.name, raw.get(self.key_field.name),
                               translate("no record has this %(field)s (Recordbase numbers new records itself: "
                                         "leave the row out, or import it without this key)",
                                         field=self.key_field.display_label(self.store.ctx.lang)))
                elif match is None:
                    creates.append((number, {k: v for k, v in values.items() if v is not None}, raw))
                elif isinstance(match, str):
                    self.error(number, self.key_field.name, raw.get(self.key_field.name), match)
                else:
                    self._update(number, match, values, raw)
        if creates:
            result = self.store.create_many(self.typedef.name, [v for _, v, _ in creates], skip_invalid=True,
                                            row_names=RowNames([n for n, _, _ in creates]))
            for i, problems in result.errors.items():
                number, _values, raw = creates[i]
                self.store_errors(number, raw, problems)
            self.report.created += result.created
            tf = self.typedef.title_field
            for (number, values, _raw), rid in zip(creates, result.ids):
                if rid is None:
                    continue
                if tf is not None and values.get(tf.name) is not None:
                    self.lookups.remember(self.typedef.name, rid, str(values.get(tf.name)))
                self._preview(number, rid, "create")
        if self.progress:
            self.progress(self.report.rows, self.table.estimated_rows)

    def _update(self, number: int, rid: int, values: dict, raw: dict) -> None:
        values = {k: v for k, v in values.items() if k != self.key_field.name}
        try:
            with self.store.session.begin_nested():
                self.store.update(self.typedef.name, rid, values)
        except Forbidden as exc:  # a record the user may read but not change, or a change out of their rows
            self.store_errors(number, raw, {"record": [exc.message]})
            return
        except ValidationError as exc:
            self.store_errors(number, raw, exc.details if isinstance(exc.details, dict) else {"record": [exc.message]})
            return
        self.report.updated += 1
        self._preview(number, rid, "update")

    def _preview(self, number: int, rid: int, action: str) -> None:
        if len(self.report.preview) < self.options.preview_rows:
            record = self.store.get(self.typedef.name, rid)
            self.report.preview.append({"row": number, "action": action, "record": self.store.to_json(record)})


def run_import(store: Any, type_name: str, table: Table, options: Optional[ImportOptions] = None,
               progress: Optional[Progress] = None) -> ImportReport:
    """Import ``table`` into ``type_name`` within the caller's transaction (see the module doc)."""
    if hasattr(store, "require"):
        store.require("import", type_name)  # the user's policy (recordbase.access): 403 without the import right
    return Importer(store, type_name, table, options, progress).run()

