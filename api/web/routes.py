"""The web console: server-rendered pages in Chinese over the same service layer and the same
permissions as the API. Pages read through a ReadSession; forms post to routes that call the
case service inside a write transaction, re-render the form with the service's message when it
refuses, and redirect when it accepts (POST/redirect/GET).

Signing in sets an httpOnly `pa_token` cookie (SameSite=Strict; Secure when
Settings.secure_cookies), the same token the API accepts as a bearer token. SameSite=Strict is
the CSRF defence: a browser never sends the cookie with a request started by another site, so a
forged form post arrives signed out; and a post whose Origin is another site is refused before
it gets here (api.guards.SameOrigin)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import COOKIE, CurrentUser, ReadSession, Today, client_address, write_turn
from api.errors import INTERNAL_MESSAGE, describe, internal_answer
from api.schemas import (
    MONTH_PATTERN,
    PERIOD_PATTERN,
    CaseClose,
    CaseOpen,
    Decision,
    DemandCreate,
    ProposalCreate,
    RepaymentCreate,
    SignIn,
    VisitCreate,
)
from api.web.as_arrived import shown_as_arrived
from api.web.charts import trend_svg
from casework.db import transaction
from casework.errors import NotFound, Problem
from casework.models import (
    BASIS_CHANGE_LABELS,
    CASE_STATUS_LABELS,
    PROPOSAL_LABELS,
    ROLE_LABELS,
    CaseStatus,
    DemandStatus,
    FindingStatus,
    ProposalKind,
    ProposalStatus,
    Role,
    User,
)
from casework.security import user_for_token
from casework.services import cases as case_service
from casework.services import console, feed_releases, signin
from casework.services import findings as finding_service
from casework.services import runs as run_service
from casework.services.access import can, mask_ids, require, sees_full_ids
from casework.services.townships import township_names
from reports.documents import batch, issuance
from reports.documents.common import beijing_today
from reports.documents.deregistration_notice import DEREGISTRATION_TYPES
from reports.tables import Field, write_xlsx

HERE = Path(__file__).resolve().parent
Model = TypeVar("Model", bound=BaseModel)
PAGE_SIZE = 50
MAX_PAGE = 100_000  # as the API's lists
MAX_AMOUNT = Decimal("1e9")  # as the API's amounts: 11 digits, two after the point
MONTH = re.compile(MONTH_PATTERN)
PERIOD = re.compile(PERIOD_PATTERN)

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=env)


def _money(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def _when(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):  # stored in UTC, shown in 北京时间
        return console.beijing(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _months(finding: Any) -> str:
    """A finding's improper months as a clerk reads them: 2025-03 至 2025-08; one month alone when
    it has no last one (a disbursement gap is its own month); — when it has none."""
    first, last = finding.first_improper_month, finding.last_improper_month
    if not first:
        return "—"
    return first if not last or last == first else f"{first} 至 {last}"


@pass_context
def _township(context: Context, code: str | None) -> str:
    """A township's name, as the current build publishes them (`page` puts them in every page)."""
    return console.township_label(context["township_names"], code)


env.filters.update(
    money=_money,
    percent=_percent,
    when=_when,
    township=_township,
    months=_months,
    evidence=console.evidence_words,
    evidence_url=lambda ref: "/web/evidence/" + ref.replace("#", "/"),
    as_arrived=shown_as_arrived,
)
env.globals.update(STATUS=CASE_STATUS_LABELS, PROPOSALS=PROPOSAL_LABELS, ROLES=ROLE_LABELS)


def landing(user: User) -> str:
    """Where each role starts."""
    return {
        Role.township_officer: "/web/findings",
        Role.hr_bureau: "/web/accountability",
        Role.data_engineer: "/web/feeds",
    }.get(user.role, "/web/dashboard")


def menu(user: User) -> list[tuple[str, str]]:
    items = []
    if can(user, "read") and user.role.value in ("inspector", "reviewer", "admin"):
        items.append(("/web/dashboard", "工作台"))
    if can(user, "read"):
        items += [("/web/findings", "疑点清单"), ("/web/cases", "案件办理")]
    if can(user, "referrals"):
        items.append(("/web/accountability", "乡镇问责"))
    if can(user, "feeds"):
        items.append(("/web/feeds", "数据源"))
    if can(user, "users"):
        items += [
            ("/web/admin/users", "用户管理"),
            ("/web/admin/audit", "审计日志"),
            ("/web/admin/issuer", "发文机关信息"),
        ]
    return items


