"""稽核情况月报: the findings whose event falls in or before a month, by type and by township,
and what the casework made of them by the month's end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.models import Case, Finding, FindingStatus, User
from casework.published import ALL, FindingMonthTotal, FindingType
from casework.services import policy
from reports.chinese import numeric_month
from reports.documents.common import (
    ZERO,
    Document,
    allow,
    issuer,
    known_township,
    month_end,
    place,
    township_scope,
)
from reports.tables import Field

SUMMARY_FIELDS = (
    Field("section", "分组", "", 8),
    Field("group", "疑点类型/乡镇(街道)", "", 22),
    Field("findings", "疑点数", "", 8),
    Field("persons", "涉及人数", "", 9),
    Field("improper_months", "不当发放月数", "", 11),
    Field("involved", "涉及金额(元)", "", 14),
    Field("cases", "已立案", "", 8),
    Field("offset", "清算抵扣(元)", "", 13),
    Field("demanded", "下达追缴/返还(元)", "", 15),
    Field("recovered", "已追回(元)", "", 13),
    Field("outstanding", "尚欠(元)", "", 13),
)


def _finding_month(finding: Finding) -> str:
    if finding.event_date is not None:
        return policy.month_of(finding.event_date)
    return finding.event_period if len(finding.event_period) == 7 else f"{finding.event_period}-12"


def month_totals(session: Session, month: str, township: str | None = None) -> dict[tuple[str, str], FindingMonthTotal]:
    """The warehouse's figures as at the end of `month` (pub_finding_month_totals), (township,
    type) → row, ALL standing for all of them: the latest month at or before `month` that has
    rows (nothing changes between them). Only `township`'s rows when one is given."""
    as_at = session.scalar(select(func.max(FindingMonthTotal.month)).where(FindingMonthTotal.month <= month))
    if as_at is None:
        return {}
    query = select(FindingMonthTotal).where(FindingMonthTotal.month == as_at)
    if township:
        query = query.where(FindingMonthTotal.township_code == township)
    return {(t.township_code, t.exception_type): t for t in session.scalars(query)}


def _principal_type(findings: list[Finding]) -> str:
    """The one type a case's money is shown under: that of its finding with the largest amount
    (then the first by key), so that an offset or a demand is never counted under two types."""
    return min(findings, key=lambda f: (-f.overpaid_amount, f.finding_key)).exception_type


def inspection_summary(session: Session, user: User | None, month: str, township: str | None) -> Document:
    """稽核情况月报 as at the end of `month`: the findings whose event falls in or before it, by
    type and by township, as the warehouse counts them (pub_finding_month_totals: money involved
    each record and month once within a row, so the types may add up to more than the total);
    the cases opened, what settlement offset, what was demanded, recovered (repayments paid by
    the end of the month) and is still outstanding, each case under one type (its principal
    one) and its own township."""
    allow(user, "read")
    township = township_scope(user, township)
    if township:
        known_township(session, township)
    end = month_end(month)
    totals = month_totals(session, month, township)
    scope = township or ALL
    query = select(Finding).where(Finding.status == FindingStatus.open, Finding.case_id.is_not(None))
    if township:
        query = query.where(Finding.township_code == township)
    of_case: dict[int, list[Finding]] = {}
    for f in session.scalars(query.order_by(Finding.finding_key)):
        if f.case_id is not None and _finding_month(f) <= month:
            of_case.setdefault(f.case_id, []).append(f)
    cases = list(session.scalars(select(Case).where(Case.id.in_(of_case)).order_by(Case.id)))
    money = _case_money(session, cases, end)
    type_of = {c.id: _principal_type(of_case[c.id]) for c in cases}
    place_of = {c.id: c.township_code or "" for c in cases}

    def row(key: tuple[str, str], case_ids: list[int]) -> dict[str, Any]:
        t = totals.get(key)
        return {
            "findings": t.findings if t else 0,
            "persons": t.persons if t else 0,
            "improper_months": t.improper_months if t else 0,
            "involved": t.amount if t else ZERO,
            "cases": len(case_ids),
            **{
                k: sum((money[c][k] for c in case_ids), ZERO)
                for k in ("offset", "demanded", "recovered", "outstanding")
            },
        }

    labels = {t.exception_type: t.label for t in session.scalars(select(FindingType))}
    types = {code for (town, code) in totals if town == scope and code != ALL} | set(type_of.values())
    by_type = [
        {
            "code": code,
            "label": labels.get(code, code),
            **row((scope, code), [c for c in type_of if type_of[c] == code]),
        }
        for code in types
    ]
    by_type.sort(key=lambda r: (-r["findings"], r["code"]))
    towns = {town for (town, code) in totals if town != ALL and code == ALL} | set(place_of.values())
    by_township = [
        {
            "code": code,
            "label": place(session, code) if code else "（不涉及具体乡镇）",
            **row((code, ALL), [c for c in place_of if place_of[c] == code]),
        }
        for code in sorted(towns, key=lambda c: (c == "", c))
    ]
    total = row((scope, ALL), [c.id for c in cases])
    xlsx = (
        [("按类型", r["label"], *(r[k] for k in _SUMMARY_KEYS)) for r in by_type]
        + [("按乡镇", r["label"], *(r[k] for k in _SUMMARY_KEYS)) for r in by_township]
        + [("合计", "", *(total[k] for k in _SUMMARY_KEYS))]
    )
    context = {
        "month": month,
        "place": place(session, township) if township else "全区",
        "by_type": by_type,
        "by_township": by_township,
        "total": total,
        "issuer": issuer(end),
    }
    title = f"{numeric_month(month)}城乡居民基本养老保险待遇稽核情况月报"
    return Document(
        "inspection-summary",
        title,
        "inspection_summary.html",
        context,
        f"inspection-summary-{month}{'-' + township if township else ''}",
        SUMMARY_FIELDS,
        xlsx,
        f"{month}稽核月报",
    )


_SUMMARY_KEYS = (
    "findings",
    "persons",
    "improper_months",
    "involved",
    "cases",
    "offset",
    "demanded",
    "recovered",
    "outstanding",
)


def _case_money(session: Session, cases: list[Case], end: dt.date) -> dict[int, dict[str, Decimal]]:
    """Per case, as at `end`: settlement offsets, demanded, recovered (repayments paid by then),
    outstanding (demanded and not yet repaid)."""
    money = {c.id: {"offset": ZERO, "demanded": ZERO, "recovered": ZERO, "outstanding": ZERO} for c in cases}
    for case in cases:
        for s in case.settlements:
            money[case.id]["offset"] += s.balance_offset + s.subsidy_offset
        for demand in case.demands:
            if demand.issued_on > end:
                continue
            repaid = sum((r.amount for r in demand.repayments if r.paid_on <= end), ZERO)
            money[case.id]["demanded"] += demand.amount
            money[case.id]["recovered"] += repaid
            money[case.id]["outstanding"] += demand.amount - repaid
    return money
