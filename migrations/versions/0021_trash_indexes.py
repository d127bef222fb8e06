"""record tables' trash index (the trashed records only)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:30:00

Every record table gets ``ix_rb_rec_<type>_deleted_at`` on ``deleted_at`` WHERE ``deleted_at IS NOT
NULL`` (as the schema manager makes it for a new type, recordbase/metamodel/schema_manager.py): what
counts or lists the trash reads its few rows instead of every record. The aggregation engine counts a
board's columns on SQLite from the field's index less the trashed records (storage/aggregation.py);
without this index those are found by reading the whole table.
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

WHERE = "deleted_at IS NOT NULL"


def _record_tables():
    inspector = sa.inspect(op.get_bind())
    for table in inspector.get_table_names():
        if re.match(r"^rb_rec_\d+$", table):
            yield table, {ix["name"] for ix in inspector.get_indexes(table)}


def upgrade() -> None:
    for table, names in list(_record_tables()):
        name = f"ix_{table}_deleted_at"
        if name not in names:
            op.create_index(name, table, ["deleted_at"], sqlite_where=sa.text(WHERE),
                            postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    for table, names in list(_record_tables()):
        name = f"ix_{table}_deleted_at"
        if name in names:
            op.drop_index(name, table_name=table)
