"""The one place that changes record tables at runtime (DDL), through Alembic's Operations.

It runs on the caller's connection, so the DDL shares the metamodel change's
transaction (PostgreSQL and SQLite both have transactional DDL; see
:mod:`recordbase.db` for how SQLite is made to honour it). On PostgreSQL each
statement runs under a short ``lock_timeout``: a table busy with another
transaction gives a clear "try again" error instead of a hang.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Connection, Integer, MetaData, Table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..errors import RecordbaseError
from .statistics import analyze
from . import schema_lock
from .fieldtypes import FieldDef
from .runtime import field_column, has_own_column, is_many_link, junction_name, junction_table, system_columns, table_name

LOCK_TIMEOUT = "5s"


def index_name(type_id: int, field: FieldDef, unique: bool = False) -> str:
    return f"{'ux' if unique else 'ix'}_{table_name(type_id)}_{field.column_name}"


def trash_index_name(type_id: int) -> str:
    return f"ix_{table_name(type_id)}_deleted_at"


TRASH_INDEX_WHERE = "deleted_at IS NOT NULL"


def wants_index(field: FieldDef) -> bool:
    """Whether the field's column has an index on (column, id): indexed fields, links and users."""
    return has_own_column(field) and (field.indexed or field.field_type in ("link", "user"))


class SchemaManager:
    def __init__(self, connection: Connection):
        self.conn = connection
        self.dialect = connection.dialect.name
        self.ops = Operations(MigrationContext.configure(connection))

    @contextmanager
    def _ddl(self) -> Iterator[None]:
        if self.dialect == "postgresql":
            self.conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        try:
            yield
        except OperationalError as exc:
            if "lock" in str(exc).lower():
                raise RecordbaseError("The table is in use by another request; try again in a moment.",
                                      code="schema_busy") from exc
            raise

    def exclude_writers(self, session: Session) -> None:
        """Take the schema-state row from the record writers before any DDL (:mod:`.schema_lock`),
        under the same ``lock_timeout``: writers busy for longer make this change a "try again"."""
        with self._ddl():
            schema_lock.exclude_writers(session)

    # -- types -----------------------------------------------------------------
    def create_type_table(self, type_id: int) -> None:
        with self._ddl():
            # AUTOINCREMENT on SQLite: the id of a purged record is never given again (history, audit
            # and links name records by id); PostgreSQL's sequences never reuse one anyway
            self.ops.create_table(table_name(type_id), *system_columns(), sqlite_autoincrement=True)
            self.ops.create_index(f"ix_{table_name(type_id)}_updated_at", table_name(type_id), ["updated_at"])
            self.create_trash_index(type_id)

    def create_trash_index(self, type_id: int) -> None:
        """The trash's index: the trashed records only (few, and written only by a delete or a
        restore), so that what counts or lists them reads the trash rather than every record; the
        aggregation engine's counts from a field's index less the trashed records use it."""
        self.ops.create_index(trash_index_name(type_id), table_name(type_id), ["deleted_at"],
                              sqlite_where=text(TRASH_INDEX_WHERE), postgresql_where=text(TRASH_INDEX_WHERE))

    def drop_type_table(self, type_id: int) -> None:
        with self._ddl():
            self.ops.drop_table(table_name(type_id))

    # -- fields ----------------------------------------------------------------
    def add_field(self, type_id: int, field: FieldDef, target_type_id: int | None = None) -> None:
        with self._ddl():
            if is_many_link(field):
                md = MetaData()
                src, tgt = table_name(type_id), table_name(target_type_id)
                Table(src, md, Column("id", Integer, primary_key=True))
                if tgt != src:
                    Table(tgt, md, Column("id", Integer, primary_key=True))
                jt = junction_table(md, field, src, tgt)
                jt.create(self.conn)
                return
            if not has_own_column(field):
                return
            column = field_column(field, None)
            self.ops.add_column(table_name(type_id), column)
            self.sync_indexes(type_id, field, None)

    def drop_field(self, type_id: int, field: FieldDef) -> None:
        with self._ddl():
            if is_many_link(field):
                self.ops.drop_table(junction_name(field.id))
                return
            if not has_own_column(field):
                return
            self.sync_indexes(type_id, replace(field, indexed=False, unique=False, field_type="text"), field)
            if self.dialect == "sqlite":
                with self.ops.batch_alter_table(table_name(type_id),
                                                table_kwargs={"sqlite_autoincrement": True}) as batch:
                    batch.drop_column(field.column_name)
            else:
                self.ops.drop_column(table_name(type_id), field.column_name)

    def replace_column(self, type_id: int, old: FieldDef, new: FieldDef) -> None:
        """Drop the column and add it again with the new field's type (data is written back by the caller)."""
        self.drop_field(type_id, old)
        with self._ddl():
            self.ops.add_column(table_name(type_id), field_column(new, None))
            self.sync_indexes(type_id, new, None)

    def wants_index(self, field: FieldDef) -> bool:
        return wants_index(field)

    def sync_indexes(self, type_id: int, field: FieldDef, before: FieldDef | None) -> None:
        """Create or drop the plain and the unique (live records only) index to match ``field``."""
        tname = table_name(type_id)
        had_ix = before is not None and self.wants_index(before)
        had_ux = before is not None and before.unique and has_own_column(before)
        if had_ix and not self.wants_index(field):
            self.ops.drop_index(index_name(type_id, field), table_name=tname)
        if not had_ix and self.wants_index(field):
            # (column, id): a sort on the field orders equal values by id, so that either database
            # walks the index forwards or backwards for the whole order (storage/query.page_segments)
            self.ops.create_index(index_name(type_id, field), tname, [field.column_name, "id"])
            analyze(self.conn, index_name(type_id, field))
        wants_ux = field.unique and has_own_column(field)
        if had_ux and not wants_ux:
            self.ops.drop_index(index_name(type_id, field, True), table_name=tname)
        if wants_ux and not had_ux:
            self.ops.create_index(index_name(type_id, field, True), tname, [field.column_name], unique=True,
                                  sqlite_where=text("deleted_at IS NULL"),
                                  postgresql_where=text("deleted_at IS NULL"))
