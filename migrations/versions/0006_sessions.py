"""server-side sessions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 07:30:00

rb_session: one row per signed-in browser (the SHA-256 digest of the random session id its
cookie carries, the user, when it was created and last seen), so that signing out, a password
change or a deactivation ends a session on the server, and idle and absolute lifetimes can be
enforced (models: recordbase.models.UserSession). Sessions signed in before this revision carry no
session id: their users sign in again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['rb_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    with op.batch_alter_table('rb_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rb_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_session_user_id'))
    op.drop_table('rb_session')
