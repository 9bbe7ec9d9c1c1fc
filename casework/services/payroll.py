"""The payroll hold list handed to the payment system for one 发放年月: the records that must
not be paid (approved holds, with the standard reason codes), and beside them, marked apart,
the records that open findings say should be held pending review."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from casework.models import Case, CaseStatus, Finding, FindingStatus, PayrollHold
from casework.published import HoldRecommendation, PersonRecord
from casework.services import policy

SETTLED_CASE = (CaseStatus.resumed, CaseStatus.closed)


@dataclass(frozen=True)
class HoldRow:
    section: str  # 'held' 停发 | 'pending_review' 待复核
    person_no: str
    person_id: str | None
    id_number: str | None
    name: str | None
    township_code: str | None
    reason_code: str
    reason_label: str
    hold_kind: str  # 暂停 | 终止
    from_month: str
    until_month: str | None
    case_id: int | None
    finding_key: str | None


def holds_for_month(session: Session, month: str) -> list[HoldRow]:
    held = session.execute(
        select(PayrollHold, PersonRecord)
        .outerjoin(PersonRecord, PersonRecord.person_no == PayrollHold.person_no)
        .where(PayrollHold.from_month <= month, or_(PayrollHold.until_month.is_(None), PayrollHold.until_month > month))
        .order_by(PayrollHold.person_no, PayrollHold.id)
    ).all()
    rows: dict[str, HoldRow] = {}
    for hold, record in held:
        # One row per record: a termination (14xx) outranks a suspension (12xx).
        current = rows.get(hold.person_no)
        if current and not (policy.terminates(hold.reason_code) and not policy.terminates(current.reason_code)):
            continue
        rows[hold.person_no] = HoldRow(
            "held",
            hold.person_no,
            hold.person_id,
            record.id_number if record else None,
            record.name if record else None,
            record.township_code if record else None,
            hold.reason_code,
            hold.reason_label,
            policy.hold_kind(hold.reason_code),
            hold.from_month,
            hold.until_month,
            hold.case_id,
            None,
        )
    pending = session.execute(
        select(HoldRecommendation, Finding, PersonRecord)
        .join(Finding, Finding.finding_key == HoldRecommendation.finding_key)
        .outerjoin(Case, Case.id == Finding.case_id)
        .outerjoin(PersonRecord, PersonRecord.person_no == HoldRecommendation.person_no)
        .where(
            Finding.status == FindingStatus.open,
            or_(Case.id.is_(None), Case.status.not_in(SETTLED_CASE)),
            HoldRecommendation.hold_from <= month,
            or_(HoldRecommendation.hold_until.is_(None), HoldRecommendation.hold_until >= month),
        )
        .order_by(HoldRecommendation.person_no, HoldRecommendation.reason_code, HoldRecommendation.finding_key)
    ).all()
    review: dict[str, HoldRow] = {}
    for rec, finding, record in sorted(
        pending, key=lambda r: (*policy.hold_precedence(r[0].reason_code), r[0].finding_key)
    ):
        if rec.person_no in rows or rec.person_no in review:
            continue
        review[rec.person_no] = HoldRow(
            "pending_review",
            rec.person_no,
            finding.person_id,
            record.id_number if record else finding.id_number,
            record.name if record else finding.name,
            record.township_code if record else finding.township_code,
            rec.reason_code,
            rec.reason_label,
            policy.hold_kind(rec.reason_code),
            rec.hold_from,
            rec.hold_until,
            finding.case_id,
            finding.finding_key,
        )
    return [*rows.values(), *review.values()]
