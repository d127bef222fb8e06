"""automation tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:40:00

Rules, runs and run steps (the transactional outbox), the notification inbox,
claims of scheduled occurrences, and the rules version counter
(models: recordbase.automation.models).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_automation_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('rb_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('name_zh', sa.String(length=255), nullable=True),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rb_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_rule_type_name'), ['type_name'], unique=False)

    op.create_table('rb_rule_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('chain', sa.JSON(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['rb_rule.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rb_rule_run', schema=None) as batch_op:
        batch_op.create_index('ix_rb_rule_run_rule_started', ['rule_id', 'started_at'], unique=False)
        batch_op.create_index('ix_rb_rule_run_record', ['type_name', 'record_id'], unique=False)

    op.create_table('rb_rule_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['rb_rule_run.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('rb_rule_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_rule_step_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_rb_rule_step_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('rb_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('type_name', sa.String(length=63), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('message_zh', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['rb_user.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['rb_rule.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rb_notification', schema=None) as batch_op:
        batch_op.create_index('ix_rb_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('rb_rule_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=191), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['rule_id'], ['rb_rule.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rule_id', 'key', name='uq_rb_rule_claim_rule_key')
    )
    op.bulk_insert(sa.table("rb_automation_state", sa.column("id", sa.Integer), sa.column("version", sa.Integer)),
                   [{"id": 1, "version": 1}])


def downgrade() -> None:
    op.drop_table('rb_rule_claim')
    with op.batch_alter_table('rb_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_rb_notification_user_read')
    op.drop_table('rb_notification')
    with op.batch_alter_table('rb_rule_step', schema=None) as batch_op:
        batch_op.drop_index('ix_rb_rule_step_due')
        batch_op.drop_index(batch_op.f('ix_rb_rule_step_run_id'))
    op.drop_table('rb_rule_step')
    with op.batch_alter_table('rb_rule_run', schema=None) as batch_op:
        batch_op.drop_index('ix_rb_rule_run_record')
        batch_op.drop_index('ix_rb_rule_run_rule_started')
    op.drop_table('rb_rule_run')
    with op.batch_alter_table('rb_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_rule_type_name'))
    op.drop_table('rb_rule')
    op.drop_table('rb_automation_state')
