"""comments on records; public forms' settings

Revision ID: 0017
Revises: 0010
Create Date: 2026-12-07 10:00:00

rb_comment: a record's conversation (models: recordbase.comments.models.Comment).
rb_public_form.settings: what the admin's form builder sets beyond the fields (help per field,
open/close dates, submission cap, redirect, prefill, link views, upload limits; see
recordbase.publicforms.settings).
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mentions', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rb_comment_record', 'rb_comment', ['type_id', 'record_id', 'id'], unique=False)
    op.create_index(op.f('ix_rb_comment_user_id'), 'rb_comment', ['user_id'], unique=False)
    with op.batch_alter_table('rb_public_form') as batch:
        batch.add_column(sa.Column('settings', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rb_public_form') as batch:
        batch.drop_column('settings')
    op.drop_index(op.f('ix_rb_comment_user_id'), table_name='rb_comment')
    op.drop_index('ix_rb_comment_record', table_name='rb_comment')
    op.drop_table('rb_comment')
