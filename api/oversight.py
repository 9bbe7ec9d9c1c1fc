"""Every answer passes here on its way out, whichever route made it (API or console):

- to a township officer, the 区人社局 or a data engineer, identity numbers in a text answer
  (JSON, HTML, CSV) are masked (`1504**********4949`); the data engineer's quarantine pages
  excepted, which show refused cells as they arrived, for that is what is diagnosed there;
- an answer that still carries full identity numbers is recorded in the audit log (who, which
  request, how many numbers; the person, when there is one), and so is every file exported
  (PDF, XLSX: what they hold cannot be read here; the query that chose it kept with it) —
  before the answer is sent;
- every refusal (403) is recorded too.

Binary exports for the masked roles are masked where they are made (the findings export, the
documents)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import write_now
from casework.models import User
from casework.services import audit
from casework.services.access import ids_in, mask_ids, sees_full_ids

TEXT = re.compile(rb"^(application/json|text/html|text/csv|text/plain)")
EXPORTS = re.compile(rb"^application/(pdf|vnd\.openxmlformats)")
AS_ARRIVED = re.compile(r"^/web/feeds/[^/]+/[^/]+$")  # a feed period's quarantine, as sent


class Oversight:
    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app = app
        self.fastapi = fastapi

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
        await send(start)
        await send({"type": "http.response.body", "body": content})

    async def _text(self, scope: Scope, user: User, status: int, content: bytes) -> bytes:
        text = content.decode("utf-8", errors="surrogateescape")
        if not (sees_full_ids(user) or AS_ARRIVED.match(scope["path"])):
            text = mask_ids(text)  # the same length: Content-Length holds
        if shown := ids_in(text):
            await self._record(
                scope,
                user,
                "ids_viewed",
                {"ids": len(shown), "status": status},
                next(iter(shown)) if len(shown) == 1 else None,
            )
        return text.encode("utf-8", errors="surrogateescape")

    async def _record(
        self, scope: Scope, user: User | None, action: str, detail: dict, person_id: str | None = None
    ) -> None:
        target = f"{scope['method']} {scope['path']}"
        await write_now(
            self.fastapi,
            lambda session: audit.write(
                session, user, action, "requests", target, after=detail, person_id=person_id, actor_name="anonymous"
            ),
        )
