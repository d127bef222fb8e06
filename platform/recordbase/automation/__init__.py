"""Automation rules (design §9): triggers, conditions, ordered actions, a durable run log, a worker.

Modules:

- :mod:`.models` — the tables (rules, runs, run steps = the outbox, notifications, claims).
- :mod:`.schema` — the JSON Schema of a rule and path-naming validation errors.
- :mod:`.conditions` — rule conditions: the filter language plus ``changed`` / ``changed_to`` /
  ``changed_from`` against the record's previous values.
- :mod:`.actions` — the action registry (update_record, create_record, update_linked, notify,
  webhook, assign): each action checks its JSON against the record type when the rule is saved
  and runs against one record when the rule fires.
- :mod:`.rules` — the rule service (validate, save, list; the per-process cache of compiled rules).
- :mod:`.engine` — the rule engine the record store calls after each record event: data actions
  in the write's transaction, cascades up to depth 8, external effects as pending outbox steps.
- :mod:`.failures` — a stopped cascade (the write goes on) and a failed data action (it fails too).
- :mod:`.after_commit` — after the write's transaction: outbox steps to the queue, failed runs recorded.
- :mod:`.outbox` — executing outbox steps (webhooks, e-mail): claims, retries with backoff.
- :mod:`.scheduler` — scheduled (cron) and date-relative rules, claimed once per occurrence.
- :mod:`.queue` — Huey: the task queue that carries outbox steps and periodic ticks to workers.
- :mod:`.worker` — ``recordbase worker`` (loop) and ``--once [--now]``.
"""
