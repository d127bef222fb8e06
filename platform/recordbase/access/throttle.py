"""Throttling kept in the database, so that every process of a deployment counts together.

- Sign-in: after ``SIGNIN_MAX_FAILURES`` failed sign-ins for one account (default 10) within
  ``SIGNIN_WINDOW_MINUTES``, that account is locked for ``SIGNIN_LOCK_MINUTES`` (default 15);
  an address is locked after ``SIGNIN_MAX_FAILURES_PER_ADDRESS`` failures (default 50, for
  an office behind one address). While locked, even the right password is refused, with
  the same message, and nothing is verified. A successful sign-in clears the account's count.
- Public forms: at most ``FORM_MAX_PER_HOUR`` submissions per form and address (default 20),
  refused ones (invalid values, a taken unique value) counted like accepted ones.

Each counter is one row of ``rb_throttle``; counting uses its own short transaction, so a
failed request still counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import utcnow
from .models import Throttle

DEFAULTS = {
    "SIGNIN_MAX_FAILURES": 10,
    "SIGNIN_MAX_FAILURES_PER_ADDRESS": 50,
    "SIGNIN_WINDOW_MINUTES": 15,
    "SIGNIN_LOCK_MINUTES": 15,
    "FORM_MAX_PER_HOUR": 20,
}


def setting(name: str) -> int:
    try:
        return int(current_app.config.get(f"RECORDBASE_{name}", DEFAULTS[name]))
    except RuntimeError:  # outside an app
        return DEFAULTS[name]


@dataclass
class Limit:
    key: str
    max: int
    window: timedelta
    lock: timedelta


def locked_until(session: Session, key: str, now: Optional[datetime] = None) -> Optional[datetime]:
    now = now or utcnow()
    row = session.get(Throttle, key)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def hit(session: Session, limit: Limit, now: Optional[datetime] = None) -> Optional[datetime]:
    """Count one event against ``limit``; when the count reaches the maximum, lock. The lock's end, if locked."""
    now = now or utcnow()
    row = session.scalars(select(Throttle).where(Throttle.key == limit.key).with_for_update()).first()
    if row is None:
        row = Throttle(key=limit.key, count=0, window_start=now)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # another process made it first
            row = session.scalars(select(Throttle).where(Throttle.key == limit.key).with_for_update()).one()
    if row.window_start is None or now - row.window_start > limit.window or \
            (row.locked_until is not None and row.locked_until <= now):
        row.count = 0
        row.window_start = now
        row.locked_until = None
    row.count += 1
    if row.count >= limit.max:
        row.locked_until = now + limit.lock
    session.flush()
    return row.locked_until


def clear(session: Session, key: str) -> None:
    row = session.get(Throttle, key)
    if row is not None:
        session.delete(row)
        session.flush()


# -- sign-in ----------------------------------------------------------------------------------
def _minutes(name: str) -> timedelta:
    return timedelta(minutes=setting(name))


def signin_keys(email: str, addr: Optional[str]) -> tuple[str, str]:
    return f"signin:account:{(email or '').strip().lower()[:200]}", f"signin:address:{addr or '-'}"


def signin_locked(session: Session, email: str, addr: Optional[str]) -> Optional[datetime]:
    account, address = signin_keys(email, addr)
    ends = [t for t in (locked_until(session, account), locked_until(session, address)) if t is not None]
    return max(ends) if ends else None


def signin_failed(session: Session, email: str, addr: Optional[str]) -> Optional[datetime]:
    account, address = signin_keys(email, addr)
    window, lock = _minutes("SIGNIN_WINDOW_MINUTES"), _minutes("SIGNIN_LOCK_MINUTES")
    a = hit(session, Limit(account, setting("SIGNIN_MAX_FAILURES"), window, lock))
    b = hit(session, Limit(address, setting("SIGNIN_MAX_FAILURES_PER_ADDRESS"), window, lock))
    ends = [t for t in (a, b) if t is not None]
    return max(ends) if ends else None


def signin_succeeded(session: Session, email: str) -> None:
    clear(session, signin_keys(email, None)[0])


# -- public forms -------------------------------------------------------------------------------
def form_submission(session: Session, form_id: int, addr: Optional[str]) -> Optional[datetime]:
    """Count a submission; the time until which this address may not submit again, when over the limit."""
    key = f"form:{form_id}:{addr or '-'}"
    ends = locked_until(session, key)
    if ends is not None:
        return ends
    hit(session, Limit(key, setting("FORM_MAX_PER_HOUR"), timedelta(hours=1), timedelta(hours=1)))
    return None
