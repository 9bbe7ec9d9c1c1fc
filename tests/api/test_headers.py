"""What every answer says to the browser: not to be framed, sniffed or (with personal data)
cached; the sign-in cookie marked Secure when served over HTTPS; console forms accepted from
this site only; and the API's documentation loads nothing from outside."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from casework.db import session_factory
from casework.models import IssuedFile
from tests.api.conftest import PASSWORD, Api
from tests.api.test_one_validation import console


def test_every_answer_forbids_framing_and_sniffing_and_personal_data_is_not_cached(api: Api):
    answers = [
        api.get("jingban", "/findings"),
        console(api, "jingban").get("/web/findings"),
        api.client.get("/web/login"),
        api.get("jingban", "/payroll/holds", params={"month": "2026-02", "format": "xlsx"}),
    ]
    for r in answers:
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store", r.url
    stylesheet = api.client.get("/web/static/console.css")
    assert stylesheet.status_code == 200 and "no-store" not in stylesheet.headers.get("cache-control", "")


def sign_in_cookie(client: TestClient) -> str:
    r = client.post("/web/login", data={"username": "jingban", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["set-cookie"]


def test_the_sign_in_cookie_is_secure_when_served_over_https(api: Api, store_settings):
    assert "secure" not in sign_in_cookie(api.client).lower()
    https = TestClient(create_app(store_settings.with_overrides(secure_cookies=True)), base_url="https://testserver")
    cookie = sign_in_cookie(https).lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_a_console_form_posted_from_another_site_is_refused(api: Api):
    form = {"username": "jingban", "password": PASSWORD}
    forged = api.client.post("/web/login", data=form, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and forged.json()["code"] == "cross_site"
    ours = api.client.post("/web/login", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert ours.status_code == 303


def test_the_api_documentation_loads_nothing_from_outside(api: Api):
    for page in ("/docs", "/redoc"):
        html = api.client.get(page)
        assert html.status_code == 200
        assert not re.findall(r"(?:src|href)=[\"']?https?://", html.text), page
        assert "fonts.googleapis" not in html.text and "cdn" not in html.text.lower()
        for asset in re.findall(r"/docs/static/[\w.-]+", html.text):
            assert api.client.get(asset).status_code == 200, asset


def test_an_api_post_carrying_the_consoles_cookie_from_another_site_is_refused(api: Api):
    """The API takes the console's cookie as its token, and a bare form (no body) can ask it to
    issue a notice. Another service on the same host is the same site to a browser, so the
    cookie goes with such a form: its Origin is what refuses it, as for the console's forms."""
    death = api.get("jingban", "/findings", params={"exception_type": "death"}).json()["items"][0]
    case = api.post("jingban", "/cases", {"finding_key": death["finding_key"], "reason": "立案"}).json()
    browser = console(api, "jingban")
    issue = f"/documents/deregistration-notice/{case['id']}/issue"
    forged = browser.post(issue, headers={"Origin": "http://testserver:8080"})
    assert forged.status_code == 403 and forged.json()["code"] == "cross_site", forged.text
    assert issued(api, case["id"]) == 0, "nothing issued, no number spent"
    ours = browser.post(issue, headers={"Origin": "http://testserver"})
    assert ours.status_code == 201, ours.text
    assert issued(api, case["id"]) == 1


def issued(api: Api, case_id: int) -> int:
    with session_factory(api.engine)() as s:
        return s.scalar(select(func.count()).select_from(IssuedFile).where(IssuedFile.case_id == case_id))
