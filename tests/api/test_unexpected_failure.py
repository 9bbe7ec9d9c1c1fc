"""A route that fails unexpectedly (a document whose data is not what it needs) answers 500 in
Chinese behind the same middleware as every answer (its headers, its audit record), and the
failure is logged with its traceback. Served by uvicorn: what a real client gets."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from fastapi.responses import Response
from sqlalchemy import text

from api.app import create_app
from api.deps import CurrentUser, ReadSession
from casework.db import open_store, session_factory, transaction
from casework.models import Role
from casework.services.users import add_user
from pension_audit.settings import Settings
from tests.api.conftest import PASSWORD
from tests.conftest import served


def test_an_unexpected_failure_is_a_chinese_500_logged_and_recorded(tmp_path: Path, caplog):
    settings = Settings(home=tmp_path / "home")
    app = create_app(settings)
    engine = open_store(settings)
    with transaction(session_factory(engine, writing=True)) as s:
        add_user(s, "jingban", "张经办", Role.inspector, PASSWORD, None)

    # A document route and a console page whose data is missing, mounted like the others.
    @app.get("/documents/missing-data", response_class=Response)
    def document(user: CurrentUser, session: ReadSession) -> Response:
        return Response({}["template"], media_type="application/pdf")

    @app.get("/web/missing-data", response_class=Response)
    def console_page(user: CurrentUser, session: ReadSession) -> Response:
        return Response({}["template"], media_type="text/html")

    with served(app) as url, httpx.Client(base_url=url) as client, caplog.at_level(logging.ERROR):
        token = client.post("/auth/token", data={"username": "jingban", "password": PASSWORD}).json()["access_token"]
        failed = client.get("/documents/missing-data", headers={"Authorization": f"Bearer {token}"})
        page = client.get("/web/missing-data", cookies={"pa_token": token})
        after = client.get("/health")  # the connection still serves

    assert failed.status_code == 500
    assert failed.json()["code"] == "internal_error" and "系统内部错误" in failed.json()["message"]
    assert failed.headers["cache-control"] == "no-store" and failed.headers["x-frame-options"] == "DENY"
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "系统内部错误" in page.text and "张经办" in page.text, "the console's error page, with its menu"
    assert after.status_code == 200

    logged = [r for r in caplog.records if r.name == "pension_audit.api" and r.exc_info]
    assert [r.exc_info[0] for r in logged] == [KeyError, KeyError]
    assert "GET /documents/missing-data" in logged[0].getMessage()
    with engine.connect() as c:
        recorded = c.execute(text("SELECT actor, entity_id FROM audit_log WHERE action = 'failed' ORDER BY id")).all()
    assert recorded == [("jingban", "GET /documents/missing-data"), ("jingban", "GET /web/missing-data")]
    engine.dispose()
