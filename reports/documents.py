"""The bureau's documents (issue 5): what each one says, gathered from the case store and the
warehouse, who may have it, and the 文号 of the numbered ones. Rendering is `reports/`.

| name | 中文 | built from | who |
|---|---|---|---|
| recovery-notice | 冒领社会保险待遇追缴通知书 (第二十九条) | a Demand of notice_kind 'recovery', its case, findings, settlement | read, township scope |
| return-notice | 社会保险待遇返还通知书 (第二十八条) | a Demand of notice_kind 'return' | read, township scope |
| deregistration-notice | 申请注销登记告知书 (第十九条) | a case with death / nationality / other_pension findings | read, township scope |
| benefit-notice | 城乡居民基本养老保险待遇领取告知书 (第二十一条) | the warehouse roster of the month: records 正常待遇 whose 待遇享受年月 is that month | read, township scope |
| suspension-list | 待遇暂停名单 | payroll holds starting that month | payroll |
| resumption-list | 待遇恢复名单 | holds ended by a resumption that month, with the back pay | payroll |
| inspection-summary | 稽核情况月报 | findings with an event by the end of the month; demands and repayments by then | read, township scope |
| certification-report | 资格认证报告书 (第二十六条) | the warehouse: November roster, certifications | read, township scope |
| accountability-report | 乡镇问责报告 (第三十一条) | marts.accountability_*; demands, repayments, referrals | hr_bureau, inspector, reviewer, admin |

A role that may not have a kind of document at all gets 403 (as elsewhere in the API); a
township officer asking for another township's document gets 404: for them it does not exist.
`user=None` is the command line, which may have everything.

ID numbers are masked (1504**********1234) on every PDF: each one leaves the bureau (to a
person or family, a township, the finance bureau, the 区人社局). Only the XLSX of the
suspension and resumption lists, which the payment system imports inside the bureau, carry
them in full, as the payroll hold list does.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import Forbidden, NotFound, Problem
from casework.models import (
    BackPayment,
    Case,
    Demand,
    DocumentNumber,
    Finding,
    FindingMonth,
    IssuedDocument,
    PayrollHold,
    PersonRecord,
    Proposal,
    ProposalKind,
    Referral,
    Repayment,
    Role,
    SettlementBasis,
    User,
)
from casework.services import audit, policy
from casework.services.access import require, sees_township
from casework.services.cases import open_findings, overpaid
from casework.services.townships import township_name, township_names
from orchestration.warehouse_queries import has_table, read
from reports import charts
from reports.chinese import mask_id, numeric_date, numeric_month
from reports.issuers import Issuer, issuer_on
from reports.render import render_pdf
from reports.tables import Field, write_xlsx

ZERO = Decimal("0.00")
ACCOUNTABILITY_READERS = {Role.hr_bureau, Role.inspector, Role.reviewer, Role.admin}


class NotAvailable(Problem):
    """The document cannot be made from the data there is (yet)."""

    status = 409


class Nothing(Problem):
    """The document would be empty: nobody to notify."""

    status = 404


# ------------------------------------------------------------------------- the documents


@dataclass
class Document:
    name: str  # recovery-notice, …
    title: str
    template: str
    context: dict[str, Any]
    filename: str  # without extension
    fields: tuple[Field, ...] = ()  # the list as XLSX, when it is one
    rows: list[tuple] = field(default_factory=list)
    sheet: str = ""

    def pdf(self) -> bytes:
        return render_pdf(self.template, {"title": self.title, **self.context})

    def xlsx(self) -> bytes:
        if not self.fields:
            raise NotAvailable("no_xlsx", f"{self.title}没有 XLSX 格式（通知书只有 PDF）")
        buffer = io.BytesIO()
        write_xlsx(self.fields, self.rows, buffer, self.sheet or self.title[:31])
        return buffer.getvalue()


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    is_list: bool  # a list or report: also as XLSX; a notice is PDF only


KINDS = {k.name: k for k in (
    Kind("recovery-notice", "冒领社会保险待遇追缴通知书", False),
    Kind("return-notice", "社会保险待遇返还通知书", False),
    Kind("deregistration-notice", "申请注销登记告知书", False),
    Kind("benefit-notice", "城乡居民基本养老保险待遇领取告知书", False),
    Kind("suspension-list", "待遇暂停名单", True),
    Kind("resumption-list", "待遇恢复名单", True),
    Kind("inspection-summary", "稽核情况月报", True),
    Kind("certification-report", "资格认证报告书", True),
    Kind("accountability-report", "乡镇问责报告", True),
)}


# ----------------------------------------------------------------------------- 文号

# The character after the issuer's abbreviation in each kind's 文号: 松社保追字〔2026〕第3号.
NUMBERED = {
    "recovery_notice": ("追", "冒领社会保险待遇追缴通知书"),
    "return_notice": ("返", "社会保险待遇返还通知书"),
    "deregistration_notice": ("注", "申请注销登记告知书"),
    "benefit_notice": ("待", "待遇领取告知书"),
}


def document_number(session: Session, kind: str, subject: str, issued_on: dt.date, actor: User | None,
                    case_id: int | None = None, person_id: str | None = None) -> IssuedDocument:
    """The 文号 of a document: the one it was first issued with, or the next of its kind and
    year (a sequence per kind and year in `document_numbers`). Rendering the same document
    again keeps its number and date."""
    issued = session.scalar(select(IssuedDocument).where(IssuedDocument.kind == kind,
                                                         IssuedDocument.subject == subject))
    if issued is not None:
        return issued
    year = issued_on.year
    sequence = session.get(DocumentNumber, {"kind": kind, "year": year}, with_for_update=True)
    if sequence is None:
        sequence = DocumentNumber(kind=kind, year=year, last_number=0)
        session.add(sequence)
    sequence.last_number += 1
    character, label = NUMBERED[kind]
    number = sequence.last_number
    issued = IssuedDocument(kind=kind, subject=subject, year=year, number=number,
                            document_no=f"{_issuer(issued_on).abbreviation}{character}字〔{year}〕第{number}号",
                            issued_on=issued_on, issued_by=actor.id if actor else None, case_id=case_id)
    session.add(issued)
    audit.record(session, actor, "document_numbered", issued, None, f"{label} {issued.document_no}",
                 case_id, person_id)
    return issued


# ----------------------------------------------------------------------------- access


def _issuer(day: dt.date) -> Issuer:
    """The issuing office in force on the day a document bears (reports/issuers.csv)."""
    try:
        return issuer_on(day)
    except LookupError:
        raise NotAvailable("no_issuer", f"{numeric_date(day)}尚无生效的发文机关（reports/issuers.csv）") from None


def _allow(user: User | None, action: str) -> None:
    if user is not None:
        require(user, action)


def _township_scope(user: User | None, township: str | None) -> str | None:
    """The township a document is for: a township officer's own, whatever they ask; another
    township's document does not exist for them."""
    if user is None or user.role != Role.township_officer:
        return township
    if township is not None and township != user.township_code:
        raise NotFound("文书")
    return user.township_code


