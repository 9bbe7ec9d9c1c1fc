"""The casework of docs/rules.md ("Settlement and recovery"): a case per person, proposals that
someone else approves (article 40), payroll holds from the next 发放年月, resumption with back
pay, settlement against the account and funeral subsidy, demands, repayments, write-off,
referral of overdue demands, and recovery visits. The status transitions live here only."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from casework.errors import Conflict, Forbidden, Invalid, NotFound, Problem, stale
from casework.models import (
    CASE_STATUS_LABELS,
    PROPOSAL_LABELS,
    BackPayment,
    BasisChange,
    Case,
    CaseStatus,
    Demand,
    DemandStatus,
    Finding,
    FindingStatus,
    IssuedFile,
    PayrollHold,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Referral,
    Repayment,
    Settlement,
    User,
    Visit,
    utcnow,
)
from casework.published import FindingMonth, HoldRecommendation, PersonRecord, SettlementBasis
from casework.services import audit, documents, policy
from casework.services.access import ACTION_LABELS as ROLE_ACTION_LABELS
from casework.services.access import can, require, sees_township
from casework.services.townships import township_government

ZERO = Decimal("0.00")

# Which settlement each finding type calls for (docs/rules.md "Settlement and recovery").
SETTLED_AGAINST_ACCOUNT = ("death", "nationality", "other_pension")  # offset, then 返还/追缴
RECOVERY_NOTICE = ("death", "imprisonment")  # 追缴通知书 (article 29); the rest 返还通知书 (article 28)
CUSTODY_RULES = ("44号", "国发〔2014〕8号")
DEFAULT_CUSTODY_RULE = "44号"

# Where each proposal may be made.
PROPOSABLE_IN = {
    ProposalKind.suspension: {CaseStatus.open},
    ProposalKind.cancellation: {CaseStatus.open, CaseStatus.suspended},
    ProposalKind.resumption: {CaseStatus.suspended},
    ProposalKind.offset: {CaseStatus.terminated},
    ProposalKind.write_off: {CaseStatus.recovering},
    ProposalKind.closure: {CaseStatus.open, CaseStatus.resumed, CaseStatus.settled},
    ProposalKind.correction: set(CaseStatus),  # whatever was done on the earlier figures
}
DEMANDABLE_IN = {CaseStatus.open, CaseStatus.suspended, CaseStatus.terminated, CaseStatus.resumed, CaseStatus.settled}
CLOSABLE_IN = PROPOSABLE_IN[ProposalKind.closure]
HOLD_AHEAD_MONTHS = 12  # a hold starts at most this many months after the next 发放年月
STATUS_WORDS = CASE_STATUS_LABELS


def get_case(session: Session, user: User, case_id: int) -> Case:
    require(user, "read")
    case = session.get(Case, case_id)
    if case is None or not sees_township(user, case.township_code):
        raise NotFound("案件")
    return case


def touch(case: Case) -> None:
    """The case changed (a proposal, a decision): its version moves on even if no column did."""
    case.updated_at = utcnow()
    flag_modified(case, "updated_at")


def check_version(case: Case, version: int) -> None:
    if case.version != version:
        raise stale("案件", case.version)


def open_findings(case: Case) -> list[Finding]:
    return [f for f in case.findings if f.status == FindingStatus.open]


# ------------------------------------------------------------------------------ opening


def open_case(session: Session, user: User, finding_key: str, reason: str) -> tuple[Case, bool]:
    """Open the case of a finding's person (or attach to it); every open finding of the person
    joins it. Returns the case and whether it was new."""
    require(user, "handle")
    finding = session.get(Finding, finding_key)
    if finding is None or not sees_township(user, finding.township_code):
        raise NotFound("疑点")
    if finding.case is not None:
        return finding.case, False
    subject = finding.person_id or finding.finding_key
    case = session.scalar(select(Case).where(Case.subject_key == subject))
    created = case is None
    if case is None:
        case = Case(
            subject_key=subject,
            person_id=finding.person_id,
            name=finding.name,
            township_code=finding.township_code,
            opened_by=user.id,
            status=CaseStatus.open,
        )
        session.add(case)
        session.flush()
    siblings = (
        [finding]
        if finding.person_id is None
        else session.scalars(
            select(Finding).where(
                Finding.person_id == finding.person_id, Finding.case_id.is_(None), Finding.status == FindingStatus.open
            )
        ).all()
    )
    for f in siblings:
        f.case_id = case.id
    before = None if created else audit.snapshot(case)
    if case.status in (CaseStatus.resumed, CaseStatus.closed):
        case.status = CaseStatus.open  # a new finding reopens a finished case
    touch(case)
    session.flush()
    session.refresh(case)
    _flag_custody_decision(session, case)
    audit.record(
        session, user, "case_opened" if created else "findings_attached", case, before, reason, case.id, case.person_id
    )
    return case, created


def _flag_custody_decision(session: Session, case: Case) -> None:
    """Death in custody: 44号 leaves only the 个人缴费部分; 国发〔2014〕8号 the whole balance.
    44号 is the default, and the case is flagged for a person to decide."""
    keys = [f.finding_key for f in open_findings(case) if f.exception_type == "death"]
    if keys and session.scalar(
        select(SettlementBasis.died_in_custody)
        .where(SettlementBasis.finding_key.in_(keys), SettlementBasis.died_in_custody.is_(True))
        .limit(1)
    ):
        case.custody_rule = case.custody_rule or DEFAULT_CUSTODY_RULE
        case.needs_decision = (
            "服刑期间死亡：按劳社厅函〔2001〕44号仅个人缴费部分可继承、不发丧葬补助金；"
            "国发〔2014〕8号则个人账户余额全部可继承。默认按44号，请复核决定。"
        )


# ---------------------------------------------------------------------------- proposals


def propose(
    session: Session,
    user: User,
    case_id: int,
    kind: ProposalKind,
    case_version: int,
    reason: str,
    options: dict[str, Any],
    today: dt.date,
) -> Proposal:
    require(user, "handle")
    case = get_case(session, user, case_id)
    check_version(case, case_version)
    check_action(session, user, case, f"propose_{kind.value}", options.get("demand_id"))
    terms = TERMS[kind](session, case, options, today)
    proposal = Proposal(case_id=case.id, kind=kind, terms=terms, reason=reason, proposed_by=user.id)
    session.add(proposal)
    touch(case)
    audit.record(session, user, f"proposed_{kind.value}", proposal, None, reason, case.id, case.person_id)
    return proposal


def decide(
    session: Session, user: User, proposal_id: int, approve: bool, version: int, note: str | None, today: dt.date
) -> Proposal:
    """Approve or reject: never by whoever proposed it (four eyes, article 40)."""
    require(user, "read")
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or not sees_township(user, proposal.case.township_code):
        raise NotFound("申请")
    check_action(session, user, proposal.case, "approve" if approve else "decide", proposal)
    if proposal.version != version:
        raise stale("申请", proposal.version)
    before = audit.snapshot(proposal)
    proposal.status = ProposalStatus.approved if approve else ProposalStatus.rejected
    proposal.decided_by, proposal.decided_at, proposal.decision_note = user.id, utcnow(), note
    session.flush()  # the optimistic version check: of two reviewers at once, one wins here
    case = proposal.case
    touch(case)
    if approve:
        case_before = audit.snapshot(case)
        APPLY[proposal.kind](session, user, case, proposal, today)
        audit.record(session, user, f"applied_{proposal.kind.value}", case, case_before, note, case.id, case.person_id)
    audit.record(session, user, "approved" if approve else "rejected", proposal, before, note, case.id, case.person_id)
    return proposal


# --- suspension and cancellation: holds from the next 发放年月


def _record_codes(session: Session, case: Case, terminating: bool) -> list[dict[str, str]]:
    """One reason code per record: a termination (14xx) before a suspension (12xx), then the
    lowest code."""
    keys = [f.finding_key for f in open_findings(case)]
    recs = session.scalars(select(HoldRecommendation).where(HoldRecommendation.finding_key.in_(keys))).all()
    if terminating:
        recs = [r for r in recs if policy.terminates(r.reason_code)]
    best: dict[str, HoldRecommendation] = {}
    for r in sorted(recs, key=lambda r: policy.hold_precedence(r.reason_code)):
        best.setdefault(r.person_no, r)
    return [
        {"person_no": no, "reason_code": r.reason_code, "reason_label": r.reason_label}
        for no, r in sorted(best.items())
    ]


def _basis_of_holds(session: Session, case: Case) -> dict[str, dict[str, str]]:
    """Per record, the reason codes (code -> label) its open findings still hold it on."""
    keys = [f.finding_key for f in open_findings(case)]
    out: dict[str, dict[str, str]] = {}
    for r in session.scalars(select(HoldRecommendation).where(HoldRecommendation.finding_key.in_(keys))):
        out.setdefault(r.person_no, {})[r.reason_code] = r.reason_label
    return out


def _hold_start(session: Session, options: dict[str, Any]) -> str:
    next_pay = policy.latest_publication(session).next_pay_month
    start = options.get("from_month") or next_pay
    if start < next_pay:
        raise Invalid("too_early", f"暂停只能从下一个发放年月（{next_pay}）起：之前的月份已经发放")
    if start > (latest := policy.add_months(next_pay, HOLD_AHEAD_MONTHS)):
        raise Invalid("too_late", f"停发起始年月最晚为 {latest}（下一个发放年月后 {HOLD_AHEAD_MONTHS} 个月）")
    return start


def _suspension_terms(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    return {"from_month": _hold_start(session, options), "records": _record_codes(session, case, terminating=False)}


def _cancellation_terms(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    return {"from_month": _hold_start(session, options), "records": _record_codes(session, case, terminating=True)}


def _changed(
    session: Session, user: User, action: str, obj: Any, before: dict | None, case: Case, proposal: Proposal
) -> None:
    """What an approved proposal did to one record, in the audit log beside the proposal."""
    audit.record(
        session,
        user,
        action,
        obj,
        before,
        f"第 {proposal.id} 号申请（{PROPOSAL_LABELS[proposal.kind]}）",
        case.id,
        case.person_id,
    )


def _end_holds(session: Session, user: User, case: Case, proposal: Proposal, month: str) -> None:
    for hold in _active_holds(case):
        before = audit.snapshot(hold)
        hold.until_month, hold.ended_by_proposal_id = month, proposal.id
        _changed(session, user, "hold_ended", hold, before, case, proposal)


def _apply_holds(session: Session, user: User, case: Case, proposal: Proposal, today: dt.date) -> None:
    start = proposal.terms["from_month"]
    _end_holds(session, user, case, proposal, start)
    for r in proposal.terms["records"]:
        hold = PayrollHold(
            case_id=case.id,
            person_id=case.person_id,
            person_no=r["person_no"],
            reason_code=r["reason_code"],
            reason_label=r["reason_label"],
            from_month=start,
            proposal_id=proposal.id,
        )
        session.add(hold)
        _changed(session, user, "hold_started", hold, None, case, proposal)
    case.status = CaseStatus.suspended if proposal.kind == ProposalKind.suspension else CaseStatus.terminated


def _active_holds(case: Case) -> list[PayrollHold]:
    return [h for h in case.holds if h.until_month is None]


# --- resumption: back pay for the suspended months, never a custodial one


def _resumption_terms(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    holds = _active_holds(case)
    next_pay = policy.latest_publication(session).next_pay_month
    resume = options.get("resume_month") or next_pay
    start = min(h.from_month for h in holds)
    if not start <= resume <= next_pay:
        raise Invalid("bad_month", f"恢复发放年月应在 {start} 至 {next_pay} 之间")
    return _back_pay(session, case, holds, resume)


def _back_pay(session: Session, case: Case, holds: list[PayrollHold], resume: str) -> dict:
    """The held months up to `resume` at the standard of each, never a custodial one."""
    custodial = _custodial_ranges(session, case)
    records = {
        r.person_no: r
        for r in session.scalars(select(PersonRecord).where(PersonRecord.person_no.in_([h.person_no for h in holds])))
    }
    back_pay, excluded = [], []
    for hold in holds:
        record = records.get(hold.person_no)
        account = record.account_pension if record and record.account_pension is not None else ZERO
        for month in policy.months_from(hold.from_month, resume):
            if any(start <= month <= until for start, until in custodial):
                excluded.append(month)
                continue
            amount = policy.basic_pension(session, month) + account
            back_pay.append({"person_no": hold.person_no, "month": month, "amount": f"{amount:.2f}"})
    total = sum((Decimal(b["amount"]) for b in back_pay), ZERO)
    return {
        "resume_month": resume,
        "back_pay": back_pay,
        "back_pay_total": f"{total:.2f}",
        "custodial_months_excluded": sorted(set(excluded)),
    }


def _custodial_ranges(session: Session, case: Case) -> list[tuple[str, str]]:
    """The months of the person's custodial sentences (inclusive; open ones run on)."""
    keys = [f.finding_key for f in case.findings]
    return [
        (r.hold_from, r.hold_until or "9999-12")
        for r in session.scalars(
            select(HoldRecommendation).where(
                HoldRecommendation.finding_key.in_(keys), HoldRecommendation.custodial.is_(True)
            )
        )
    ]


