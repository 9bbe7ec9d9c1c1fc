"""What a route may ask for: a session for reading or writing, the signed-in user, today."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from fastapi.concurrency import contextmanager_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from casework.errors import Problem
from casework.models import User
from casework.security import user_for_token
from pension_audit.settings import bureau_today

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def _reading(request: Request) -> Iterator[Session]:
    with request.app.state.read_sessions() as session:
        yield session


@contextmanager
def _write_transaction(request: Request) -> Iterator[Session]:
    with request.app.state.write_sessions() as session, session.begin():
        yield session


async def _writing(request: Request) -> AsyncIterator[Session]:
    """On SQLite, writing requests queue for the store's one write lock here, on the event loop,
    holding neither a thread nor a connection while they wait. Were they to wait in a thread
    (SQLite's busy handler), enough of them would take every thread of the pool, and the
    writer holding the lock could not get one to finish its request: all stall until timeout."""
    gate: threading.Lock | None = request.app.state.write_gate
    if gate is not None:
        with CancelScope(shield=True):  # once acquired, released below, whatever happens
            await anyio.to_thread.run_sync(gate.acquire, limiter=CapacityLimiter(1))
    try:
        async with contextmanager_in_threadpool(_write_transaction(request)) as session:
            yield session
    finally:
        if gate is not None:
            gate.release()


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
    # Hand the connection back before the route runs (the route's reads take one again). A
    # route that writes takes a second connection, and on SQLite waits for the write lock:
    # holding this one meanwhile, enough concurrent writers would empty the pool and wait on
    # each other until its timeout.
    session.rollback()
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


def today() -> dt.date:
    """The bureau's calendar day (北京时间); tests move it to see deadlines pass."""
    return bureau_today()


Today = Annotated[dt.date, Depends(today)]