def _known_township(township: str) -> str:
    if township not in township_names():
        raise NotFound("乡镇（街道）")
    return township_name(township)


# ------------------------------------------------------------------ what happened, in words


def event_phrase(finding: Finding) -> str:
    """The event of a finding as a notice states it."""
    day = numeric_date(finding.event_date) if finding.event_date else numeric_month(finding.event_period)
    match finding.exception_type:
        case "death":
            return f"于{day}死亡"
        case "nationality":
            return f"于{day}丧失中华人民共和国国籍"
        case "other_pension":
            scheme = f"（{finding.detail}）" if finding.detail else ""
            return f"自{numeric_month(finding.event_period)}起享受其他社会养老保障待遇{scheme}"
        case "imprisonment":
            sentence = f"（{finding.detail}）" if finding.detail else ""
            return f"被判处刑罚{sentence}，自{day}起羁押、收监执行"
        case "detention":
            return f"于{day}被羁押"
        case "duplicate_enrollment":
            return "重复参保，以多个个人编号同时领取待遇"
        case "duplicate_payment":
            return "同一所属年月的待遇被重复发放"
        case _:
            return f"存在{finding.exception_label}情形"


def _improper_rows(session: Session, findings: list[Finding]) -> list[dict[str, Any]]:
    """The months money was received that should not have been, each record and month once."""
    keys = [f.finding_key for f in findings]
    if not keys:
        return []
    once: dict[tuple[str, str], Decimal] = {}
    for month in session.scalars(select(FindingMonth).where(FindingMonth.finding_key.in_(keys))):
        once[(month.month, month.person_no)] = month.amount
    return [{"month": m, "person_no": no, "amount": amount} for (m, no), amount in sorted(once.items())]


def _person(case: Case, findings: list[Finding]) -> dict[str, Any]:
    first = next((f for f in findings if f.id_number), None)
    return {"name": case.name or (first.name if first else "") or "", "id_number": first.id_number if first else "",
            "person_id": case.person_id}


# ------------------------------------------------------------------ notices from a demand


def demand_notice(session: Session, user: User | None, demand_id: int, name: str) -> Document:
    """冒领社会保险待遇追缴通知书 (article 29) or 社会保险待遇返还通知书 (article 28) of a demand,
    dated the day the demand was issued."""
    kind = {"recovery-notice": "recovery", "return-notice": "return"}[name]
    _allow(user, "read")
    demand = session.get(Demand, demand_id)
    if demand is None or (user is not None and not sees_township(user, demand.case.township_code)):
        raise NotFound("追缴通知")
    if demand.notice_kind != kind:
        other = "return-notice（社会保险待遇返还通知书）" if demand.notice_kind == "return" \
            else "recovery-notice（冒领社会保险待遇追缴通知书）"
        raise NotFound(f"{KINDS[name].label}：第 {demand_id} 号通知应为 {other}")
    case = demand.case
    findings = open_findings(case) or list(case.findings)
    numbered = document_number(session, f"{kind}_notice", f"demand:{demand.id}", demand.issued_on, user,
                               case.id, case.person_id)
    settlement = case.settlements[-1] if case.settlements else None
    rows = _improper_rows(session, findings)
    context = {
        "issuer": _issuer(demand.issued_on),
        "document_no": numbered.document_no,
        "issued_on": numbered.issued_on,
        "demand": demand,
        "person": _person(case, findings),
        "events": sorted({event_phrase(f) for f in findings}),
        "months": rows,
        "first_month": rows[0]["month"] if rows else None,
        "last_month": rows[-1]["month"] if rows else None,
        "overpaid": settlement.overpaid if settlement else overpaid(session, case),  # what was settled
        "settlement": settlement,
        "township": township_name(case.township_code),
        "deceased": any(f.exception_type == "death" for f in findings),
        "case_id": case.id,
    }
    template = "recovery_notice.html" if kind == "recovery" else "return_notice.html"
    return Document(name, KINDS[name].label, template, context, f"{name}-{numbered.year}-{numbered.number}")


