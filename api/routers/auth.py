"""Sign in for a bearer token and sign out; who am I; manage users and lift sign-in locks (admin)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import ClientAddress, CurrentUser, PresentedToken, ReadSession, WriteSession
from api.schemas import Message, PasswordChange, SignIn, SignInLockOut, Token, UserCreate, UserOut
from casework.errors import NotFound
from casework.models import SignInLock, User
from casework.services import signin, users
from casework.services.access import require

router = APIRouter(tags=["登录与用户"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
ADMIN_ANSWERS: dict[int | str, dict[str, Any]] = {
    403: {"model": Message},
    404: {"model": Message},
    409: {"model": Message},
    422: {"model": Message},
}


@router.post(
    "/auth/token",
    response_model=Token,
    responses={401: {"model": Message}, 422: {"model": Message}, 429: {"model": Message}},
    summary="登录，取得访问令牌（同一用户名自同一地址 15 分钟内失败 10 次即暂停 15 分钟）",
)
def login(request: Request, form: Annotated[SignIn, Form()], session: WriteSession, client: ClientAddress) -> Token:
    user, token = signin.sign_in(session, form.username, form.password, client, request.app.state.settings.token_hours)
    return Token(
        access_token=token,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        township_code=user.township_code,
    )


@router.post("/auth/logout", status_code=204, responses={401: {"model": Message}}, summary="退出：令牌立即失效")
def logout(user: CurrentUser, token: PresentedToken, session: WriteSession, client: ClientAddress) -> Response:
    signin.sign_out(session, user, token or "", client)
    return Response(status_code=204)


@router.get("/auth/me", response_model=UserOut, responses={401: {"model": Message}}, summary="当前用户")
def me(user: CurrentUser) -> User:
    return user


@router.get("/users", response_model=list[UserOut], responses={403: {"model": Message}}, summary="用户列表")
def list_users(user: CurrentUser, session: ReadSession) -> list[User]:
    require(user, "users")
    return list(session.scalars(select(User).order_by(User.id)))


@router.post("/users", response_model=UserOut, status_code=201, responses=ADMIN_ANSWERS, summary="新增用户")
def create_user(body: UserCreate, user: CurrentUser, session: WriteSession) -> User:
    require(user, "users")
    return users.add_user(
        session, body.username, body.display_name, body.role, body.password, body.township_code, actor=user
    )


def _managed(session: Session, admin: User, user_id: int) -> User:
    require(admin, "users")
    target = session.get(User, user_id)
    if target is None:
        raise NotFound("用户")
    return target


@router.post(
    "/users/{user_id}/disable", response_model=UserOut, responses=ADMIN_ANSWERS, summary="停用用户（其令牌立即失效）"
)
def disable_user(user_id: Id, user: CurrentUser, session: WriteSession) -> User:
    target = _managed(session, user, user_id)
    users.set_active(session, user, target, False)
    return target


@router.post("/users/{user_id}/enable", response_model=UserOut, responses=ADMIN_ANSWERS, summary="启用用户")
def enable_user(user_id: Id, user: CurrentUser, session: WriteSession) -> User:
    target = _managed(session, user, user_id)
    users.set_active(session, user, target, True)
    return target


@router.post(
    "/users/{user_id}/password",
    status_code=204,
    responses=ADMIN_ANSWERS,
    summary="重设密码（至少 10 位，不能与用户名相同或过于常见；原有令牌失效）",
)
def set_password(user_id: Id, body: PasswordChange, user: CurrentUser, session: WriteSession) -> Response:
    users.set_password(session, user, _managed(session, user, user_id), body.password)
    return Response(status_code=204)


@router.post("/users/{user_id}/unlock", status_code=204, responses=ADMIN_ANSWERS, summary="解除该用户名的登录锁定")
def unlock_user(user_id: Id, user: CurrentUser, session: WriteSession) -> Response:
    signin.unlock(session, user, _managed(session, user, user_id).username)
    return Response(status_code=204)


@router.get("/sign-in-locks", response_model=list[SignInLockOut], responses=ADMIN_ANSWERS, summary="生效中的登录锁定")
def list_locks(user: CurrentUser, session: ReadSession) -> list[SignInLock]:
    require(user, "users")
    return signin.locks(session)


@router.delete("/sign-in-locks/{lock_id}", status_code=204, responses=ADMIN_ANSWERS, summary="解除一项登录锁定")
def lift_lock(lock_id: Id, user: CurrentUser, session: WriteSession) -> Response:
    require(user, "users")
    signin.lift(session, user, lock_id)
    return Response(status_code=204)
