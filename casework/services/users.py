"""People and their roles: created, disabled, enabled and given new passwords by
`pension-audit users …` or by an admin (API and console); each change is in the audit log."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from casework.errors import Conflict, Invalid, NotFound
from casework.models import ROLE_LABELS, ApiToken, Role, User
from casework.security import hash_password
from casework.services import audit
from casework.services.townships import township_names

MIN_PASSWORD = 10
# The passwords people pick first: refused whatever their length.
COMMON_PASSWORDS = frozenset(
    (
        "1234567890",
        "0123456789",
        "12345678910",
        "1234567890a",
        "a1234567890",
        "123456789a",
        "a123456789",
        "1111111111",
        "0000000000",
        "8888888888",
        "6666666666",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "qwerty1234",
        "qwerty123456",
        "asdfghjkl1",
        "zxcvbnm123",
        "password12",
        "password123",
        "password1234",
        "passw0rd12",
        "p@ssw0rd12",
        "p@ssword123",
        "admin12345",
        "admin123456",
        "administrator",
        "abc1234567",
        "abcd123456",
        "abcdefghij",
        "iloveyou12",
        "woaini1314",
        "woaini520520",
        "5201314520",
        "aa12345678",
        "aa123456789",
        "qq123456789",
        "welcome123",
        "changeme123",
        "letmein123",
    )
)


def check_password(username: str, password: str) -> None:
    """At least 10 characters, not the user name, not one of the commonest passwords."""
    if len(password) < MIN_PASSWORD:
        raise Invalid("weak_password", f"密码至少 {MIN_PASSWORD} 位")
    if password.strip().casefold() == username.strip().casefold():
        raise Invalid("weak_password", "密码不能与用户名相同")
    if password.casefold() in COMMON_PASSWORDS:
        raise Invalid("weak_password", "密码过于常见，容易被猜中，请另设")


def add_user(
    session: Session,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    township_code: str | None,
    actor: User | None = None,
) -> User:
    if role == Role.township_officer and not township_code:
        raise Invalid("township_required", "乡镇社会事务办的用户必须指定所属乡镇（街道）代码")
    if role != Role.township_officer and township_code:
        raise Invalid("township_not_allowed", f"{ROLE_LABELS[role]}的用户不属于某一乡镇，不能指定乡镇代码")
    if township_code and township_code not in township_names(session):
        raise Invalid(
            "unknown_township",
            f"乡镇（街道）代码 {township_code} 不是本区的乡镇（街道）"
            "（乡镇名单随稽核结果发布：尚未运行 pension-audit run 时没有乡镇）",
        )
    check_password(username, password)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("user_exists", f"用户名 {username} 已存在")
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        township_code=township_code,
        password_hash=hash_password(password),
    )
    session.add(user)
    audit.record(session, actor, "user_created", user, None, None)
    return user


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("用户")
    return user


def set_password(session: Session, actor: User | None, user: User, password: str) -> None:
    """A new password; every sign-in with the old one ends."""
    check_password(user.username, password)
    user.password_hash = hash_password(password)
    _sign_out_everywhere(session, user)
    audit.write(session, actor, "password_changed", "users", str(user.id))


def set_active(session: Session, actor: User | None, user: User, active: bool) -> None:
    """Disable (every sign-in ends) or enable a user; the last active admin stays."""
    if (
        not active
        and user.role == Role.admin
        and user.active
        and (
            session.scalar(select(func.count()).select_from(User).where(User.role == Role.admin, User.active.is_(True)))
            or 0
        )
        <= 1
    ):
        raise Conflict("last_admin", "不能停用唯一在用的系统管理员")
    before = audit.snapshot(user)
    user.active = active
    if not active:
        _sign_out_everywhere(session, user)
    audit.record(session, actor, "user_enabled" if active else "user_disabled", user, before, None)


def _sign_out_everywhere(session: Session, user: User) -> None:
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
