"""field conditions: show / required / read-only when (a JSON column on rb_field)

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-07 10:00:00

A field's ``conditions`` document (recordbase/metamodel/field_conditions.py): filter trees over the
same record saying when the field is shown, required and read-only. NULL for a field without any.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rb_field") as batch:
        batch.add_column(sa.Column("conditions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rb_field") as batch:
        batch.drop_column("conditions")
