"""城乡居民基本养老保险待遇领取告知书 (article 21): each record that starts receiving in a month
is told what it receives and what its designated beneficiary or legal heir must do; one notice
a page, each with its own 文号."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import User
from casework.published import BenefitStart
from reports.chinese import numeric_month
from reports.documents.common import (
    ZERO,
    Document,
    NotAvailable,
    Nothing,
    allow,
    document_number,
    issuer,
    known_township,
    place,
    township_scope,
)

LABEL = "城乡居民基本养老保险待遇领取告知书"


def starts(
    session: Session, user: User | None, month: str, township: str | None, person_no: str | None
) -> tuple[str | None, list[BenefitStart]]:
    """The records whose notices these are: 正常待遇 on the roster of `month` with that month as
    their 待遇享受年月 (as published), in a township or of one record."""
    allow(user, "read")
    township = township_scope(user, township)
    if township is None and person_no is None:
        raise NotAvailable("township_required", "请指定乡镇（街道）代码或个人编号")
    if township:
        known_township(session, township)
    query = select(BenefitStart).where(BenefitStart.month == month)
    if township:
        query = query.where(BenefitStart.township_code == township)
    if person_no:
        query = query.where(BenefitStart.person_no == person_no)
    rows = list(session.scalars(query.order_by(BenefitStart.township_code, BenefitStart.person_no)))
    if not rows:
        where = place(session, township) if township else ""
        raise Nothing(
            "nothing_to_issue",
            f"{numeric_month(month)}{where}没有新领取待遇的人员（名册中待遇享受年月为该月、状态为正常待遇的记录）",
        )
    return township, rows


def benefit_notices(
    session: Session, user: User, month: str, township: str | None, person_no: str | None, today: dt.date
) -> Document:
    township, rows = starts(session, user, month, township, person_no)
    notices, numbers = [], []
    for row in rows:
        numbered = document_number(session, "benefit_notice", f"record:{row.person_no}", today, user)
        numbers.append(numbered)
        basic, account = row.basic_pension or ZERO, row.account_pension or ZERO
        notices.append(
            {
                "document_no": numbered.document_no,
                "issued_on": numbered.issued_on,
                "issuer": issuer(numbered.issued_on),
                "person_no": row.person_no,
                "name": row.name,
                "id_number": row.id_number,
                "doc_type": row.doc_type or "居民身份证",
                "township": place(session, row.township_code),
                "village": row.village or "",
                "start_month": row.month,
                "basic_pension": basic,
                "account_pension": account,
                "monthly": basic + account,
            }
        )
    where = place(session, township) if township else place(session, rows[0].township_code)
    return Document(
        "benefit-notice",
        LABEL,
        "benefit_notice.html",
        {"notices": notices, "month": month, "place": where},
        f"benefit-notice-{month}-{township or person_no}",
        numbered=numbers,
        township=where,
        printed_on=today,
    )
