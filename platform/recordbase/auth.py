"""Users, passwords and API tokens (Argon2id password hashes; tokens stored as SHA-256 digests)."""
from __future__ import annotations

import hashlib
import secrets
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import ValidationError
from .metamodel.fieldtypes.text import EMAIL_RE
from .models import ApiToken, User

_hasher = PasswordHasher()
MIN_PASSWORD = 8
BUILTIN_ROLES = ("owner", "builder", "editor", "viewer")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: Optional[User], password: str) -> bool:
    """Constant work whether or not the user exists, so timing does not reveal accounts."""
    if user is None or not user.password_hash:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not-a-real-password")


def find_user(session: Session, email: str) -> Optional[User]:
    return session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def create_user(session: Session, email: str, password: Optional[str], role: str = "owner",
                display_name: Optional[str] = None, locale: str = "en") -> User:
    email = (email or "").strip()
    if not EMAIL_RE.match(email):
        raise ValidationError(f"'{email}' is not a valid email address", {"email": ["not a valid email address"]})
    if find_user(session, email):
        raise ValidationError(f"A user with email {email} already exists", {"email": ["already exists"]})
    if password is not None and len(password) < MIN_PASSWORD:
        raise ValidationError(f"The password must have at least {MIN_PASSWORD} characters",
                              {"password": [f"at least {MIN_PASSWORD} characters"]})
    from .access.roles import known_role, set_user_roles

    if role not in BUILTIN_ROLES and not known_role(session, role):
        raise ValidationError(f"Unknown role '{role}'", {"role": [f"one of {', '.join(BUILTIN_ROLES)} or a custom role"]})
    user = User(email=email, password_hash=hash_password(password) if password else None, role=role,
                display_name=display_name or email.split("@")[0], locale=locale, is_active=True)
    session.add(user)
    session.flush()
    set_user_roles(session, user, [role])  # the role assignment the access policy reads
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: Optional[str] = None, read_only: bool = False,
                 types: Optional[list[str]] = None) -> str:
    """Create an API token and return its plain text (shown once; only the digest is stored).

    ``types`` limits the token to those record types (None: every type its user may reach)."""
    token = "rb_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), prefix=token[:10], name=name,
                         read_only=read_only, types=list(types) if types else None))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> Optional[tuple[User, ApiToken]]:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(token),
                                                 ApiToken.revoked_at.is_(None))).first()
    if row is None or not row.user.is_active:
        return None
    return row.user, row
