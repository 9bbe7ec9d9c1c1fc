"""Documents: notices as PDF; lists and reports as PDF or XLSX (`format=xlsx`).

A notice is numbered (文号) the first time it is rendered, and keeps its number and date
afterwards; that is why the notice routes write. The same documents come from the command
line: `pension-audit report <name> …`."""

import pathlib
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import CurrentUser, ReadSession, Today, WriteSession
from api.schemas import Message
from reports import documents as service

router = APIRouter(prefix="/documents", tags=["文书"], responses={
    200: {"content": {"application/pdf": {}}},
    401: {"model": Message}, 403: {"model": Message}, 404: {"model": Message}, 409: {"model": Message},
    422: {"model": Message}})

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_RESPONSES = {200: {"content": {PDF: {}, XLSX: {}}}}

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"  # a document's month: 1900-01 … 2099-12
Month = Annotated[str, Query(pattern=MONTH_PATTERN, description="年月 YYYY-MM")]
Year = Annotated[int, Query(ge=2000, le=2100, description="年度")]
Township = Annotated[str, Query(pattern=r"^\d{9}$", description="乡镇（街道）代码")]
Format = Literal["pdf", "xlsx"]


def _home(request: Request) -> pathlib.Path:
    return request.app.state.settings.warehouse_path


def respond(document: service.Document, format: Format = "pdf") -> Response:
    if format == "xlsx":
        return Response(document.xlsx(), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{document.filename}.xlsx"'})
    return Response(document.pdf(), media_type=PDF, headers={
        "Content-Disposition": f'inline; filename="{document.filename}.pdf"'})


@router.get("/recovery-notice/{demand_id}", response_class=Response,
            summary="冒领社会保险待遇追缴通知书（含回执），按追缴通知编号")
def recovery_notice(demand_id: Id, user: CurrentUser, session: WriteSession) -> Response:
    return respond(service.demand_notice(session, user, demand_id, "recovery-notice"))


@router.get("/return-notice/{demand_id}", response_class=Response,
            summary="社会保险待遇返还通知书，按返还通知编号")
def return_notice(demand_id: Id, user: CurrentUser, session: WriteSession) -> Response:
    return respond(service.demand_notice(session, user, demand_id, "return-notice"))


@router.get("/deregistration-notice/{case_id}", response_class=Response,
            summary="申请注销登记告知书（死亡、丧失国籍、已享受其他养老保障待遇的案件）")
def deregistration_notice(case_id: Id, user: CurrentUser, session: WriteSession, today: Today) -> Response:
    return respond(service.deregistration_notice(session, user, case_id, today))


@router.get("/benefit-notice", response_class=Response,
            summary="待遇领取告知书：某月新领取待遇人员，每人一页（按乡镇或个人编号）")
def benefit_notice(request: Request, user: CurrentUser, session: WriteSession, today: Today, month: Month,
                   township: Township | None = None,
                   person_no: Annotated[str | None, Query(pattern=r"^\d{1,20}$", description="个人编号")] = None,
                   ) -> Response:
    return respond(service.benefit_notices(session, _home(request), user, month, township, person_no, today))


@router.get("/suspension-list", response_class=Response, responses=LIST_RESPONSES,
            summary="待遇暂停名单：该月起停发的记录（报财政、发放系统）")
def suspension_list(user: CurrentUser, session: ReadSession, month: Month, format: Format = "pdf") -> Response:
    return respond(service.suspension_list(session, user, month), format)


@router.get("/resumption-list", response_class=Response, responses=LIST_RESPONSES,
            summary="待遇恢复名单：该月恢复发放的记录及补发金额")
def resumption_list(user: CurrentUser, session: ReadSession, month: Month, format: Format = "pdf") -> Response:
    return respond(service.resumption_list(session, user, month), format)


@router.get("/inspection-summary", response_class=Response, responses=LIST_RESPONSES,
            summary="稽核情况月报：按疑点类型、乡镇的疑点、金额、追回与尚欠")
def inspection_summary(user: CurrentUser, session: ReadSession, month: Month, township: Township | None = None,
                       format: Format = "pdf") -> Response:
    return respond(service.inspection_summary(session, user, month, township), format)


@router.get("/certification-report", response_class=Response, responses=LIST_RESPONSES,
            summary="资格认证报告书：某乡镇某年度已认证、未认证人员及原因、认证覆盖率")
def certification_report(request: Request, user: CurrentUser, year: Year, township: Township | None = None,
                         format: Format = "pdf") -> Response:
    if township is None and user.township_code is None:
        raise service.NotAvailable("township_required", "请指定乡镇（街道）代码")
    return respond(service.certification_report(_home(request), user, year, township or user.township_code),
                   format)


@router.get("/accountability-report", response_class=Response, responses=LIST_RESPONSES,
            summary="乡镇问责报告（报区人社局）：某年度或某月各乡镇上报情况、排名、图表、迟报漏报明细")
def accountability_report(request: Request, user: CurrentUser, session: ReadSession, year: Year | None = None,
                          month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
                          format: Format = "pdf") -> Response:
    return respond(service.accountability_report(_home(request), session, user, year, month), format)