class WebRoute(APIRoute):
    """A refusal becomes a page, not JSON: signed out → the login page; anything else the
    service refuses (403, 404, 409…) → the error page with its Chinese message. A form that
    writes (POST) takes the writers' turn first, as the API's WriteSession does."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        writes = "POST" in (self.methods or ())

        async def guarded(request: Request) -> Response:
            try:
                if writes:
                    async with write_turn(request.app):
                        return await handler(request)
                return await handler(request)
            except Problem as exc:
                if exc.status == 401:
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse(f"/web/login?next={quote(target)}", status_code=303)
                return page(
                    request,
                    "error.html",
                    getattr(request.state, "user", None),
                    exc.status,
                    title="无法完成",
                    message=exc.message,
                )

        return guarded


router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _user(request: Request, user: CurrentUser) -> User:
    request.state.user = user
    return user


WebUser = Annotated[User, Depends(_user)]


def page(request: Request, name: str, user: User | None, code: int = 200, **context: Any) -> HTMLResponse:
    with request.app.state.read_sessions() as session:
        names = township_names(session)
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "menu": menu(user) if user else [],
            "township_names": names,
            "ref": request.app.state.person_refs.ref,
            "path": request.url.path,
            **context,
        },
        status_code=code,
    )


def visible_townships(session: Session, user: User) -> dict[str, str]:
    """The townships a user may choose among (code -> name): a township officer's own only."""
    names = township_names(session)
    if user.township_code:
        return {user.township_code: names.get(user.township_code, user.township_code)}
    return names


def writing(request: Request) -> AbstractContextManager[Session]:
    """The same write transaction as the API's WriteSession: committed when the block ends,
    rolled back when the service refuses (unless the refusal is on record). Only in a POST
    route, which holds the writers' turn (WebRoute)."""
    return transaction(request.app.state.write_sessions)


def refusal(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, Problem):
        return exc.status, exc.message
    if isinstance(exc, StaleDataError):
        return 409, "记录已被他人同时更新，请刷新后重试"
    if isinstance(exc, IntegrityError):
        return 409, "与已有记录冲突（可能重复提交），请刷新后重试"
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
        return 409, "系统繁忙，请稍后重试"
    raise exc


SUBMITTED = (Problem, StaleDataError, IntegrityError, OperationalError)


# ------------------------------------------------------------------------------ sign in


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/web/", status_code=303)


@router.get("/web/")
def home(user: WebUser) -> RedirectResponse:
    return RedirectResponse(landing(user), status_code=303)


