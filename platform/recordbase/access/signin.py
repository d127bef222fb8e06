"""Sign-in with throttling and an audit trail: the admin's sign-in form calls :func:`attempt`;
changing one's own password asks :func:`confirm_password`, which counts like a sign-in.

While an account or an address is locked (:mod:`.throttle`), the password is not even
checked and the answer is the same whether it was right or not. Every attempt is in the
audit log: ``sign_in``, ``sign_in_failed`` (with the e-mail tried) or ``sign_in_blocked``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from flask import request
from sqlalchemy.orm import Session

from ..auth import find_user, verify_password
from ..errors import RecordbaseError, ValidationError
from ..i18n import translate as _
from ..models import User, utcnow
from . import audit, throttle


@dataclass
class SignIn:
    user: Optional[User] = None
    #: when locked: whole minutes until the lock ends
    locked_minutes: Optional[int] = None


def attempt(session: Session, email: str, password: str) -> SignIn:
    """Check a sign-in; commits the counters and the audit event (they must outlive the request)."""
    email = (email or "").strip()[:255]
    addr = request.remote_addr
    locked = throttle.signin_locked(session, email, addr)
    if locked is not None:
        audit.record(session, "sign_in_blocked", "user", email, {"until": audit._plain(locked)}, email=email)
        session.commit()
        return SignIn(locked_minutes=max(1, math.ceil((locked - utcnow()).total_seconds() / 60)))
    user = find_user(session, email)
    # verify_password does the same work for unknown accounts: the answer never tells which e-mails exist
    if verify_password(user, password or "") and user is not None and user.is_active:
        throttle.signin_succeeded(session, email)
        audit.record(session, "sign_in", "user", user.email, None, user=user)
        session.commit()
        return SignIn(user=user)
    until = throttle.signin_failed(session, email, addr)
    audit.record(session, "sign_in_failed", "user", email,
                 {"locked_until": audit._plain(until)} if until else None, email=email)
    session.commit()
    if until is not None:  # this failure was one too many: say so now
        return SignIn(locked_minutes=max(1, math.ceil((until - utcnow()).total_seconds() / 60)))
    return SignIn()


class TooManyAttempts(RecordbaseError):
    """The account or address is locked after too many failed password checks (429)."""

    code = "too_many_requests"
    status = 429  # type: ignore[assignment]


def _locked_message(until) -> str:
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return _("Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes=minutes)


def confirm_password(session: Session, user: User, password: object) -> None:
    """The user's current password, given to change it: a wrong or missing one is refused and counts
    as a failed sign-in of the account (and the address); while they are locked, nothing is checked.

    Called before anything of the change is in the session: a failure commits the counters and the
    audit event (they must outlive the refused request) and raises."""
    addr = request.remote_addr
    locked = throttle.signin_locked(session, user.email, addr)
    if locked is not None:
        audit.record(session, "sign_in_blocked", "user", user.email, {"until": audit._plain(locked)}, email=user.email)
        session.commit()
        raise TooManyAttempts(_locked_message(locked))
    if isinstance(password, str) and password and len(password) <= 1024 and verify_password(user, password):
        return
    missing = not isinstance(password, str) or not password
    until = throttle.signin_failed(session, user.email, addr)
    audit.record(session, "sign_in_failed", "user", user.email,
                 {"by": "password change", "locked_until": audit._plain(until)} if until
                 else {"by": "password change"}, email=user.email)
    session.commit()
    if until is not None:
        raise TooManyAttempts(_locked_message(until))
    if missing:
        problem = _("give your current password to change your password")
        raise ValidationError(_("Changing your own password needs your current password ('current_password')."),
                              {"current_password": [problem]})
    problem = _("the current password is wrong")
    raise ValidationError(_("The current password is wrong."), {"current_password": [problem]})
