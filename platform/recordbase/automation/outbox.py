"""Executing outbox steps (webhooks, e-mail): claim, deliver, record; retries with exponential backoff.

A step is *due* when it is ``pending`` and its ``next_attempt_at`` has come, or when it is
``running`` but its claim is older than :data:`LEASE` (the worker that claimed it died:
someone else delivers it, with the same idempotency key). Claiming is one conditional UPDATE,
so two workers never deliver the same attempt; delivery happens outside any database
transaction; the outcome is recorded afterwards. Delivery is therefore *at least once*:
a worker killed after delivering but before recording delivers again after the lease, and
the receiver de-duplicates with ``X-Recordbase-Idempotency-Key``.

Most steps belong to a rule's run; :func:`queue_email` adds one that belongs to none (an @mention's
e-mail), delivered, retried and recorded the same way.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
import socket
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Optional

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import utcnow
from .models import RuleRun, RuleStep
from .settings import setting, smtp_settings

log = logging.getLogger(__name__)

#: a claim older than this is taken to belong to a dead worker
LEASE = timedelta(minutes=5)
BACKOFF_BASE = 30  # seconds: 30 s, 1 min, 2 min, 4 min ... capped at BACKOFF_CAP
BACKOFF_CAP = 3600
#: statuses that will not get better by retrying
PERMANENT_HTTP = frozenset({400, 401, 403, 404, 405, 410, 413, 415, 422})
USER_AGENT = "Recordbase-Webhook/1"


class DeliveryError(Exception):
    def __init__(self, message: str, permanent: bool = False, result: Optional[dict] = None):
        super().__init__(message)
        self.permanent = permanent
        self.result = result


def naive_utc(now: Optional[datetime]) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (the first wait is ``RECORDBASE_RETRY_BACKOFF``
    seconds, default :data:`BACKOFF_BASE`; tests and impatient set-ups shorten it)."""
    try:
        base = float(setting("RETRY_BACKOFF", "") or BACKOFF_BASE)
    except ValueError:
        base = BACKOFF_BASE
    return timedelta(seconds=min(BACKOFF_CAP, max(0.0, base) * 2 ** max(0, attempts - 1)))


def _due(now: datetime):
    return or_(and_(RuleStep.status == "pending", RuleStep.next_attempt_at <= now),
               and_(RuleStep.status == "running", RuleStep.claimed_at < now - LEASE))


def due_step_ids(session: Session, now: Optional[datetime] = None, limit: int = 500) -> list[int]:
    now = naive_utc(now)
    return list(session.scalars(select(RuleStep.id).where(RuleStep.kind == "external", _due(now))
                                .order_by(RuleStep.next_attempt_at, RuleStep.id).limit(limit)))


def claim(session: Session, step_id: int, now: datetime, worker_id: str) -> bool:
    res = session.execute(update(RuleStep).where(RuleStep.id == step_id, RuleStep.kind == "external", _due(now))
                          .values(status="running", claimed_at=now, claimed_by=worker_id,
                                  attempts=RuleStep.attempts + 1))
    return res.rowcount == 1


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_webhook(payload: dict, key: str, attempt: int) -> dict:
    body = payload["body"].encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Recordbase-Idempotency-Key": key, "X-Recordbase-Attempt": str(attempt)}
    if payload.get("secret"):  # without a secret (left out of a pack export, say) there is nothing to sign with
        headers["X-Recordbase-Signature"] = sign(payload["secret"], body)
    request = urllib.request.Request(payload["url"], data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=float(payload.get("timeout") or 10)) as resp:
            text = resp.read(2000).decode("utf-8", "replace")
            return {"status": resp.status, "response": text[:500]}
    except urllib.error.HTTPError as exc:
        text = exc.read(2000).decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(f"HTTP {exc.code} from {payload['url']}", permanent=exc.code in PERMANENT_HTTP,
                            result={"status": exc.code, "response": text[:500]}) from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"could not reach {payload['url']}: {reason}") from None


def send_email(payload: dict, key: str) -> dict:
    cfg = smtp_settings()
    if not cfg["host"]:
        raise DeliveryError("SMTP is not configured (RECORDBASE_SMTP_HOST)", permanent=False)
    msg = EmailMessage()
    msg["From"] = cfg["sender"]
    msg["To"] = payload["to"]
    msg["Subject"] = payload.get("subject") or "Recordbase"
    msg["Message-ID"] = f"<{key}@recordbase>"
    msg.set_content(payload.get("body") or "")
    try:
        cls = smtplib.SMTP_SSL if cfg["tls"] == "ssl" else smtplib.SMTP
        with cls(cfg["host"], cfg["port"], timeout=30) as smtp:
            if cfg["tls"] in ("1", "true", "yes"):
                smtp.starttls()
            if cfg["user"]:
                smtp.login(cfg["user"], cfg["password"] or "")
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}") from None
    return {"sent_to": payload["to"]}