# ------------------------------------------------------------------ 申请注销登记告知书


DEREGISTRATION_TYPES = ("death", "nationality", "other_pension")


def deregistration_notice(session: Session, user: User | None, case_id: int, today: dt.date) -> Document:
    """Article 19: a person who should be deregistered and has not applied is told to, within
    the issuer's deadline. To the designated beneficiary or legal heir after a death, else to
    the person."""
    _allow(user, "read")
    case = session.get(Case, case_id)
    if case is None or (user is not None and not sees_township(user, case.township_code)):
        raise NotFound("案件")
    findings = [f for f in open_findings(case) or case.findings if f.exception_type in DEREGISTRATION_TYPES]
    if not findings:
        raise NotAvailable("not_applicable", "本案没有应办理注销登记的情形（死亡、丧失国籍、已享受其他社会养老保障待遇），"
                                             "不能出具申请注销登记告知书")
    numbered = document_number(session, "deregistration_notice", f"case:{case.id}", today, user, case.id,
                               case.person_id)
    issuer = _issuer(numbered.issued_on)
    deceased = any(f.exception_type == "death" for f in findings)
    basis = session.scalars(select(SettlementBasis).where(
        SettlementBasis.finding_key.in_([f.finding_key for f in findings]))).all()
    stopped = sorted(h.from_month for h in case.holds if h.reason_code.startswith("14"))
    rows = _improper_rows(session, findings)
    context = {
        "issuer": issuer,
        "document_no": numbered.document_no,
        "issued_on": numbered.issued_on,
        "deadline": numbered.issued_on + dt.timedelta(days=issuer.deregistration_deadline_days),
        "deadline_days": issuer.deregistration_deadline_days,
        "person": _person(case, findings),
        "events": sorted({event_phrase(f) for f in findings}),
        "deceased": deceased,
        "funeral_subsidy": deceased and any(b.receiving_at_event and not b.died_in_custody for b in basis),
        "stopped_from": stopped[0] if stopped else None,
        "first_month": rows[0]["month"] if rows else None,
        "last_month": rows[-1]["month"] if rows else None,
        "overpaid": sum((r["amount"] for r in rows), ZERO),
        "township": township_name(case.township_code),
        "case_id": case.id,
    }
    return Document("deregistration-notice", KINDS["deregistration-notice"].label, "deregistration_notice.html",
                    context, f"deregistration-notice-{numbered.year}-{numbered.number}")


# ------------------------------------------------------------------ 待遇领取告知书


def benefit_notices(session: Session, home: Path, user: User | None, month: str, township: str | None,
                    person_no: str | None, today: dt.date) -> Document:
    """Article 21: each record on the roster of `month` that is 正常待遇 and whose 待遇享受年月 is
    that month (a new recipient) is told what it receives and what its designated beneficiary
    or legal heir must do; one notice a page, each with its own 文号."""
    _allow(user, "read")
    township = _township_scope(user, township)
    if township is None and person_no is None:
        raise NotAvailable("township_required", "请指定乡镇（街道）代码或个人编号")
    if township:
        _known_township(township)
    _require_table(home, "intermediate", "int_roster_months")
    where, params = ["m.month = ?", "m.benefit_start_month = ?", "m.status = '正常待遇'"], \
        [policy.first_day(month), policy.first_day(month)]
    if township:
        where.append("m.township_code = ?")
        params.append(township)
    if person_no:
        where.append("m.person_no = ?")
        params.append(person_no)
    rows = read(home, f"""
        SELECT m.person_no, m.name, m.id_number, m.doc_type, m.township_code, coalesce(m.village, ''),
               m.benefit_start_month, m.basic_pension, m.account_pension
        FROM intermediate.int_roster_months AS m
        WHERE {' AND '.join(where)}
        ORDER BY m.township_code, m.person_no""", params)
    if not rows:
        raise Nothing("nothing_to_issue", f"{numeric_month(month)}{township_name(township) if township else ''}"
                                          f"没有新领取待遇的人员（名册中待遇享受年月为该月、状态为正常待遇的记录）")
    notices = []
    for no, name, id_number, doc_type, code, village, start, basic, account in rows:
        numbered = document_number(session, "benefit_notice", f"record:{no}", today, user)
        basic, account = basic or ZERO, account or ZERO
        notices.append({
            "document_no": numbered.document_no, "issued_on": numbered.issued_on,
            "issuer": _issuer(numbered.issued_on), "person_no": no, "name": name, "id_number": id_number,
            "doc_type": doc_type or "居民身份证", "township": township_name(code), "village": village,
            "start_month": policy.month_of(start), "basic_pension": basic, "account_pension": account,
            "monthly": basic + account,
        })
    place = township_name(township) if township else notices[0]["township"]
    return Document("benefit-notice", KINDS["benefit-notice"].label, "benefit_notice.html",
                    {"notices": notices, "month": month, "place": place},
                    f"benefit-notice-{month}-{township or person_no}")


