"""webhook secrets out of audit entries written before they were write-only

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 08:30:00

Since issue #15 a rule's webhook secret never reaches the audit log (recordbase.access.audit
masks it). Entries written before that still hold secrets in their details, readable by every
owner: this masks them the same way — any ``secret`` key's value, and every stored rule's secret
wherever it appears in text (a long value the log kept as truncated JSON text). Not reversible:
the downgrade leaves the masked entries as they are.
"""
from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

MASK = "********"  # recordbase.automation.secrets.MASK, copied: a migration keeps its own constants
#: a "secret" key inside JSON text (the log truncates long values to text)
SECRET_IN_TEXT = re.compile(r'("secret"\s*:\s*)"(?:[^"\\]|\\.)*"')


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for s in secrets:
            value = value.replace(s, MASK)
        return SECRET_IN_TEXT.sub(lambda m: m.group(1) + json.dumps(MASK), value)
    if isinstance(value, dict):
        return {k: (MASK if k == "secret" and v else _scrub(v, secrets)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    return value


def _secrets(definition: Any) -> list[str]:
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError:
            return []
    actions = definition.get("actions") if isinstance(definition, dict) else None
    return [a["secret"] for a in actions or [] if isinstance(a, dict) and a.get("do") == "webhook"
            and isinstance(a.get("secret"), str) and len(a["secret"]) >= 4]  # (a 1-3 character secret
    # would mask ordinary words of every entry; its "secret" keys are masked all the same)


def upgrade() -> None:
    bind = op.get_bind()
    rules = sa.table("rb_rule", sa.column("definition", sa.JSON))
    audit = sa.table("rb_audit_event", sa.column("id", sa.Integer), sa.column("details", sa.JSON))
    secrets = sorted({s for (d,) in bind.execute(sa.select(rules.c.definition)) for s in _secrets(d)},
                     key=len, reverse=True)
    last = 0
    while True:  # in slices, so a long log is never read whole into memory
        rows = bind.execute(sa.select(audit.c.id, audit.c.details).where(audit.c.id > last)
                            .order_by(audit.c.id).limit(1000)).all()
        if not rows:
            break
        for row_id, details in rows:
            if details is not None:
                clean = _scrub(details, secrets)
                if clean != details:
                    bind.execute(audit.update().where(audit.c.id == row_id).values(details=clean))
        last = rows[-1][0]


def downgrade() -> None:
    pass  # the secrets are gone: nothing to put back
