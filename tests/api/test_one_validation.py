"""One validation for every door, on SQLite and PostgreSQL: the console's forms read what they
are sent with the API's schemas, so no input — NUL bytes, over-long values, numbers no page
has — gets a server error from either; vouchers are one voucher however typed; dates and
months stay in range; a body over 1 MiB is refused before it is read."""

from __future__ import annotations

import socket
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import PASSWORD, Api
from tests.api.test_case_lifecycle import first_finding
from tests.conftest import served

# Text as a careless user or an attacker types it: control characters, NUL, wide and long.
TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.text(min_size=60, max_size=300),
    st.sampled_from(["", " ", "\x00", "2026-01", "9999-12", "2026-13-40", "1e20", "-1", "99999999999999999999"]),
)


def console(api: Api, who: str) -> TestClient:
    """The console as `who` sees it: signed in by its cookie, redirects not followed."""
    return TestClient(
        api.client.app, cookies={"pa_token": api.tokens.get(who) or _token(api, who)}, follow_redirects=False
    )


def _token(api: Api, who: str) -> str:
    api.login(who)
    return api.tokens[who]


def open_demand(api: Api) -> tuple[dict, dict]:
    """A case with a demand open against it (a duplicate payment is demanded at once)."""
    finding = first_finding(api, "duplicate_payment")
    case = api.post("jingban", "/cases", {"finding_key": finding["finding_key"], "reason": "立案"}).json()
    demand = api.post(
        "jingban",
        f"/cases/{case['id']}/demands",
        {"case_version": case["version"], "addressee": "王某某", "relation": "本人"},
    )
    assert demand.status_code == 201, demand.text
    return api.get("jingban", f"/cases/{case['id']}").json(), demand.json()


def forms(case: dict, demand: dict, proposal_id: int, admin_target: int) -> list[tuple[str, str, tuple[str, ...]]]:
    c, d = case["id"], demand["id"]
    return [
        ("jingban", "/web/login", ("username", "password", "next")),
        ("jingban", "/web/cases/open", ("finding_key", "reason", "back")),
        (
            "jingban",
            f"/web/cases/{c}/proposals",
            ("kind", "case_version", "reason", "from_month", "resume_month", "custody_rule", "demand_id"),
        ),
        ("fuhe", f"/web/proposals/{proposal_id}/decision", ("case_id", "version", "decision", "note")),
        ("jingban", f"/web/cases/{c}/demands", ("case_version", "addressee", "relation", "reason")),
        ("jingban", f"/web/demands/{d}/repayments", ("case_id", "voucher_no", "amount", "paid_on")),
        ("jingban", f"/web/cases/{c}/visits", ("visited_on", "staff", "evidence_ref", "note")),
        ("jingban", f"/web/cases/{c}/close", ("case_version", "reason")),
        ("admin", "/web/admin/users", ("username", "display_name", "role", "township_code", "password")),
        ("admin", f"/web/admin/users/{admin_target}/password", ("password",)),
        ("admin", "/web/admin/issuer", ("effective_from", "account_name", "bank", "account_no", "reason")),
        ("shuju", "/web/feeds/payments/2025-12/release", ()),
    ]


def proposed_suspension(api: Api) -> tuple[dict, dict]:
    """A detention's case and the suspension proposed on it, awaiting the reviewer: (case, proposal)."""
    other = first_finding(api, "detention")
    case = api.post("jingban", "/cases", {"finding_key": other["finding_key"], "reason": "立案"}).json()
    proposal = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": "suspension", "case_version": case["version"], "reason": "核查"},
    ).json()
    return case, proposal


def test_no_form_of_the_console_answers_a_server_error(api: Api):
    case, demand = open_demand(api)
    _, proposal = proposed_suspension(api)
    target = next(u["id"] for u in api.get("admin", "/users").json() if u["username"] == "jingban2")
    for who, url, fields in forms(case, demand, proposal["id"], target):
        fuzz(console(api, who), url, fields)


