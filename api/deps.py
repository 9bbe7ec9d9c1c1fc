"""What a route may ask for: a session for reading or writing, the signed-in user, today."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import contextmanager_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from casework.db import transaction
from casework.errors import Problem
from casework.models import User
from casework.security import user_for_token
from casework.services.persons import PersonRefs
from pension_audit.settings import bureau_today

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
COOKIE = "pa_token"  # the console's sign-in cookie: the same token as the bearer


def _reading(request: Request) -> Iterator[Session]:
    with request.app.state.read_sessions() as session:
        yield session


@asynccontextmanager
async def write_turn(app: FastAPI) -> AsyncIterator[None]:
    """The service's writers queue here, on the event loop, holding neither a thread nor a
    connection while they wait. Were they to wait in a thread (for SQLite's write lock, or
    PostgreSQL's writers' lock), enough of them would take every thread of the pool, and the
    writer holding the lock could not get one to finish its request: all would stall."""
    gate: threading.Lock = app.state.write_gate
    with CancelScope(shield=True):  # once acquired, released below, whatever happens
        await anyio.to_thread.run_sync(gate.acquire, limiter=CapacityLimiter(1))
    try:
        yield
    finally:
        gate.release()


async def _writing(request: Request) -> AsyncIterator[Session]:
    async with (
        write_turn(request.app),
        contextmanager_in_threadpool(transaction(request.app.state.write_sessions)) as session,
    ):
        yield session


async def write_now(app: FastAPI, work: Callable[[Session], Any]) -> None:
    """Run `work` in a write transaction of its own, in turn with the other writers (what a
    middleware records about an answer)."""

    def run() -> None:
        with transaction(app.state.write_sessions) as session:
            work(session)

    async with write_turn(app):
        # A thread of its own: holding the writers' turn, and awaited by the answers it records,
        # it does not queue behind the reads waiting for the routes' threads.
        await anyio.to_thread.run_sync(run, limiter=CapacityLimiter(1))


# Scope "function": the session closes, and its connection goes back to the pool, when the route
# returns, before its answer is sent. An answer on its way out may wait for a write (the audit
# log's record of who saw full identity numbers, api.oversight): were every request to hold its
# read connection meanwhile, as many requests as the pool has connections would each wait for a
# connection none would give back.
ReadSession = Annotated[Session, Depends(_reading, scope="function")]
# Scope "function": the transaction commits when the route has returned and its answer is
# serialised, before a byte of it is sent. A client that has its 201 finds the write in the store,
# and a commit that fails answers 409 or 500, never 2xx.
WriteSession = Annotated[Session, Depends(_writing, scope="function")]


class Unauthenticated(Problem):
    status = 401

    def __init__(self) -> None:
        super().__init__("unauthenticated", "请先登录（令牌无效或已过期）")


async def _presented_token(request: Request, token: Annotated[str | None, Depends(bearer)]) -> str | None:
    """The bearer token, or the console's cookie holding the same (async: no worker thread for
    reading a header)."""
    return token or request.cookies.get(COOKIE)


PresentedToken = Annotated[str | None, Depends(_presented_token)]


def _current_user(request: Request, session: ReadSession, token: PresentedToken) -> User:
    user = user_for_token(session, token) if token else None
    if user is None:
        raise Unauthenticated()
    session.expunge(user)
    request.state.user = user  # for what sees the answer on its way out (api.oversight)
    # Hand the connection back before the route runs (the route's reads take one again). A
    # route that writes takes a second connection, and on SQLite waits for the write lock:
    # holding this one meanwhile, enough concurrent writers would empty the pool and wait on
    # each other until its timeout.
    session.rollback()
    return user


CurrentUser = Annotated[User, Depends(_current_user)]


@dataclass(frozen=True)
class Glimpse:
    """The signed-in user and the findings' revision as the store had them when the request
    arrived (api.cache.Glance), with neither a session nor a worker thread."""

    user: User
    revision: int


async def _glimpse(request: Request, token: PresentedToken) -> Glimpse:
    revision, user = request.app.state.glance(token)
    if user is None:
        raise Unauthenticated()
    request.state.user = user  # for what sees the answer on its way out (api.oversight)
    return Glimpse(user, revision)


GlimpsedUser = Annotated[Glimpse, Depends(_glimpse)]


def client_address(request: Request) -> str:
    """Who is asking: the peer's address, or, when the peer is a trusted reverse proxy
    (Settings.trusted_proxies), the address it forwarded: X-Forwarded-For read from the right,
    past every trusted proxy. A header from anyone else counts for nothing."""
    trusted = _networks(tuple(request.app.state.settings.trusted_proxies))
    address = request.client.host if request.client else "unknown"
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    while hops and _within(address, trusted):
        address = hops.pop()
    return address[:64]


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _within(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


ClientAddress = Annotated[str, Depends(client_address)]


async def _person_refs(request: Request) -> PersonRefs:
    return request.app.state.person_refs


Refs = Annotated[PersonRefs, Depends(_person_refs)]


def today() -> dt.date:
    """The bureau's calendar day (北京时间); tests move it to see deadlines pass."""
    return bureau_today()


Today = Annotated[dt.date, Depends(today)]
