"""form layouts: a record type's form sections and details page tables

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00

One row per record type with its layout document (recordbase.formlayout): sections with
bilingual titles and help and a column count, and the related-record tables of its details page.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rb_form_layout",
        sa.Column("type_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("type_id"),
    )


def downgrade() -> None:
    op.drop_table("rb_form_layout")
