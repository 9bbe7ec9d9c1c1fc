"""Signing in, throttled: after 10 failed attempts for one user name from one address within
15 minutes, that name is refused (429) from that address for 15 minutes, the right password
too; after 30 from one address, whatever the names, the address is. A name is never locked for
every address, so nobody can lock the only reviewer out from elsewhere. Every sign-in, failed
sign-in, refusal and lock is in the audit log; an admin lifts a lock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from casework.errors import Problem
from casework.models import SignInFailure, SignInLock, User, utcnow
from casework.security import authenticate, issue_token, revoke
from casework.services import audit

WINDOW = dt.timedelta(minutes=15)
FAILURES_PER_NAME = 10  # from one address, within the window
FAILURES_PER_ADDRESS = 30  # whatever the names, within the window


class BadLogin(Problem):
    status = 401
    on_record = True

    def __init__(self) -> None:
        super().__init__("bad_credentials", "用户名或密码错误")


class Throttled(Problem):
    status = 429
    on_record = True

    def __init__(self, until: dt.datetime) -> None:
        minutes = max(1, -(-int((until - utcnow()).total_seconds()) // 60))
        super().__init__(
            "too_many_attempts", f"登录失败次数过多，已暂停从本机登录，请 {minutes} 分钟后再试，或请系统管理员解除锁定"
        )
        self.until = until


def sign_in(session: Session, username: str, password: str, client: str, hours: int) -> tuple[User, str]:
    """A token for the right name and password, unless this name or address is locked."""
    now = utcnow()
    lock = active_lock(session, username, client, now)
    if lock is not None:
        _log(session, None, "sign_in_throttled", username, client, until=lock.until.isoformat())
        raise Throttled(lock.until)
    user = authenticate(session, username, password)
    if user is None:
        _failed(session, username, client, now)
        raise BadLogin()
    _log(session, user, "signed_in", username, client)
    return user, issue_token(session, user, hours)


def sign_out(session: Session, user: User, token: str, client: str) -> None:
    revoke(session, token)
    _log(session, user, "signed_out", user.username, client)


def active_lock(session: Session, username: str, client: str, now: dt.datetime) -> SignInLock | None:
    return session.scalar(
        select(SignInLock)
        .where(
            SignInLock.client == client,
            SignInLock.until > now,
            or_(SignInLock.username == username, SignInLock.username.is_(None)),
        )
        .order_by(SignInLock.until.desc())
        .limit(1)
    )


def _failed(session: Session, username: str, client: str, now: dt.datetime) -> None:
    session.add(SignInFailure(at=now, username=username, client=client))
    _log(session, None, "sign_in_failed", username, client)
    recent = (
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.client == client, SignInFailure.at > now - WINDOW)
    )
    if (session.scalar(recent.where(SignInFailure.username == username)) or 0) >= FAILURES_PER_NAME:
        _lock(session, username, client, now)
    if (session.scalar(recent) or 0) >= FAILURES_PER_ADDRESS:
        _lock(session, None, client, now)


def _lock(session: Session, username: str | None, client: str, now: dt.datetime) -> None:
    lock = SignInLock(username=username, client=client, locked_at=now, until=now + WINDOW)
    session.add(lock)
    audit.record(session, None, "sign_in_locked", lock, None, "登录失败次数过多")


def _log(session: Session, user: User | None, action: str, username: str, client: str, **detail: str) -> None:
    audit.write(session, user, action, "users", username, after={"client": client, **detail}, actor_name=username)


def locks(session: Session) -> list[SignInLock]:
    """The locks in force now."""
    return list(session.scalars(select(SignInLock).where(SignInLock.until > utcnow()).order_by(SignInLock.id)))


def unlock(session: Session, actor: User | None, username: str) -> int:
    """Lift every lock on this name and forget its failures; how many locks were lifted."""
    lifted: int = session.execute(
        delete(SignInLock).where(  # type: ignore[attr-defined]  # a DELETE's CursorResult
            SignInLock.username == username, SignInLock.until > utcnow()
        )
    ).rowcount
    session.execute(delete(SignInFailure).where(SignInFailure.username == username))
    audit.write(session, actor, "sign_in_unlocked", "users", username, after={"locks": lifted})
    return lifted


def lift(session: Session, actor: User, lock_id: int) -> None:
    """Lift one lock (an address's, say), and forget the failures behind it."""
    lock = session.get(SignInLock, lock_id)
    if lock is None:
        raise Problem("not_found", "未找到该登录锁定", 404)
    before = audit.snapshot(lock)
    failures = delete(SignInFailure).where(SignInFailure.client == lock.client)
    session.execute(failures if lock.username is None else failures.where(SignInFailure.username == lock.username))
    session.delete(lock)
    audit.write(session, actor, "sign_in_unlocked", "sign_in_locks", str(lock_id), before=before)