# ------------------------------------------------------------------ payroll lists


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


def _records(session: Session, numbers: set[str]) -> dict[str, PersonRecord]:
    if not numbers:
        return {}
    return {r.person_no: r for r in session.scalars(select(PersonRecord).where(PersonRecord.person_no.in_(numbers)))}


def suspension_list(session: Session, user: User | None, month: str) -> Document:
    """待遇暂停名单 for the payment system and the finance bureau: every record whose hold starts
    in `month` (暂停 12xx and 终止 14xx), except a hold replaced before it took effect."""
    _allow(user, "payroll")
    holds = session.scalars(select(PayrollHold).where(PayrollHold.from_month == month)
                            .order_by(PayrollHold.person_no, PayrollHold.id)).all()
    holds = [h for h in holds if h.until_month is None or h.until_month > h.from_month]
    records = _records(session, {h.person_no for h in holds})
    rows = []
    for hold in holds:
        record = records.get(hold.person_no)
        case = hold.case
        rows.append({
            "person_no": hold.person_no, "name": (record.name if record else None) or case.name or "",
            "id_number": (record.id_number if record else None) or "",
            "township": township_name((record.township_code if record else None) or case.township_code),
            "township_code": (record.township_code if record else None) or case.township_code or "",
            "hold_kind": "终止" if hold.reason_code.startswith("14") else "暂停",
            "reason_code": hold.reason_code, "reason_label": hold.reason_label, "from_month": hold.from_month,
            "case_id": hold.case_id,
        })
    rows.sort(key=lambda r: (r["township_code"], r["person_no"]))
    xlsx = [(i, r["person_no"], r["name"], r["id_number"], r["township"], r["hold_kind"], r["reason_code"],
             r["reason_label"], r["from_month"], r["case_id"]) for i, r in enumerate(rows, 1)]
    context = {"month": month, "rows": rows, "issuer": _issuer(policy.first_day(month)),
               "suspended": sum(r["hold_kind"] == "暂停" for r in rows),
               "terminated": sum(r["hold_kind"] == "终止" for r in rows)}
    title = f"{numeric_month(month)}城乡居民基本养老保险待遇暂停名单"
    return Document("suspension-list", title, "suspension_list.html", context, f"suspension-list-{month}",
                    SUSPENSION_FIELDS, xlsx, f"{month}暂停名单")


def resumption_list(session: Session, user: User | None, month: str) -> Document:
    """待遇恢复名单: every hold that a resumption ended in `month`, with the back pay of its
    record (each suspended month at that month's standard; never a custodial month)."""
    _allow(user, "payroll")
    found = session.execute(
        select(PayrollHold, Proposal).join(Proposal, Proposal.id == PayrollHold.ended_by_proposal_id)
        .where(PayrollHold.until_month == month, Proposal.kind == ProposalKind.resumption,
               PayrollHold.until_month > PayrollHold.from_month)
        .order_by(PayrollHold.person_no, PayrollHold.id)).all()
    records = _records(session, {h.person_no for h, _ in found})
    rows = []
    for hold, proposal in found:
        paid = session.scalars(select(BackPayment).where(
            BackPayment.proposal_id == proposal.id, BackPayment.person_no == hold.person_no,
            BackPayment.month >= hold.from_month, BackPayment.month < month)
            .order_by(BackPayment.month)).all()
        custodial = [m for m in proposal.terms.get("custodial_months_excluded", [])
                     if hold.from_month <= m < month]
        record = records.get(hold.person_no)
        rows.append({
            "person_no": hold.person_no, "name": (record.name if record else None) or hold.case.name or "",
            "id_number": (record.id_number if record else None) or "",
            "township_code": (record.township_code if record else None) or hold.case.township_code or "",
            "township": township_name((record.township_code if record else None) or hold.case.township_code),
            "reason": f"{hold.reason_code} {hold.reason_label}", "from_month": hold.from_month,
            "resume_month": month, "back_pay_months": len(paid),
            "back_pay": sum((b.amount for b in paid), ZERO), "custodial_months": len(custodial),
            "case_id": hold.case_id,
        })
    rows.sort(key=lambda r: (r["township_code"], r["person_no"]))
    total = sum((r["back_pay"] for r in rows), ZERO)
    xlsx = [(i, r["person_no"], r["name"], r["id_number"], r["township"], r["reason"], r["from_month"],
             r["resume_month"], r["back_pay_months"], r["back_pay"], r["custodial_months"], r["case_id"])
            for i, r in enumerate(rows, 1)]
    context = {"month": month, "rows": rows, "total": total, "issuer": _issuer(policy.first_day(month))}
    title = f"{numeric_month(month)}城乡居民基本养老保险待遇恢复名单"
    return Document("resumption-list", title, "resumption_list.html", context, f"resumption-list-{month}",
                    RESUMPTION_FIELDS, xlsx, f"{month}恢复名单")


