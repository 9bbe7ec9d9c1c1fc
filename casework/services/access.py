"""Who may see and do what. Every query goes through `scope_*`, so a township officer never
sees another township's finding or case: for them it does not exist (404). Full identity
numbers go to the bureau's inspectors, reviewers and admin only; everyone else sees them
masked (`mask_ids`, applied to every answer on its way out: api.oversight)."""

from __future__ import annotations

import re

from sqlalchemy import Select

from casework.errors import Forbidden
from casework.models import Case, Finding, Role, User

READ_PERSONAL = {Role.inspector, Role.reviewer, Role.township_officer, Role.hr_bureau, Role.admin}
HANDLE = {Role.inspector, Role.reviewer}  # open cases, propose, issue demands, record repayments
APPROVE = {Role.reviewer}
VISIT = {Role.inspector, Role.reviewer, Role.township_officer}
MANAGE_USERS = {Role.admin}
READ_FEEDS = {Role.data_engineer, Role.admin, Role.inspector, Role.reviewer}
RELEASE_FEEDS = {Role.data_engineer}  # release a held file (the next run loads it)
PAYROLL = {Role.inspector, Role.reviewer, Role.admin}
READ_REFERRALS = {Role.hr_bureau, Role.inspector, Role.reviewer, Role.admin}
FULL_IDS = {Role.inspector, Role.reviewer, Role.admin}

# A resident identity number (GB 11643-1999): region, birth date, sequence, check character.
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[0-9Xx](?![0-9A-Za-z])"
)

ACTION_LABELS = {
    "read": "查看个人稽核信息",
    "handle": "办理案件",
    "approve": "复核审批",
    "visit": "登记追缴走访",
    "users": "管理用户",
    "feeds": "查看数据源",
    "release": "放行暂缓载入的文件",
    "referrals": "查看移交案件",
    "payroll": "查看停发名单",
    "issuer": "维护发文机关信息（收款账户）",
}
ALLOWED = {
    "read": READ_PERSONAL,
    "handle": HANDLE,
    "approve": APPROVE,
    "visit": VISIT,
    "users": MANAGE_USERS,
    "feeds": READ_FEEDS,
    "release": RELEASE_FEEDS,
    "referrals": READ_REFERRALS,
    "payroll": PAYROLL,
    "issuer": MANAGE_USERS,
}


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


def sees_full_ids(user: User) -> bool:
    return user.role in FULL_IDS


def mask_id(number: str | None) -> str:
    """1504**********1234: the first four and last four characters of an ID number (a
    resident ID's region and its tail); short numbers keep one character at each end."""
    if not number:
        return ""
    keep = 4 if len(number) >= 12 else 1
    if len(number) <= 2 * keep:
        return "*" * len(number)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def mask_ids(text: str) -> str:
    """Every identity number in the text masked; the text keeps its length."""
    return ID_NUMBER.sub(lambda m: mask_id(m.group()), text)


def ids_in(text: str) -> set[str]:
    return set(ID_NUMBER.findall(text))