def _apply_resumption(session: Session, user: User, case: Case, proposal: Proposal, today: dt.date) -> None:
    _end_holds(session, user, case, proposal, proposal.terms["resume_month"])
    _record_back_pay(session, user, case, proposal, proposal.terms["back_pay"])
    case.status = CaseStatus.resumed


def _record_back_pay(session: Session, user: User, case: Case, proposal: Proposal, back_pay: list[dict]) -> None:
    for b in back_pay:
        payment = BackPayment(
            case_id=case.id,
            person_no=b["person_no"],
            month=b["month"],
            amount=Decimal(b["amount"]),
            proposal_id=proposal.id,
        )
        session.add(payment)
        _changed(session, user, "back_pay_recorded", payment, None, case, proposal)


# --- settlement: the account balance, then the funeral subsidy (articles 20, 28, 29)


def overpaid(session: Session, case: Case) -> Decimal:
    """Every record and month once, over all of the case's open findings."""
    keys = [f.finding_key for f in open_findings(case)]
    if not keys:
        return ZERO
    rows = session.execute(
        select(FindingMonth.finding_key, FindingMonth.person_no, FindingMonth.month, FindingMonth.amount).where(
            FindingMonth.finding_key.in_(keys)
        )
    ).all()
    once = {(no, month): amount for _key, no, month, amount in rows}
    with_months = {key for key, *_ in rows}
    # A finding without improper months (cash, contributions) counts its own amount once.
    fixed = sum((f.overpaid_amount for f in open_findings(case) if f.finding_key not in with_months), ZERO)
    return sum(once.values(), ZERO) + fixed


