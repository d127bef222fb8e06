"""record types may clear the values their conditions hide

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 14:00:00

rb_record_type.clear_hidden_values: a write that leaves a field hidden by its "show when" condition
clears the field's value (recordbase.storage.condition_guard); false (kept) for every existing type.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rb_record_type') as batch:
        batch.add_column(sa.Column('clear_hidden_values', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('rb_record_type') as batch:
        batch.drop_column('clear_hidden_values')