def execute_step(sessions: sessionmaker, step_id: int, now: Optional[datetime] = None,
                 worker_id: str = "worker") -> str:
    """Claim and deliver one step; 'succeeded', 'retry', 'failed' or 'skipped' (not due or taken)."""
    now = naive_utc(now)
    with sessions.begin() as s:
        if not claim(s, step_id, now, worker_id):
            return "skipped"
        step = s.get(RuleStep, step_id)
        action, payload, key, attempts = step.action, dict(step.payload or {}), step.idempotency_key, step.attempts
    result, error, permanent = None, None, False
    try:
        if action == "webhook":
            result = deliver_webhook(payload, key, attempts)
        elif action == "email":
            result = send_email(payload, key)
        else:
            raise DeliveryError(f"unknown outbox action '{action}'", permanent=True)
    except DeliveryError as exc:
        error, permanent, result = str(exc), exc.permanent, exc.result
    except Exception as exc:  # noqa: BLE001 - a bug in delivery must not kill the worker
        log.exception("outbox step %s", step_id)
        error = f"{type(exc).__name__}: {exc}"
    return record_outcome(sessions, step_id, worker_id, now, result, error, permanent)


def record_outcome(sessions: sessionmaker, step_id: int, worker_id: str, now: datetime, result, error: Optional[str],
                   permanent: bool) -> str:
    with sessions.begin() as s:
        step = s.get(RuleStep, step_id)
        if step is None or step.status != "running" or step.claimed_by != worker_id:
            return "skipped"  # our lease ran out and someone else has it now
        step.result = result
        step.claimed_at = None
        if error is None:
            step.status, step.error, step.finished_at, outcome = "succeeded", None, utcnow(), "succeeded"
        elif permanent or step.attempts >= step.max_attempts:
            step.status, step.error, step.finished_at, outcome = "failed", error, utcnow(), "failed"
        else:
            step.status, step.error = "pending", error
            step.next_attempt_at = now + backoff(step.attempts)
            outcome = "retry"
        s.flush()
        finish_run(s, step.run_id)
        if outcome == "retry":
            retry_at = step.next_attempt_at
    if outcome == "retry":
        from .queue import enqueue_steps

        enqueue_steps([step_id], eta=retry_at)
    return outcome


def queue_email(session: Session, to: str, subject: str, body: str) -> int:
    """Queue an e-mail that no rule sends (a step without a run): written with the caller's transaction,
    handed to the worker once it commits, dropped if it rolls back. The step's id."""
    from .after_commit import hand_over

    now = utcnow()
    step = RuleStep(run_id=None, position=0, action="email", kind="external", status="pending", max_attempts=5,
                    idempotency_key=uuid.uuid4().hex, attempts=0, next_attempt_at=now, created_at=now,
                    payload={"to": to, "subject": subject[:150], "body": body})
    session.add(step)
    session.flush()
    hand_over(session, [step.id])
    return step.id


def finish_run(session: Session, run_id: Optional[int]) -> None:
    """Settle a run once none of its steps is pending or running (nothing for a step without a run)."""
    if run_id is None:
        return
    run = session.get(RuleRun, run_id)
    if run is None:
        return
    statuses = [st.status for st in session.scalars(select(RuleStep).where(RuleStep.run_id == run_id))]
    if any(s in ("pending", "running") for s in statuses):
        if run.status != "pending":
            run.status, run.finished_at = "pending", None
        return
    failed = [st for st in session.scalars(select(RuleStep).where(RuleStep.run_id == run_id, RuleStep.status == "failed")
                                           .order_by(RuleStep.position))]
    run.status = "failed" if failed else "succeeded"
    run.error = failed[0].error if failed else None
    run.finished_at = utcnow()


def retry_run(session: Session, run_id: int, now: Optional[datetime] = None) -> list[int]:
    """Put a run's failed external steps back in the queue (a person pressed "retry")."""
    now = naive_utc(now)
    steps = list(session.scalars(select(RuleStep).where(RuleStep.run_id == run_id, RuleStep.kind == "external",
                                                        RuleStep.status == "failed")))
    for step in steps:
        step.status, step.next_attempt_at, step.finished_at = "pending", now, None
        step.max_attempts = step.attempts + 3  # three more tries
    session.flush()
    if steps:
        finish_run(session, run_id)
        from .after_commit import hand_over

        hand_over(session, [s.id for s in steps])
    return [s.id for s in steps]