@router.get("/web/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> HTMLResponse:
    return page(request, "login.html", None, title="登录", next=next, error=None, username="")


@router.post("/web/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    def again(status: int, error: str) -> HTMLResponse:
        return page(request, "login.html", None, status, title="登录", next=next, username=username, error=error)

    try:
        form = parsed(SignIn, username=username.strip(), password=password)
        with writing(request) as session:
            user, token = signin.sign_in(
                session, form.username, form.password, client_address(request), request.app.state.settings.token_hours
            )
            session.expunge(user)
    except Problem as exc:
        return again(exc.status, exc.message)
    target = next if next.startswith("/web/") and not next.startswith("/web/login") else landing(user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=request.app.state.settings.token_hours * 3600,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        path="/",
    )
    return response


@router.post("/web/logout")
def logout(request: Request) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token:
        with writing(request) as session:
            user = user_for_token(session, token)
            if user is not None:
                signin.sign_out(session, user, token, client_address(request))
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=request.app.state.settings.secure_cookies
    )
    return response


# ---------------------------------------------------------------------------- dashboard


@router.get("/web/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, user: WebUser, session: ReadSession, today: Today) -> HTMLResponse:
    data = console.dashboard(session, user, today)
    freshness = console.feed_freshness(session, data.as_of) if can(user, "feeds") else None
    return page(
        request,
        "dashboard.html",
        user,
        title="工作台",
        d=data,
        chart=trend_svg(data.trend),
        freshness=freshness,
        show_freshness=can(user, "feeds"),
    )


# ----------------------------------------------------------------------------- findings


FINDING_EXPORT = (
    Field("exception_label", "疑点类型", "", 18),
    Field("name", "姓名", "", 10),
    Field("id_number", "证件号码", "", 21),
    Field("person_no", "个人编号", "", 12),
    Field("township", "乡镇(街道)", "", 12),
    Field("event_period", "事件期间", "", 10),
    Field("first_improper_month", "首个不当发放月", "", 12),
    Field("last_improper_month", "末个不当发放月", "", 12),
    Field("improper_months", "不当发放月数", "", 10),
    Field("overpaid_amount", "涉及金额(元)", "", 14),
    Field("identity", "身份匹配", "", 9),
    Field("status", "状态", "", 10),
    Field("case_id", "案件号", "", 8),
    Field("finding_key", "疑点编号", "", 40),
)
FINDING_STATUS = {FindingStatus.open: "待处理", FindingStatus.resolved_by_data: "数据已更正"}
SORT_LABELS = {
    "-amount": "金额从高到低",
    "amount": "金额从低到高",
    "-period": "事件期间从近到远",
    "period": "事件期间从远到近",
    "type": "疑点类型",
    "township": "乡镇（街道）",
}


def _finding_filter(session: Session, q: dict[str, str]) -> tuple[finding_service.FindingFilter, list[str]]:
    problems = []
    types = dict(console.finding_types(session))
    exception_type = q.get("type") or None
    if exception_type and exception_type not in types:
        problems.append("疑点类型不在允许的取值范围内")
        exception_type = None
    township = q.get("township") or None
    if township and township not in township_names(session):
        problems.append("乡镇（街道）代码不是本区的乡镇（街道）")
        township = None
    month = case_service.policy.normal_period(q.get("month") or "") or None
    if month and not PERIOD.match(month):
        problems.append("事件期间应为年月（如 2025-07、2025/07、2025年7月）或年度（如 2025）")
        month = None
    status = q.get("status") or None
    if status and status not in FindingStatus.__members__:
        problems.append("状态不在允许的取值范围内")
        status = None
    amounts = []
    for key, label in (("min", "最低金额"), ("max", "最高金额")):
        raw = (q.get(key) or "").strip()
        value = None
        if raw:
            try:
                value = Decimal(raw)
                if not 0 <= value < MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(f"{label}应为不小于零的金额（元，最多两位小数）")
                value = None
        amounts.append(value)
    low, high = amounts
    return finding_service.FindingFilter(
        exception_type, township, month, FindingStatus(status) if status else None, low, high
    ), problems


def _query(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if v != ""}


@router.get("/web/findings", response_class=HTMLResponse)
def findings(request: Request, user: WebUser, session: ReadSession) -> HTMLResponse:
    q = _query(request)
    f, problems = _finding_filter(session, q)
    sort = q.get("sort", finding_service.DEFAULT_SORT)
    sort = sort if sort in finding_service.SORTS else finding_service.DEFAULT_SORT
    number = page_number(q.get("page"))
    rows, total = finding_service.list_findings(session, user, f, number, PAGE_SIZE, sort)
    pages = max(1, -(-total // PAGE_SIZE))
    base = {k: v for k, v in q.items() if k != "page"}

    def link(n: int) -> str:
        return "/web/findings?" + urlencode({**base, "page": n})

    summed = console.list_total(
        session,
        user,
        f.exception_type,
        f.township_code,
        f.status,
        bool(f.month or f.min_amount is not None or f.max_amount is not None),
    )
    townships = visible_townships(session, user)
    return page(
        request,
        "findings.html",
        user,
        title="疑点清单",
        rows=rows,
        total=total,
        page_no=number,
        pages=pages,
        link=link,
        q=q,
        problems=problems,
        types=console.finding_types(session),
        townships=townships,
        sorts=SORT_LABELS,
        sort=sort,
        statuses=FINDING_STATUS,
        export="/web/findings/export.xlsx?" + urlencode(base),
        can_handle=can(user, "handle"),
        summed=summed,
    )


@router.get("/web/findings/export.xlsx")
def findings_export(request: Request, user: WebUser, session: ReadSession) -> Response:
    f, _ = _finding_filter(session, _query(request))
    sort = request.query_params.get("sort", finding_service.DEFAULT_SORT)
    rows, _total = finding_service.list_findings(
        session, user, f, 1, 100_000, sort if sort in finding_service.SORTS else finding_service.DEFAULT_SORT
    )
    names = township_names(session)
    shown = (lambda text: text) if sees_full_ids(user) else mask_ids
    numbers = console.person_numbers(session, sorted({r.person_id for r in rows if r.person_id and not r.person_no}))
    values: list[tuple[Any, ...]] = [
        (
            r.exception_label,
            r.name or "",
            shown(r.id_number or ""),
            r.person_no or numbers.get(r.person_id or "", ""),
            console.township_label(names, r.township_code),
            r.event_period,
            r.first_improper_month or "",
            r.last_improper_month or "",
            r.improper_months,
            r.overpaid_amount,
            "模糊匹配" if r.identity == "fuzzy" else "精确匹配",
            FINDING_STATUS[r.status],
            r.case_id or "",
            shown(r.finding_key),
        )
        for r in rows
    ]
    summed = console.list_total(
        session,
        user,
        f.exception_type,
        f.township_code,
        f.status,
        bool(f.month or f.min_amount is not None or f.max_amount is not None),
    )
    if summed is not None and rows:  # the published total: each person's record-month once
        values.append(
            (f"合计 {summed[0]} 条（同一人同一月只计一次）", "", "", "", "", "", "", "", "", summed[1], "", "", "", "")
        )
    buffer = io.BytesIO()
    write_xlsx(FINDING_EXPORT, values, buffer, "疑点清单")
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": "attachment; filename=\"findings.xlsx\"; filename*=UTF-8''" + quote("疑点清单.xlsx")
        },
    )


@router.post("/web/cases/open")
def open_case(
    request: Request,
    user: WebUser,
    finding_key: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    back = back if back.startswith("/web/") else "/web/findings"
    try:
        body = parsed(CaseOpen, finding_key=finding_key, reason=reason.strip())
        with writing(request) as session:
            case, created = case_service.open_case(session, user, body.finding_key, body.reason)
            case_id = case.id
    except SUBMITTED as exc:
        return redirect(back, error=refusal(exc)[1])
    return redirect(f"/web/cases/{case_id}", ok="已立案" if created else "疑点已并入本人案件")


def redirect(path: str, **params: str) -> RedirectResponse:
    sep = "&" if "?" in path else "?"
    return RedirectResponse(path + (sep + urlencode(params) if params else ""), status_code=303)


# ------------------------------------------------------------------------------- persons


@router.get("/web/persons/{ref}", response_class=HTMLResponse)
def person(request: Request, ref: str, user: WebUser, session: ReadSession) -> HTMLResponse:
    person_id = request.app.state.person_refs.resolve(session, ref)
    if person_id is None:
        raise NotFound("人员")
    view = finding_service.person_view(session, user, person_id)
    refs = sorted({e.source_ref for e in view.events} | {ref for f in view.findings for ref in f.evidence})
    strip = console.payment_strip(
        session, [r.person_no for r in view.records], view.money, console.dashboard_as_of(session)
    )
    files = console.evidence_files(session, refs)
    fuzzy = any(f.identity == "fuzzy" for f in view.findings) or any(e.link == "fuzzy" for e in view.events)
    evidence = {f.finding_key: console.evidence_groups(f.evidence, files) for f in view.findings}
    return page(
        request,
        "person.html",
        user,
        openable=console.openable_evidence(session, user, refs),
        title=f"人员：{view.name or view.person_id}",
        v=view,
        strip=strip,
        files=files,
        evidence=evidence,
        can_feeds=can(user, "feeds"),
        fuzzy=fuzzy,
        events=console.EVENT_LABELS,
        can_handle=can(user, "handle"),
        error=request.query_params.get("error"),
    )


# --------------------------------------------------------------------------------- cases


@router.get("/web/cases", response_class=HTMLResponse)
def cases(request: Request, user: WebUser, session: ReadSession) -> HTMLResponse:
    status = request.query_params.get("status") or None
    if status and status not in CaseStatus.__members__:
        status = None
    number = page_number(request.query_params.get("page"))
    rows, total = console.case_list(session, user, status, number, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    townships = visible_townships(session, user)  # a township officer prints only their own notices
    return page(
        request,
        "cases.html",
        user,
        title="案件办理",
        rows=rows,
        total=total,
        page_no=number,
        pages=pages,
        status=status,
        townships=townships,
        this_month=beijing_today().strftime("%Y-%m"),
        link=lambda n: "/web/cases?" + urlencode({**({"status": status} if status else {}), "page": n}),
    )


def render_case(
    request: Request,
    user: User,
    case_id: int,
    status: int = 200,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    where: str | None = None,
) -> HTMLResponse:
    with request.app.state.read_sessions() as session:
        case = case_service.get_case(session, user, case_id)
        guide = case_service.case_guide(session, case, user)
        actions = guide.allowed
        pending = [p for p in case.proposals if p.status == ProposalStatus.pending]
        context = {
            "case": case,
            "actions": actions,
            "guide": guide,
            "overpaid": case_service.overpaid(session, case),
            "history": console.case_history(session, case.id),
            "names": console.user_names(session),
            "pending": pending,
            "proposable": [ProposalKind(a.removeprefix("propose_")) for a in actions if a.startswith("propose_")],
            "repaid_demands": [d for d in case.demands if d.status == DemandStatus.repaid],
            "open_demands": [d for d in case.demands if d.status == DemandStatus.open],
            "settled_types": case_service.SETTLED_AGAINST_ACCOUNT,
            "custody_rules": case_service.CUSTODY_RULES,
            "notices": case_notices(session, case),
            "can_issue": can(user, "handle"),
            "ok": request.query_params.get("ok"),
            "error": error or request.query_params.get("error"),
            "form": form or {},
            "where": where,
            "next_pay": _next_pay(session),
            "visit_staff": console.visit_staff(session, case.township_code),
            "usernames": console.display_names(session),
            "demand_labels": {
                DemandStatus.open: "待退还",
                DemandStatus.repaid: "已足额退还，待核销",
                DemandStatus.written_off: "已核销",
                DemandStatus.referred: "已移交区人社局",
                DemandStatus.withdrawn: "已撤销（依据已不存在）",
            },
            "to_body": case_service.addressed_to_body(case),
            "addressee": case_service.default_addressee(case, township_names(session)),
            "addressee_words": case_service.addressee_words,
            "basis_pending": case_service.pending_changes(case),
            "basis_labels": BASIS_CHANGE_LABELS,
            "proposal_status": {
                ProposalStatus.pending: "待复核",
                ProposalStatus.approved: "已批准",
                ProposalStatus.rejected: "已驳回",
            },
        }
        return page(request, "case.html", user, status, title=f"案件 {case.id}：{case.name or '（无个人）'}", **context)


def case_notices(session: Session, case) -> list[dict[str, Any]]:
    """The notices of a case, each with the file it was issued as (None until it is)."""
    notices: list[dict[str, Any]] = []
    if any(f.exception_type in DEREGISTRATION_TYPES for f in case.findings):
        notices.append(
            {
                "name": "deregistration-notice",
                "label": "申请注销登记告知书",
                "demand_id": None,
                "subject": f"case:{case.id}",
            }
        )
    for d in case.demands:
        name = "recovery-notice" if d.notice_kind == "recovery" else "return-notice"
        label = "追缴通知书" if d.notice_kind == "recovery" else "返还通知书"
        notices.append(
            {"name": name, "label": f"{label}（第 {d.id} 号通知）", "demand_id": d.id, "subject": f"demand:{d.id}"}
        )
    for notice in notices:
        notice["file"] = issuance.latest_file(session, notice["name"], notice["subject"])
    return notices


def _next_pay(session: Session) -> str | None:
    try:
        return case_service.policy.latest_publication(session).next_pay_month
    except Problem:
        return None


@router.get("/web/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, user: WebUser) -> HTMLResponse:
    if not 1 <= case_id < 2**31:
        raise NotFound("案件")
    return render_case(request, user, case_id)


def _submit(
    request: Request,
    user: User,
    case_id: int,
    where: str,
    form: dict[str, Any],
    work: Callable[[Session], Any],
    done: str,
) -> Response:
    """Run one service call in a write transaction; on refusal show the case page again with
    the message beside the form that was sent; on success redirect to the case page."""
    try:
        with writing(request) as session:
            work(session)
    except SUBMITTED as exc:
        status, message = refusal(exc)
        return render_case(request, user, case_id, status, message, form, where)
    return redirect(f"/web/cases/{case_id}", ok=done)


class FormError(Problem):
    status = 422

    def __init__(self, message: str):
        super().__init__("invalid_form", message)


def parsed(schema: type[Model], **fields: Any) -> Model:
    """A form's fields read by the API's schema for the same request: one validation for both."""
    try:
        return schema.model_validate(fields)
    except ValidationError as exc:
        raise FormError(describe(exc.errors())) from None


@router.post("/web/cases/{case_id}/proposals")
def propose(
    request: Request,
    case_id: int,
    user: WebUser,
    today: Today,
    kind: Annotated[str, Form()] = "",
    case_version: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    from_month: Annotated[str, Form()] = "",
    resume_month: Annotated[str, Form()] = "",
    custody_rule: Annotated[str, Form()] = "",
    demand_id: Annotated[str, Form()] = "",
) -> Response:
    form = {"kind": kind, "reason": reason, "from_month": from_month, "resume_month": resume_month}

    def work(session: Session) -> None:
        body = parsed(
            ProposalCreate,
            kind=kind,
            case_version=case_version,
            reason=reason.strip(),
            **optional(
                from_month=from_month, resume_month=resume_month, custody_rule=custody_rule, demand_id=demand_id
            ),
        )
        case_service.propose(session, user, case_id, body.kind, body.case_version, body.reason, body.options(), today)

    label = PROPOSAL_LABELS[ProposalKind(kind)] if kind in ProposalKind.__members__ else ""
    return _submit(request, user, case_id, f"propose_{kind}", form, work, f"已提出{label}申请，待他人复核")


def optional(**fields: str) -> dict[str, str]:
    """The form's optional fields that were filled in (an empty field is one not given)."""
    return {name: value.strip() for name, value in fields.items() if value.strip()}


@router.post("/web/proposals/{proposal_id}/decision")
def decide(
    request: Request,
    proposal_id: int,
    user: WebUser,
    today: Today,
    case_id: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    decided: dict[str, int] = {}

    def work(session: Session) -> None:
        if decision not in ("approve", "reject"):
            raise FormError("请选择批准或驳回")
        body = parsed(Decision, approve=decision == "approve", version=version, **optional(note=note))
        proposal = case_service.decide(session, user, proposal_id, body.approve, body.version, body.note, today)
        issuance.issue_corrected(session, user, proposal, today)
        decided["case"] = proposal.case_id

    done = "已批准" if decision == "approve" else "已驳回"
    response = _submit(request, user, _case_id(case_id), f"decide_{proposal_id}", {"note": note}, work, done)
    if isinstance(response, RedirectResponse):  # to the proposal's own case, whatever the form said
        return redirect(f"/web/cases/{decided['case']}", ok=done)
    return response


def _int(value: str) -> int | None:
    """A whole number a form or query gave, or None (for anything else, or too large to be one)."""
    return int(value) if value.isdigit() and len(value) <= 9 else None


def page_number(value: str | None) -> int:
    return min(_int(value or "") or 1, MAX_PAGE)


def _case_id(value: str) -> int:
    """The case a form came from, to show it again (0 when the form does not say: not found)."""
    return _int(value) or 0


@router.post("/web/cases/{case_id}/demands")
def issue_demand(
    request: Request,
    case_id: int,
    user: WebUser,
    today: Today,
    case_version: Annotated[str, Form()] = "",
    addressee: Annotated[str, Form()] = "",
    relation: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    form = {"addressee": addressee, "relation": relation, "reason": reason}

    def work(session: Session) -> None:
        body = parsed(
            DemandCreate,
            case_version=case_version,
            addressee=addressee.strip(),
            **optional(relation=relation, reason=reason),
        )
        case_service.issue_demand(
            session, user, case_id, body.case_version, body.addressee, body.relation, today, body.reason
        )

    return _submit(request, user, case_id, "issue_demand", form, work, "已下达通知")


@router.post("/web/demands/{demand_id}/repayments")
def record_repayment(
    request: Request,
    demand_id: int,
    user: WebUser,
    today: Today,
    case_id: Annotated[str, Form()] = "",
    voucher_no: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    paid_on: Annotated[str, Form()] = "",
) -> Response:
    form = {"voucher_no": voucher_no, "amount": amount, "paid_on": paid_on}

    def work(session: Session) -> None:
        body = parsed(
            RepaymentCreate, voucher_no=voucher_no, amount=amount.strip().replace(",", ""), paid_on=paid_on.strip()
        )
        case_service.record_repayment(session, user, demand_id, body.voucher_no, body.amount, body.paid_on, today)

    return _submit(request, user, _case_id(case_id), f"repay_{demand_id}", form, work, "已登记退还")


@router.post("/web/cases/{case_id}/visits")
def record_visit(
    request: Request,
    case_id: int,
    user: WebUser,
    today: Today,
    visited_on: Annotated[str, Form()] = "",
    staff: Annotated[list[str] | None, Form()] = None,
    evidence_ref: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """The staff present are ticked by name from the registered staff (their user names are sent)."""
    chosen = staff or []
    form = {"visited_on": visited_on, "staff": chosen, "evidence_ref": evidence_ref, "note": note}

    def work(session: Session) -> None:
        names = [name for value in chosen for name in re.split(r"[\s,，、;；]+", value) if name]
        body = parsed(
            VisitCreate, visited_on=visited_on.strip(), staff=names, evidence_ref=evidence_ref, **optional(note=note)
        )
        visit = case_service.VisitForm(body.visited_on, body.staff, body.evidence_ref, body.note)
        case_service.record_visit(session, user, case_id, visit, today)

    return _submit(request, user, case_id, "record_visit", form, work, "已登记走访")


@router.post("/web/cases/{case_id}/notices")
def issue_notice(
    request: Request,
    case_id: int,
    user: WebUser,
    today: Today,
    name: Annotated[str, Form()] = "",
    demand_id: Annotated[str, Form()] = "",
) -> Response:
    """Issue one of the case's notices (a 文号 given, the PDF kept), then show the case again."""
    said: dict[str, str] = {}

    def work(session: Session) -> None:
        if name not in ("recovery-notice", "return-notice", "deregistration-notice"):
            raise FormError("文书种类不在允许的取值范围内")
        params = {"case_id": case_id} if name == "deregistration-notice" else {"demand_id": _int(demand_id) or 0}
        if name != "deregistration-notice" and not any(
            d.id == params["demand_id"] for d in case_service.get_case(session, user, case_id).demands
        ):
            raise NotFound("追缴通知")
        issued, created = issuance.issue(session, user, name, today, **params)
        said["done"] = f"{'已出具' if created else '此前已出具'}{issued.title}"

    response = _submit(request, user, case_id, "notices", {}, work, "")
    if isinstance(response, RedirectResponse):
        return redirect(f"/web/cases/{case_id}", ok=said["done"])
    return response


@router.post("/web/cases/{case_id}/close")
def close_case(
    request: Request,
    case_id: int,
    user: WebUser,
    case_version: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    def work(session: Session) -> None:
        body = parsed(CaseClose, case_version=case_version, reason=reason.strip())
        case_service.close_case(session, user, case_id, body.case_version, body.reason)

    return _submit(request, user, case_id, "close", {"reason": reason}, work, "已办结")


# ------------------------------------------------------------------------ accountability


@router.get("/web/accountability", response_class=HTMLResponse)
def accountability(request: Request, user: WebUser, session: ReadSession) -> HTMLResponse:
    require(user, "referrals")
    years = console.accountability_years(session)
    if not years:
        return page(
            request,
            "accountability.html",
            user,
            title="乡镇问责",
            years=[],
            rows=None,
            months=[],
            year=None,
            month=None,
        )
    year = _int(request.query_params.get("year", "")) or years[0]
    year = year if year in years else years[0]
    month = case_service.policy.normal_month(request.query_params.get("month") or "") or None
    month = month if month and MONTH.match(month) and month.startswith(str(year)) else None
    rows = console.accountability_month(session, month) if month else console.accountability_year(session, year)
    return page(
        request,
        "accountability.html",
        user,
        title="乡镇问责",
        years=years,
        year=year,
        month=month,
        months=console.accountability_months(session, year),
        rows=rows,
    )


@router.get("/web/accountability/events", response_class=HTMLResponse)
def accountability_events(request: Request, user: WebUser, session: ReadSession) -> HTMLResponse:
    require(user, "referrals")
    township = request.query_params.get("township") or None
    if township and township not in township_names(session):
        raise NotFound("乡镇（街道）")
    year = _int(request.query_params.get("year", ""))
    month = case_service.policy.normal_month(request.query_params.get("month") or "") or None
    month = month if month and MONTH.match(month) else None
    rows = console.accountability_events(session, township, year, month)
    return page(
        request,
        "accountability_events.html",
        user,
        title="迟报、漏报明细",
        rows=rows,
        openable=console.openable_evidence(
            session, user, {r for e in rows or [] for r in (e["report_ref"], e["roster_ref"]) if r}
        ),
        township=township,
        year=year,
        month=month,
        can_read=can(user, "read"),
    )


@router.get("/web/evidence/{feed}/{period}/{row}", response_class=HTMLResponse)
def evidence_row(
    request: Request, feed: str, period: str, row: int, user: WebUser, session: ReadSession
) -> HTMLResponse:
    """A row a finding cites, exactly as it arrived (published with the findings)."""
    found = console.evidence_row(session, user, feed, period, row)
    if found is None:
        raise NotFound("证据行")
    return page(request, "evidence_row.html", user, title=found.words, e=found, full_ids=sees_full_ids(user))


# --------------------------------------------------------------------------------- feeds


@router.get("/web/feeds", response_class=HTMLResponse)
def feeds(request: Request, user: WebUser, session: ReadSession) -> HTMLResponse:
    require(user, "feeds")
    periods = console.feed_periods(session)
    grouped: dict[str, list] = {}
    for p in periods:
        grouped.setdefault(p.feed, []).append(p)
    return page(
        request,
        "feeds.html",
        user,
        title="数据源",
        grouped=grouped,
        available=bool(periods),
        freshness=console.feed_freshness(session, console.dashboard_as_of(session)),
        unplaced=console.unplaced_files(session),
        titles=console.feed_titles(),
        attention=console.feed_attention(session),
        identity=run_service.identity_months(session),
        methods=run_service.METHODS,
        runs=run_service.runs(session, limit=12),
    )


@router.get("/web/feeds/{feed}/{period}", response_class=HTMLResponse)
def feed_period(request: Request, feed: str, period: str, user: WebUser, session: ReadSession) -> HTMLResponse:
    require(user, "feeds")
    detail = console.feed_period_detail(session, feed, period)
    if detail is None or not detail.files:
        raise NotFound("数据源期间")
    return page(
        request,
        "feed_period.html",
        user,
        title=f"{detail.title} {period}",
        d=detail,
        can_release=can(user, "release"),
        release_pending=feed_releases.pending(session, feed, period) is not None,
        ok=request.query_params.get("ok"),
        error=request.query_params.get("error"),
    )


RELEASE_REQUESTED = "已申请放行：下一次载入（pension-audit run，或 Dagster 收件箱传感器发起的运行）时放行并载入"


@router.post("/web/feeds/{feed}/{period}/release")
def release_feed_period(request: Request, feed: str, period: str, user: WebUser) -> Response:
    """Record the request to release the held file of the period (audited); the next loading
    run (`pension-audit run`, or the one Dagster's inbox sensor asks for) releases and loads it.
    Not allowed, or nothing held there: refused outright; already requested: said on the page."""
    try:
        with writing(request) as session:
            feed_releases.request_release(session, user, feed, period)
    except SUBMITTED as exc:
        status, message = refusal(exc)
        if status in (403, 404):
            raise
        return redirect(f"/web/feeds/{feed}/{period}", error=message)
    return redirect(f"/web/feeds/{feed}/{period}", ok=RELEASE_REQUESTED)


# ------------------------------------------------------------------------ notices and runs


@router.get("/web/notices/batch")
def notice_batch(request: Request, user: WebUser, session: ReadSession) -> Response:
    """批量打印通知书 from the case list: the township's notices of the month in one PDF, as
    GET /documents/issued/batch gives them (reports.documents.batch); when there are none, or
    the township or month is not one, a page saying so (not the API's JSON)."""
    q = _query(request)
    township, month = q.get("township", ""), case_service.policy.normal_month(q.get("month", ""))
    if township not in visible_townships(session, user):
        raise NotFound("乡镇（街道）")
    if not re.fullmatch(MONTH_PATTERN, month):
        raise FormError("出具月份应为年月，如 2026-01")
    found = batch.batch(session, user, township, month)
    headers = {"Content-Disposition": f'inline; filename="{found.filename}"'}
    return Response(found.pdf(), media_type="application/pdf", headers=headers)


@router.get("/web/notices/{file_id}", response_class=HTMLResponse)
def notice_page(request: Request, file_id: int, user: WebUser, session: ReadSession) -> HTMLResponse:
    """An issued notice: its numbers, who issued it, the file, the run whose build it was made
    from (and its manifest), and the evidence of the findings it rests on."""
    if not 1 <= file_id < 2**31:
        raise NotFound("文书")
    issued = issuance.file_by_id(session, user, file_id)
    numbers = run_service.numbers_of(session, issued.id)
    findings = run_service.findings_of_case(session, issued.case_id)
    refs = sorted({ref for f in findings for ref in (f.evidence or [])})
    files = console.evidence_files(session, refs)
    return page(
        request,
        "notice.html",
        user,
        title=f"文书：{issued.title}",
        issued=issued,
        numbers=numbers,
        issuer=run_service.user_name(session, issued.issued_by),
        findings=findings,
        evidence={f.finding_key: console.evidence_groups(list(f.evidence or []), files) for f in findings},
        openable=console.openable_evidence(session, user, refs),
        can_feeds=can(user, "feeds"),
    )


@router.get("/web/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, user: WebUser, session: ReadSession) -> HTMLResponse:
    """A run: its manifest as the publication keeps it (inputs, code, decisions, the findings'
    digest, match quality) and how to verify it."""
    require(user, "read")
    facts = run_service.run_facts(session, user, run_id) if len(run_id) <= 32 and run_id.isprintable() else None
    if facts is None:
        raise NotFound("运行")
    return page(request, "run.html", user, title=f"运行 {run_id}", r=facts, can_feeds=can(user, "feeds"))


def install(app: FastAPI) -> None:
    """The console's pages and their stylesheet, on the API's app; under /web/, an error
    FastAPI raises before a console route runs (no such page, a method the page does not
    take, a malformed address) is a page too, not the API's JSON."""
    app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=HERE / "static"), name="web-static")
    Handler = Callable[[Request, Exception], Awaitable[Response]]
    api_http = cast(Handler, app.exception_handlers[StarletteHTTPException])
    api_invalid = cast(Handler, app.exception_handlers[RequestValidationError])

    async def http_error(request: Request, exc: Exception) -> Response:
        if not (_console_path(request) and isinstance(exc, StarletteHTTPException)):
            return await api_http(request, exc)
        message = {404: "未找到该页面，请检查网址", 405: "该页面不支持此操作，请从页面上的按钮提交"}.get(
            exc.status_code, "请求无法处理"
        )
        return await run_in_threadpool(error_page, request, exc.status_code, message)

    async def invalid(request: Request, exc: Exception) -> Response:
        if not (_console_path(request) and isinstance(exc, RequestValidationError)):
            return await api_invalid(request, exc)
        if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            return await run_in_threadpool(error_page, request, 404, "未找到该页面，请检查网址")
        return await run_in_threadpool(error_page, request, 422, "请求有误：" + describe(list(exc.errors())))

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


def _console_path(request: Request) -> bool:
    path = request.url.path
    return (path == "/web" or path.startswith("/web/")) and not path.startswith("/web/static/")


async def failure_answer(request: Request) -> Response:
    """What failed unexpectedly (api.errors.Failures): under /web/ the console's error page,
    else the API's JSON. The page needs the store, which may be what failed: then the JSON."""
    if _console_path(request):
        with contextlib.suppress(Exception):
            return await run_in_threadpool(error_page, request, 500, INTERNAL_MESSAGE)
    return await internal_answer(request)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The console's error page, with the menu of whoever is signed in."""
    user = None
    if token := request.cookies.get(COOKIE):
        with request.app.state.read_sessions() as session:
            user = user_for_token(session, token)
            if user is not None:
                session.expunge(user)
    return page(request, "error.html", user, status, title="无法完成", message=message)