def no_server_error_whatever_the_feed_and_period(client, method: str, address: str) -> None:
    """`address` with any text as its {feed} and {period}: refused or not there, never a 5xx."""

    @given(feed=TEXT, period=TEXT)
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def no_server_error(feed, period):
        url = address.format(feed=quote(feed, safe=""), period=quote(period, safe=""))
        answer = client.request(method, url)
        assert answer.status_code < 500, (feed, period, answer.text[:300])

    no_server_error()


def test_the_release_form_answers_no_server_error_whatever_its_address(api: Api):
    """The 放行 form's feed and period come in its address: any text there is refused, never a 5xx."""
    no_server_error_whatever_the_feed_and_period(console(api, "shuju"), "POST", "/web/feeds/{feed}/{period}/release")


def test_the_feed_period_page_answers_no_server_error_whatever_its_address(api: Api):
    """The 数据源 page of a feed and period takes both from its address: any text there (a NUL,
    which PostgreSQL keeps in no text, among them) is not there, never a 5xx."""
    client = console(api, "shuju")
    assert client.get("/web/feeds/payments/2025-01%00").status_code == 404
    no_server_error_whatever_the_feed_and_period(client, "GET", "/web/feeds/{feed}/{period}")


def test_a_decision_posted_with_another_cases_id_lands_on_the_proposals_own_case(api: Api):
    """The decision form says which case to show again; a forged or stale one does not send the
    reviewer, once the decision is taken, to a page of a case that is not the proposal's."""
    case, proposal = proposed_suspension(api)
    answer = console(api, "fuhe").post(
        f"/web/proposals/{proposal['id']}/decision",
        data={"case_id": "999999", "version": str(proposal["version"]), "decision": "approve"},
    )
    assert answer.status_code == 303 and urlsplit(answer.headers["location"]).path == f"/web/cases/{case['id']}"


def fuzz(client: TestClient, url: str, fields: tuple[str, ...]) -> None:
    @given(values=st.fixed_dictionaries({name: TEXT for name in fields}))
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def no_server_error(values):
        answer = client.post(url, data=values)
        assert answer.status_code < 500, (url, values, answer.text[:300])

    no_server_error()


def test_no_page_answers_a_server_error_whatever_its_query(api: Api):
    client = console(api, "jingban")

    @given(
        path=st.sampled_from(
            [
                "/web/findings",
                "/web/cases",
                "/web/accountability",
                "/web/feeds",
                "/web/accountability/events",
                "/web/findings/export.xlsx",
            ]
        ),
        key=st.sampled_from(["page", "type", "township", "month", "status", "min", "max", "sort", "year"]),
        value=TEXT,
    )
    @settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def no_server_error(path, key, value):
        answer = client.get(path, params={key: value})
        assert answer.status_code < 500, (path, key, value, answer.text[:300])

    no_server_error()


def test_what_was_reported_is_refused_in_chinese_not_a_server_error(api: Api):
    assert api.client.post("/auth/token", data={"username": "jing\x00ban", "password": PASSWORD}).status_code == 422
    login = api.client.post("/web/login", data={"username": "jing\x00ban", "password": PASSWORD})
    assert login.status_code == 422 and "用户名：含有控制字符" in login.text
    assert api.get("jingban", "/findings", params={"person": "P\x00"}).status_code == 422
    assert console(api, "jingban").get("/web/persons/P%00").status_code == 404
    for page in ("1e20", "99999999999999999999", "-3"):
        assert console(api, "jingban").get("/web/cases", params={"page": page}).status_code == 200
    case, demand = open_demand(api)
    long_voucher = console(api, "jingban").post(
        f"/web/demands/{demand['id']}/repayments",
        data={"case_id": str(case["id"]), "voucher_no": "V" * 100, "amount": "1.00", "paid_on": "2026-01-10"},
    )
    assert long_voucher.status_code == 422 and "缴存凭证号" in long_voucher.text
    r = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "V" * 100, "amount": "1.00", "paid_on": "2026-01-10"},
    )
    assert r.status_code == 422 and "缴存凭证号" in r.json()["message"]


