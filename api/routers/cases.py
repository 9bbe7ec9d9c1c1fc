"""Cases: open from a finding, propose and decide, demand, repay, visit, refer, close, audit."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, select

from api.deps import CurrentUser, ReadSession, Refs, Today, WriteSession
from api.routers.findings import PersonRef, person_of
from api.schemas import (
    TOWNSHIP_PATTERN,
    AuditOut,
    CaseClose,
    CaseOpen,
    CaseOut,
    Decision,
    DemandCreate,
    DemandOut,
    Message,
    Page,
    ProposalCreate,
    ProposalOut,
    ReferralOut,
    RepaymentCreate,
    RepaymentOut,
    VisitCreate,
    VisitOut,
)
from casework.chain import suspect_ids
from casework.models import (
    BASIS_CHANGE_LABELS,
    BasisChange,
    Case,
    CaseStatus,
    Demand,
    Proposal,
    Referral,
    Repayment,
    Visit,
)
from casework.services import cases as service
from casework.services.access import require, scope_cases
from casework.services.findings import audit_entries, person_view
from casework.services.persons import PersonRefs
from reports.documents import issuance

router = APIRouter(
    tags=["案件办理"],
    responses={
        401: {"model": Message},
        403: {"model": Message},
        404: {"model": Message},
        409: {"model": Message},
        422: {"model": Message},
    },
)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def case_out(session, case: Case, user, refs: PersonRefs) -> CaseOut:
    out = CaseOut.model_validate(
        {
            **{
                k: getattr(case, k)
                for k in (
                    "id",
                    "person_id",
                    "name",
                    "township_code",
                    "status",
                    "custody_rule",
                    "needs_decision",
                    "opened_at",
                    "version",
                    "findings",
                    "proposals",
                    "holds",
                    "settlements",
                    "demands",
                    "visits",
                    "back_payments",
                )
            },
            "status_label": service.STATUS_WORDS[case.status],
            "overpaid": service.overpaid(session, case),
            "basis_changed": bool(service.pending_changes(case)),
            "basis_changes": [
                {
                    **{c.key: getattr(b, c.key) for c in BasisChange.__table__.columns},
                    "kind_label": BASIS_CHANGE_LABELS[b.kind],
                }
                for b in case.basis_changes
            ],
            "allowed_actions": service.allowed_actions(session, case, user),
        },
        context={"refs": refs},
    )
    return out


@router.get("/cases", response_model=Page[CaseOut], summary="案件列表")
def list_cases(
    user: CurrentUser,
    session: ReadSession,
    refs: Refs,
    status: CaseStatus | None = None,
    township_code: Annotated[str | None, Query(pattern=TOWNSHIP_PATTERN)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[CaseOut]:
    query = scope_cases(select(Case), user)
    if status:
        query = query.where(Case.status == status)
    if township_code:
        query = query.where(Case.township_code == township_code)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Case.id.desc()).offset((page - 1) * size).limit(size))
    return Page(items=[case_out(session, c, user, refs) for c in rows], total=total, page=page, size=size)


@router.post("/cases", response_model=CaseOut, status_code=201, summary="从疑点立案（同一人员的疑点并入一案）")
def open_case(body: CaseOpen, user: CurrentUser, session: WriteSession, refs: Refs) -> CaseOut:
    case, _created = service.open_case(session, user, body.finding_key, body.reason)
    return case_out(session, case, user, refs)


@router.get("/cases/{case_id}", response_model=CaseOut, summary="案件详情与当前用户可办理的操作")
def get_case(case_id: Id, user: CurrentUser, session: ReadSession, refs: Refs) -> CaseOut:
    return case_out(session, service.get_case(session, user, case_id), user, refs)


@router.post(
    "/cases/{case_id}/proposals",
    response_model=ProposalOut,
    status_code=201,
    summary="提出暂停、恢复、注销、清算抵扣、核销、办结或更正申请（须由他人复核）",
)
def propose(case_id: Id, body: ProposalCreate, user: CurrentUser, session: WriteSession, today: Today) -> Proposal:
    return service.propose(session, user, case_id, body.kind, body.case_version, body.reason, body.options(), today)


@router.post(
    "/proposals/{proposal_id}/decision",
    response_model=ProposalOut,
    summary="复核：批准或驳回（不能复核本人的申请）；批准更正申请即作废原通知书并重新出具",
)
def decide(proposal_id: Id, body: Decision, user: CurrentUser, session: WriteSession, today: Today) -> Proposal:
    proposal = service.decide(session, user, proposal_id, body.approve, body.version, body.note, today)
    issuance.issue_corrected(session, user, proposal, today)
    return proposal


@router.post(
    "/cases/{case_id}/demands",
    response_model=DemandOut,
    status_code=201,
    summary="下达追缴通知书或返还通知书（限期由政策参数决定）",
)
def issue_demand(case_id: Id, body: DemandCreate, user: CurrentUser, session: WriteSession, today: Today) -> Demand:
    return service.issue_demand(
        session, user, case_id, body.case_version, body.addressee, body.relation, today, body.reason
    )


@router.get("/demands/{demand_id}", response_model=DemandOut, summary="追缴通知及退还情况")
def get_demand(demand_id: Id, user: CurrentUser, session: ReadSession) -> Demand:
    return service.get_demand(session, user, demand_id)


@router.post(
    "/demands/{demand_id}/repayments", response_model=RepaymentOut, status_code=201, summary="按缴存凭证登记退还"
)
def record_repayment(
    demand_id: Id, body: RepaymentCreate, user: CurrentUser, session: WriteSession, today: Today
) -> Repayment:
    return service.record_repayment(session, user, demand_id, body.voucher_no, body.amount, body.paid_on, today)


@router.post(
    "/cases/{case_id}/visits",
    response_model=VisitOut,
    status_code=201,
    summary="登记追缴走访（两名以上工作人员、执法记录仪影像编号）",
)
def record_visit(case_id: Id, body: VisitCreate, user: CurrentUser, session: WriteSession, today: Today) -> Visit:
    form = service.VisitForm(body.visited_on, body.staff, body.evidence_ref, body.note)
    return service.record_visit(session, user, case_id, form, today)


@router.post(
    "/cases/{case_id}/close",
    response_model=CaseOut,
    summary="办结没有欠款、没有未了结疑点的案件（否则须提出办结申请，由他人复核）",
)
def close_case(case_id: Id, body: CaseClose, user: CurrentUser, session: WriteSession, refs: Refs) -> CaseOut:
    case = service.close_case(session, user, case_id, body.case_version, body.reason)
    session.flush()
    return case_out(session, case, user, refs)


def checked(session, entries: list) -> list[AuditOut]:
    """The entries, each marked whether its MAC follows from the entry before it."""
    suspect = suspect_ids(session.connection(), [e.id for e in entries])
    return [AuditOut.model_validate(e).model_copy(update={"intact": e.id not in suspect}) for e in entries]


@router.get("/cases/{case_id}/audit", response_model=list[AuditOut], summary="案件的审计日志（每条标明校验是否相符）")
def case_audit(case_id: Id, user: CurrentUser, session: ReadSession) -> list[AuditOut]:
    service.get_case(session, user, case_id)
    return checked(session, audit_entries(session, case_id=case_id))


@router.get(
    "/persons/{ref}/audit",
    response_model=list[AuditOut],
    tags=["稽核疑点"],
    summary="人员的审计日志（含谁查看、导出过其证件号码）",
)
def person_audit(ref: PersonRef, user: CurrentUser, session: ReadSession, refs: Refs) -> list:
    person_id = person_of(session, refs, ref)
    person_view(session, user, person_id)  # 404 unless the user may see this person
    return checked(session, audit_entries(session, person_id=person_id))


@router.get("/referrals", response_model=list[ReferralOut], summary="移交区人社局的逾期追缴")
def list_referrals(user: CurrentUser, session: ReadSession) -> list[Referral]:
    require(user, "referrals")
    return list(session.scalars(select(Referral).order_by(Referral.id)))


@router.post("/referrals/run", response_model=list[ReferralOut], summary="将逾期未退还的追缴移交区人社局")
def run_referrals(user: CurrentUser, session: WriteSession, today: Today) -> list[Referral]:
    require(user, "handle")
    return service.refer_overdue(session, today)
