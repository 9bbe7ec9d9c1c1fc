"""Documents are issued, not fetched. A notice with a 文号 is issued by a named user (a POST, or
the command line `--as USER`): its numbers are given, it is rendered once, and its bytes are
kept in the case store with who issued it and when. Afterwards it is given out as issued, byte
for byte, on any host; asking for it never numbers or renders anything.

An issued notice can be voided (作废) with a reason: its file is kept (and still given out by
its own address, marked voided), its 文号 stays spent, and issuing the subject again renders a
replacement with the next number. The 乡镇问责报告, which goes to the 区人社局, is issued the same
way (a 文号 of its own); made on request it is the same report without one."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import NotFound, Problem
from casework.models import IssuedFile, Proposal, ProposalKind, ProposalStatus, User
from casework.published import current_run_id
from casework.services import audit, documents
from casework.services.access import require, sees_township
from reports.documents import KINDS
from reports.documents.accountability_report import accountability_report, may_read_accountability
from reports.documents.benefit_notices import benefit_notices, starts
from reports.documents.common import PDF, Document, allow, document_number
from reports.documents.demand_notices import demand_notice, the_demand
from reports.documents.deregistration_notice import deregistration_notice, the_case


class NotIssued(Problem):
    status = 404

    def __init__(self, label: str):
        super().__init__(
            "not_issued",
            f"该{label}尚未出具：请由经办人员先出具（案件页面的“出具”，"
            f"或 POST /documents/…/issue），出具后方可查看、打印",
        )


@dataclass(frozen=True)
class Subject:
    """What a notice is of, and whose it is (for township scope)."""

    key: str  # 'demand:12', 'case:5', 'benefit:2025-03:150404101', 'benefit:2025-03:person:1504…'
    township_code: str | None
    case_id: int | None = None
    person_id: str | None = None


def subject_of(
    session: Session,
    user: User | None,
    name: str,
    *,
    demand_id: int | None = None,
    case_id: int | None = None,
    month: str | None = None,
    township: str | None = None,
    person_no: str | None = None,
    **params,
) -> Subject:
    """The subject of a notice, once this user may have it (403 or 404 otherwise)."""
    match name:
        case "recovery-notice" | "return-notice":
            demand = the_demand(session, user, _needed(demand_id, "追缴、返还通知编号"), name)
            case = demand.case
            return Subject(f"demand:{demand.id}", case.township_code, case.id, case.person_id)
        case "deregistration-notice":
            case, _ = the_case(session, user, _needed(case_id, "案件号"))
            return Subject(f"case:{case.id}", case.township_code, case.id, case.person_id)
        case "benefit-notice":
            township, rows = starts(session, user, _needed(month, "年月"), township, person_no)
            who = f"person:{person_no}" if person_no else township
            return Subject(f"benefit:{month}:{who}", township or rows[0].township_code)
        case "accountability-report":
            may_read_accountability(user)
            year = params.get("year")
            if (year is None) == (month is None):
                raise Problem("period_required", "请指定年度或月份之一", 422)
            return Subject(f"accountability:{year or month}", None)
    raise NotFound("文书种类")


def _needed(value, what: str):
    if value is None:
        raise Problem("parameter_required", f"请指定{what}", 422)
    return value


def latest_file(session: Session, name: str, subject: str) -> IssuedFile | None:
    """The file a notice stands as: the latest issued and not voided."""
    return session.scalar(
        select(IssuedFile)
        .where(IssuedFile.kind == name, IssuedFile.subject == subject, IssuedFile.voided_at.is_(None))
        .order_by(IssuedFile.id.desc())
        .limit(1)
    )


def voided_file(session: Session, name: str, subject: str) -> IssuedFile | None:
    return session.scalar(
        select(IssuedFile)
        .where(IssuedFile.kind == name, IssuedFile.subject == subject, IssuedFile.voided_at.is_not(None))
        .order_by(IssuedFile.id.desc())
        .limit(1)
    )


def issued_file(session: Session, user: User | None, name: str, **params) -> IssuedFile:
    """A notice as it was issued (404 until it is)."""
    subject = subject_of(session, user, name, **params)
    found = latest_file(session, name, subject.key)
    if found is None:
        raise NotIssued(KINDS[name].label)
    return found


def file_by_id(session: Session, user: User | None, file_id: int) -> IssuedFile:
    allow(user, "read")
    found = session.get(IssuedFile, file_id)
    if found is None or (user is not None and not sees_township(user, found.township_code)):
        raise NotFound("文书")
    return found


def _render(session: Session, user: User, name: str, today: dt.date, **params) -> Document:
    match name:
        case "recovery-notice" | "return-notice":
            return demand_notice(session, user, params["demand_id"], name)
        case "deregistration-notice":
            return deregistration_notice(session, user, params["case_id"], today)
        case "benefit-notice":
            return benefit_notices(
                session, user, params["month"], params.get("township"), params.get("person_no"), today
            )
        case "accountability-report":
            report = accountability_report(session, user, params.get("year"), params.get("month"))
            subject = f"accountability:{params.get('year') or params.get('month')}"
            numbered = document_number(session, "accountability_report", subject, today, user)
            report.context["document_no"] = numbered.document_no
            report.numbered, report.printed_on = [numbered], today
            report.filename = f"{report.filename}-{numbered.year}-{numbered.number}"
            return report
    raise NotFound("文书种类")


def issue(session: Session, user: User, name: str, today: dt.date, **params) -> tuple[IssuedFile, bool]:
    """Issue a notice as `user`: give its numbers, render it, keep its bytes. Issued before: the
    file it was issued as, and False."""
    require(user, "handle")
    subject = subject_of(session, user, name, **params)
    existing = latest_file(session, name, subject.key)
    if existing is not None:
        return existing, False
    document = _render(session, user, name, today, **params)
    content = document.pdf()
    replaced = voided_file(session, name, subject.key)
    run_id = current_run_id(session)  # the build the document was made from
    issued = IssuedFile(
        kind=name,
        subject=subject.key,
        title=document.title,
        filename=f"{document.filename}.pdf",
        media_type=PDF,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        township_code=subject.township_code,
        case_id=subject.case_id,
        issued_by=user.id,
        replaces=replaced.id if replaced is not None else None,
        run_id=run_id,
    )
    session.add(issued)
    session.flush()
    for numbered in document.numbered:
        numbered.file_id = issued.id
        numbered.run_id = run_id
    numbers = "、".join(n.document_no for n in document.numbered)
    audit.record(
        session,
        user,
        "document_issued",
        issued,
        None,
        f"{document.title} {numbers}",
        subject.case_id,
        subject.person_id,
    )
    return issued, True


def void(session: Session, user: User, file_id: int, reason: str) -> IssuedFile:
    """作废 an issued notice, with the reason: the file is kept as issued and marked, its 文号
    stays spent (never given again), and the notice may be issued again (a replacement with the
    next number). Audited."""
    require(user, "handle")
    return documents.void_file(session, user, file_by_id(session, user, file_id), reason)


def issue_corrected(session: Session, user: User, proposal: Proposal, today: dt.date) -> list[IssuedFile]:
    """An approved correction's notices, issued anew (its voided ones replaced, a supplementary
    demand's given), in the same transaction as the approval."""
    if proposal.kind != ProposalKind.correction or proposal.status != ProposalStatus.approved:
        return []
    return [
        issue(session, user, n["name"], today, demand_id=n["demand_id"])[0]
        for n in proposal.terms.get("notices_to_issue", [])
    ]
