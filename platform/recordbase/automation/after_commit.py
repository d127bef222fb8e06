"""What the rule engine leaves for after the write's transaction: the outbox hand-off and failed runs.

- **Outbox.** External steps (webhook, e-mail) are written as pending rows in the write's own
  transaction; their ids wait in the session (:func:`hand_over`) and go to the queue
  (:mod:`.queue`) only once the transaction commits. A rollback drops them: never sent for a
  write that did not happen (their rows rolled back with it).
- **Failed runs.** A rule that failed the write (:class:`~.failures.RuleFailed`) rolls back its
  own run row with everything else; :func:`record_failure` keeps the run's facts in the
  session and a separate, short transaction records the failed run once the write has ended,
  committed or rolled back.

Savepoints (one around each rule fired by the user's write) end without touching either list:
whoever rolls one back trims the lists itself (:meth:`.engine.RuleEngine._undo`).
"""
from __future__ import annotations

import logging

from sqlalchemy import event as sa_event, select
from sqlalchemy.orm import Session

from ..models import utcnow
from .models import RuleRun

log = logging.getLogger(__name__)

#: the session-info key of the external step ids to hand to the queue after commit
OUTBOX_KEY = "rb_outbox_steps"
#: the session-info key of the failed runs to record after the transaction ends
FAILED_KEY = "rb_failed_runs"


def hand_over(session: Session, step_ids) -> None:
    """Queue these pending external steps once ``session``'s transaction commits (dropped if it rolls back)."""
    session.info.setdefault(OUTBOX_KEY, []).extend(step_ids)
    install_listeners(session)


def record_failure(session: Session, **failure) -> None:
    """Record a failed run (``RuleRun`` columns) in its own transaction once ``session``'s transaction ends."""
    session.info.setdefault(FAILED_KEY, []).append(failure)
    install_listeners(session)


def install_listeners(session: Session) -> None:
    """Listen to ``session``'s commit and rollback (once per session)."""
    if session.info.get("rb_automation_listeners"):
        return
    session.info["rb_automation_listeners"] = True
    sa_event.listen(session, "after_commit", _after_commit)
    sa_event.listen(session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the real commit is still to come
    steps = session.info.pop(OUTBOX_KEY, None)
    if steps:
        from .queue import enqueue_steps

        enqueue_steps(list(steps))
    _write_failures(session)


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: whoever rolled it back trimmed the outbox list
    session.info.pop(OUTBOX_KEY, None)  # rolled back with the write: never sent
    _write_failures(session)


def _write_failures(session: Session) -> None:
    failures = session.info.pop(FAILED_KEY, None)
    if not failures:
        return
    bind = session.get_bind()
    try:
        with Session(bind=bind) as other, other.begin():
            from .models import Rule

            # a rule created in the transaction that rolled back (a pack install) is gone: no run for it,
            # or its id, given again to the next rule, would show another rule's failure
            alive = set(other.scalars(select(Rule.id).where(Rule.id.in_({f["rule_id"] for f in failures}))))
            for f in failures:
                if f["rule_id"] in alive:
                    other.add(RuleRun(status="failed", finished_at=utcnow(), depth=1, **f))
    except Exception:  # noqa: BLE001 - the history is best effort here; the write's own error was reported
        log.exception("could not record a failed automation run")
