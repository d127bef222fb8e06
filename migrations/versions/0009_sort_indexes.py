"""record field indexes on (column, id)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:30:00

A sort on a field orders equal values by id in the sort's direction (storage/query.page_segments):
PostgreSQL walks an index on (column, id) for the whole order, forwards or backwards, where an
index on the column alone leaves every run of equal values to be sorted. Each record field index
(``ix_rb_rec_<type>_f_<field>`` on its one column) is made again on (column, id). SQLite's indexes
carry the row id (the record id) already: nothing to do there.
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_FIELD_INDEX = re.compile(r"^ix_rb_rec_\d+_(f_\d+)$")


def _field_indexes():
    inspector = sa.inspect(op.get_bind())
    for table in inspector.get_table_names():
        if not re.match(r"^rb_rec_\d+$", table):
            continue
        for ix in inspector.get_indexes(table):
            m = _FIELD_INDEX.match(ix["name"] or "")
            if m:
                yield table, ix["name"], m.group(1), ix["column_names"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, column, columns in list(_field_indexes()):
        if columns == [column]:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column, "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, column, columns in list(_field_indexes()):
        if columns == [column, "id"]:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column])
