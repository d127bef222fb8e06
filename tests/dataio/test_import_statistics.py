"""An import refreshes the planner statistics once, after its last batch, for all the rows it wrote
(not at each doubling of the table as its batches go in); a dry run or a refused import not at all."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import event

from recordbase.dataio import ImportOptions, open_table, run_import
from recordbase.metamodel import statistics

from .files import csv_bytes

ROWS = 2500  # five batches of 500: the table doubles twice while they go in


@contextmanager
def analyses(sessions) -> Iterator[list[str]]:
    """The ANALYZE statements sent meanwhile."""
    seen: list[str] = []
    engine = sessions.kw["bind"]

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("ANALYZE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _file(bad_row: bool = False) -> bytes:
    rows = [["Name", "Credit code", "Headcount"]]
    rows += [[f"Supplier {i}", f"CC{i:06d}", "x" if bad_row and i == ROWS - 1 else i] for i in range(ROWS)]
    return csv_bytes(rows)


def _table_name(store) -> str:
    return store.type("supplier").table.name


def test_an_import_analyses_its_table_once_with_all_its_rows(sessions, store_in):
    with analyses(sessions) as seen, store_in() as store:
        report = run_import(store, "supplier", open_table(_file(), "s.csv"), ImportOptions(batch_size=500))
        assert report.created == ROWS
        name = _table_name(store)
    assert [s for s in seen if name in s] == [f'ANALYZE "{name}"']
    with store_in() as store:
        assert statistics.planner_rows(store.session.connection(), name) == ROWS


@pytest.mark.parametrize("options", [dict(dry_run=True), dict(bad_row=True)])
def test_a_dry_run_or_a_refused_import_analyses_nothing(sessions, store_in, options):
    with analyses(sessions) as seen, store_in() as store:
        report = run_import(store, "supplier", open_table(_file(options.get("bad_row", False)), "s.csv"),
                            ImportOptions(batch_size=500, dry_run=options.get("dry_run", False)))
        assert not report.committed
        name = _table_name(store)
    assert [s for s in seen if name in s] == []
