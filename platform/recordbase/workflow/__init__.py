"""Workflows and approvals (issue #18 items 1–6, design §11 "workflows guard the write path").

- :mod:`.definition`: a workflow as data (one JSON-schema-validated document per record type)
  and its semantic check against the type;
- :mod:`.models`: the workflow table, approval steps, their assignees, decisions, delegations;
- :mod:`.guard`: what the record store asks before a write (the state field changes only through
  a transition; per-state field locks);
- :mod:`.engine`: what the caller may do now, taking a transition, approving and rejecting;
- :mod:`.approvers`: who an approver entry names (roles, users, user fields, delegates);
- :mod:`.deadlines`: overdue steps (notify, escalate, auto-transition) on the scheduler's clock.
"""
