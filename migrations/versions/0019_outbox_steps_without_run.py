"""outbox steps that belong to no rule run (an @mention's e-mail)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 14:20:00

rb_rule_step.run_id becomes nullable: an e-mail sent because a comment mentions someone
(recordbase.comments.mentions) goes through the same outbox and worker as the rules' e-mails,
but no rule ran (recordbase.automation.outbox.queue_email).
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rb_rule_step') as batch:
        batch.alter_column('run_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM rb_rule_step WHERE run_id IS NULL")
    with op.batch_alter_table('rb_rule_step') as batch:
        batch.alter_column('run_id', existing_type=sa.Integer(), nullable=False)