# ------------------------------------------------------------------ 稽核情况月报

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
    _allow(user, "read")
    township = _township_scope(user, township)
    if township:
        _known_township(township)
    end = _month_end(month)
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
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_({f.case_id for f in findings if f.case_id})))}
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
            "findings": len(rows), "persons": len({f.person_id for f in rows if f.person_id}),
            "improper_months": len(once), "involved": sum(once.values(), ZERO) + fixed, "cases": len(case_ids),
            **{k: sum((money[c][k] for c in case_ids), ZERO) for k in ("offset", "demanded", "recovered",
                                                                      "outstanding")},
        }

    by_type = []
    labels = {f.exception_type: f.exception_label for f in findings}
    for code in sorted(labels, key=lambda c: (-sum(f.exception_type == c for f in findings), c)):
        by_type.append({"code": code, "label": labels[code], **group([f for f in findings if f.exception_type == code])})
    by_township = []
    for code in sorted({f.township_code for f in findings if f.township_code}):
        by_township.append({"code": code, "label": township_name(code),
                            **group([f for f in findings if f.township_code == code])})
    no_place = [f for f in findings if not f.township_code]
    if no_place:
        by_township.append({"code": "", "label": "（不涉及具体乡镇）", **group(no_place)})
    total = group(findings)
    xlsx = [("按类型", r["label"], *(r[k] for k in _SUMMARY_KEYS)) for r in by_type] + \
           [("按乡镇", r["label"], *(r[k] for k in _SUMMARY_KEYS)) for r in by_township] + \
           [("合计", "", *(total[k] for k in _SUMMARY_KEYS))]
    place = township_name(township) if township else "全区"
    context = {"month": month, "place": place, "by_type": by_type, "by_township": by_township, "total": total,
               "issuer": _issuer(end)}
    title = f"{numeric_month(month)}城乡居民基本养老保险待遇稽核情况月报"
    return Document("inspection-summary", title, "inspection_summary.html", context,
                    f"inspection-summary-{month}{'-' + township if township else ''}", SUMMARY_FIELDS, xlsx,
                    f"{month}稽核月报")


_SUMMARY_KEYS = ("findings", "persons", "improper_months", "involved", "cases", "offset", "demanded",
                 "recovered", "outstanding")


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
        yield items[i:i + size]


def _month_end(month: str) -> dt.date:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


# ------------------------------------------------------------------ 资格认证报告书

CERTIFICATION_FIELDS = (
    Field("seq", "序号", "", 6),
    Field("status", "认证情况", "", 9),
    Field("name", "姓名", "", 12),
    Field("person_nos", "个人编号", "", 13),
    Field("id_number", "证件号码", "", 21),
    Field("village", "村(居)", "", 14),
    Field("certified_on", "认证日期", "", 11),
    Field("method", "认证方式", "", 14),
    Field("reason", "未认证原因", "", 40),
)

REASON_EVENTS = {
    "death": "已死亡", "nationality_loss": "丧失国籍", "custody": "被羁押", "sentence": "被判刑",
    "other_pension": "享受其他养老待遇",
}


def _require_table(home: Path, schema: str, table: str) -> None:
    if not has_table(home, schema, table):
        raise NotAvailable("not_built", "尚未构建数据仓库：请先运行 pension-audit run --inbox <收件箱>")


def _policy_value(home: Path, name: str, on: dt.date) -> Decimal:
    found = read(home, """SELECT value FROM policy.policy_parameters WHERE parameter = ? AND effective_from <= ?
                          ORDER BY effective_from DESC LIMIT 1""", [name, on])
    if not found:
        raise NotAvailable("policy_missing", f"政策参数 {name} 在 {on} 没有生效值")
    return found[0][0]