def _settlement_basis(session: Session, case: Case) -> tuple[Finding, SettlementBasis]:
    """The finding the account is settled on (a death; otherwise the earliest event) and its
    balances, or the reason there is nothing to settle."""
    settling = [f for f in open_findings(case) if f.exception_type in SETTLED_AGAINST_ACCOUNT]
    if not settling:
        raise Conflict("nothing_to_settle", "本案不涉及个人账户结算（仅死亡、丧失国籍、重复享受其他养老待遇）")
    basis_finding = min(settling, key=lambda f: (f.exception_type != "death", f.event_period))
    basis = session.scalar(select(SettlementBasis).where(SettlementBasis.finding_key == basis_finding.finding_key))
    if basis is None:
        raise Conflict("no_settlement_basis", "缺少该疑点的个人账户结算数据，请重新发布稽核结果")
    return basis_finding, basis


def _offset_terms(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    basis_finding, basis = _settlement_basis(session, case)
    rule = options.get("custody_rule") or case.custody_rule
    if rule is not None and rule not in CUSTODY_RULES:
        raise Invalid("bad_custody_rule", f"服刑期间死亡的结算依据只能是：{'、'.join(CUSTODY_RULES)}")
    in_custody = basis_finding.exception_type == "death" and basis.died_in_custody
    balance = basis.own_contribution_balance if in_custody and rule != "国发〔2014〕8号" else basis.account_balance
    subsidy = ZERO
    if basis_finding.exception_type == "death" and basis.receiving_at_event and not in_custody:
        subsidy = policy.parameter(
            session, policy.FUNERAL_SUBSIDY, basis_finding.event_date or policy.first_day(basis_finding.event_period)
        )
    owed = overpaid(session, case)
    balance_offset = min(owed, balance)
    subsidy_offset = min(owed - balance_offset, subsidy)
    return {
        "basis_finding": basis_finding.finding_key,
        "balance_month": basis.balance_month,
        "overpaid": f"{owed:.2f}",
        "account_balance": f"{balance:.2f}",
        "balance_offset": f"{balance_offset:.2f}",
        "funeral_subsidy": f"{subsidy:.2f}",
        "subsidy_offset": f"{subsidy_offset:.2f}",
        "remaining": f"{owed - balance_offset - subsidy_offset:.2f}",
        "balance_refund": f"{balance - balance_offset:.2f}",
        "subsidy_payable": f"{subsidy - subsidy_offset:.2f}",
        "custody_rule": rule if in_custody else None,
    }


def _apply_offset(session: Session, user: User, case: Case, proposal: Proposal, today: dt.date) -> None:
    t = proposal.terms
    _record_settlement(session, user, case, proposal, t)
    case.status = CaseStatus.settled if Decimal(t["remaining"]) > 0 else CaseStatus.closed


def _record_settlement(session: Session, user: User, case: Case, proposal: Proposal, t: dict[str, Any]) -> None:
    settlement = Settlement(
        case_id=case.id,
        proposal_id=proposal.id,
        custody_rule=t["custody_rule"],
        **{
            k: Decimal(t[k])
            for k in (
                "overpaid",
                "account_balance",
                "balance_offset",
                "funeral_subsidy",
                "subsidy_offset",
                "remaining",
                "balance_refund",
                "subsidy_payable",
            )
        },
    )
    session.add(settlement)
    _changed(session, user, "settlement_recorded", settlement, None, case, proposal)
    if t["custody_rule"]:
        case.custody_rule, case.needs_decision = t["custody_rule"], None


# --- write-off of a demand repaid in full (article 29.3)


def _write_off_terms(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    demand = _demand_of(case, options.get("demand_id"))
    return {
        "demand_id": demand.id,
        "amount": f"{demand.amount:.2f}",
        "repaid": f"{demand.repaid:.2f}",
        "vouchers": [r.voucher_no for r in demand.repayments],
    }


def _apply_write_off(session: Session, user: User, case: Case, proposal: Proposal, today: dt.date) -> None:
    demand = _demand_of(case, proposal.terms["demand_id"])
    before = audit.snapshot(demand)
    demand.status = DemandStatus.written_off
    _changed(session, user, "demand_written_off", demand, before, case, proposal)
    if all(d.status == DemandStatus.written_off for d in case.demands):
        case.status = CaseStatus.closed


def _demand_of(case: Case, demand_id: Any) -> Demand:
    demands = [d for d in case.demands if demand_id is None or d.id == demand_id]
    if not demands:
        raise NotFound("追缴通知")
    return demands[-1]


# --- closure: giving up what is still owed or still open takes a second person (article 40)


def closure_reasons(session: Session, case: Case) -> list[str]:
    """What closing the case would give up: findings still open, money overpaid and not
    recovered, or left after the offset and not yet demanded. Empty: nothing is given up."""
    reasons = []
    if pending := open_findings(case):
        reasons.append(f"{len(pending)} 条疑点尚未了结")
    owed = case.settlements[-1].remaining if case.status == CaseStatus.settled else overpaid(session, case)
    if owed > 0:
        reasons.append(f"尚有 {owed:.2f} 元未追回")
    return reasons


def _closure_terms(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    reasons = closure_reasons(session, case)
    return {"reasons": reasons, "open_findings": [f.finding_key for f in open_findings(case)]}


def _apply_closure(session: Session, user: User, case: Case, proposal: Proposal, today: dt.date) -> None:
    case.status = CaseStatus.closed


# --- correction: a later build changed what the case's decisions rested on (依据已变更)


def pending_changes(case: Case) -> list[BasisChange]:
    """The basis changes that wait for a correction: a hold, a settlement, a demand or an issued
    notice rested on the earlier figures."""
    return [b for b in case.basis_changes if b.pending]


def _correction_terms(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    """What the changed figures call for, computed as the case now stands: the settlement done
    again, the demand's amount (a written-off one: a supplementary demand for more, a refund
    for less; none left owed: withdrawn), the notices resting on the earlier figures voided
    and issued anew, and holds whose basis is gone released with back pay. Nothing is done
    until another person approves."""
    owed = overpaid(session, case)
    gone = not open_findings(case)
    terms: dict[str, Any] = {
        "changes": [b.id for b in pending_changes(case)],
        "overpaid": f"{owed:.2f}",
        "basis_gone": gone,
        "void_files": [],
        "refund_due": "0.00",
    }
    if case.settlements:
        last = case.settlements[-1]
        settlement = _resettlement(session, case, options, today)
        if any(Decimal(settlement[k]) != getattr(last, k) for k in ("overpaid", "remaining", "balance_offset")):
            terms["settlement"] = settlement
            terms["settlement_before"] = {k: f"{getattr(last, k):.2f}" for k in ("overpaid", "remaining")}
        owed = Decimal(settlement["remaining"])
    done = sum((d.amount for d in case.demands if d.status == DemandStatus.written_off), ZERO)
    live = [d for d in case.demands if d.status in (DemandStatus.open, DemandStatus.repaid, DemandStatus.referred)]
    target = max(owed - done, ZERO)
    refund = max(done - owed, ZERO)
    if live:
        demand = live[-1]
        if target != demand.amount:
            refund += max(demand.repaid - target, ZERO)
            terms["demand"] = {
                "id": demand.id,
                "before": f"{demand.amount:.2f}",
                "after": f"{target:.2f}",
                "repaid": f"{demand.repaid:.2f}",
                "withdrawn": target == 0,
            }
            terms["void_files"] += _standing_notices(session, f"demand:{demand.id}")
    elif case.demands and target > 0:
        terms["supplementary"] = {"after_demand": case.demands[-1].id, "amount": f"{target:.2f}"}
    terms["refund_due"] = f"{refund:.2f}"
    if gone:
        terms["void_files"] += _standing_notices(session, f"case:{case.id}")
    # A hold stands while any open finding still holds its record: released only when none
    # does; when its own reason went with the withdrawn part, it goes on under the reason that
    # remains (a termination before a suspension, then the lowest code) from the next 发放年月.
    basis = {} if gone else _basis_of_holds(session, case)
    next_pay = policy.latest_publication(session).next_pay_month
    if released := [h for h in _active_holds(case) if h.person_no not in basis]:
        terms["release"] = {
            "holds": [h.id for h in released],
            "records": sorted({h.person_no for h in released}),
            **_back_pay(session, case, released, next_pay),
        }
    rebase = []
    for hold in _active_holds(case):
        codes = basis.get(hold.person_no, {})
        if codes and hold.reason_code not in codes:
            code = min(codes, key=policy.hold_precedence)
            rebase.append(
                {
                    "hold": hold.id,
                    "person_no": hold.person_no,
                    "from_month": max(next_pay, hold.from_month),
                    "before": {"reason_code": hold.reason_code, "reason_label": hold.reason_label},
                    "reason_code": code,
                    "reason_label": codes[code],
                }
            )
    if rebase:
        terms["rebase"] = rebase
    return terms


def _resettlement(session: Session, case: Case, options: dict, today: dt.date) -> dict:
    """The account settled again on the figures as they now stand; with nothing left to settle
    on, nothing is offset and the whole balance and subsidy go back."""
    try:
        return _offset_terms(session, case, {"custody_rule": case.custody_rule, **options}, today)
    except Conflict:
        last = case.settlements[-1]
        return {
            "basis_finding": None,
            "overpaid": f"{overpaid(session, case):.2f}",
            "account_balance": f"{last.account_balance:.2f}",
            "balance_offset": "0.00",
            "funeral_subsidy": f"{last.funeral_subsidy:.2f}",
            "subsidy_offset": "0.00",
            "remaining": "0.00",
            "balance_refund": f"{last.account_balance:.2f}",
            "subsidy_payable": f"{last.funeral_subsidy:.2f}",
            "custody_rule": last.custody_rule,
        }


def _standing_notices(session: Session, subject: str) -> list[int]:
    found = documents.standing_file(session, subject)
    return [] if found is None else [found.id]


def _apply_correction(session: Session, user: User, case: Case, proposal: Proposal, today: dt.date) -> None:
    t = proposal.terms
    why = f"第 {proposal.id} 号申请（更正）：疑点依据已变更"
    if settlement := t.get("settlement"):
        _record_settlement(session, user, case, proposal, settlement)
        if case.status == CaseStatus.settled and Decimal(settlement["remaining"]) == 0:
            case.status = CaseStatus.closed
    to_issue: list[dict[str, Any]] = []
    days = int(policy.parameter(session, policy.RECOVERY_DEADLINE_DAYS, today))
    if d := t.get("demand"):
        demand = _demand_of(case, d["id"])
        before = audit.snapshot(demand)
        demand.amount = Decimal(d["after"])
        if d["withdrawn"]:
            demand.status = DemandStatus.withdrawn
        else:
            # The corrected notice is a new notice: its date and time limit run from today.
            demand.issued_on, demand.deadline = today, today + dt.timedelta(days=days)
            if demand.status != DemandStatus.referred:
                demand.status = DemandStatus.open if demand.outstanding > 0 else DemandStatus.repaid
            to_issue.append({"name": _notice_name(demand), "demand_id": demand.id})
        _changed(session, user, "demand_corrected", demand, before, case, proposal)
    if sup := t.get("supplementary"):
        previous = _demand_of(case, sup["after_demand"])
        demand = Demand(
            case_id=case.id,
            notice_kind=previous.notice_kind,
            addressee=previous.addressee,
            addressee_relation=previous.addressee_relation,
            amount=Decimal(sup["amount"]),
            issued_on=today,
            deadline=today + dt.timedelta(days=days),
            issued_by=user.id,
        )
        session.add(demand)
        session.flush()
        _changed(session, user, "supplementary_demand_issued", demand, None, case, proposal)
        to_issue.append({"name": _notice_name(demand), "demand_id": demand.id})
    for file_id in t["void_files"]:
        issued = session.get(IssuedFile, file_id)
        if issued is not None and issued.voided_at is None:
            documents.void_file(session, user, issued, why)
    if release := t.get("release"):
        for hold in [h for h in _active_holds(case) if h.id in release["holds"]]:
            before = audit.snapshot(hold)
            hold.until_month, hold.ended_by_proposal_id = release["resume_month"], proposal.id
            _changed(session, user, "hold_released", hold, before, case, proposal)
        _record_back_pay(session, user, case, proposal, release["back_pay"])
    for r in t.get("rebase", []):
        for hold in [h for h in _active_holds(case) if h.id == r["hold"]]:
            before = audit.snapshot(hold)
            hold.until_month, hold.ended_by_proposal_id = r["from_month"], proposal.id
            _changed(session, user, "hold_ended", hold, before, case, proposal)
            rebased = PayrollHold(
                case_id=case.id,
                person_id=hold.person_id,
                person_no=hold.person_no,
                reason_code=r["reason_code"],
                reason_label=r["reason_label"],
                from_month=r["from_month"],
                proposal_id=proposal.id,
            )
            session.add(rebased)
            _changed(session, user, "hold_rebased", rebased, None, case, proposal)
    for change in case.basis_changes:
        if change.id in t["changes"]:
            change.corrected_by = proposal.id
    if t["basis_gone"] or (t.get("demand", {}).get("withdrawn") and not to_issue):
        case.status = CaseStatus.closed  # nothing left to recover on
    elif to_issue and case.status == CaseStatus.closed:
        case.status = CaseStatus.recovering
    elif release and not _active_holds(case) and case.status == CaseStatus.suspended:
        case.status = CaseStatus.resumed
    proposal.terms = {**t, "notices_to_issue": to_issue}


def _notice_name(demand: Demand) -> str:
    return "recovery-notice" if demand.notice_kind == "recovery" else "return-notice"


TERMS = {
    ProposalKind.suspension: _suspension_terms,
    ProposalKind.cancellation: _cancellation_terms,
    ProposalKind.resumption: _resumption_terms,
    ProposalKind.offset: _offset_terms,
    ProposalKind.write_off: _write_off_terms,
    ProposalKind.closure: _closure_terms,
    ProposalKind.correction: _correction_terms,
}
APPLY = {
    ProposalKind.suspension: _apply_holds,
    ProposalKind.cancellation: _apply_holds,
    ProposalKind.resumption: _apply_resumption,
    ProposalKind.offset: _apply_offset,
    ProposalKind.write_off: _apply_write_off,
    ProposalKind.closure: _apply_closure,
    ProposalKind.correction: _apply_correction,
}


# ------------------------------------------------------------------------ recovery


# Who a demand's notice is addressed to: one rule for the form, the service, the case page and
# the notice. A person's case: the person, or whoever answers for them (their heir, family),
# and how they stand to the person. A case with no person (拨付与发放不符, a month of money and
# nobody's benefit): a body — the township's government or the 经办机构 that drew the money —
# named as such, standing in no relation to anyone; its relation is kept as ADDRESSED_TO_BODY.
ADDRESSED_TO_BODY = "被通知单位"


def addressed_to_body(case: Case) -> bool:
    """Whether the case's notices go to a body (乡镇人民政府/经办机构) rather than a person."""
    return case.person_id is None


def addressee_words(demand: Demand) -> str:
    """The addressee as the notice's 主送 and the case page name it: 大庙镇人民政府; 李某某（法定继承人）;
    王某某 (the person themself: no relation said)."""
    if demand.addressee_relation in (ADDRESSED_TO_BODY, "本人"):
        return demand.addressee
    return f"{demand.addressee}（{demand.addressee_relation}）"


def default_addressee(case: Case, names: dict[str, str]) -> str:
    """What the demand form offers to begin with: a body's case, its township's government when
    the case has a township; otherwise nothing (the clerk names the addressee)."""
    if addressed_to_body(case) and case.township_code in names:
        return township_government(names[case.township_code])
    return ""


def issue_demand(
    session: Session,
    user: User,
    case_id: int,
    case_version: int,
    addressee: str,
    relation: str | None,
    today: dt.date,
    reason: str | None,
) -> Demand:
    """The 追缴通知书 (death, imprisonment) or 返还通知书 (the rest) for what is still owed,
    addressed as `addressed_to_body` says: a person's relation is required, a body has none."""
    require(user, "handle")
    case = get_case(session, user, case_id)
    check_version(case, case_version)
    check_action(session, user, case, "issue_demand")
    if addressed_to_body(case):
        relation = ADDRESSED_TO_BODY
    elif not relation:
        raise Invalid("relation_required", "请填写被通知人与当事人的关系（本人、法定继承人等）")
    amount = amount_to_demand(session, case)
    types = {f.exception_type for f in open_findings(case)}
    days = int(policy.parameter(session, policy.RECOVERY_DEADLINE_DAYS, today))
    kind = "recovery" if types & set(RECOVERY_NOTICE) else "return"
    demand = Demand(
        case_id=case.id,
        notice_kind=kind,
        addressee=addressee,
        addressee_relation=relation,
        amount=amount,
        issued_on=today,
        deadline=today + dt.timedelta(days=days),
        issued_by=user.id,
    )
    session.add(demand)
    before = audit.snapshot(case)
    case.status = CaseStatus.recovering
    audit.record(session, user, "demand_issued", demand, None, reason, case.id, case.person_id)
    audit.record(session, user, "status_changed", case, before, reason, case.id, case.person_id)
    return demand


def get_demand(session: Session, user: User, demand_id: int) -> Demand:
    require(user, "read")
    demand = session.get(Demand, demand_id)
    if demand is None or not sees_township(user, demand.case.township_code):
        raise NotFound("追缴通知")
    return demand


def normal_voucher(voucher_no: str) -> str:
    """A voucher number as kept: NFKC (full-width characters as half-width) and trimmed."""
    return unicodedata.normalize("NFKC", voucher_no).strip()


def voucher_key(voucher_no: str) -> str:
    """What makes two voucher numbers the same voucher: `V-001`, `v-001`, `Ｖ-００１ `."""
    return normal_voucher(voucher_no).casefold()


def record_repayment(
    session: Session, user: User, demand_id: int, voucher_no: str, amount: Decimal, paid_on: dt.date, today: dt.date
) -> Repayment:
    require(user, "handle")
    demand = get_demand(session, user, demand_id)
    check_action(session, user, demand.case, "record_repayment", demand)
    if paid_on > today:
        raise Invalid("future_date", "缴存日期不能晚于今天")
    if paid_on < demand.issued_on:
        raise Invalid("before_demand", f"缴存日期不能早于通知下达日期（{demand.issued_on}）")
    if amount > demand.outstanding:
        raise Invalid("overpayment", f"退还金额超过尚欠金额（{demand.outstanding:.2f} 元）")
    voucher_no, key = normal_voucher(voucher_no), voucher_key(voucher_no)
    if not 1 <= len(voucher_no) <= 64:
        raise Invalid("bad_voucher", "缴存凭证号应为 1 至 64 个字符")
    if session.scalar(select(Repayment.id).where(Repayment.voucher_key == key)):
        raise Conflict("duplicate_voucher", f"缴存凭证 {voucher_no} 已登记过")
    repayment = Repayment(
        demand_id=demand.id, voucher_no=voucher_no, voucher_key=key, amount=amount, paid_on=paid_on, recorded_by=user.id
    )
    session.add(repayment)
    session.flush()
    session.refresh(demand)
    before = audit.snapshot(demand)
    if demand.outstanding == 0:
        demand.status = DemandStatus.repaid
    audit.record(session, user, "repayment_recorded", repayment, None, None, demand.case_id, demand.case.person_id)
    if demand.status == DemandStatus.repaid:
        audit.record(session, user, "demand_repaid", demand, before, None, demand.case_id, demand.case.person_id)
    return repayment


def refer_overdue(session: Session, today: dt.date) -> list[Referral]:
    """Demands past their deadline and not fully repaid go to the 区人社局 (article 29.4)."""
    referrals = []
    overdue = session.scalars(
        select(Demand).where(Demand.status == DemandStatus.open, Demand.deadline < today).order_by(Demand.id)
    ).all()
    for demand in overdue:
        before_demand, before_case = audit.snapshot(demand), audit.snapshot(demand.case)
        referral = Referral(
            demand_id=demand.id,
            case_id=demand.case_id,
            referred_on=today,
            outstanding=demand.outstanding,
            reason=f"限期 {demand.deadline} 届满仍未足额退还，尚欠 {demand.outstanding:.2f} 元",
        )
        session.add(referral)
        demand.status = DemandStatus.referred
        demand.case.status = CaseStatus.referred
        case = demand.case
        audit.record(session, None, "referred", referral, None, referral.reason, case.id, case.person_id)
        audit.record(session, None, "demand_referred", demand, before_demand, referral.reason, case.id, case.person_id)
        audit.record(session, None, "status_changed", case, before_case, referral.reason, case.id, case.person_id)
        referrals.append(referral)
    return referrals


@dataclass(frozen=True)
class VisitForm:
    visited_on: dt.date
    staff: list[str]
    evidence_ref: str
    note: str | None


def record_visit(session: Session, user: User, case_id: int, form: VisitForm, today: dt.date) -> Visit:
    """Two or more distinct staff present, and the recording kept (article 30)."""
    require(user, "visit")
    case = get_case(session, user, case_id)
    check_action(session, user, case, "record_visit")
    staff = sorted({s.strip() for s in form.staff if s.strip()})
    if len(staff) < 2:
        raise Invalid("too_few_staff", "追缴走访必须有两名（含）以上工作人员在场（第三十条）")
    known = set(session.scalars(select(User.username).where(User.username.in_(staff), User.active.is_(True))))
    if unknown := [s for s in staff if s not in known]:
        raise Invalid("unknown_staff", f"以下工作人员不是本系统的在职用户：{'、'.join(unknown)}")
    if not form.evidence_ref.strip():
        raise Invalid("no_evidence", "必须登记执法记录仪影像资料编号（第三十条）")
    if form.visited_on > today:
        raise Invalid("future_date", "走访日期不能晚于今天")
    visit = Visit(
        case_id=case.id,
        visited_on=form.visited_on,
        staff=staff,
        evidence_ref=form.evidence_ref.strip(),
        note=form.note,
        recorded_by=user.id,
    )
    session.add(visit)
    audit.record(session, user, "visit_recorded", visit, None, form.note, case.id, case.person_id)
    return visit


def close_case(session: Session, user: User, case_id: int, case_version: int, reason: str) -> Case:
    """办结 by one person only a case that gives nothing up: no money owed, nothing open, no
    proposal pending. Anything else is a closure proposal another person approves."""
    require(user, "handle")
    case = get_case(session, user, case_id)
    check_version(case, case_version)
    check_action(session, user, case, "close")
    before = audit.snapshot(case)
    case.status = CaseStatus.closed
    audit.record(session, user, "case_closed", case, before, reason, case.id, case.person_id)
    return case


# ----------------------------------------------------------------- what may be done now


ACTION_WORDS = {
    "decide": "复核申请",
    "approve": "批准申请",
    "propose_correction": "提出更正申请",
    "propose_cancellation": "提出注销登记申请",
    "propose_suspension": "提出暂停发放申请",
    "propose_resumption": "提出恢复发放申请",
    "propose_offset": "提出清算抵扣申请",
    "issue_demand": "下达追缴（返还）通知",
    "record_repayment": "登记退还",
    "propose_write_off": "提出核销申请",
    "close": "办结",
    "propose_closure": "提出办结申请",
    "record_visit": "登记追缴走访",
}
# The order a case's work goes in: the first of these that can be done is the next step.
WORKFLOW = (
    "decide",
    "propose_correction",
    "propose_cancellation",
    "propose_suspension",
    "propose_resumption",
    "propose_offset",
    "issue_demand",
    "record_repayment",
    "propose_write_off",
    "close",
    "propose_closure",
)
CORRECTING = ("record_visit", "propose_correction", "decide")  # offered on a closed or referred case too
ROLE_NEEDED = {"decide": "approve", "approve": "approve", "record_visit": "visit"}
# What waits while the case's basis has changed and no correction has been approved: anything
# that would act on the earlier figures (money received and visits are facts, and go on).
WAITS_FOR_CORRECTION = {
    "propose_suspension",
    "propose_cancellation",
    "propose_resumption",
    "propose_offset",
    "propose_write_off",
    "propose_closure",
    "issue_demand",
    "close",
}  # every other action: "handle"


def check_action(session: Session, user: User | None, case: Case, action: str, target: Any = None) -> None:
    """The rules of the case's work, in one place: raises the refusal if `action` cannot be
    done on `case` now by `user` (None: by whoever's role allows it). The service calls it
    before it acts; the case page (`case_guide`) calls it to offer only what would succeed
    and to say why the rest cannot be done yet. What the caller types (months, amounts,
    vouchers, a stale version) is checked where it is read. `target`: the demand repaid
    (record_repayment), the demand id written off (propose_write_off) or the proposal decided
    (decide); without one, any of the case's."""
    if action not in ACTION_WORDS:
        raise ValueError(action)
    role = ROLE_NEEDED.get(action, "handle")
    if user is not None and not can(user, role):
        raise Forbidden("forbidden_role", f"您的岗位无权{ROLE_ACTION_LABELS[role]}")
    pending = [p for p in case.proposals if p.status == ProposalStatus.pending]
    if action in WAITS_FOR_CORRECTION and (changes := pending_changes(case)):
        raise Conflict(
            "basis_changed",
            f"依据已变更（{len(changes)} 处）：请先提出更正申请，经他人复核批准后再{ACTION_WORDS[action]}",
        )
    if action.startswith("propose_"):
        kind = ProposalKind(action.removeprefix("propose_"))
        _check_status(case, PROPOSABLE_IN[kind], f"提出{PROPOSAL_LABELS[kind]}")
        if pending:
            raise Conflict("proposal_pending", "本案已有待复核的申请，请先复核")
        _check_proposal(session, case, kind, target)
    elif action == "decide":
        proposals = [target] if target is not None else pending
        if not proposals:
            raise Conflict("nothing_to_decide", "本案没有待复核的申请")
        if user is not None and all(p.proposed_by == user.id for p in proposals):
            raise Forbidden("four_eyes", "经办、复核分离：不能复核本人提出的申请（第四十条）")
        if all(p.status != ProposalStatus.pending for p in proposals):
            raise Conflict("already_decided", "该申请已复核完毕")
    elif action == "approve":
        check_action(session, user, case, "decide", target)
        covered = set(target.terms.get("changes", [])) if target.kind == ProposalKind.correction else set()
        if any(b.id not in covered for b in pending_changes(case)):
            raise Conflict(
                "basis_changed",
                "依据已变更：该申请是按变更前的数据提出的，只能驳回；驳回后请按变更后的数据提出更正申请",
            )
    elif action == "issue_demand":
        _check_status(case, DEMANDABLE_IN, "下达追缴（返还）通知")
        if any(d.status != DemandStatus.written_off for d in case.demands):
            raise Conflict("demand_exists", "本案已有未核销的追缴通知")
        amount_to_demand(session, case)
    elif action == "record_repayment":
        demands = [target] if target is not None else case.demands
        if not demands:
            raise Conflict("no_demand", "本案尚未下达追缴（返还）通知")
        if all(d.status != DemandStatus.open for d in demands):
            raise Conflict("demand_not_open", "该追缴通知已结清、核销或移交，不能再登记退还")
    elif action == "close":
        _check_status(case, CLOSABLE_IN, "办结")
        if pending:
            raise Conflict("proposal_pending", "本案已有待复核的申请，请先复核")
        if reasons := closure_reasons(session, case):
            raise Conflict(
                "closure_needs_review", f"本案{'、'.join(reasons)}：办结须提出办结申请，由他人复核批准（第四十条）"
            )
    # record_visit: whoever's role allows it, at any stage of the case (article 30).


def _check_status(case: Case, allowed: set[CaseStatus], what: str) -> None:
    if case.status not in allowed:
        when = "、".join(STATUS_WORDS[s] for s in CaseStatus if s in allowed)
        raise Conflict("wrong_status", f"案件{STATUS_WORDS[case.status]}，不能{what}（案件{when}时方可）")


def _check_proposal(session: Session, case: Case, kind: ProposalKind, demand_id: Any) -> None:
    """What a proposal of this kind needs of the case, whatever its terms say."""
    if kind == ProposalKind.suspension and not _record_codes(session, case, terminating=False):
        raise Conflict("nothing_to_hold", "本案疑点不涉及暂停待遇发放")
    if kind == ProposalKind.cancellation and not _record_codes(session, case, terminating=True):
        raise Conflict("nothing_to_cancel", "本案疑点不属于应注销登记的情形（死亡、丧失国籍、重复享受、重复参保）")
    if kind == ProposalKind.resumption and not _active_holds(case):
        raise Conflict("nothing_held", "本案没有正在停发的待遇，无需恢复发放")
    if kind == ProposalKind.offset:
        _settlement_basis(session, case)
    if kind == ProposalKind.write_off:
        demand = _demand_of(case, demand_id)
        if demand.status != DemandStatus.repaid:
            raise Conflict("not_repaid", f"追缴金额尚未足额退还（尚欠 {demand.outstanding:.2f} 元），不能核销")
    if kind == ProposalKind.correction and not pending_changes(case):
        raise Conflict("nothing_to_correct", "本案依据未变更（或变更未涉及已作出的停发、结算、追缴和文书），无需更正")
    if kind == ProposalKind.closure and not closure_reasons(session, case):
        raise Conflict("close_directly", "本案没有欠款，也没有未了结的疑点，可直接办结，无需复核")


def amount_to_demand(session: Session, case: Case) -> Decimal:
    """What a demand would ask for: what the settlement left, for the types settled against
    the account (articles 28, 29); otherwise everything overpaid."""
    types = {f.exception_type for f in open_findings(case)}
    if types & set(SETTLED_AGAINST_ACCOUNT):
        if not case.settlements:
            raise Conflict("settle_first", "应先结算个人账户（清算抵扣），再就不足部分下达通知（第二十八、二十九条）")
        amount = case.settlements[-1].remaining
    else:
        amount = overpaid(session, case)
    if amount <= 0:
        raise Conflict("nothing_owed", "本案没有需要追缴的金额")
    return amount


def refusal(session: Session, user: User | None, case: Case, action: str, target: Any = None) -> Problem | None:
    """`check_action`'s refusal, or None when the action would be accepted."""
    try:
        check_action(session, user, case, action, target)
    except Problem as problem:
        return problem
    return None


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    why_not: str | None  # None: it can be done now


@dataclass(frozen=True)
class Guide:
    """A case as its page shows it to one user: each action their role has, allowed now or
    with the reason it is not yet; and the case's next step, whoever takes it."""

    steps: list[Step]
    next_step: str
    next_action: str | None = None  # the action the next step is (of WORKFLOW), if there is one

    @property
    def allowed(self) -> list[str]:
        return [s.action for s in self.steps if s.why_not is None]

    @property
    def not_yet(self) -> list[Step]:
        return [s for s in self.steps if s.why_not is not None]


def case_guide(session: Session, case: Case, user: User) -> Guide:
    case_rules = {a: refusal(session, None, case, a) for a in WORKFLOW}  # whoever's role allows it
    words, action = next_step(case, user, case_rules)
    return Guide(_steps(session, case, user, case_rules), words, action)


def _steps(session: Session, case: Case, user: User, case_rules: dict[str, Problem | None]) -> list[Step]:
    steps = []
    for action in (*WORKFLOW, "record_visit"):
        if not can(user, ROLE_NEEDED.get(action, "handle")):
            continue  # another role's work: neither offered nor explained
        if action == "decide" and not any(p.status == ProposalStatus.pending for p in case.proposals):
            continue  # nothing to review is not a step still to come
        if action == "propose_correction" and not pending_changes(case):
            continue  # nothing changed under the case's decisions
        if case.status in (CaseStatus.closed, CaseStatus.referred) and action not in CORRECTING:
            continue  # the bureau's work on the case is over: nothing is "not yet"
        # Past the role, only a review depends on who asks (never one's own proposal).
        problem = refusal(session, user, case, action) if action in ("decide", "record_visit") else case_rules[action]
        steps.append(Step(action, ACTION_WORDS[action], None if problem is None else problem.message))
    return steps


def next_step(case: Case, user: User, case_rules: dict[str, Problem | None]) -> tuple[str, str | None]:
    """The case's next step in words, whoever takes it (the first of WORKFLOW the rules allow;
    closing with something given up only when nothing else is), the alternatives the rules
    also allow after it; and the action it is."""
    pending = [p for p in case.proposals if p.status == ProposalStatus.pending]
    if pending and (case.status not in (CaseStatus.closed, CaseStatus.referred) or pending_changes(case)):
        p = pending[0]
        who = "（本人提出的申请须由他人复核）" if p.proposed_by == user.id else ""
        stale = (
            "；依据已变更，按变更前数据提出的申请只能驳回"
            if p.kind != ProposalKind.correction and pending_changes(case)
            else ""
        )
        return f"复核第 {p.id} 号{PROPOSAL_LABELS[p.kind]}申请{who}{stale}。", "decide"
    if changes := pending_changes(case):
        return f"依据已变更（{len(changes)} 处）：提出更正申请，由他人复核批准。", "propose_correction"
    if case.status == CaseStatus.closed:
        return "本案已办结。", None
    if case.status == CaseStatus.referred:
        return "追缴通知逾期未足额退还，本案已移交区人社局依法处理。", None
    possible = [a for a in WORKFLOW if a != "propose_closure" and case_rules[a] is None] or [
        a for a in ("propose_closure",) if case_rules[a] is None
    ]
    if not possible:
        return "当前没有可办理的事项。", None
    first, *others = possible
    words = ACTION_WORDS[first] + (f"（或：{'、'.join(ACTION_WORDS[a] for a in others)}）" if others else "")
    if not can(user, ROLE_NEEDED.get(first, "handle")):
        words += "，由区社保局经办办理"
    return f"{words}。", first


def allowed_actions(session: Session, case: Case, user: User) -> list[str]:
    """What this user may do on this case now (the API's `allowed_actions`)."""
    case_rules = {a: refusal(session, None, case, a) for a in WORKFLOW if can(user, ROLE_NEEDED.get(a, "handle"))}
    return [s.action for s in _steps(session, case, user, case_rules) if s.why_not is None]