def test_a_voucher_is_one_voucher_however_it_is_typed(api: Api):
    case, demand = open_demand(api)
    first = api.post(
        "jingban",
        f"/demands/{demand['id']}/repayments",
        {"voucher_no": "V-001", "amount": "1.00", "paid_on": "2026-01-10"},
    )
    assert first.status_code == 201, first.text
    for same in ("v-001", "Ｖ-００１", "V-001 ", " ｖ-001"):
        again = api.post(
            "jingban",
            f"/demands/{demand['id']}/repayments",
            {"voucher_no": same, "amount": "1.00", "paid_on": "2026-01-10"},
        )
        assert again.status_code == 409 and again.json()["code"] == "duplicate_voucher", (same, again.text)
    web = console(api, "jingban").post(
        f"/web/demands/{demand['id']}/repayments",
        data={"case_id": str(case["id"]), "voucher_no": "ｖ－００１", "amount": "1.00", "paid_on": "2026-01-10"},
    )
    assert web.status_code == 409 and "已登记过" in web.text


def test_a_repayment_dated_before_its_demand_or_in_the_future_is_refused(api: Api):
    _case, demand = open_demand(api)
    for day, code in (("2026-01-09", "before_demand"), ("2026-01-11", "future_date")):
        r = api.post(
            "jingban",
            f"/demands/{demand['id']}/repayments",
            {"voucher_no": f"V-{day}", "amount": "1.00", "paid_on": day},
        )
        assert r.status_code == 422 and r.json()["code"] == code, r.text


def test_a_hold_cannot_start_in_a_month_no_payroll_will_reach(api: Api):
    case = api.post(
        "jingban", "/cases", {"finding_key": first_finding(api, "detention")["finding_key"], "reason": "立案"}
    ).json()
    for month, status in (("9999-12", 422), ("2099-12", 422)):
        r = api.post(
            "jingban",
            f"/cases/{case['id']}/proposals",
            {"kind": "suspension", "case_version": case["version"], "reason": "核查", "from_month": month},
        )
        assert r.status_code == status, (month, r.text)
    assert "最晚" in r.json()["message"]


def test_a_rejection_says_why_at_every_door(api: Api):
    case = api.post(
        "jingban", "/cases", {"finding_key": first_finding(api, "detention")["finding_key"], "reason": "立案"}
    ).json()
    proposal = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": "suspension", "case_version": case["version"], "reason": "核查"},
    ).json()
    r = api.post("fuhe", f"/proposals/{proposal['id']}/decision", {"approve": False, "version": proposal["version"]})
    assert r.status_code == 422 and "驳回时请填写复核意见" in r.json()["message"]


def test_a_body_over_1_mib_is_refused_before_it_is_read(api: Api):
    big = b"x" * (2**20 + 1)
    assert api.client.post("/cases", content=big).status_code == 413, "before signing in is checked"
    chunked = api.client.post(
        "/cases", content=iter([big[: 2**19], big[2**19 :]]), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413 and chunked.json()["code"] == "too_large"
    with served(api.client.app, lifespan="off") as base:
        where = urlsplit(base)
        with socket.create_connection((where.hostname, where.port), timeout=10) as raw:
            raw.sendall(
                b"POST /cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 209715200\r\n\r\n"
            )
            assert raw.recv(200).startswith(b"HTTP/1.1 413"), "answered without waiting for 200 MB"


@pytest.mark.parametrize("month", ["2026-1", "26-01", "2026-00"])
def test_a_month_that_is_not_one_is_refused(api: Api, month: str):
    case = api.post(
        "jingban", "/cases", {"finding_key": first_finding(api, "detention")["finding_key"], "reason": "立案"}
    ).json()
    r = api.post(
        "jingban",
        f"/cases/{case['id']}/proposals",
        {"kind": "suspension", "case_version": case["version"], "reason": "核查", "from_month": month},
    )
    assert r.status_code == 422