def certification_report(home: Path, user: User | None, year: int, township: str) -> Document:
    """Article 26: of the persons 正常待遇 on the township's November roster of `year`, who was
    certified (a 通过 certification on any of their records from 1 January to 30 November) and
    who was not, and why as far as the data tells: a failed certification, a death, custody or
    a sentence, a loss of nationality or another pension in the year, a certification after the
    close, a benefit that started in the year; else 未参加认证. Coverage = certified / persons,
    as the accountability mart computes it."""
    _allow(user, "read")
    township = _township_scope(user, township)
    name = _known_township(township)
    _require_table(home, "intermediate", "int_roster_months")
    close_month = int(_policy_value(home, "certification_close_month", dt.date(year, 12, 31)))
    year_start = dt.date(year, 1, 1)
    close = dt.date(year, close_month, calendar.monthrange(year, close_month)[1])
    roster_month = dt.date(year, close_month, 1)
    base = read(home, """
        SELECT r.person_id, min(m.name), min(m.id_number), string_agg(DISTINCT m.person_no, '、' ORDER BY m.person_no),
               coalesce(min(m.village), ''), min(m.benefit_start_month)
        FROM intermediate.int_roster_months AS m
        JOIN intermediate.int_roster_records_identified AS r USING (person_no)
        WHERE m.month = ? AND m.status = '正常待遇' AND m.township_code = ?
        GROUP BY r.person_id ORDER BY min(m.village), min(m.person_no)""", [roster_month, township])
    if not base and not read(home, "SELECT 1 FROM intermediate.int_roster_months WHERE month = ? LIMIT 1",
                             [roster_month]):
        raise NotAvailable("no_roster", f"{year}年{close_month}月的参保名册尚未载入，不能出具该年度资格认证报告书")
    people = [b[0] for b in base]
    certifications: dict[str, list[tuple]] = {}
    events: dict[str, list[tuple]] = {}
    if people:
        for pid, day, method, result in read(home, """
                SELECT r.person_id, c.certified_on, coalesce(c.method, ''), c.result
                FROM staging.stg_certifications AS c
                JOIN intermediate.int_roster_records_identified AS r USING (person_no)
                WHERE r.person_id IN (SELECT unnest(?)) AND c.certified_on BETWEEN ? AND ?
                ORDER BY c.certified_on""", [people, year_start, dt.date(year, 12, 31)]):
            certifications.setdefault(pid, []).append((day, method, result))
        for pid, kind, day in read(home, """
                SELECT person_id, event_type, min(event_date) FROM marts.person_timeline
                WHERE person_id IN (SELECT unnest(?)) AND event_type IN (SELECT unnest(?)) AND event_date <= ?
                GROUP BY ALL ORDER BY 3""", [people, list(REASON_EVENTS), close]):
            if kind == "death" or day >= year_start:
                events.setdefault(pid, []).append((kind, day))
    certified, uncertified = [], []
    for pid, person_name, id_number, person_nos, village, start in base:
        row = {"person_id": pid, "name": person_name, "id_number": id_number or "", "person_nos": person_nos,
               "village": village}
        passed = [c for c in certifications.get(pid, []) if c[2] == "通过" and c[0] <= close]
        if passed:
            certified.append({**row, "certified_on": passed[0][0], "method": passed[0][1]})
            continue
        reasons = []
        for kind, day in events.get(pid, []):
            reasons.append(f"{REASON_EVENTS[kind]}（{numeric_date(day)}）")
        failed = [c for c in certifications.get(pid, []) if c[2] != "通过" and c[0] <= close]
        if failed:
            reasons.append(f"认证未通过（{failed[-1][1]}，{numeric_date(failed[-1][0])}）")
        late = [c for c in certifications.get(pid, []) if c[2] == "通过" and c[0] > close]
        if late:
            reasons.append(f"逾期认证（{numeric_date(late[0][0])}通过）")
        if start is not None and start.year == year:
            reasons.append(f"年内新领取待遇（待遇享受年月 {numeric_month(policy.month_of(start))}）")
        uncertified.append({**row, "reason": "；".join(reasons) or "未参加认证"})
    persons = len(base)
    coverage = Decimal(len(certified)) / persons if persons else None
    xlsx = [(i, "已认证", r["name"], r["person_nos"], mask_id(r["id_number"]), r["village"],
             numeric_date(r["certified_on"]), r["method"], "") for i, r in enumerate(certified, 1)] + \
           [(len(certified) + i, "未认证", r["name"], r["person_nos"], mask_id(r["id_number"]), r["village"], "", "",
             r["reason"]) for i, r in enumerate(uncertified, 1)]
    context = {"year": year, "township": name, "township_code": township, "close": close,
               "roster_month": policy.month_of(roster_month), "persons": persons, "certified": certified,
               "uncertified": uncertified, "coverage": coverage, "issuer": _issuer(close)}
    title = f"{name}{year}年度城乡居民基本养老保险领取待遇人员资格认证报告书"
    return Document("certification-report", title, "certification_report.html", context,
                    f"certification-report-{year}-{township}", CERTIFICATION_FIELDS, xlsx, f"{year}资格认证")


# ------------------------------------------------------------------ 乡镇问责报告

ACCOUNTABILITY_FIELDS = (
    Field("rank", "排名", "", 6),
    Field("township_code", "乡镇(街道)代码", "", 12),
    Field("township_name", "乡镇(街道)", "", 14),
    Field("recipients", "领取待遇人数", "", 10),
    Field("events", "应报事件", "", 9),
    Field("on_time", "按时上报", "", 9),
    Field("late", "迟报", "", 7),
    Field("missed", "漏报", "", 7),
    Field("pending", "待报", "", 7),
    Field("on_time_rate", "按时上报率", "", 10),
    Field("improper_months", "不当发放月数", "", 11),
    Field("overpaid", "不当发放金额(元)", "", 14),
    Field("attributable_loss", "可归责损失(元)", "", 14),
    Field("recovered", "已追回(元)", "", 12),
    Field("outstanding", "尚欠(元)", "", 12),
    Field("referrals", "移交区人社局(件)", "", 12),
    Field("certification_coverage", "认证覆盖率", "", 10),
)

