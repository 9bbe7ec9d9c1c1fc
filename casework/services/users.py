"""People and their roles: created by `pension-audit users add` or by an admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import Conflict, Invalid, Problem
from casework.models import ROLE_LABELS, Role, User
from casework.security import authenticate, hash_password, issue_token
from casework.services import audit
from casework.services.townships import township_names


def add_user(session: Session, username: str, display_name: str, role: Role, password: str,
             township_code: str | None, actor: User | None = None) -> User:
    if role == Role.township_officer and not township_code:
        raise Invalid("township_required", "乡镇社会事务办的用户必须指定所属乡镇（街道）代码")
    if role != Role.township_officer and township_code:
        raise Invalid("township_not_allowed", f"{ROLE_LABELS[role]}的用户不属于某一乡镇，不能指定乡镇代码")
    if township_code and township_code not in township_names(session):
        raise Invalid("unknown_township", f"乡镇（街道）代码 {township_code} 不是本区的乡镇（街道）"
                                          "（乡镇名单随稽核结果发布：尚未运行 pension-audit run 时没有乡镇）")
    if len(password) < 8:
        raise Invalid("weak_password", "密码至少 8 位")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("user_exists", f"用户名 {username} 已存在")
    user = User(username=username, display_name=display_name, role=role, township_code=township_code,
                password_hash=hash_password(password))
    session.add(user)
    entry = audit.record(session, actor, "user_created", user, None, None)
    entry.after = {k: v for k, v in entry.after.items() if k != "password_hash"}
    return user


class BadLogin(Problem):
    status = 401

    def __init__(self) -> None:
        super().__init__("bad_credentials", "用户名或密码错误")


def login(session: Session, username: str, password: str, hours: int) -> tuple[User, str]:
    user = authenticate(session, username, password)
    if user is None:
        raise BadLogin()
    return user, issue_token(session, user, hours)
