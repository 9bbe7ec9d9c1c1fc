"""稽核情况月报: the findings whose event falls in or before a month, by type and by township,
and what the casework made of them by the month's end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import Case, Finding, User
from casework.published import FindingMonth
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


def inspection_summary(session: Session, user: User | None, month: str, township: str | None) -> Document:
    """稽核情况月报 as at the end of `month`: the findings whose event falls in or before it, by
    type and by township (money involved: each record and month once); the cases opened; what
    settlement offset; what was demanded, recovered (repayments paid by the end of the month)
    and is still outstanding."""
    allow(user, "read")
    township = township_scope(user, township)
    if township:
        known_township(session, township)
    end = month_end(month)
    query = select(Finding)
    if township:
        query = query.where(Finding.township_code == township)
    findings = [f for f in session.scalars(query.order_by(Finding.finding_key)) if _finding_month(f) <= month]
    months_of: dict[str, list[FindingMonth]] = {}
    keys = [f.finding_key for f in findings]
    for chunk in _chunks(keys):
        for m in session.scalars(select(FindingMonth).where(FindingMonth.finding_key.in_(chunk))):
            if m.month <= month:
                months_of.setdefault(m.finding_key, []).append(m)
    cases = {
        c.id: c for c in session.scalars(select(Case).where(Case.id.in_({f.case_id for f in findings if f.case_id})))
    }
    money = _case_money(session, list(cases.values()), end)

    def group(rows: list[Finding]) -> dict[str, Any]:
        once: dict[tuple[str, str], Decimal] = {}
        fixed = ZERO
        for f in rows:
            if f.finding_key in months_of:
                for m in months_of[f.finding_key]:
                    once[(m.person_no, m.month)] = m.amount
            elif f.improper_months == 0:  # a fixed amount (cash collected, a gap), not months of pension
                fixed += f.overpaid_amount
        case_ids = {f.case_id for f in rows if f.case_id}
        return {
            "findings": len(rows),
            "persons": len({f.person_id for f in rows if f.person_id}),
            "improper_months": len(once),
            "involved": sum(once.values(), ZERO) + fixed,
            "cases": len(case_ids),
            **{
                k: sum((money[c][k] for c in case_ids), ZERO)
                for k in ("offset", "demanded", "recovered", "outstanding")
            },
        }

    by_type = []
    labels = {f.exception_type: f.exception_label for f in findings}
    for code in sorted(labels, key=lambda c: (-sum(f.exception_type == c for f in findings), c)):
        by_type.append(
            {"code": code, "label": labels[code], **group([f for f in findings if f.exception_type == code])}
        )
    by_township = []
    for code in sorted({f.township_code for f in findings if f.township_code}):
        by_township.append(
            {"code": code, "label": place(session, code), **group([f for f in findings if f.township_code == code])}
        )
    no_place = [f for f in findings if not f.township_code]
    if no_place:
        by_township.append({"code": "", "label": "（不涉及具体乡镇）", **group(no_place)})
    total = group(findings)
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


def _chunks(items: list[str], size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]
