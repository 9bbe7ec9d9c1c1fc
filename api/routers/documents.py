"""Documents. Notices carry a 文号: a handler issues one (POST …/issue), which numbers, renders
and keeps it; afterwards a GET gives it out exactly as issued, and a GET never numbers
anything. Lists and reports are made on request, as PDF or XLSX (`format=xlsx`). The same
documents come from the command line: `pension-audit report <name> …`."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from api.deps import CurrentUser, ReadSession, Today, WriteSession
from api.schemas import (
    MONTH_PATTERN,
    TOWNSHIP_PATTERN,
    IssuedOut,
    IssuerAccountIn,
    IssuerAccountOut,
    Message,
    VoidIn,
)
from casework.models import IssuedFile
from casework.services import issuer
from reports.documents import batch, issuance
from reports.documents.common import PDF, XLSX, Document
from reports.documents.lists import build_list

router = APIRouter(
    prefix="/documents",
    tags=["文书"],
    responses={
        200: {"content": {PDF: {}}},
        401: {"model": Message},
        403: {"model": Message},
        404: {"model": Message},
        409: {"model": Message},
        422: {"model": Message},
    },
)

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {PDF: {}, XLSX: {}}}}
ISSUED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": IssuedOut, "description": "此前已出具：原件"},
    201: {"model": IssuedOut, "description": "已出具"},
}

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Month = Annotated[str, Query(pattern=MONTH_PATTERN, description="年月 YYYY-MM")]
Year = Annotated[int, Query(ge=2000, le=2100, description="年度")]
Township = Annotated[str, Query(pattern=TOWNSHIP_PATTERN, description="乡镇（街道）代码")]
PersonNo = Annotated[str | None, Query(pattern=r"^\d{1,20}$", description="个人编号")]
Format = Literal["pdf", "xlsx"]


def respond(document: Document, format: Format = "pdf") -> Response:
    if format == "xlsx":
        return Response(
            document.xlsx(),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}.xlsx"'},
        )
    return Response(
        document.pdf(), media_type=PDF, headers={"Content-Disposition": f'inline; filename="{document.filename}.pdf"'}
    )


def as_issued(issued: IssuedFile) -> Response:
    """The bytes that left the bureau, as they left it (a voided one says so in a header)."""
    headers = {"Content-Disposition": f'inline; filename="{issued.filename}"', "X-Document-SHA256": issued.sha256}
    if issued.voided_at is not None:
        headers["X-Document-Voided"] = issued.voided_at.isoformat()
    return Response(issued.content, media_type=issued.media_type, headers=headers)


def issued_answer(issued: IssuedFile, created: bool) -> JSONResponse:
    body = IssuedOut.model_validate(issued).model_dump(mode="json")
    return JSONResponse(body, status_code=201 if created else 200)


# ------------------------------------------------------------------------------ notices


@router.get(
    "/issued/batch",
    response_class=Response,
    summary="批量打印：某乡镇某月（北京时间）已出具、未作废的通知书合为一个PDF，按文号排列，每份从奇数页起（双面打印）",
)
def issued_batch(user: CurrentUser, session: ReadSession, township: Township, month: Month) -> Response:
    """The kept bytes of each notice, combined: nothing rendered, no 文号 given."""
    found = batch.batch(session, user, township, month)
    headers = {
        "Content-Disposition": f'inline; filename="{found.filename}"',
        "X-Document-Files": ",".join(str(f.id) for f in found.files),
    }
    return Response(found.pdf(), media_type=PDF, headers=headers)


@router.get("/issued/{file_id}", response_class=Response, summary="已出具的文书（原件，按出具编号）")
def issued(file_id: Id, user: CurrentUser, session: ReadSession) -> Response:
    return as_issued(issuance.file_by_id(session, user, file_id))


@router.post(
    "/issued/{file_id}/void",
    response_model=IssuedOut,
    summary="作废已出具的文书（须填写原因；文号不再使用，可重新出具，新文书另编文号）",
)
def void_issued(file_id: Id, body: VoidIn, user: CurrentUser, session: WriteSession) -> IssuedFile:
    return issuance.void(session, user, file_id, body.reason)


@router.get(
    "/issuer-accounts",
    response_model=list[IssuerAccountOut],
    summary="退还款收款账户（发文机关信息，按生效日期的各版本，系统管理员）",
)
def issuer_accounts(user: CurrentUser, session: ReadSession) -> list[Any]:
    return issuer.accounts(session, user)


@router.post(
    "/issuer-accounts",
    response_model=IssuerAccountOut,
    status_code=201,
    summary="登记退还款收款账户的新版本（户名、开户银行、账号，自生效日期起用于追缴、返还通知书）",
)
def record_issuer_account(body: IssuerAccountIn, user: CurrentUser, session: WriteSession) -> Any:
    return issuer.record_account(
        session, user, body.effective_from, body.account_name, body.bank, body.account_no, body.reason
    )


@router.get(
    "/recovery-notice/{demand_id}",
    response_class=Response,
    summary="冒领社会保险待遇追缴通知书（含回执）：出具后的原件，按追缴通知编号",
)
def recovery_notice(demand_id: Id, user: CurrentUser, session: ReadSession) -> Response:
    return as_issued(issuance.issued_file(session, user, "recovery-notice", demand_id=demand_id))


@router.post(
    "/recovery-notice/{demand_id}/issue",
    responses=ISSUED_RESPONSES,
    summary="出具冒领社会保险待遇追缴通知书（编文号、生成并留存原件）",
)
def issue_recovery_notice(demand_id: Id, user: CurrentUser, session: WriteSession, today: Today) -> JSONResponse:
    return issued_answer(*issuance.issue(session, user, "recovery-notice", today, demand_id=demand_id))


@router.get(
    "/return-notice/{demand_id}",
    response_class=Response,
    summary="社会保险待遇返还通知书：出具后的原件，按返还通知编号",
)
def return_notice(demand_id: Id, user: CurrentUser, session: ReadSession) -> Response:
    return as_issued(issuance.issued_file(session, user, "return-notice", demand_id=demand_id))


@router.post(
    "/return-notice/{demand_id}/issue",
    responses=ISSUED_RESPONSES,
    summary="出具社会保险待遇返还通知书（编文号、生成并留存原件）",
)
def issue_return_notice(demand_id: Id, user: CurrentUser, session: WriteSession, today: Today) -> JSONResponse:
    return issued_answer(*issuance.issue(session, user, "return-notice", today, demand_id=demand_id))


@router.get(
    "/deregistration-notice/{case_id}",
    response_class=Response,
    summary="申请注销登记告知书：出具后的原件（死亡、丧失国籍、已享受其他养老保障待遇的案件）",
)
def deregistration_notice(case_id: Id, user: CurrentUser, session: ReadSession) -> Response:
    return as_issued(issuance.issued_file(session, user, "deregistration-notice", case_id=case_id))


@router.post(
    "/deregistration-notice/{case_id}/issue",
    responses=ISSUED_RESPONSES,
    summary="出具申请注销登记告知书（编文号、生成并留存原件）",
)
def issue_deregistration_notice(case_id: Id, user: CurrentUser, session: WriteSession, today: Today) -> JSONResponse:
    return issued_answer(*issuance.issue(session, user, "deregistration-notice", today, case_id=case_id))


@router.get(
    "/benefit-notice",
    response_class=Response,
    summary="待遇领取告知书：某月新领取待遇人员（按乡镇或个人编号），出具后的原件",
)
def benefit_notice(
    user: CurrentUser, session: ReadSession, month: Month, township: Township | None = None, person_no: PersonNo = None
) -> Response:
    return as_issued(
        issuance.issued_file(session, user, "benefit-notice", month=month, township=township, person_no=person_no)
    )


@router.post(
    "/benefit-notice/issue",
    responses=ISSUED_RESPONSES,
    summary="出具待遇领取告知书：某月新领取待遇人员每人一页、各编文号（按乡镇或个人编号）",
)
def issue_benefit_notice(
    user: CurrentUser,
    session: WriteSession,
    today: Today,
    month: Month,
    township: Township | None = None,
    person_no: PersonNo = None,
) -> JSONResponse:
    return issued_answer(
        *issuance.issue(session, user, "benefit-notice", today, month=month, township=township, person_no=person_no)
    )


# ------------------------------------------------------------------------ lists, reports


@router.get(
    "/suspension-list",
    response_class=Response,
    responses=LIST_RESPONSES,
    summary="待遇暂停名单：该月起停发的记录（报财政、发放系统）",
)
def suspension_list(user: CurrentUser, session: ReadSession, month: Month, format: Format = "pdf") -> Response:
    return respond(build_list("suspension-list", session, user, month=month), format)


@router.get(
    "/resumption-list",
    response_class=Response,
    responses=LIST_RESPONSES,
    summary="待遇恢复名单：该月恢复发放的记录及补发金额",
)
def resumption_list(user: CurrentUser, session: ReadSession, month: Month, format: Format = "pdf") -> Response:
    return respond(build_list("resumption-list", session, user, month=month), format)


@router.get(
    "/inspection-summary",
    response_class=Response,
    responses=LIST_RESPONSES,
    summary="稽核情况月报：按疑点类型、乡镇的疑点、金额、追回与尚欠",
)
def inspection_summary(
    user: CurrentUser, session: ReadSession, month: Month, township: Township | None = None, format: Format = "pdf"
) -> Response:
    return respond(build_list("inspection-summary", session, user, month=month, township=township), format)


@router.get(
    "/certification-report",
    response_class=Response,
    responses=LIST_RESPONSES,
    summary="资格认证报告书：某乡镇某年度已认证、未认证人员及原因、认证覆盖率",
)
def certification_report(
    user: CurrentUser, session: ReadSession, year: Year, township: Township | None = None, format: Format = "pdf"
) -> Response:
    return respond(
        build_list("certification-report", session, user, year=year, township=township or user.township_code), format
    )


@router.get(
    "/accountability-report",
    response_class=Response,
    responses=LIST_RESPONSES,
    summary="乡镇问责报告（报区人社局）：某年度或某月各乡镇上报情况、排名、图表、迟报漏报明细",
)
def accountability_report(
    user: CurrentUser,
    session: ReadSession,
    year: Year | None = None,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    format: Format = "pdf",
) -> Response:
    return respond(build_list("accountability-report", session, user, year=year, month=month), format)


@router.post(
    "/accountability-report/issue",
    responses=ISSUED_RESPONSES,
    summary="出具乡镇问责报告（编文号、生成并留存原件，报区人社局）",
)
def issue_accountability_report(
    user: CurrentUser,
    session: WriteSession,
    today: Today,
    year: Year | None = None,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
) -> JSONResponse:
    return issued_answer(*issuance.issue(session, user, "accountability-report", today, year=year, month=month))
