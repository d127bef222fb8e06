"""access control: roles, role assignments, record history, audit log, throttling, public forms

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:00:00

Roles (the four built-in ones are created here) and who holds them (each existing user's
``rb_user.role`` becomes a role assignment), record history, the audit log, throttling
counters (sign-in, public forms), public forms, one-time links (invitations, password
resets), and the record types an API token is limited to (models: recordbase.access.models).
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ACTIONS = ["read", "create", "update", "delete", "export", "import", "configure"]
BUILTIN = [
    ("owner", "Owner", "所有者", "Everything, including users, roles and the audit log.", ACTIONS),
    ("builder", "Builder", "构建者", "Configures record types, fields, rules and packs; reads and writes every record.",
     ACTIONS),
    ("editor", "Editor", "编辑者", "Reads and writes every record; imports and exports.", ACTIONS[:-1]),
    ("viewer", "Viewer", "查看者", "Reads and exports every record; never writes.", ["read", "export"]),
]


def upgrade() -> None:
    role = op.create_table('rb_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('label_zh', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('permissions', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('rb_user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['rb_role.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['rb_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role_id')
    )
    with op.batch_alter_table('rb_user_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_user_role_role_id'), ['role_id'], unique=False)

    op.create_table('rb_record_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=255), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rb_record_history', schema=None) as batch_op:
        batch_op.create_index('ix_rb_record_history_record', ['type_id', 'record_id', 'id'], unique=False)

    op.create_table('rb_audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_email', sa.String(length=255), nullable=True),
    sa.Column('action', sa.String(length=63), nullable=False),
    sa.Column('target_kind', sa.String(length=32), nullable=True),
    sa.Column('target', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rb_audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rb_audit_event_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_rb_audit_event_action_at', ['action', 'at'], unique=False)

    op.create_table('rb_throttle',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('rb_public_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('type_name', sa.String(length=63), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('title_zh', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('description_zh', sa.Text(), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('thank_you', sa.Text(), nullable=True),
    sa.Column('thank_you_zh', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('submissions', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('rb_public_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_public_form_type_name'), ['type_name'], unique=False)

    op.create_table('rb_user_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['rb_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('rb_user_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rb_user_link_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('rb_api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('types', sa.JSON(), nullable=True))

    # the built-in roles, and a role assignment for every existing user from rb_user.role
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(role, [{"name": n, "label": label, "label_zh": zh, "description": d, "builtin": True,
                           "permissions": {"*": {"actions": list(actions)}}, "created_at": now, "updated_at": now}
                          for n, label, zh, d, actions in BUILTIN])
    op.execute(sa.text(
        "INSERT INTO rb_user_role (user_id, role_id) "
        "SELECT u.id, r.id FROM rb_user u JOIN rb_role r ON r.name = u.role"))


def downgrade() -> None:
    with op.batch_alter_table('rb_api_token', schema=None) as batch_op:
        batch_op.drop_column('types')
    with op.batch_alter_table('rb_user_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_user_link_user_id'))
    op.drop_table('rb_user_link')
    with op.batch_alter_table('rb_public_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_public_form_type_name'))
    op.drop_table('rb_public_form')
    op.drop_table('rb_throttle')
    with op.batch_alter_table('rb_audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_rb_audit_event_action_at')
        batch_op.drop_index(batch_op.f('ix_rb_audit_event_user_id'))
        batch_op.drop_index(batch_op.f('ix_rb_audit_event_at'))
    op.drop_table('rb_audit_event')
    with op.batch_alter_table('rb_record_history', schema=None) as batch_op:
        batch_op.drop_index('ix_rb_record_history_record')
    op.drop_table('rb_record_history')
    with op.batch_alter_table('rb_user_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rb_user_role_role_id'))
    op.drop_table('rb_user_role')
    op.drop_table('rb_role')
