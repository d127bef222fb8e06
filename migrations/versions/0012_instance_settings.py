"""instance settings; record types' descriptions in Chinese

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-07 10:00:00

rb_instance_setting: one row per instance setting (time zone, default language, default currency),
edited by an owner on /admin/settings/ (models: recordbase.settings.models.InstanceSetting).
A missing row means the setting's default. rb_record_type.description_zh: a type's description in
Chinese, shown on Chinese pages instead of ``description``.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rb_record_type') as batch:
        batch.add_column(sa.Column('description_zh', sa.Text(), nullable=True))
    op.create_table('rb_instance_setting',
    sa.Column('key', sa.String(length=63), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    with op.batch_alter_table('rb_record_type') as batch:
        batch.drop_column('description_zh')
    op.drop_table('rb_instance_setting')
