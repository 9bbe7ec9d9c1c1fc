"""Who may see and do what. Every query goes through `scope_*`, so a township officer never
sees another township's finding or case: for them it does not exist (404)."""

from __future__ import annotations

from sqlalchemy import Select

from casework.errors import Forbidden
from casework.models import Case, Finding, Role, User

READ_PERSONAL = {Role.inspector, Role.reviewer, Role.township_officer, Role.hr_bureau, Role.admin}
HANDLE = {Role.inspector, Role.reviewer}  # open cases, propose, issue demands, record repayments
APPROVE = {Role.reviewer}
VISIT = {Role.inspector, Role.reviewer, Role.township_officer}
MANAGE_USERS = {Role.admin}
READ_FEEDS = {Role.data_engineer, Role.admin, Role.inspector, Role.reviewer}
PAYROLL = {Role.inspector, Role.reviewer, Role.admin}
READ_REFERRALS = {Role.hr_bureau, Role.inspector, Role.reviewer, Role.admin}

ACTION_LABELS = {
    "read": "查看个人稽核信息",
    "handle": "办理案件",
    "approve": "复核审批",
    "visit": "登记追缴走访",
    "users": "管理用户",
    "feeds": "查看数据源",
    "referrals": "查看移交案件",
    "payroll": "查看停发名单",
}
ALLOWED = {"read": READ_PERSONAL, "handle": HANDLE, "approve": APPROVE, "visit": VISIT,
           "users": MANAGE_USERS, "feeds": READ_FEEDS, "referrals": READ_REFERRALS,
           "payroll": PAYROLL}


def can(user: User, action: str) -> bool:
    return user.role in ALLOWED[action]


def require(user: User, action: str) -> None:
    if not can(user, action):
        raise Forbidden("forbidden_role", f"您的岗位无权{ACTION_LABELS[action]}")


def findings_scope(user: User) -> str | None:
    """Whose findings a user sees: one township's (its code), or everyone's (None)."""
    require(user, "read")
    return user.township_code if user.role == Role.township_officer else None


def scope_findings(query: Select, user: User) -> Select:
    township = findings_scope(user)
    return query if township is None else query.where(Finding.township_code == township)


def scope_cases(query: Select, user: User) -> Select:
    require(user, "read")
    if user.role == Role.township_officer:
        query = query.where(Case.township_code == user.township_code)
    return query


def sees_township(user: User, township_code: str | None) -> bool:
    return user.role != Role.township_officer or township_code == user.township_code
