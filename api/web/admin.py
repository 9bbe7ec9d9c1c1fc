"""The admin's console pages: users (add, disable, enable, new password, lift sign-in locks), the
audit log's head with its dated anchors, and the issuer's repayment account (指定账户, versioned
by date). Same services and checks as the API's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.schemas import IssuerAccountIn, PasswordChange, UserCreate
from api.web.routes import SUBMITTED, WebRoute, WebUser, page, parsed, redirect, refusal, writing
from casework import chain
from casework.errors import NotFound
from casework.models import AuditEntry, Role, User, utcnow
from casework.services import issuer, signin, users
from casework.services.access import require
from casework.services.townships import township_names

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def render_users(
    request: Request, admin: User, status: int = 200, error: str | None = None, form: dict[str, str] | None = None
) -> HTMLResponse:
    require(admin, "users")
    with request.app.state.read_sessions() as session:
        everyone = list(session.scalars(select(User).order_by(User.id)))
        locks = signin.locks(session)
        townships = township_names(session)
    locked = {lock.username for lock in locks}
    return page(
        request,
        "admin_users.html",
        admin,
        status,
        title="用户管理",
        people=everyone,
        locks=locks,
        locked=locked,
        roles=list(Role),
        townships=townships,
        ok=request.query_params.get("ok"),
        error=error,
        form=form or {},
        now=utcnow(),
    )


@router.get("/web/admin/users", response_class=HTMLResponse)
def users_page(request: Request, user: WebUser) -> HTMLResponse:
    return render_users(request, user)


def _submit(request: Request, admin: User, form: dict[str, str], work: Callable[[Session], Any], done: str) -> Response:
    try:
        require(admin, "users")
        with writing(request) as session:
            work(session)
    except SUBMITTED as exc:
        status, message = refusal(exc)
        return render_users(request, admin, status, message, form)
    return redirect("/web/admin/users", ok=done)


def _target(session: Session, user_id: int) -> User:
    target = session.get(User, user_id) if 1 <= user_id < 2**31 else None
    if target is None:
        raise NotFound("用户")
    return target


@router.post("/web/admin/users")
def add_user(
    request: Request,
    user: WebUser,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    township_code: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    form = {"username": username, "display_name": display_name, "role": role, "township_code": township_code}

    def work(session: Session) -> None:
        body = parsed(
            UserCreate,
            username=username.strip(),
            display_name=display_name.strip(),
            role=role,
            township_code=township_code.strip() or None,
            password=password,
        )
        users.add_user(
            session, body.username, body.display_name, body.role, body.password, body.township_code, actor=user
        )

    return _submit(request, user, form, work, f"已新增用户 {username.strip()}")


@router.post("/web/admin/users/{user_id}/active")
def set_active(request: Request, user_id: int, user: WebUser, active: Annotated[str, Form()] = "") -> Response:
    return _submit(
        request,
        user,
        {},
        lambda s: users.set_active(s, user, _target(s, user_id), active == "1"),
        "已启用" if active == "1" else "已停用",
    )


@router.post("/web/admin/users/{user_id}/password")
def set_password(request: Request, user_id: int, user: WebUser, password: Annotated[str, Form()] = "") -> Response:
    def work(session: Session) -> None:
        users.set_password(session, user, _target(session, user_id), parsed(PasswordChange, password=password).password)

    return _submit(request, user, {}, work, "已重设密码，原有登录已失效")


@router.post("/web/admin/users/{user_id}/unlock")
def unlock(request: Request, user_id: int, user: WebUser) -> Response:
    return _submit(request, user, {}, lambda s: signin.unlock(s, user, _target(s, user_id).username), "已解除登录锁定")


@router.post("/web/admin/locks/{lock_id}/lift")
def lift(request: Request, lock_id: int, user: WebUser) -> Response:
    return _submit(request, user, {}, lambda s: signin.lift(s, user, lock_id), "已解除登录锁定")


@router.get("/web/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: WebUser) -> HTMLResponse:
    """The log's head and every dated anchor: what `pension-audit audit verify` checks against."""
    require(user, "users")
    with request.app.state.read_sessions() as session:
        count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        head = chain.head(session.connection())
        anchors = list(reversed(chain.anchors(chain.seal_of(session.get_bind()))))
    return page(request, "admin_audit.html", user, title="审计日志", count=count, head=head, anchors=anchors)


def render_issuer(
    request: Request, admin: User, status: int = 200, error: str | None = None, form: dict[str, str] | None = None
) -> HTMLResponse:
    with request.app.state.read_sessions() as session:
        accounts = issuer.accounts(session, admin)
    return page(
        request,
        "admin_issuer.html",
        admin,
        status,
        title="发文机关信息",
        accounts=accounts,
        ok=request.query_params.get("ok"),
        error=error,
        form=form or {},
    )


@router.get("/web/admin/issuer", response_class=HTMLResponse)
def issuer_page(request: Request, user: WebUser) -> HTMLResponse:
    return render_issuer(request, user)


@router.post("/web/admin/issuer")
def record_account(
    request: Request,
    user: WebUser,
    effective_from: Annotated[str, Form()] = "",
    account_name: Annotated[str, Form()] = "",
    bank: Annotated[str, Form()] = "",
    account_no: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "effective_from": effective_from,
        "account_name": account_name,
        "bank": bank,
        "account_no": account_no,
        "reason": reason,
    }
    try:
        require(user, "issuer")
        body = parsed(
            IssuerAccountIn,
            effective_from=effective_from.strip(),
            account_name=account_name.strip(),
            bank=bank.strip(),
            account_no=account_no.strip(),
            reason=reason.strip() or None,
        )
        with writing(request) as session:
            issuer.record_account(
                session, user, body.effective_from, body.account_name, body.bank, body.account_no, body.reason
            )
    except SUBMITTED as exc:
        status, message = refusal(exc)
        return render_issuer(request, user, status, message, form)
    return redirect("/web/admin/issuer", ok=f"已登记收款账户（自{body.effective_from}起）")
