"""a field's help text in Chinese

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 13:30:00

rb_field.help_text_zh: shown under the form field and as the column's tooltip on Chinese pages
(``help_text`` on English pages, and on Chinese pages when there is no Chinese text), like label_zh.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rb_field') as batch:
        batch.add_column(sa.Column('help_text_zh', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rb_field') as batch:
        batch.drop_column('help_text_zh')
