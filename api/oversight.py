"""Every answer passes here on its way out, whichever route made it (API or console):

- to a township officer, the 区人社局 or a data engineer, identity numbers in a text answer
  (JSON, HTML, CSV) are masked (`1504**********4949`); the data engineer's quarantine pages
  excepted, which show refused cells as they arrived, for that is what is diagnosed there;
- an answer that still carries full identity numbers is recorded in the audit log (who, which
  request, how many numbers; the person, when there is one), and so is every file exported
  (PDF, XLSX: what they hold cannot be read here; the query that chose it kept with it) —
  before the answer is sent;
- every refusal (403) is recorded too, and every failure (5xx).

Answers that wait for their record at the same time share one write transaction (`Records`):
fifty inspectors opening the findings list at once are fifty entries in one commit, not fifty
commits in a queue, and still none of their answers leaves before its entry is committed.

Binary exports for the masked roles are masked where they are made (the findings export, the
documents)."""

from __future__ import annotations

import asyncio
import functools
import re
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import write_now
from api.errors import log
from casework.models import User
from casework.services import audit
from casework.services.access import ids_in, mask_ids, sees_full_ids

TEXT = re.compile(rb"^(application/json|text/html|text/csv|text/plain)")
EXPORTS = re.compile(rb"^application/(pdf|vnd\.openxmlformats)")
AS_ARRIVED = re.compile(r"^/web/feeds/[^/]+/[^/]+$")  # a feed period's quarantine, as sent


class Records:
    """Audit entries written in turn with the other writers (api.deps.write_now), as many in one
    transaction as are waiting when the turn comes: while one batch is being committed the next
    gathers. `write` returns once its entry is committed, and raises if it could not be."""

    def __init__(self, fastapi: FastAPI) -> None:
        self.fastapi = fastapi
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, entry: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.append((entry, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        # Shielded: a client that hangs up does not take its entry out of the batch.
        await asyncio.shield(done)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            # Whatever a write raises goes to the answers waiting for it (each then fails as a
            # route's error would): none of them may be left waiting for ever.
            try:
                await write_now(self.fastapi, functools.partial(_write, [entry for entry, _ in batch]))
            except Exception:  # noqa: BLE001 — each entry is tried again on its own, below
                # One at a time, so that an entry that cannot be written fails only its own answer.
                for entry, done in batch:
                    try:
                        await write_now(self.fastapi, functools.partial(_write, [entry]))
                    except Exception as exc:  # noqa: BLE001 — raised in the request that waits for it
                        _settle(done, exc)
                    else:
                        _settle(done, None)
            else:
                for _, done in batch:
                    _settle(done, None)


def _write(entries: list[dict[str, Any]], session: Session) -> None:
    audit.write_all(session, entries)


def _settle(done: asyncio.Future[None], failure: Exception | None) -> None:
    if done.cancelled():
        return
    if failure is None:
        done.set_result(None)
    else:
        done.set_exception(failure)


class Oversight:
    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app = app
        self.fastapi = fastapi
        self.records = Records(fastapi)
        # What was found in an answer, by its bytes: the findings list sends the same kept bytes
        # over and over (api.cache), and reading them for identity numbers is most of its cost.
        self.inspected = Kept(max_bytes=32 * 2**20)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        body: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)  # extensions (the test client's debug message)
                return
            body.append(message.get("body", b""))
            if not message.get("more_body"):
                await self._answer(scope, start, b"".join(body), send)

        await self.app(scope, receive, held)

    async def _answer(self, scope: Scope, start: Message, content: bytes, send: Send) -> None:
        user: User | None = scope.get("state", {}).get("user")
        kind = dict(start.get("headers", [])).get(b"content-type", b"")
        if user is not None and TEXT.match(kind):
            content = await self._text(scope, user, start["status"], content)
        elif user is not None and EXPORTS.match(kind) and start["status"] == 200:
            detail = {"type": kind.decode()}
            if query := scope.get("query_string", b"").decode("latin-1"):
                detail["query"] = query  # which export: a township and month, a year, a format
            await self._record(scope, user, "exported", detail)
        if start["status"] == 403:
            await self._record(scope, user, "refused", {"status": 403})
        elif start["status"] >= 500:
            try:
                await self._record(scope, user, "failed", {"status": start["status"]})
            except Exception:  # noqa: BLE001 — the store may be what failed: the answer says nothing, it goes
                log.exception("未能在审计日志中记录失败的请求 %s %s", scope["method"], scope["path"])
        await send(start)
        await send({"type": "http.response.body", "body": content})

    async def _text(self, scope: Scope, user: User, status: int, content: bytes) -> bytes:
        masked = not (sees_full_ids(user) or AS_ARRIVED.match(scope["path"]))
        inspected = self.inspected.get((content, masked))
        if inspected is None:
            inspected = _inspect(content, masked)
            self.inspected.put((content, masked), inspected, 2 * len(content))
        sent, shown, person_id = inspected
        if shown:
            await self._record(scope, user, "ids_viewed", {"ids": shown, "status": status}, person_id)
        return sent

    async def _record(
        self, scope: Scope, user: User | None, action: str, detail: dict, person_id: str | None = None
    ) -> None:
        # The address as sent, a NUL in it written out (PostgreSQL keeps no NUL in text).
        target = f"{scope['method']} {scope['path']}".replace("\x00", "\\x00")
        await self.records.write(
            audit.entry(user, action, "requests", target, after=detail, person_id=person_id, actor_name="anonymous")
        )


def _inspect(content: bytes, masked: bool) -> tuple[bytes, int, str | None]:
    """The answer as it may be sent (identity numbers masked when `masked`), how many identity
    numbers it still shows, and the one, when it shows one."""
    text = content.decode("utf-8", errors="surrogateescape")
    if masked:
        text = mask_ids(text)  # the same length: Content-Length holds
        content = text.encode("utf-8", errors="surrogateescape")
    shown = ids_in(text)
    return content, len(shown), next(iter(shown)) if len(shown) == 1 else None


class Kept:
    """The last results of a pure function of large keys, least recently used dropped first
    once they hold more than `max_bytes` (as the caller counts them). For the event loop only."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable) -> Any:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        previous = self._items.pop(key, None)
        self._bytes += size - (previous[1] if previous else 0)
        self._items[key] = (value, size)
        while self._bytes > self.max_bytes:
            self._bytes -= self._items.popitem(last=False)[1][1]
