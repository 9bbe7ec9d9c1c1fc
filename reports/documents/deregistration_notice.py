"""申请注销登记告知书 (article 19): a person who should be deregistered and has not applied is
told to, within the issuer's deadline; after a death, the designated beneficiary or legal heir."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import NotFound
from casework.models import Case, Finding, User
from casework.published import SettlementBasis
from casework.services import policy
from casework.services.access import sees_township
from casework.services.cases import open_findings
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

DEREGISTRATION_TYPES = ("death", "nationality", "other_pension")
LABEL = "申请注销登记告知书"


def the_case(session: Session, user: User | None, case_id: int) -> tuple[Case, list[Finding]]:
    """The case a notice is for and its findings that call for deregistration."""
    allow(user, "read")
    case = session.get(Case, case_id)
    if case is None or (user is not None and not sees_township(user, case.township_code)):
        raise NotFound("案件")
    findings = [f for f in open_findings(case) or case.findings if f.exception_type in DEREGISTRATION_TYPES]
    if not findings:
        raise NotAvailable(
            "not_applicable",
            "本案没有应办理注销登记的情形（死亡、丧失国籍、已享受其他社会养老保障待遇），不能出具申请注销登记告知书",
        )
    return case, findings


def deregistration_notice(session: Session, user: User, case_id: int, today: dt.date) -> Document:
    case, findings = the_case(session, user, case_id)
    numbered = document_number(
        session, "deregistration_notice", f"case:{case.id}", today, user, case.id, case.person_id
    )
    office = issuer(numbered.issued_on)
    deceased = any(f.exception_type == "death" for f in findings)
    basis = session.scalars(
        select(SettlementBasis).where(SettlementBasis.finding_key.in_([f.finding_key for f in findings]))
    ).all()
    stopped = sorted(h.from_month for h in case.holds if policy.terminates(h.reason_code))
    rows = improper_rows(session, findings)
    township = place(session, case.township_code)
    context = {
        "issuer": office,
        "document_no": numbered.document_no,
        "issued_on": numbered.issued_on,
        "deadline": numbered.issued_on + dt.timedelta(days=office.deregistration_deadline_days),
        "deadline_days": office.deregistration_deadline_days,
        "person": person_of(case, findings),
        "events": sorted({event_phrase(f) for f in findings}),
        "deceased": deceased,
        "funeral_subsidy": deceased and any(b.receiving_at_event and not b.died_in_custody for b in basis),
        "stopped_from": stopped[0] if stopped else None,
        "first_month": rows[0]["month"] if rows else None,
        "last_month": rows[-1]["month"] if rows else None,
        "overpaid": sum((r["amount"] for r in rows), ZERO),
        "township": township,
        "case_id": case.id,
    }
    return Document(
        "deregistration-notice",
        LABEL,
        "deregistration_notice.html",
        context,
        f"deregistration-notice-{numbered.year}-{numbered.number}",
        numbered=[numbered],
        township=township,
        printed_on=numbered.issued_on,
    )
