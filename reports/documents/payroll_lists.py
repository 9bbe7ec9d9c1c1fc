"""待遇暂停名单 and 待遇恢复名单: the monthly lists the payment system and the finance bureau act
on, from the case store's holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import BackPayment, PayrollHold, Proposal, ProposalKind, User
from casework.published import PersonRecord
from casework.services import policy
from casework.services.townships import township_name, township_names
from reports.chinese import numeric_month
from reports.documents.common import ZERO, Document, allow, issuer
from reports.tables import Field

SUSPENSION_FIELDS = (
    Field("seq", "序号", "", 6),
    Field("person_no", "个人编号", "", 13),
    Field("name", "姓名", "", 12),
    Field("id_number", "证件号码", "", 21),
    Field("township", "乡镇(街道)", "", 14),
    Field("hold_kind", "暂停/终止", "", 9),
    Field("reason_code", "原因代码", "", 9),
    Field("reason_label", "原因", "", 26),
    Field("from_month", "停发起始年月", "", 12),
    Field("case_id", "案件号", "", 8),
)

RESUMPTION_FIELDS = (
    Field("seq", "序号", "", 6),
    Field("person_no", "个人编号", "", 13),
    Field("name", "姓名", "", 12),
    Field("id_number", "证件号码", "", 21),
    Field("township", "乡镇(街道)", "", 14),
    Field("reason", "原暂停原因", "", 24),
    Field("from_month", "暂停起始年月", "", 12),
    Field("resume_month", "恢复发放年月", "", 12),
    Field("back_pay_months", "补发月数", "", 9),
    Field("back_pay", "补发金额(元)", "", 13),
    Field("custodial_months", "不予补发的服刑月数", "", 12),
    Field("case_id", "案件号", "", 8),
)


def records_of(session: Session, numbers: set[str]) -> dict[str, PersonRecord]:
    if not numbers:
        return {}
    return {r.person_no: r for r in session.scalars(select(PersonRecord).where(PersonRecord.person_no.in_(numbers)))}


def suspension_list(session: Session, user: User | None, month: str) -> Document:
    """待遇暂停名单 for the payment system and the finance bureau: every record whose hold starts
    in `month` (暂停 12xx and 终止 14xx), except a hold replaced before it took effect."""
    allow(user, "payroll")
    holds = session.scalars(
        select(PayrollHold).where(PayrollHold.from_month == month).order_by(PayrollHold.person_no, PayrollHold.id)
    ).all()
    holds = [h for h in holds if h.until_month is None or h.until_month > h.from_month]
    records = records_of(session, {h.person_no for h in holds})
    names = township_names(session)
    rows: list[dict[str, Any]] = []
    for hold in holds:
        record = records.get(hold.person_no)
        case = hold.case
        rows.append(
            {
                "person_no": hold.person_no,
                "name": (record.name if record else None) or case.name or "",
                "id_number": (record.id_number if record else None) or "",
                "township": township_name(names, (record.township_code if record else None) or case.township_code),
                "township_code": (record.township_code if record else None) or case.township_code or "",
                "hold_kind": policy.hold_kind(hold.reason_code),
                "reason_code": hold.reason_code,
                "reason_label": hold.reason_label,
                "from_month": hold.from_month,
                "case_id": hold.case_id,
            }
        )
    rows.sort(key=lambda r: (r["township_code"], r["person_no"]))
    xlsx = [
        (
            i,
            r["person_no"],
            r["name"],
            r["id_number"],
            r["township"],
            r["hold_kind"],
            r["reason_code"],
            r["reason_label"],
            r["from_month"],
            r["case_id"],
        )
        for i, r in enumerate(rows, 1)
    ]
    context = {
        "month": month,
        "rows": rows,
        "issuer": issuer(policy.first_day(month)),
        "suspended": sum(r["hold_kind"] == "暂停" for r in rows),
        "terminated": sum(r["hold_kind"] == "终止" for r in rows),
    }
    title = f"{numeric_month(month)}城乡居民基本养老保险待遇暂停名单"
    return Document(
        "suspension-list",
        title,
        "suspension_list.html",
        context,
        f"suspension-list-{month}",
        SUSPENSION_FIELDS,
        xlsx,
        f"{month}暂停名单",
    )


def resumption_list(session: Session, user: User | None, month: str) -> Document:
    """待遇恢复名单: every hold that a resumption ended in `month`, with the back pay of its
    record (each suspended month at that month's standard; never a custodial month)."""
    allow(user, "payroll")
    found = session.execute(
        select(PayrollHold, Proposal)
        .join(Proposal, Proposal.id == PayrollHold.ended_by_proposal_id)
        .where(
            PayrollHold.until_month == month,
            Proposal.kind == ProposalKind.resumption,
            PayrollHold.until_month > PayrollHold.from_month,
        )
        .order_by(PayrollHold.person_no, PayrollHold.id)
    ).all()
    records = records_of(session, {h.person_no for h, _ in found})
    names = township_names(session)
    rows: list[dict[str, Any]] = []
    for hold, proposal in found:
        paid = session.scalars(
            select(BackPayment)
            .where(
                BackPayment.proposal_id == proposal.id,
                BackPayment.person_no == hold.person_no,
                BackPayment.month >= hold.from_month,
                BackPayment.month < month,
            )
            .order_by(BackPayment.month)
        ).all()
        custodial = [m for m in proposal.terms.get("custodial_months_excluded", []) if hold.from_month <= m < month]
        record = records.get(hold.person_no)
        rows.append(
            {
                "person_no": hold.person_no,
                "name": (record.name if record else None) or hold.case.name or "",
                "id_number": (record.id_number if record else None) or "",
                "township_code": (record.township_code if record else None) or hold.case.township_code or "",
                "township": township_name(names, (record.township_code if record else None) or hold.case.township_code),
                "reason": f"{hold.reason_code} {hold.reason_label}",
                "from_month": hold.from_month,
                "resume_month": month,
                "back_pay_months": len(paid),
                "back_pay": sum((b.amount for b in paid), ZERO),
                "custodial_months": len(custodial),
                "case_id": hold.case_id,
            }
        )
    rows.sort(key=lambda r: (r["township_code"], r["person_no"]))
    total = sum((r["back_pay"] for r in rows), ZERO)
    xlsx = [
        (
            i,
            r["person_no"],
            r["name"],
            r["id_number"],
            r["township"],
            r["reason"],
            r["from_month"],
            r["resume_month"],
            r["back_pay_months"],
            r["back_pay"],
            r["custodial_months"],
            r["case_id"],
        )
        for i, r in enumerate(rows, 1)
    ]
    context = {"month": month, "rows": rows, "total": total, "issuer": issuer(policy.first_day(month))}
    title = f"{numeric_month(month)}城乡居民基本养老保险待遇恢复名单"
    return Document(
        "resumption-list",
        title,
        "resumption_list.html",
        context,
        f"resumption-list-{month}",
        RESUMPTION_FIELDS,
        xlsx,
        f"{month}恢复名单",
    )
