"""What a route may ask for: a session for reading or writing, the signed-in user, today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.errors import Problem
from api.models import User
from api.security import user_for_token

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def _reading(request: Request) -> Iterator[Session]:
    with request.app.state.read_sessions() as session:
        yield session


def _writing(request: Request) -> Iterator[Session]:
    with request.app.state.write_sessions() as session, session.begin():
        yield session


ReadSession = Annotated[Session, Depends(_reading)]
WriteSession = Annotated[Session, Depends(_writing)]


class Unauthenticated(Problem):
    status = 401

    def __init__(self) -> None:
        super().__init__("unauthenticated", "请先登录（令牌无效或已过期）")


def _current_user(request: Request, session: ReadSession,
                  token: Annotated[str | None, Depends(bearer)]) -> User:
    token = token or request.cookies.get("pa_token")
    user = user_for_token(session, token) if token else None
    if user is None:
        raise Unauthenticated()
    session.expunge(user)
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


def today() -> dt.date:
    """The bureau's calendar day; tests move it to see deadlines pass."""
    return dt.date.today()


Today = Annotated[dt.date, Depends(today)]
