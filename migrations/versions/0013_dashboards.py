"""dashboards

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07 10:15:00

rb_dashboard: one dashboard (models: recordbase.dashboards.models.Dashboard): bilingual name, the app
whose home page it is, position, and its JSON-schema validated document of widgets.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_dashboard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_zh', sa.String(length=255), nullable=True),
    sa.Column('app', sa.String(length=63), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['rb_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rb_dashboard_app', 'rb_dashboard', ['app'])


def downgrade() -> None:
    op.drop_index('ix_rb_dashboard_app', table_name='rb_dashboard')
    op.drop_table('rb_dashboard')
