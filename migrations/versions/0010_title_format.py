"""record type title formats

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 10:00:00

A record type's title may be a format such as ``{kpi} · {score}`` (field references by API
name) instead of one chosen field: ``rb_record_type.title_format`` (storage/titles.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rb_record_type") as batch:
        batch.add_column(sa.Column("title_format", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rb_record_type") as batch:
        batch.drop_column("title_format")
