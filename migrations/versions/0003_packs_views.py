"""template packs and saved views

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00

Installed packs and what each installed (with fingerprints, so upgrades leave the user's
changes alone), and saved views (models: recordbase.packs.models).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.String(length=63), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_zh', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('apps', sa.JSON(), nullable=True),
    sa.Column('manifest', sa.JSON(), nullable=True),
    sa.Column('installed_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('installed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pack_id')
    )
    op.create_table('rb_pack_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('pack_hash', sa.String(length=64), nullable=True),
    sa.Column('state_hash', sa.String(length=64), nullable=True),
    sa.Column('version', sa.String(length=32), nullable=True),
    sa.Column('installed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pack_id'], ['rb_pack.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pack_id', 'kind', 'key', name='uq_rb_pack_item_kind_key')
    )
    with op.batch_alter_table('rb_pack_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_pack_item_pack_id'), ['pack_id'], unique=False)

    op.create_table('rb_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_zh', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('filter', sa.JSON(), nullable=True),
    sa.Column('sort', sa.String(length=500), nullable=True),
    sa.Column('columns', sa.JSON(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('type_name', 'name', name='uq_rb_view_type_name')
    )
    with op.batch_alter_table('rb_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_view_type_name'), ['type_name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rb_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_view_type_name'))
    op.drop_table('rb_view')
    with op.batch_alter_table('rb_pack_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_pack_item_pack_id'))
    op.drop_table('rb_pack_item')
    op.drop_table('rb_pack')
