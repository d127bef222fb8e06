"""view kinds, options and personal views

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-07 10:00:00

A saved view gets a ``kind`` (grid, board, calendar, gallery; existing views are grids), the kind's
``options`` (JSON) and an ``owner_id`` (a personal view's user; NULL: shared). Names are now unique
per type among shared views and among each user's own, which the view service checks: the
(type, name) constraint goes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rb_view', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='grid'))
        batch_op.add_column(sa.Column('options', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_rb_view_type_name', type_='unique')
        batch_op.create_index(batch_op.f('ix_rb_view_owner_id'), ['owner_id'], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM rb_view WHERE owner_id IS NOT NULL"))
    with op.batch_alter_table('rb_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_view_owner_id'))
        batch_op.create_unique_constraint('uq_rb_view_type_name', ['type_name', 'name'])
        batch_op.drop_column('owner_id')
        batch_op.drop_column('options')
        batch_op.drop_column('kind')