STATUS_LABELS = {"on_time": "按时", "late": "迟报", "missed": "漏报", "pending": "待报"}
EVENT_LABELS = {"death": "死亡", "sentence": "收监执行"}


def accountability_report(home: Path, session: Session, user: User | None, year: int | None,
                          month: str | None) -> Document:
    """Article 31, for the 区人社局: per township and period the figures of the accountability
    marts (marts.accountability_township_year, or _month for a month), what was recovered in
    the period, what is still outstanding at its end and how many demands were referred in it
    (the case store, by the case's township); the ranking (attributable loss, then on-time
    rate, lowest first); two charts; and every late or missed report behind the figures."""
    if user is not None and user.role not in ACCOUNTABILITY_READERS:
        raise Forbidden("forbidden_role", "您的岗位无权查看乡镇问责报告")
    if (year is None) == (month is None):
        raise NotAvailable("period_required", "请指定年度（--year）或月份（--month）之一")
    _require_table(home, "marts", "accountability_township_year")
    if year is not None:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        found = read(home, """
            SELECT township_code, township_name, recipients, events, on_time, late, missed, pending, on_time_rate,
                   improper_months, overpaid_amount, attributable_loss, certification_coverage, loss_rank
            FROM marts.accountability_township_year WHERE year = ? ORDER BY loss_rank, township_code""", [year])
        rows = [dict(zip(("township_code", "township_name", "recipients", "events", "on_time", "late", "missed",
                          "pending", "on_time_rate", "improper_months", "overpaid", "attributable_loss",
                          "certification_coverage", "rank"), r, strict=True)) for r in found]
        period, label = str(year), f"{year}年度"
        chart_months = [f"{year}-{m:02d}" for m in range(1, 13)]
    else:
        start, end = policy.first_day(month), _month_end(month)
        found = read(home, """
            SELECT township_code, township_name, events, on_time, late, missed, pending, attributable_loss
            FROM marts.accountability_township_month WHERE month = ? ORDER BY township_code""", [start])
        rows = [dict(zip(("township_code", "township_name", "events", "on_time", "late", "missed", "pending",
                          "attributable_loss"), r, strict=True)) for r in found]
        for r in rows:
            r.update(recipients=None, improper_months=None, overpaid=None, certification_coverage=None,
                     on_time_rate=round(r["on_time"] / r["events"], 4) if r["events"] else None)
        _rank(rows)
        period, label = month, numeric_month(month)
        chart_months = [policy.add_months(month, -i) for i in range(11, -1, -1)]
    if not rows:
        raise NotAvailable("no_data", f"数据仓库中没有{label}的乡镇问责数据")
    rows.sort(key=lambda r: (r["rank"], r["township_code"]))
    recovery = _recovery_by_township(session, start, end)
    for r in rows:
        r.update(recovery.get(r["township_code"], {"recovered": ZERO, "outstanding": ZERO, "referrals": 0}))
    totals = {k: sum((r[k] for r in rows if r[k] is not None), Decimal(0) if k in _MONEY else 0)
              for k in ("recipients", "events", "on_time", "late", "missed", "pending", "improper_months", "overpaid",
                        "attributable_loss", "recovered", "outstanding", "referrals")}
    totals["on_time_rate"] = round(totals["on_time"] / totals["events"], 4) if totals["events"] else None
    events = read(home, """
        SELECT e.township_code, e.event_type, coalesce(p.name, ''), coalesce(p.id_number, ''), e.person_no,
               e.event_date, e.due_month, e.report_month, e.report_status, e.attributable_loss, e.roster_ref,
               coalesce(e.report_ref, '')
        FROM marts.accountability_events AS e LEFT JOIN marts.persons AS p USING (person_id)
        WHERE e.report_status IN ('late', 'missed') AND e.event_month BETWEEN ? AND ?
        ORDER BY e.township_code, e.event_date, e.person_no""", [start, policy.first_day(policy.month_of(end))])
    names = {r["township_code"]: r["township_name"] for r in rows}
    behind: dict[str, list[dict[str, Any]]] = {}
    for code, kind, name, id_number, no, day, due, reported, status, loss, roster_ref, report_ref in events:
        behind.setdefault(code, []).append({
            "event": EVENT_LABELS.get(kind, kind), "name": name, "id_number": id_number, "person_no": no,
            "event_date": day, "due_month": policy.month_of(due), "report_month": policy.month_of(reported)
            if reported else None, "status": STATUS_LABELS[status], "loss": loss, "roster_ref": roster_ref,
            "report_ref": report_ref})
    ranks = {r["township_code"]: r["rank"] for r in rows}
    late_missed = [{"code": code, "name": names.get(code, township_name(code)), "rank": ranks.get(code),
                    "events": behind[code], "loss": sum((e["loss"] for e in behind[code]), ZERO)}
                   for code in sorted(behind, key=lambda c: (ranks.get(c, len(rows) + 1), c))]
    monthly = dict(read(home, """
        SELECT strftime(month, '%Y-%m'), sum(attributable_loss) FROM marts.accountability_township_month
        WHERE month BETWEEN ? AND ? GROUP BY 1""", [policy.first_day(chart_months[0]), policy.first_day(chart_months[-1])]))
    rate_chart = charts.on_time_rates([(r["township_name"], r["on_time_rate"]) for r in rows],
                                      f"{label}各乡镇（街道）按时上报率")
    loss_chart = charts.losses_by_month(
        [(f"{int(m[5:])}月" if year is not None else f"{m[2:4]}/{m[5:]}", monthly.get(m, ZERO)) for m in chart_months],
        f"可归责损失（按事件月份）{'' if year is not None else '，近12个月'}")
    xlsx = [(r["rank"], r["township_code"], r["township_name"], r["recipients"], r["events"], r["on_time"], r["late"],
             r["missed"], r["pending"], r["on_time_rate"], r["improper_months"], r["overpaid"],
             r["attributable_loss"], r["recovered"], r["outstanding"], r["referrals"],
             r["certification_coverage"]) for r in rows]
    context = {"year": year, "month": month, "label": label, "rows": rows, "totals": totals,
               "late_missed": late_missed, "rate_chart": charts.data_uri(rate_chart),
               "loss_chart": charts.data_uri(loss_chart), "issuer": _issuer(end)}
    title = f"{label}乡镇（街道）领取待遇人员死亡、羁押、判刑情况上报问责报告"
    return Document("accountability-report", title, "accountability_report.html", context,
                    f"accountability-report-{period}", ACCOUNTABILITY_FIELDS, xlsx, f"{period}乡镇问责")


