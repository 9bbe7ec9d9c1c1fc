"""The FastAPI application: `pension-audit serve`, or `create_app()` in tests."""

from __future__ import annotations

import gc
import threading
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from api import docs, errors
from api.cache import AnswerCache, Glance
from api.guards import BodyLimit, SameOrigin, SecurityHeaders
from api.oversight import Oversight
from api.routers import auth, cases, documents, findings, payroll
from api.web import admin
from api.web import routes as web
from casework.chain import seal_of
from casework.db import open_store, prepare_store, session_factory
from casework.services.persons import PersonRefs
from pension_audit.settings import Settings

DESCRIPTION = """城乡居民基本养老保险待遇稽核：疑点、案件办理（暂停、恢复、注销、清算抵扣、追缴、核销、移交）
与发放停发名单。错误一律返回 `{"code": 稳定代码, "message": 中文说明}`。"""


YOUNG_COLLECTION = 10_000  # allocations between young collections (Python's default: 700)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    prepare_store(settings)
    engine = open_store(settings, service=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # Routes are plain functions run in worker threads. Their work holds the GIL, so more
        # threads than a few only contend for it: at 50 clients, 40 threads spent 2.9 ms of CPU
        # a findings page, 4 threads 1.8 ms (docs/benchmarks.md).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        # What is alive now (the imports, the app) lives as long as the process: out of the
        # collector's sight. Else every full collection walks its ~0.5 million objects, 0.3-0.5 s
        # with the GIL held, and every request in flight waits (the findings list's p99 at 50
        # clients was that one pause, docs/benchmarks.md). Young collections rarer too: at 700
        # allocations each, the objects of the requests in flight were promoted and full
        # collections came every second or two.
        gc.collect()
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG_COLLECTION, *thresholds[1:])
        try:
            yield
        finally:
            gc.set_threshold(*thresholds)  # an app started and stopped in a process that goes on (tests)
            gc.unfreeze()
            _app.state.glance.close()
            engine.dispose()

    app = FastAPI(
        title="松山区城乡居民养老保险待遇稽核平台",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.read_sessions = session_factory(engine)
    app.state.write_sessions = session_factory(engine, writing=True)
    # The store has one writer at a time (SQLite's write lock, PostgreSQL's writers' lock): this
    # process's writers queue for their turn on the event loop (api.deps.write_turn).
    app.state.write_gate = threading.Lock()
    app.state.findings_answers = AnswerCache()  # the findings list's answers, per revision
    app.state.glance = Glance(engine)  # the revision and the token's user, on the event loop
    app.state.person_refs = PersonRefs(seal_of(engine).key("person-ref"))
    errors.install(app)
    # Middleware, innermost first: the last added sees a request first.
    app.add_middleware(errors.Failures, answer=web.failure_answer)  # what fails: a 500 in Chinese, logged
    app.add_middleware(SameOrigin)  # what changes something: from this site only (console and API)
    app.add_middleware(Oversight, fastapi=app)  # masks identity numbers, records disclosures and refusals
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)  # before anything reads a body
    for module in (auth, findings, cases, payroll, documents):
        app.include_router(module.router)
    docs.install(app)  # /docs and /redoc, from local assets
    web.install(app)  # the web console: pages under /web, its stylesheet under /web/static
    app.include_router(admin.router)  # the admin's pages, /web/admin

    @app.get("/health", tags=["系统"], summary="健康检查")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
