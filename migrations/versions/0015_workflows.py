"""workflows and approvals

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-07 10:00:00

rb_workflow (one document per record type), rb_approval_step (one approval level of a record),
rb_approval_assignee (who may fill a step's slots, by user: "My approvals"), rb_workflow_decision
(the approval timeline; a slot is filled once), rb_delegation (a substitute for a date range).
Models: recordbase.workflow.models.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rb_workflow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('type_name')
    )
    op.create_table('rb_approval_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=255), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('required', sa.Integer(), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rb_approval_step_record', 'rb_approval_step', ['type_name', 'record_id', 'id'])
    op.create_index('ix_rb_approval_step_status_due', 'rb_approval_step', ['status', 'due_at'])
    op.create_table('rb_approval_assignee',
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['step_id'], ['rb_approval_step.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('step_id', 'slot', 'user_id')
    )
    op.create_index('ix_rb_approval_assignee_user', 'rb_approval_assignee', ['user_id', 'step_id'])
    op.create_table('rb_workflow_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=63), nullable=True),
    sa.Column('from_state', sa.String(length=255), nullable=True),
    sa.Column('to_state', sa.String(length=255), nullable=True),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('slot', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf_of', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('step_id', 'slot', name='uq_rb_workflow_decision_slot')
    )
    op.create_index('ix_rb_workflow_decision_record', 'rb_workflow_decision', ['type_name', 'record_id', 'id'])
    op.create_table('rb_delegation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('substitute_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['rb_user.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['substitute_id'], ['rb_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rb_delegation_user_id', 'rb_delegation', ['user_id'])
    op.create_index('ix_rb_delegation_substitute', 'rb_delegation', ['substitute_id', 'starts_on'])


def downgrade() -> None:
    op.drop_table('rb_delegation')
    op.drop_table('rb_workflow_decision')
    op.drop_table('rb_approval_assignee')
    op.drop_table('rb_approval_step')
    op.drop_table('rb_workflow')
