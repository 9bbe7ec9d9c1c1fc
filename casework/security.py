"""Passwords (Argon2) and bearer tokens (random, stored only as their SHA-256)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.models import ApiToken, User, utcnow

# Argon2id at OWASP's recommended floor (19 MiB, 2 passes): ~50 ms a login on a modest server.
PASSWORDS = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))


def hash_password(password: str) -> str:
    return PASSWORDS.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        PASSWORDS.verify(password, _DUMMY_HASH)  # the same time whether or not the user exists
        return None
    return user if PASSWORDS.verify(password, user.password_hash) else None


def issue_token(session: Session, user: User, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
    session.add(
        ApiToken(token_hash=_digest(token), user_id=user.id, created_at=now, expires_at=now + dt.timedelta(hours=hours))
    )
    return token


def user_for_token(session: Session, token: str) -> User | None:
    found = session.get(ApiToken, _digest(token))
    if found is None or found.expires_at < utcnow() or not found.user.active:
        return None
    return found.user


def revoke(session: Session, token: str) -> None:
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY_HASH = PASSWORDS.hash("not a password anyone has")
