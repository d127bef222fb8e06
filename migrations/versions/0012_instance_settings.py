"""instance settings

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-07 10:00:00

rb_instance_setting: one row per instance setting (time zone, default language, default currency),
edited by an owner on /admin/settings/ (models: recordbase.settings.models.InstanceSetting).
A missing row means the setting's default.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_instance_setting',
    sa.Column('key', sa.String(length=63), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('rb_instance_setting')