_MONEY = ("overpaid", "attributable_loss", "recovered", "outstanding")


def _rank(rows: list[dict[str, Any]]) -> None:
    """rank() by attributable loss (highest first), then on-time rate (lowest first, none last),
    as the yearly mart ranks."""
    def key(r):
        rate = r["on_time_rate"]
        return (-r["attributable_loss"], rate is None, rate if rate is not None else 0)

    ordered = sorted(rows, key=key)
    for i, r in enumerate(ordered):
        r["rank"] = ordered[i - 1]["rank"] if i and key(ordered[i - 1]) == key(r) else i + 1


def _recovery_by_township(session: Session, start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Per case township: repayments paid in [start, end]; demands issued by `end` and not repaid
    by then; referrals made in [start, end]."""
    out: dict[str, dict[str, Any]] = {}

    def slot(code: str | None) -> dict[str, Any]:
        return out.setdefault(code or "", {"recovered": ZERO, "outstanding": ZERO, "referrals": 0})

    for repayment, code in session.execute(
            select(Repayment, Case.township_code).join(Demand, Demand.id == Repayment.demand_id)
            .join(Case, Case.id == Demand.case_id).where(Repayment.paid_on.between(start, end))):
        slot(code)["recovered"] += repayment.amount
    for demand in session.scalars(select(Demand).where(Demand.issued_on <= end)):
        repaid = sum((r.amount for r in demand.repayments if r.paid_on <= end), ZERO)
        slot(demand.case.township_code)["outstanding"] += demand.amount - repaid
    for _referral, code in session.execute(
            select(Referral, Case.township_code).join(Case, Case.id == Referral.case_id)
            .where(Referral.referred_on.between(start, end))):
        slot(code)["referrals"] += 1
    return out



# ------------------------------------------------------------------ one way in, by name


def demand_of_case(session: Session, case_id: int, name: str) -> int:
    """The latest demand of a case that a recovery or return notice is for."""
    kind = {"recovery-notice": "recovery", "return-notice": "return"}[name]
    found = session.scalar(select(Demand.id).where(Demand.case_id == case_id, Demand.notice_kind == kind)
                           .order_by(Demand.id.desc()).limit(1))
    if found is None:
        raise NotFound(f"该案件的{KINDS[name].label}")
    return found


def build(name: str, session: Session, home: Path, user: User | None, today: dt.date, *, year: int | None = None,
          month: str | None = None, township: str | None = None, case_id: int | None = None,
          demand_id: int | None = None, person_no: str | None = None) -> Document:
    """Any document by its name and parameters (the command line's `report`)."""

    def need(value, option: str):
        if value is None:
            raise NotAvailable("parameter_required", f"{KINDS[name].label}需要参数 {option}")
        return value

    match name:
        case "recovery-notice" | "return-notice":
            if demand_id is None:
                demand_id = demand_of_case(session, need(case_id, "--case 或 --demand"), name)
            return demand_notice(session, user, demand_id, name)
        case "deregistration-notice":
            return deregistration_notice(session, user, need(case_id, "--case"), today)
        case "benefit-notice":
            return benefit_notices(session, home, user, need(month, "--month"), township, person_no, today)
        case "suspension-list":
            return suspension_list(session, user, need(month, "--month"))
        case "resumption-list":
            return resumption_list(session, user, need(month, "--month"))
        case "inspection-summary":
            return inspection_summary(session, user, need(month, "--month"), township)
        case "certification-report":
            return certification_report(home, user, need(year, "--year"), need(township, "--township"))
        case "accountability-report":
            return accountability_report(home, session, user, year, month)
    raise NotFound("文书种类")
