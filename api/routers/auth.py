"""Sign in for a bearer token; who am I; manage users (admin)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from api.deps import CurrentUser, ReadSession, WriteSession
from api.schemas import Message, Token, UserCreate, UserOut
from casework.models import User
from casework.services import users
from casework.services.access import require

router = APIRouter(tags=["登录与用户"])


@router.post("/auth/token", response_model=Token, responses={401: {"model": Message}},
             summary="登录，取得访问令牌")
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
          session: WriteSession) -> Token:
    user, token = users.login(session, form.username, form.password,
                              request.app.state.settings.token_hours)
    return Token(access_token=token, username=user.username, display_name=user.display_name,
                 role=user.role, township_code=user.township_code)


@router.get("/auth/me", response_model=UserOut, responses={401: {"model": Message}}, summary="当前用户")
def me(user: CurrentUser) -> User:
    return user


@router.get("/users", response_model=list[UserOut], responses={403: {"model": Message}}, summary="用户列表")
def list_users(user: CurrentUser, session: ReadSession) -> list[User]:
    require(user, "users")
    return list(session.scalars(select(User).order_by(User.id)))


@router.post("/users", response_model=UserOut, status_code=201,
             responses={403: {"model": Message}, 409: {"model": Message}, 422: {"model": Message}},
             summary="新增用户")
def create_user(body: UserCreate, user: CurrentUser, session: WriteSession) -> User:
    require(user, "users")
    return users.add_user(session, body.username, body.display_name, body.role, body.password,
                          body.township_code, actor=user)

