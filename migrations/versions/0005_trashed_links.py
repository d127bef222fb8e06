"""links kept for restoring a trashed record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:00:00

rb_trashed_link: the links a record's trashing took off other records (a link field with
on_delete "unlink"), put back when the record is restored (models: recordbase.models.TrashedLink).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_trashed_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_type_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rb_trashed_link', schema=None) as batch_op:
        batch_op.create_index('ix_rb_trashed_link_target', ['target_type_id', 'target_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rb_trashed_link', schema=None) as batch_op:
        batch_op.drop_index('ix_rb_trashed_link_target')
    op.drop_table('rb_trashed_link')
