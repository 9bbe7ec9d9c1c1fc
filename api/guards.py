"""What every request passes before any route, and every answer on its way out: a bound on
the body a request may send (answered in Chinese, at once when Content-Length says so —
Starlette's own limit answers in English, once the app answers); the headers that keep pages
from being framed, sniffed or cached; and, for the console's forms, the browser's word that
they were posted from this site."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 2**20  # 1 MiB: the largest form or JSON body the service has any use for


class BodyLimit:
    """Refuse a request body over `limit` bytes before it is read: at once when its
    Content-Length says so (before signing in is even checked), else as soon as more than
    that has arrived."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _refuse(send)
            return
        received, started, refused = 0, False, False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit and not started:
                refused = True
                await _refuse(send)
                return {"type": "http.disconnect"}  # the app stops reading; what it answers is dropped
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, watched)


async def _refuse(send: Send) -> None:
    await _answer(send, 413, "too_large", "请求内容过大（不得超过 1 MiB）", close=True)


async def _answer(send: Send, status: int, code: str, message: str, close: bool = False) -> None:
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": headers + ([(b"connection", b"close")] if close else []),
        }
    )
    await send({"type": "http.response.body", "body": body})


STATIC = ("/web/static/", "/docs/static/")  # assets without personal data: cacheable
EVERY_ANSWER = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """No other site may frame a page (clickjacking), no browser may guess a type, no URL leaves
    in a Referer; and no answer but a static asset is cached: pages, lists and documents carry
    personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = EVERY_ANSWER + ([] if scope["path"].startswith(STATIC) else [(b"cache-control", b"no-store")])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class SameOrigin:
    """A request that changes something, sent by a browser from another site, is refused (403),
    whatever cookie came with it: a console form, and the API's routes too, which take the
    console's cookie as their token (a bare form posting to `/documents/recovery-notice/{id}/issue` or
    `/referrals/run` sends no body to refuse). Browsers say where such a request comes from
    (Origin); it must be this host (as the Host header names it: a reverse proxy passes it on).
    SameSite=Strict keeps the sign-in cookie off posts from other sites, but another service on
    the same host (another port) is the same site to a browser: this is the second lock. Clients
    that send no Origin (not browsers) pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE:
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            if origin is not None and urlsplit(origin.decode("latin-1")).netloc != headers.get(b"host", b"").decode(
                "latin-1"
            ):
                await _answer(send, 403, "cross_site", "已拒绝来自其他网站的提交")
                return
        await self.app(scope, receive, send)
