"""The issuing office's data kept in the case store: the account repayments are made to (指定账户,
articles 28–29), versioned by date, recorded by the admin and audited. A recovery or return
notice cannot be issued without the account in force on its date."""

from __future__ import annotations

import datetime as dt
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import Conflict, Invalid
from casework.models import IssuerAccount, User
from casework.services import audit
from casework.services.access import require


def account_on(session: Session, day: dt.date) -> IssuerAccount | None:
    """The account in force on `day`: the latest effective_from on or before it, the latest
    recorded among equal days."""
    return session.scalar(
        select(IssuerAccount)
        .where(IssuerAccount.effective_from <= day)
        .order_by(IssuerAccount.effective_from.desc(), IssuerAccount.id.desc())
        .limit(1)
    )


def required_account(session: Session, day: dt.date) -> IssuerAccount:
    found = account_on(session, day)
    if found is None:
        raise Conflict(
            "no_repayment_account",
            f"尚未登记{day.year}年{day.month}月{day.day}日生效的退还款收款账户（户名、开户银行、账号），"
            "不能出具追缴、返还通知书：请系统管理员先在“发文机关信息”中登记",
        )
    return found


def accounts(session: Session, user: User) -> list[IssuerAccount]:
    require(user, "issuer")
    return list(
        session.scalars(select(IssuerAccount).order_by(IssuerAccount.effective_from.desc(), IssuerAccount.id.desc()))
    )


def _clean(value: str, what: str, longest: int) -> str:
    cleaned = unicodedata.normalize("NFKC", value or "").strip()
    if not cleaned:
        raise Invalid("field_required", f"请填写{what}")
    if len(cleaned) > longest:
        raise Invalid("field_too_long", f"{what}不能超过{longest}个字")
    return cleaned


def record_account(
    session: Session,
    user: User,
    effective_from: dt.date,
    account_name: str,
    bank: str,
    account_no: str,
    reason: str | None,
) -> IssuerAccount:
    """A new version of the account, in force from `effective_from` (a correction is a new entry
    of the same day: the latest recorded wins). Audited with the account it replaces."""
    require(user, "issuer")
    number = _clean(account_no, "账号", 40).replace(" ", "")
    if not number.replace("-", "").isdigit():
        raise Invalid("bad_account_no", "账号只能由数字（可含连字符）组成")
    before = account_on(session, effective_from)
    account = IssuerAccount(
        effective_from=effective_from,
        account_name=_clean(account_name, "户名", 100),
        bank=_clean(bank, "开户银行", 100),
        account_no=number,
        recorded_by=user.id,
        reason=(reason or "").strip() or None,
    )
    session.add(account)
    audit.record(
        session,
        user,
        "issuer_account_recorded",
        account,
        audit.snapshot(before) if before is not None else None,
        account.reason,
    )
    return account
