"""finished admin imports, one per upload

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 08:00:00

rb_import_job: one row per upload whose admin import was written, committed in the import's own
transaction (models: recordbase.dataio.models.ImportJob); its unique upload key makes a second run
of the same upload impossible, and it keeps the report.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('upload')
    )


def downgrade() -> None:
    op.drop_table('rb_import_job')
