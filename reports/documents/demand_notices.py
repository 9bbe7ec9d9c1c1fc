"""冒领社会保险待遇追缴通知书 (article 29) and 社会保险待遇返还通知书 (article 28): the notice of a
demand, dated the day the demand was issued."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import NotFound
from casework.models import Case, Demand, Finding, Settlement, User
from casework.services.access import sees_township
from casework.services.cases import RECOVERY_NOTICE, addressed_to_body, addressee_words, open_findings, overpaid
from casework.services.issuer import required_account
from reports.documents.common import (
    ZERO,
    Document,
    NotAvailable,
    allow,
    document_number,
    event_phrase,
    improper_rows,
    issuer,
    person_of,
    place,
)

NOTICE_OF = {"recovery-notice": "recovery", "return-notice": "return"}
LABELS = {"recovery-notice": "冒领社会保险待遇追缴通知书", "return-notice": "社会保险待遇返还通知书"}


def the_demand(session: Session, user: User | None, demand_id: int, name: str) -> Demand:
    """The demand a notice is of, if this user may see it and it is of this kind."""
    allow(user, "read")
    demand = session.get(Demand, demand_id)
    if demand is None or (user is not None and not sees_township(user, demand.case.township_code)):
        raise NotFound("追缴通知")
    if demand.notice_kind != NOTICE_OF[name]:
        other = (
            "return-notice（社会保险待遇返还通知书）"
            if demand.notice_kind == "return"
            else "recovery-notice（冒领社会保险待遇追缴通知书）"
        )
        raise NotFound(f"{LABELS[name]}：第 {demand_id} 号通知应为 {other}")
    return demand


def demand_notice(session: Session, user: User, demand_id: int, name: str) -> Document:
    demand = the_demand(session, user, demand_id, name)
    kind = NOTICE_OF[name]
    case = demand.case
    findings = open_findings(case) or list(case.findings)
    account = required_account(session, demand.issued_on)  # before a number is spent
    numbered = document_number(
        session, f"{kind}_notice", f"demand:{demand.id}", demand.issued_on, user, case.id, case.person_id
    )
    settlement = case.settlements[-1] if case.settlements else None
    rows = improper_rows(session, findings)
    township = place(session, case.township_code)
    context = {
        "issuer": issuer(demand.issued_on),
        "account": account,
        "reconciliation": reconciliation(session, case, demand, rows, settlement),
        "document_no": numbered.document_no,
        "issued_on": numbered.issued_on,
        "demand": demand,
        "addressee": addressee_words(demand),
        "to_body": addressed_to_body(case),
        "person": person_of(case, findings),
        "events": sorted({event_phrase(f) for f in facts_of(findings, kind)}),
        "months": rows,
        "first_month": rows[0]["month"] if rows else None,
        "last_month": rows[-1]["month"] if rows else None,
        "overpaid": settlement.overpaid if settlement else overpaid(session, case),  # what was settled
        "settlement": settlement,
        "township": township,
        "deceased": any(f.exception_type == "death" for f in findings),
        "case_id": case.id,
    }
    template = "recovery_notice.html" if kind == "recovery" else "return_notice.html"
    return Document(
        name,
        LABELS[name],
        template,
        context,
        f"{name}-{numbered.year}-{numbered.number}",
        numbered=[numbered],
        township=township,
        printed_on=numbered.issued_on,
    )


def facts_of(findings: list[Finding], kind: str) -> list[Finding]:
    """The findings whose facts a notice states: those of its own kind's types (a death or a
    sentence for a 追缴通知书, the rest for a 返还通知书). A consequence found alongside (未按期认证
    after a death) is not a fact of the notice; its months are in the annex all the same."""
    own = [f for f in findings if (f.exception_type in RECOVERY_NOTICE) == (kind == "recovery")]
    return own or findings


def reconciliation(
    session: Session, case: Case, demand: Demand, rows: list[dict[str, Any]], settlement: Settlement | None
) -> list[dict[str, Any]]:
    """From the gross improper amount to the amount demanded: the monthly detail (each record
    and month once), fixed amounts, the offsets against the personal account and the funeral
    subsidy, repayments by then, and what the notice demands. Lines add up to the demand."""
    monthly = sum((r["amount"] for r in rows), ZERO)
    gross = settlement.overpaid if settlement is not None else overpaid(session, case)
    if addressed_to_body(case):  # a month's money: the difference itself, no one's months
        lines = [{"label": "拨付与发放金额差额", "amount": gross, "cls": "total"}]
    else:
        lines = [{"label": f"按月明细合计（{len(rows)}个月（次））", "amount": monthly, "cls": ""}]
        if gross != monthly:
            lines.append({"label": "其他不当领取（一次性金额）", "amount": gross - monthly, "cls": ""})
        lines.append({"label": "不当领取金额合计", "amount": gross, "cls": "total"})
    if settlement is not None:
        lines.append({"label": "减：个人账户余额抵扣", "amount": settlement.balance_offset, "cls": "less"})
        if settlement.subsidy_offset > 0:
            lines.append({"label": "减：丧葬补助金抵扣", "amount": settlement.subsidy_offset, "cls": "less"})
        remaining = settlement.remaining
    else:
        remaining = gross
    if remaining != demand.amount:
        lines.append({"label": "减：此前已退还或核减", "amount": remaining - demand.amount, "cls": "less"})
    lines.append({"label": "本通知应退还金额", "amount": demand.amount, "cls": "result"})
    return lines


def demand_of_case(session: Session, case_id: int | None, name: str) -> int:
    """The latest demand of a case that a recovery or return notice is for."""
    if case_id is None:
        raise NotAvailable("parameter_required", f"{LABELS[name]}需要参数 --case 或 --demand")
    found = session.scalar(
        select(Demand.id)
        .where(Demand.case_id == case_id, Demand.notice_kind == NOTICE_OF[name])
        .order_by(Demand.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(f"该案件的{LABELS[name]}")
    return found
